// Call stack from the frame-pointer chain (EBP), with the cases a stop at a function's first
// instructions needs (before `push ebp` / `mov ebp, esp` the return address is still at ESP).
// Code built without frame pointers (-O2) yields the innermost frame and whatever of the chain
// is still plausible: every return address must lie in a known function.

import type { MachineApi } from '../../emulator/machine-api';
import type { SymbolTable } from './symbols';

import type { FunctionInfo, Regs } from '../../emulator/loader/dwarf';

export interface RawFrame { pc: number; sp: number; fp: number; regs?: Regs; fn?: FunctionInfo | null }

const MAX_FRAMES = 64;

function u32(m: MachineApi, addr: number): number | null {
  const b = m.readLinear(addr >>> 0, 4);
  return b ? (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0 : null;
}

export function unwind(m: MachineApi, symbols: SymbolTable, pc: number, firstBytes: (addr: number) => Uint8Array | null): RawFrame[] {
  const r = m.getRegisters();
  const frames: RawFrame[] = [{ pc, sp: r.esp, fp: r.ebp }];
  const sym = symbols.at(pc);
  let ret: number | null = null;
  let fp = r.ebp;
  let sp = r.esp;
  const here = firstBytes(pc);
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
