// SSE/SSE2/SSE3 floating point: arithmetic (packed and scalar, single and double), the
// bitwise logic on floating-point registers, compares, conversions, and the SSE3 horizontal
// and alternating forms. Each computes into the TEMP slot, reports its MXCSR exceptions
// (which may raise #XM and leave the destination alone) and then commits.

import * as K from './constants';
import type { ExecCpu, Family, Handler } from './handler';
import { sseFloat64 } from './sse64';
import { OP_ADD, OP_DIV, OP_MAX, OP_MIN, OP_MUL, OP_SQRT, OP_SUB, cmpPredicate, compareOrdered, convD, convS, d2s, fp, i2s, opD, opS, s2d, toInt32 } from './sse-fp';
import { TEMP, simdExceptions, srcSlot, sseEnter } from './sse-state';

const { FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF } = K;

function enter(cpu: ExecCpu, op: number): number {
  fp.flags = 0;
  return sseEnter(cpu, op);
}

/** Raises or records the exceptions, then copies `words` words of TEMP to the destination. */
function commit(cpu: ExecCpu, words: number): void {
  simdExceptions(cpu, fp.flags);
  const i = cpu.sse.i32, d = cpu.reg * 4;
  for (let k = 0; k < words; k++) i[d + k] = i[TEMP * 4 + k];
}

/** Starts TEMP as a copy of the destination, so scalar forms keep its upper elements. */
function tempFromDest(cpu: ExecCpu): void {
  const i = cpu.sse.i32, d = cpu.reg * 4;
  for (let k = 0; k < 4; k++) i[TEMP * 4 + k] = i[d + k];
}

const OPS: Record<number, number> = { 0x51: OP_SQRT, 0x58: OP_ADD, 0x59: OP_MUL, 0x5c: OP_SUB, 0x5d: OP_MIN, 0x5e: OP_DIV, 0x5f: OP_MAX };

/** 0F 51, 58, 59, 5C-5F: SQRT, ADD, MUL, SUB, MIN, DIV, MAX in ps/pd/ss/sd. */
const arith: Handler = (cpu, opcode) => {
  const p = enter(cpu, opcode), u = cpu.sse, op = OPS[opcode];
  const d = cpu.reg;
  if (p === 0 || p === 0x66) {
    const s = srcSlot(cpu, 16);
    if (p === 0) for (let k = 0; k < 4; k++) opS(u, op, d * 4 + k, s * 4 + k, TEMP * 4 + k);
    else for (let k = 0; k < 2; k++) opD(u, op, d * 2 + k, s * 2 + k, TEMP * 2 + k);
    commit(cpu, 4);
    return;
  }
  const s = srcSlot(cpu, p === 0xf3 ? 4 : 8);
  tempFromDest(cpu);
  if (p === 0xf3) opS(u, op, d * 4, s * 4, TEMP * 4); else opD(u, op, d * 2, s * 2, TEMP * 2);
  commit(cpu, 4);
};

/** 0F 54-57: ANDPS/ANDNPS/ORPS/XORPS and the pd forms (bitwise, no exceptions). */
const logic: Handler = (cpu, op) => {
  enter(cpu, op);
  const s = srcSlot(cpu, 16) * 4, d = cpu.reg * 4, i = cpu.sse.i32;
  for (let k = 0; k < 4; k++) {
    const a = i[d + k], b = i[s + k];
    i[d + k] = op === 0x54 ? a & b : op === 0x55 ? ~a & b : op === 0x56 ? a | b : a ^ b;
  }
};

/** 0F C2: CMPPS/CMPPD/CMPSS/CMPSD with the predicate in imm8[2:0]. */
const cmp: Handler = (cpu, op) => {
  const p = enter(cpu, op), u = cpu.sse, d = cpu.reg;
  const s = srcSlot(cpu, p === 0xf3 ? 4 : p === 0xf2 ? 8 : 16);
  const pred = cpu.fetch8() & 7;
  tempFromDest(cpu);
  const t = TEMP * 4;
  if (p === 0 || p === 0xf3) {
    for (let k = 0; k < (p === 0 ? 4 : 1); k++) u.i32[t + k] = cmpPredicate(u, pred, d * 4 + k, s * 4 + k, false) ? -1 : 0;
  } else {
    for (let k = 0; k < (p === 0x66 ? 2 : 1); k++) {
      const v = cmpPredicate(u, pred, d * 2 + k, s * 2 + k, true) ? -1 : 0;
      u.i32[t + 2 * k] = v; u.i32[t + 2 * k + 1] = v;
    }
  }
  commit(cpu, 4);
};

