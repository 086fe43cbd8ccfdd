// Call stack from the frame-pointer chain (EBP), with the cases a stop at a function's first
// instructions needs (before `push ebp` / `mov ebp, esp` the return address is still at ESP).
// Code built without frame pointers (-O2) yields the innermost frame and whatever of the chain
// is still plausible: every return address must lie in a known function.

import type { MachineApi } from '../../emulator/machine';
import type { SymbolTable } from './symbols';

import type { FunctionInfo, InlineFrame, Regs } from '../../emulator/loader/dwarf';
import type { SourceLine } from '../../emulator/loader/dwarf/line-table';

export interface RawFrame {
  pc: number; sp: number; fp: number; regs?: Regs; fn?: FunctionInfo | null;
  /** Exact bytes of this frame's registers where known (64-bit values, XMM), for variables held in them. */
  regBytes?: (name: string) => Uint8Array | undefined;
  /**
   * This frame was interrupted by an exception or interrupt with this vector, or by the PV
   * callback of this name ('' when the handler's code is shared by several vectors); the next
   * frame up is its handler.
   */
  interruptedBy?: number | string;
  /** The pc is the next instruction to run (innermost or interrupted frame), not a return address. */
  exactPc?: boolean;
  /**
   * A function that left by a tail call, shown between its callee and its caller (tail-calls.ts):
   * pc is the address after its jump; it has no registers of its own.
   */
  tailCall?: boolean;
  /** Set by withInlineFrames (inline-frames.ts): the physical frame's index, counted from 0... */
  level?: number;
  /** ...the source frame's name and line (an inlined call's, or its caller's at the call site)... */
  name?: string;
  source?: SourceLine;
  /** ...and the inlined call or function whose parameters and locals it shows. */
  inline?: InlineFrame;
}

/** Vectors for which the CPU pushes an error code (SDM Vol. 3, 6.13). */
export const ERROR_CODE_VECTORS = new Set([8, 10, 11, 12, 13, 14, 17, 21, 29, 30]);

const MAX_FRAMES = 64;

function u32(m: MachineApi, addr: number): number | null {
  const b = m.readLinear(addr >>> 0, 4);
  return b ? (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0 : null;
}

/**
 * From the registers, or from `at` (an interrupted frame's ESP and EBP). `handlers` maps interrupt/exception handler entry points (IDT gates, the PV trap table) to
 * their vector: stopped at such an entry, the frame below is the interrupted code, whose EIP
 * the CPU pushed (after an error code for some vectors).
 */
export function unwind(m: MachineApi, symbols: SymbolTable, pc: number, firstBytes: (addr: number) => Uint8Array | null, handlers?: Map<number, number>,
  at?: { esp: number; ebp: number }): RawFrame[] {
  const r = at ?? m.getRegisters();
  const frames: RawFrame[] = [{ pc, sp: r.esp, fp: r.ebp }];
  const sym = symbols.functionAt(pc);
  let ret: number | null = null;
  let fp = r.ebp;
  let sp = r.esp;
  const here = firstBytes(pc);
  const vector = handlers?.get(pc);
  if (vector !== undefined) {
    const at = r.esp + (ERROR_CODE_VECTORS.has(vector) ? 4 : 0);
    const eip = u32(m, at);
    if (eip !== null && symbols.at(eip)) {
      // Flat segments assumed for the interrupted code (CS base 0), as in every kernel here.
      frames.push({ pc: eip, sp: at + 12, fp: r.ebp, interruptedBy: vector });
      const more = unwindFrom(m, symbols, eip, at + 12, r.ebp, firstBytes);
      return frames.concat(more.slice(1));
    }
  }
  if (sym && pc === sym.address) { ret = u32(m, r.esp); sp = r.esp + 4; }
  else if (sym && pc === sym.address + 1 && firstBytes(sym.address)?.[0] === 0x55) { ret = u32(m, r.esp + 4); sp = r.esp + 8; }
  else if (here && here[0] === 0xc3) { ret = u32(m, r.esp); sp = r.esp + 4; }
  else if (sym && firstBytes(sym.address)?.[0] === 0x55) {
    ret = u32(m, fp + 4);
    sp = fp + 8;
    fp = u32(m, fp) ?? 0;
  }
  while (ret !== null && frames.length < MAX_FRAMES && symbols.at(ret)) {
    frames.push({ pc: ret, sp, fp });
    // Callers are mid-function, past their prologue: the chain continues through [fp].
    if (fp === 0 || (fp & 3) !== 0 || fp < sp) break;
    const next = u32(m, fp + 4);
    const nextFp = u32(m, fp);
    if (next === null || nextFp === null) break;
    sp = fp + 8;
    ret = next;
    // A chain must grow upwards; one that does not ends after this frame.
    fp = nextFp !== 0 && nextFp <= fp ? 0 : nextFp;
  }
  return frames;
}

/** The chain above an interrupted frame: mid-function code, continued through EBP. */
function unwindFrom(m: MachineApi, symbols: SymbolTable, pc: number, sp: number, fp: number, firstBytes: (addr: number) => Uint8Array | null): RawFrame[] {
  const frames: RawFrame[] = [{ pc, sp, fp }];
  const sym = symbols.functionAt(pc);
  if (!sym || firstBytes(sym.address)?.[0] !== 0x55 || fp === 0) return frames;
  let ret = u32(m, fp + 4);
  let nsp = fp + 8;
  let nfp = u32(m, fp) ?? 0;
  while (ret !== null && frames.length < MAX_FRAMES && symbols.at(ret)) {
    frames.push({ pc: ret, sp: nsp, fp: nfp });
    if (nfp === 0 || (nfp & 3) !== 0 || nfp < nsp) break;
    const next = u32(m, nfp + 4);
    const nextFp = u32(m, nfp);
    if (next === null || nextFp === null) break;
    nsp = nfp + 8;
    ret = next;
    nfp = nextFp !== 0 && nextFp <= nfp ? 0 : nextFp;
  }
  return frames;
}
