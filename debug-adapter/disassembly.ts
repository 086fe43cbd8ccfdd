// Disassembly through iced-x86's formatter (NASM or GAS syntax). The emulator's own decoder
// executes; iced only prints. iced-x86 finds its .wasm next to its own module, so it is
// required at run time from node_modules rather than bundled into dist/.

import { createRequire } from 'node:module';
import type * as Iced from 'iced-x86';

let iced: typeof Iced | null | undefined;

function loadIced(): typeof Iced | null {
  if (iced !== undefined) return iced;
  try {
    const req = createRequire(typeof __filename === 'string' ? __filename : process.cwd() + '/');
    iced = req('iced-x86') as typeof Iced;
  } catch {
    iced = null;
  }
  return iced;
}

/**
 * An address as the disassembly takes and gives it: in 16- and 32-bit code an unsigned 32-bit
 * number; in 64-bit code the canonical address as a signed number (the higher half negative),
 * which a double holds exactly, as the ELF64 loader gives them.
 */
export interface DisassembledLine {
  address: number; bytes: Uint8Array; text: string; length: number; valid: boolean;
  /** A direct call's or jump's target, for the symbol beside it. */
  target?: number;
}

export class Disassembler {
  private readonly formatter: Iced.Formatter;
  private readonly lib: typeof Iced;

  constructor(syntax: 'nasm' | 'gas') {
    const lib = loadIced();
    if (!lib) throw new Error('disassembly needs the iced-x86 package, which could not be loaded');
    this.lib = lib;
    this.formatter = new lib.Formatter(syntax === 'gas' ? lib.FormatterSyntax.Gas : lib.FormatterSyntax.Nasm);
    this.formatter.hexPrefix = '0x';
    this.formatter.hexSuffix = '';
    this.formatter.uppercaseHex = false;
  }

  /** Decodes `count` instructions of `bits`-bit code from `bytes` (which start at `address`). */
  decode(bytes: Uint8Array, address: number, count: number, bits: 16 | 32 | 64 = 32): DisassembledLine[] {
    const lib = this.lib;
    const dec = new lib.Decoder(bits, bytes, lib.DecoderOptions.None);
    const wide = bits === 64;
    // iced counts IP modulo 2^64 in 64-bit code and modulo 2^32 otherwise.
    const at = (a: number): number => (wide ? a : a >>> 0);
    dec.ip = wide ? BigInt.asUintN(64, BigInt(address)) : BigInt(address >>> 0);
    const ins = new lib.Instruction();
    const out: DisassembledLine[] = [];
    try {
      while (out.length < count && dec.canDecode) {
        const off = dec.position;
        dec.decodeOut(ins);
        const valid = !ins.isInvalid;
        const len = ins.length;
        const line: DisassembledLine = { address: at(address + off), bytes: bytes.slice(off, off + len), text: valid ? this.formatter.format(ins) : '(bad)', length: len, valid };
        const k = ins.op0Kind;
        if (valid && (k === lib.OpKind.NearBranch32 || k === lib.OpKind.NearBranch16)) line.target = Number(ins.nearBranchTarget) >>> 0;
        else if (valid && k === lib.OpKind.NearBranch64) line.target = Number(BigInt.asIntN(64, ins.nearBranchTarget));
        out.push(line);
      }
    } finally {
      ins.free();
      dec.free();
    }
    return out;
  }
}