/** 0F 2E/2F: UCOMISS/COMISS, 66: UCOMISD/COMISD: ZF, PF, CF; OF, SF, AF cleared. */
const comis: Handler = (cpu, op) => {
  const p = enter(cpu, op), u = cpu.sse;
  const s = srcSlot(cpu, p === 0x66 ? 8 : 4);
  const r = p === 0x66 ? compareOrdered(u, cpu.reg * 2, s * 2, true, op === 0x2f) : compareOrdered(u, cpu.reg * 4, s * 4, false, op === 0x2f);
  simdExceptions(cpu, fp.flags);
  const f = r === 2 ? FLAG_ZF | FLAG_PF | FLAG_CF : r === 0 ? FLAG_ZF : r < 0 ? FLAG_CF : 0;
  cpu.setArith(f, FLAG_OF | FLAG_SF | FLAG_AF | FLAG_ZF | FLAG_PF | FLAG_CF);
};

/** F3/F2 0F 2A: CVTSI2SS / CVTSI2SD xmm, r/m32. */
const cvtsi2: Handler = (cpu, op) => {
  const p = enter(cpu, op), u = cpu.sse;
  const v = cpu.getE32();
  tempFromDest(cpu);
  if (p === 0xf3) i2s(u, v, TEMP * 4); else u.f64[TEMP * 2] = v;
  commit(cpu, 4);
};

/** F3/F2 0F 2C (truncating) and 2D: CVT(T)SS2SI / CVT(T)SD2SI r32, xmm/m. */
const cvt2si: Handler = (cpu, op) => {
  const p = enter(cpu, op), u = cpu.sse;
  const s = srcSlot(cpu, p === 0xf3 ? 4 : 8);
  const v = p === 0xf3 ? convS(u, s * 4) : convD(u, s * 2);
  const r = toInt32(v, (u.mxcsr >> 13) & 3, op === 0x2c);
  simdExceptions(cpu, fp.flags);
  cpu.regs[cpu.reg] = r;
};

/** 0F 5A: CVTPS2PD, CVTPD2PS, CVTSS2SD, CVTSD2SS. */
const cvt5a: Handler = (cpu, op) => {
  const p = enter(cpu, op), u = cpu.sse, t = TEMP;
  if (p === 0) { const s = srcSlot(cpu, 8); for (let k = 0; k < 2; k++) s2d(u, s * 4 + k, t * 2 + k); }
  else if (p === 0x66) { const s = srcSlot(cpu, 16); for (let k = 0; k < 2; k++) d2s(u, s * 2 + k, t * 4 + k); u.i32[t * 4 + 2] = 0; u.i32[t * 4 + 3] = 0; }
  else if (p === 0xf3) { const s = srcSlot(cpu, 4); tempFromDest(cpu); s2d(u, s * 4, t * 2); }
  else { const s = srcSlot(cpu, 8); tempFromDest(cpu); d2s(u, s * 2, t * 4); }
  commit(cpu, 4);
};

/** 0F 5B: CVTDQ2PS, 66: CVTPS2DQ, F3: CVTTPS2DQ. */
const cvt5b: Handler = (cpu, op) => {
  const p = enter(cpu, op), u = cpu.sse, s = srcSlot(cpu, 16), t = TEMP * 4, rc = (u.mxcsr >> 13) & 3;
  for (let k = 0; k < 4; k++) {
    if (p === 0) i2s(u, u.i32[s * 4 + k], t + k);
    else u.i32[t + k] = toInt32(convS(u, s * 4 + k), rc, p === 0xf3);
  }
  commit(cpu, 4);
};

