// The stack in 64-bit mode (LONG-MODE.md, "Dispatch"): PUSH/POP of registers (REX.B reaches
// R8-R15) and of r/m, POP FS/GS, ENTER/LEAVE, POPF. Operand size 64 by default, 16 under 66;
// there is no 32-bit push or pop. The stack pointer is RSP, whatever SS says.

import * as K from './constants';
import type { ExecCpu, Handler } from './handler';

// Bindings read once at load (see lazy-flags.ts).
const { FLAG_IF, FS, GS, SS, UD } = K;

/** Operand size of a default-64 instruction: 16 under 66 without REX.W, else 64. */
const wide = (cpu: ExecCpu): boolean => cpu.o32 || cpu.o64;

const pushReg: Handler = (cpu, b) => {
  const r = (b & 7) | cpu.rexB;
  if (wide(cpu)) cpu.push64(cpu.regs[r], cpu.regsHi[r]); else cpu.push16(cpu.r16[r << 1]);
};

const popReg: Handler = (cpu, b) => {
  const r = (b & 7) | cpu.rexB;
  if (wide(cpu)) { const lo = cpu.pop64(); cpu.setR64(r, lo, cpu.rdHi); return; }
  const v = cpu.peek16(0); cpu.spAdd(2); cpu.r16[r << 1] = v;
};

/** 8F /0: POP r/m: RSP is incremented before the address is computed from it. */
const popEv: Handler = (cpu) => {
  const regs = cpu.regs, hi = cpu.regsHi;
  const w = wide(cpu);
  const lo = w ? cpu.peek64(0) : cpu.peek16(0), vh = cpu.rdHi;
  const sl = regs[4], sh = hi[4];
  cpu.spAdd(w ? 8 : 2);
  try {
    cpu.modrm();
    if (cpu.reg !== 0) cpu.fault(UD);
    if (w) cpu.setE64(lo, vh); else cpu.setE16(lo);
  } catch (e) { regs[4] = sl; hi[4] = sh; throw e; }
};

/** 0F A1/A9: POP FS/GS. */
const popFsGs: Handler = (cpu, op) => {
  const s = op === 0xa1 ? FS : GS;
  const w = wide(cpu);
  const v = w ? cpu.peek64(0) : cpu.peek16(0);
  cpu.loadSeg(s, v & 0xffff);
  cpu.spAdd(w ? 8 : 2);
};

/**
 * ENTER in 64-bit mode: RBP pushed (8 bytes, or 2 under 66), nesting levels copied from RBP,
 * RBP = the frame, RSP lowered by `size`; a write at the final RSP is checked first.
 */
const enter: Handler = (cpu) => {
  const size = cpu.fetch16();
  const level = cpu.fetch8() & 31;
  const regs = cpu.regs, hi = cpu.regsHi;
  const n = wide(cpu) ? 8 : 2;
  let spl = regs[4], sph = hi[4];
  let bpl = regs[5], bph = hi[5];
  let tmpHi = 0;
  const add = (l: number, h: number, d: number): number => {
    const s = (l >>> 0) + d;
    tmpHi = s >= 4294967296 ? (h + 1) | 0 : s < 0 ? (h - 1) | 0 : h;
    return s | 0;
  };
  const put = (vl: number, vh: number): void => {
    spl = add(spl, sph, -n); sph = tmpHi;
    const lin = cpu.lin64(SS, spl, sph, n, true);
    if (n === 8) cpu.wr64(lin, vl, vh); else cpu.wr16(lin, vl);
  };
  put(bpl, bph);
  const fl = spl, fh = sph;
  if (level > 0) {
    for (let i = 1; i < level; i++) {
      bpl = add(bpl, bph, -n); bph = tmpHi;
      const lin = cpu.lin64(SS, bpl, bph, n, false);
      if (n === 8) { const v = cpu.rd64(lin); put(v, cpu.rdHi); } else put(cpu.rd16(lin), 0);
    }
    put(fl, fh);
  }
  const nl = add(spl, sph, -size), nh = tmpHi;
  cpu.probeWrite(cpu.lin64(SS, nl, nh, n, true), n);
  if (n === 8) { regs[5] = fl; hi[5] = fh; } else cpu.r16[10] = fl;
  regs[4] = nl; hi[4] = nh;
};

/** LEAVE: RSP = RBP, then POP RBP (8 bytes, or 2 under 66). */
const leave: Handler = (cpu) => {
  const regs = cpu.regs, hi = cpu.regsHi;
  const n = wide(cpu) ? 8 : 2;
  const lin = cpu.lin64(SS, regs[5], hi[5], n, false);
  const v = n === 8 ? cpu.rd64(lin) : cpu.rd16(lin), vh = cpu.rdHi;
  const s = (regs[5] >>> 0) + n;
  regs[4] = s | 0; hi[4] = s >= 4294967296 ? (hi[5] + 1) | 0 : hi[5];
  if (n === 8) { regs[5] = v; hi[5] = vh; } else cpu.r16[10] = v;
};

/** 9D: POPF (POPFQ): 8 bytes, or 2 under 66; which bits change as in legacy mode. */
export const popf64: Handler = (cpu) => {
  const w = wide(cpu);
  const v = w ? cpu.peek64(0) : cpu.peek16(0);
  cpu.spAdd(w ? 8 : 2);
  const oldIf = cpu.flags & FLAG_IF;
  cpu.writeFlags(v, w ? 0xffffffff : 0xffff, cpu.cpl, false);
  if (!oldIf && (cpu.flags & FLAG_IF)) cpu.irqPoll = true;
  cpu.attn = true;
};

export const STACK64_ONE: Record<number, Handler> = { 0x8f: popEv, 0xc8: enter, 0xc9: leave };
for (let i = 0; i < 8; i++) { STACK64_ONE[0x50 + i] = pushReg; STACK64_ONE[0x58 + i] = popReg; }
export const STACK64_TWO: Record<number, Handler> = { 0xa1: popFsGs, 0xa9: popFsGs };
