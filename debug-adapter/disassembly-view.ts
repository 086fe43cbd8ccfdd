// The disassembly view's answer: `count` instructions around an address, forwards or (for
// negative offsets) backwards, with symbols and source lines, padded with invalid entries
// where memory is unmapped or the stream cannot be resynchronised. Addresses are unsigned
// 32-bit numbers in 16- and 32-bit code and signed canonical ones in 64-bit code (the higher
// half negative; long-mode linear addresses as the CPU takes them), printed as the adapter's
// other memory references are.

import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Disassembler } from './disassembly';
import type { DebugEngine } from './engine/debug-engine';
import { hex } from './state-views';
import { addressRef } from './protocol-values';

type Locate = (file: string, line: number) => { source: DebugProtocol.Source; line: number };
type Bits = 16 | 32 | 64;

/** a + n in the code's address space: modulo 2^32 outside 64-bit code, exact (canonical, signed) in it. */
const step = (a: number, n: number, bits: Bits): number => (bits === 64 ? a + n : (a + n) >>> 0);
const text = (a: number, bits: Bits): string => (bits === 64 ? addressRef(a) : hex(a));

export function disassembleAround(e: DebugEngine, dis: Disassembler, addr: number, ioff: number, count: number, bits: Bits, locate: Locate): DebugProtocol.DisassembledInstruction[] {
  const out: DebugProtocol.DisassembledInstruction[] = [];
  if (ioff < 0) {
    // Decoding backwards is ambiguous: decode forward from far enough back that the stream
    // lands on `addr`, and keep the last instructions before it.
    const back = Math.min(-ioff * 15, 0x10000);
    const from = step(addr, -back, bits);
    const bytes = readMapped(e, from, back, bits);
    let before: number[] = [];
    if (bytes) {
      for (let skew = 0; skew < 16 && skew < bytes.length; skew++) {
        const lines = dis.decode(bytes.subarray(skew), step(from, skew, bits), back, bits);
        if (lines.some((l) => l.address === addr || l.address + l.length === addr)) {
          before = lines.filter((l) => l.address < addr).map((l) => l.address);
          break;
        }
      }
    }
    const want = -ioff;
    const got = before.slice(-want);
    for (let i = got.length; i < want; i++) out.push({ address: text(step(addr, -(want - i), bits), bits), instruction: '', presentationHint: 'invalid' });
    out.push(...decodeAt(e, dis, got.length ? got[0]! : addr, count - out.length, bits, locate));
  } else {
    out.push(...decodeAt(e, dis, addr, ioff + count, bits, locate).slice(ioff));
  }
  return out.slice(0, count);
}

/** Bytes from `from`, up to the first unmapped page (null when none is mapped). */
function readMapped(e: DebugEngine, from: number, len: number, bits: Bits): Uint8Array | null {
  const buf = new Uint8Array(len);
  let n = 0;
  while (n < len) {
    const a = step(from, n, bits);
    const k = Math.min(len - n, 0x1000 - (a & 0xfff));
    const chunk = e.machine.readLinear(a, k);
    if (!chunk) break;
    buf.set(chunk, n);
    n += k;
  }
  return n ? buf.subarray(0, n) : null;
}

function decodeAt(e: DebugEngine, dis: Disassembler, start: number, count: number, bits: Bits, locate: Locate): DebugProtocol.DisassembledInstruction[] {
  const out: DebugProtocol.DisassembledInstruction[] = [];
  if (count <= 0) return out;
  const bytes = readMapped(e, start, count * 15 + 15, bits);
  const lines = bytes ? dis.decode(bytes, start, count, bits) : [];
  let lastLine = -1;
  for (const l of lines) {
    // As objdump and gdb print them: `call 0x00100400 <console_init>`.
    const target = l.target !== undefined ? e.symbols.describe(l.target) : undefined;
    const d: DebugProtocol.DisassembledInstruction = {
      address: text(l.address, bits), instruction: target ? `${l.text} <${target}>` : l.text,
      instructionBytes: [...l.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' '),
    };
    if (!l.valid) d.presentationHint = 'invalid';
    const sym = e.symbols.at(l.address);
    if (sym && sym.address === l.address) d.symbol = sym.name;
    const src = e.sourceAt(l.address);
    if (src && src.line !== lastLine) { const at = locate(src.file, src.line); d.location = at.source; d.line = at.line; lastLine = src.line; }
    out.push(d);
  }
  for (let a = step(start, lines.reduce((s, l) => s + l.length, 0), bits); out.length < count; a = step(a, 1, bits)) {
    out.push({ address: text(a, bits), instruction: '', presentationHint: 'invalid' });
  }
  return out;
}
