// SSE/SSE2/SSE3 data movement: MOVUPS ... MOVDQU, the scalar and half moves, MOVD/MOVQ,
// the mask extractions, the non-temporal stores, and group 15 (FXSAVE/FXRSTOR, LDMXCSR/
// STMXCSR, the fences). The mandatory prefix picks the form (sse-forms.ts).

import * as K from './constants';
import { fsgsBase } from './long-mode-ops';
import type { ExecCpu, Family, Handler } from './handler';
import { sseMove64 } from './sse64';
import { fxrstor, fxsave, xrstor, xsave } from './sse-save';
import { MXCSR_MASK, SCRATCH, srcSlot, sseCheck, sseEnter, storeSlot } from './sse-state';

const { GP, UD } = K;

function enter(cpu: ExecCpu, op: number): number {
  return sseEnter(cpu, op);
}

/** Copies `words` 32-bit words from slot `from` (at word `fo`) to slot `to` (at word `tw`). */
function copy(cpu: ExecCpu, from: number, fo: number, to: number, tw: number, words: number): void {
  const i = cpu.sse.i32;
  for (let k = 0; k < words; k++) i[to * 4 + tw + k] = i[from * 4 + fo + k];
}

/** 0F 10 / 0F 11: MOVUPS, MOVUPD, MOVSS, MOVSD, loads and stores. */
const movups: Handler = (cpu, op) => {
  const p = enter(cpu, op);
  const size = p === 0xf3 ? 4 : p === 0xf2 ? 8 : 16;
  if (op === 0x10) {
    const s = srcSlot(cpu, size, true);
    // A scalar load from memory clears the rest of the register (srcSlot zero-fills SCRATCH).
    copy(cpu, s, 0, cpu.reg, 0, size === 16 || cpu.mod !== 3 ? 4 : size >> 2);
  } else if (cpu.mod === 3) copy(cpu, cpu.reg, 0, cpu.rm, 0, size >> 2);
  else storeSlot(cpu, cpu.reg, size, false);
};

/** 0F 28 / 0F 29 (MOVAPS/MOVAPD) and 66/F3 0F 6F / 7F (MOVDQA/MOVDQU), E7/2B (non-temporal stores). */
const movaps: Handler = (cpu, op) => {
  const p = enter(cpu, op);
  const align = !((op === 0x6f || op === 0x7f) && p === 0xf3);
  if (op === 0x28 || op === 0x6f) copy(cpu, srcSlot(cpu, 16, !align), 0, cpu.reg, 0, 4);
  else if (cpu.mod === 3) copy(cpu, cpu.reg, 0, cpu.rm, 0, 4);
  else storeSlot(cpu, cpu.reg, 16, align);
};

/** 0F 12 / 0F 16: MOVLPS/MOVHLPS/MOVLPD, MOVHPS/MOVLHPS/MOVHPD, MOVSLDUP/MOVSHDUP/MOVDDUP. */
const movHalfLoad: Handler = (cpu, op) => {
  const p = enter(cpu, op);
  const u = cpu.sse, d = cpu.reg * 4;
  if (p === 0xf3) {
    const s = srcSlot(cpu, 16) * 4, odd = op === 0x16 ? 1 : 0;
    const a = u.i32[s + odd], b = u.i32[s + 2 + odd];
    u.i32[d] = a; u.i32[d + 1] = a; u.i32[d + 2] = b; u.i32[d + 3] = b;
  } else if (p === 0xf2) {
    const s = srcSlot(cpu, 8) * 4;
    const a = u.i32[s], b = u.i32[s + 1];
    u.i32[d] = a; u.i32[d + 1] = b; u.i32[d + 2] = a; u.i32[d + 3] = b;
  } else if (cpu.mod === 3) {
    // MOVHLPS: high half of the source to the low half; MOVLHPS: low half to the high half.
    if (op === 0x12) copy(cpu, cpu.rm, 2, cpu.reg, 0, 2); else copy(cpu, cpu.rm, 0, cpu.reg, 2, 2);
  } else {
    const s = srcSlot(cpu, 8);
    copy(cpu, s, 0, cpu.reg, op === 0x12 ? 0 : 2, 2);
  }
};

/** 0F 13 / 0F 17: MOVLPS/MOVLPD and MOVHPS/MOVHPD stores. */
const movHalfStore: Handler = (cpu, op) => {
  enter(cpu, op);
  copy(cpu, cpu.reg, op === 0x13 ? 0 : 2, SCRATCH, 0, 2);
  storeSlot(cpu, SCRATCH, 8, false);
};

/** 0F 50: MOVMSKPS / MOVMSKPD, the sign bits to a general register. */
const movmsk: Handler = (cpu, op) => {
  const p = enter(cpu, op);
  const i = cpu.sse.i32, s = cpu.rm * 4;
  cpu.regs[cpu.reg] = p === 0x66 ? (i[s + 1] >>> 31) | ((i[s + 3] >>> 31) << 1)
    : (i[s] >>> 31) | ((i[s + 1] >>> 31) << 1) | ((i[s + 2] >>> 31) << 2) | ((i[s + 3] >>> 31) << 3);
};

/** 66 0F 6E: MOVD xmm, r/m32 (the rest cleared). */
const movdLoad: Handler = (cpu, op) => {
  enter(cpu, op);
  const v = cpu.getE32(), i = cpu.sse.i32, d = cpu.reg * 4;
  i[d] = v; i[d + 1] = 0; i[d + 2] = 0; i[d + 3] = 0;
};