/** 66 0F E6: CVTTPD2DQ, F2: CVTPD2DQ, F3: CVTDQ2PD. */
const cvte6: Handler = (cpu, op) => {
  const p = enter(cpu, op), u = cpu.sse, t = TEMP, rc = (u.mxcsr >> 13) & 3;
  if (p === 0xf3) {
    const s = srcSlot(cpu, 8), a = u.i32[s * 4], b = u.i32[s * 4 + 1];
    u.f64[t * 2] = a; u.f64[t * 2 + 1] = b;
  } else {
    const s = srcSlot(cpu, 16);
    for (let k = 0; k < 2; k++) u.i32[t * 4 + k] = toInt32(convD(u, s * 2 + k), rc, p === 0x66);
    u.i32[t * 4 + 2] = 0; u.i32[t * 4 + 3] = 0;
  }
  commit(cpu, 4);
};

/** SSE3: 7C HADDPD/HADDPS, 7D HSUBPD/HSUBPS, D0 ADDSUBPD/ADDSUBPS. */
const horizontal: Handler = (cpu, opcode) => {
  const p = enter(cpu, opcode), u = cpu.sse, d = cpu.reg, s = srcSlot(cpu, 16), t = TEMP;
  if (opcode === 0xd0) {
    if (p === 0x66) { opD(u, OP_SUB, d * 2, s * 2, t * 2); opD(u, OP_ADD, d * 2 + 1, s * 2 + 1, t * 2 + 1); }
    else for (let k = 0; k < 4; k++) opS(u, k & 1 ? OP_ADD : OP_SUB, d * 4 + k, s * 4 + k, t * 4 + k);
  } else {
    const op = opcode === 0x7c ? OP_ADD : OP_SUB;
    if (p === 0x66) { opD(u, op, d * 2, d * 2 + 1, t * 2); opD(u, op, s * 2, s * 2 + 1, t * 2 + 1); }
    else {
      opS(u, op, d * 4, d * 4 + 1, t * 4); opS(u, op, d * 4 + 2, d * 4 + 3, t * 4 + 1);
      opS(u, op, s * 4, s * 4 + 1, t * 4 + 2); opS(u, op, s * 4 + 2, s * 4 + 3, t * 4 + 3);
    }
  }
  commit(cpu, 4);
};

/**
 * 0F 52/53: RSQRTPS/RSQRTSS and RCPPS/RCPSS. The SDM bounds their relative error by
 * 1.5 * 2^-12 and leaves the exact value to the implementation; this one returns the
 * correctly rounded binary32 value (which is within the bound), raises no exceptions, and
 * treats denormal inputs as zero as hardware does.
 */
const approx: Handler = (cpu, opcode) => {
  const p = enter(cpu, opcode), u = cpu.sse, s = srcSlot(cpu, p === 0xf3 ? 4 : 16), t = TEMP * 4;
  if (p === 0xf3) tempFromDest(cpu);
  for (let k = 0; k < (p === 0xf3 ? 1 : 4); k++) {
    const bits = u.u32[s * 4 + k];
    let x = u.f32[s * 4 + k];
    if ((bits & 0x7f800000) === 0) x = bits >>> 31 ? -0 : 0;
    if (x !== x) { u.u32[t + k] = bits | 0x400000; continue; }
    // Reciprocals of 2^126 and up would be at or below the smallest normal: hardware gives zero.
    const r = opcode === 0x53 ? (Math.abs(x) >= 2 ** 126 ? (x < 0 ? -0 : 0) : 1 / x) : x < 0 ? NaN : 1 / Math.sqrt(x);
    if (r !== r) u.u32[t + k] = 0xffc00000;
    else u.f32[t + k] = Math.abs(Math.fround(r)) < 1.1754943508222875e-38 ? (r < 0 ? -0 : 0) : r;
  }
  fp.flags = 0;
  commit(cpu, 4);
};

const twoByte: Record<number, Handler> = {
  0x2a: cvtsi2, 0x2c: cvt2si, 0x2d: cvt2si, 0x2e: comis, 0x2f: comis, 0x52: approx, 0x53: approx,
  0x54: logic, 0x55: logic, 0x56: logic, 0x57: logic, 0x5a: cvt5a, 0x5b: cvt5b, 0xc2: cmp, 0xe6: cvte6,
  0x7c: horizontal, 0x7d: horizontal, 0xd0: horizontal,
};
for (const op of Object.keys(OPS)) twoByte[Number(op)] = arith;

export const SSE_FLOAT: Family = { name: 'sse-float', oneByte: {}, twoByte, twoByte64: sseFloat64(twoByte) };