/** 66 0F 7E: MOVD r/m32, xmm; F3 0F 7E: MOVQ xmm, xmm/m64 (the high half cleared). */
const movd7e: Handler = (cpu, op) => {
  const p = enter(cpu, op);
  const i = cpu.sse.i32;
  if (p === 0x66) { cpu.setE32(i[cpu.reg * 4]); return; }
  const s = srcSlot(cpu, 8) * 4, d = cpu.reg * 4;
  const a = i[s], b = i[s + 1];
  i[d] = a; i[d + 1] = b; i[d + 2] = 0; i[d + 3] = 0;
};

/** 66 0F D6: MOVQ xmm/m64, xmm (a register destination's high half cleared). */
const movqStore: Handler = (cpu, op) => {
  enter(cpu, op);
  const i = cpu.sse.i32, s = cpu.reg * 4;
  if (cpu.mod !== 3) { storeSlot(cpu, cpu.reg, 8, false); return; }
  const d = cpu.rm * 4, a = i[s], b = i[s + 1];
  i[d] = a; i[d + 1] = b; i[d + 2] = 0; i[d + 3] = 0;
};

/** 0F C3: MOVNTI m32, r32. */
const movnti: Handler = (cpu, op) => { sseEnter(cpu, op, true); cpu.setE32(cpu.regs[cpu.reg]); };

/** 66 0F D7: PMOVMSKB r32, xmm. */
const pmovmskb: Handler = (cpu, op) => {
  enter(cpu, op);
  const b = cpu.sse.u8, s = cpu.rm * 16;
  let m = 0;
  for (let k = 0; k < 16; k++) m |= (b[s + k] >> 7) << k;
  cpu.regs[cpu.reg] = m;
};

/** F2 0F F0: LDDQU (an unaligned load). */
const lddqu: Handler = (cpu, op) => { enter(cpu, op); copy(cpu, srcSlot(cpu, 16, true), 0, cpu.reg, 0, 4); };

/** 66 0F F7: MASKMOVDQU, the bytes whose mask byte has bit 7 to DS:EDI. */
const maskmovdqu: Handler = (cpu, op) => {
  enter(cpu, op);
  const b = cpu.sse.u8, v = cpu.reg * 16, m = cpu.rm * 16;
  const seg = cpu.segOvr >= 0 ? cpu.segOvr : K.DS;
  const base = cpu.a32 ? cpu.regs[7] : cpu.regs[7] & 0xffff;
  const lins: number[] = [];
  for (let k = 0; k < 16; k++) if (b[m + k] & 0x80) lins.push(cpu.lin(seg, cpu.a32 ? (base + k) | 0 : (base + k) & 0xffff, 1, true));
  for (const l of lins) cpu.probeWrite(l, 1);
  let n = 0;
  for (let k = 0; k < 16; k++) if (b[m + k] & 0x80) cpu.wr8(lins[n++], b[v + k]);
};

/** 0F AE: FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, XSAVE, XRSTOR (memory); LFENCE, MFENCE, SFENCE (register). */
const group15: Handler = (cpu) => {
  cpu.modrm();
  // F3 with a register operand, /0-/3: RDFSBASE, RDGSBASE, WRFSBASE, WRGSBASE (long-mode-ops.ts).
  if (cpu.rep === 0xf3 && cpu.mod === 3 && (cpu.reg & 7) < 4 && cpu.o32 === cpu.cs32) { fsgsBase(cpu, cpu.reg & 7, cpu.rm); return; }
  if (cpu.rep || cpu.o32 !== cpu.cs32) cpu.fault(UD);       // prefixed forms are other instructions
  if (cpu.mod === 3) {
    if (cpu.reg < 5) cpu.fault(UD);
    return;                                                 // ordering only, nothing to do on one in-order CPU
  }
  switch (cpu.reg) {
    case 0: fxsave(cpu); return;
    case 1: fxrstor(cpu); return;
    case 2: {
      sseCheck(cpu);
      const v = cpu.rd32(cpu.eaLin(4, false));
      if (v & ~MXCSR_MASK) cpu.fault(GP, 0);
      cpu.sse.mxcsr = v;
      return;
    }
    case 3: sseCheck(cpu); cpu.wr32(cpu.eaLin(4, true), cpu.sse.mxcsr); return;
    case 4: xsave(cpu); return;
    case 5: xrstor(cpu); return;
    default: cpu.fault(UD);
  }
};

const twoByte: Record<number, Handler> = {
  0x10: movups, 0x11: movups, 0x12: movHalfLoad, 0x13: movHalfStore, 0x16: movHalfLoad, 0x17: movHalfStore,
  0x28: movaps, 0x29: movaps, 0x2b: movaps, 0x50: movmsk, 0x6e: movdLoad, 0x6f: movaps, 0x7e: movd7e, 0x7f: movaps,
  0xae: group15, 0xc3: movnti, 0xd6: movqStore, 0xd7: pmovmskb, 0xe7: movaps, 0xf0: lddqu, 0xf7: maskmovdqu,
};

export const SSE_MOVE: Family = { name: 'sse-move', oneByte: {}, twoByte, twoByte64: sseMove64(twoByte) };
