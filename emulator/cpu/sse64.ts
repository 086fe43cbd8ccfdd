// The SSE forms with a general-register operand in 64-bit mode (LONG-MODE.md, "Dispatch";
// SSE.md): under REX.W MOVD becomes MOVQ r/m64, CVTSI2SS/SD convert a 64-bit integer, CVT(T)SS2SI
// and CVT(T)SD2SI produce one, MOVNTI stores 64 bits; the forms writing a 32-bit register
// (MOVMSKPS/PD, PMOVMSKB, PEXTRW, the 32-bit conversions) zero-extend it; MASKMOVDQU stores
// through RDI. XMM8-XMM15 need nothing here: ModR/M's reg and rm carry REX.R and REX.B.

import * as K from './constants';
import type { Handler } from './handler';
import { convD, convS, fp } from './sse-fp';
import { roundInt } from './sse-round';
import { TEMP, simdExceptions, srcSlot, sseEnter } from './sse-state';
import { MX_IE, MX_PE } from './sse-unit';

const { DS } = K;
const TWO63 = 9223372036854775808;

/** After a legacy handler that wrote a 32-bit general register (ModR/M reg): zero-extend it. */
const zeroReg = (legacy: Handler): Handler => (cpu, op) => { legacy(cpu, op); cpu.regsHi[cpu.reg] = 0; };

/** Under REX.W the 64-bit handler, else the legacy one. */
const rexW = (legacy: Handler, h64: Handler): Handler => (cpu, op) => { if (cpu.o64) h64(cpu, op); else legacy(cpu, op); };

/** 66 0F 6E /r with REX.W: MOVQ xmm, r/m64 (the upper half cleared). */
const movqLoad: Handler = (cpu, op) => {
  sseEnter(cpu, op);
  const lo = cpu.getE64(), hi = cpu.opHi, i = cpu.sse.i32, d = cpu.reg * 4;
  i[d] = lo; i[d + 1] = hi; i[d + 2] = 0; i[d + 3] = 0;
};

/** 66 0F 7E /r with REX.W: MOVQ r/m64, xmm. (F3 0F 7E, MOVQ xmm, xmm/m64, ignores REX.W.) */
const movqStore = (legacy: Handler): Handler => (cpu, op) => {
  if (!cpu.o64 || cpu.rep === 0xf3) {
    legacy(cpu, op);
    // MOVD r32, xmm zero-extends a register destination.
    if (cpu.rep !== 0xf3 && cpu.mod === 3) cpu.regsHi[cpu.rm] = 0;
    return;
  }
  sseEnter(cpu, op);
  const i = cpu.sse.i32, s = cpu.reg * 4;
  cpu.setE64(i[s], i[s + 1]);
};

/** 0F C3 with REX.W: MOVNTI m64, r64. */
const movnti64: Handler = (cpu, op) => {
  sseEnter(cpu, op, true);
  cpu.setE64(cpu.regs[cpu.reg], cpu.regsHi[cpu.reg]);
};

/**
 * A 64-bit integer rounded to a binary format with `mant` significand bits (24 or 53) in
 * MXCSR rounding mode rc; PE when inexact. Exact by construction (BigInt), so no double
 * rounding for singles.
 */
function fromInt64(v: bigint, mant: number, rc: number): number {
  if (v === 0n) return 0;
  const neg = v < 0n;
  const a = neg ? -v : v;
  const len = a.toString(2).length;
  if (len <= mant) return neg ? -Number(a) : Number(a);
  const shift = BigInt(len - mant);
  let q = a >> shift;
  const rem = a - (q << shift), half = 1n << (shift - 1n);
  if (rem !== 0n) {
    fp.flags |= MX_PE;
    // Toward +infinity for a positive value is away from zero; for a negative one, toward zero.
    const away = rc === 0 ? rem > half || (rem === half && (q & 1n) === 1n) : rc === 1 ? neg : rc === 2 ? !neg : false;
    if (away) q += 1n;
  }
  const x = Number(q) * 2 ** Number(shift);
  return neg ? -x : x;
}

/** F3/F2 0F 2A with REX.W: CVTSI2SS / CVTSI2SD xmm, r/m64. */
const cvtsi2from64: Handler = (cpu, op) => {
  fp.flags = 0;
  const p = sseEnter(cpu, op), u = cpu.sse;
  const lo = cpu.getE64(), hi = cpu.opHi;
  const v = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
  const rc = (u.mxcsr >> 13) & 3;
  const i = u.i32, d = cpu.reg * 4;
  for (let k = 0; k < 4; k++) i[TEMP * 4 + k] = i[d + k];
  if (p === 0xf3) u.f32[TEMP * 4] = fromInt64(v, 24, rc); else u.f64[TEMP * 2] = fromInt64(v, 53, rc);
  simdExceptions(cpu, fp.flags);
  for (let k = 0; k < 4; k++) i[d + k] = i[TEMP * 4 + k];
};

/** F3/F2 0F 2C (truncating) and 2D with REX.W: CVT(T)SS2SI / CVT(T)SD2SI r64, xmm/m. */
const cvt2si64: Handler = (cpu, op) => {
  fp.flags = 0;
  const p = sseEnter(cpu, op), u = cpu.sse;
  const s = srcSlot(cpu, p === 0xf3 ? 4 : 8);
  const v = p === 0xf3 ? convS(u, s * 4) : convD(u, s * 2);
  let lo = 0, hi = 0x80000000 | 0;                 // the integer indefinite
  if (v !== v) fp.flags |= MX_IE;
  else {
    const r = op === 0x2c ? Math.trunc(v) : roundInt(v, (u.mxcsr >> 13) & 3);
    if (!(r >= -TWO63 && r < TWO63)) fp.flags |= MX_IE;
    else {
      if (r !== v) fp.flags |= MX_PE;
      const b = BigInt.asUintN(64, BigInt(r));
      lo = Number(b & 0xffffffffn) | 0; hi = Number(b >> 32n) | 0;
    }
  }
  simdExceptions(cpu, fp.flags);
  cpu.setG64(lo, hi);
};

/** 66 0F F7: MASKMOVDQU to DS:RDI (EDI under 67), the bytes whose mask byte has bit 7. */
const maskmovdqu: Handler = (cpu, op) => {
  sseEnter(cpu, op);
  const b = cpu.sse.u8, v = cpu.reg * 16, m = cpu.rm * 16;
  const seg = cpu.segOvr >= 0 ? cpu.segOvr : DS;
  const lins: number[] = [];
  for (let k = 0; k < 16; k++) {
    if (!(b[m + k] & 0x80)) continue;
    const s = (cpu.regs[7] >>> 0) + k;
    const hi = cpu.a64 ? (cpu.regsHi[7] + (s >= 4294967296 ? 1 : 0)) | 0 : 0;
    lins.push(cpu.lin64(seg, s | 0, hi, 1, true));
  }
  for (const l of lins) cpu.probeWrite(l, 1);
  let n = 0;
  for (let k = 0; k < 16; k++) if (b[m + k] & 0x80) cpu.wr8(lins[n++], b[v + k]);
};

type Map = Readonly<Record<number, Handler>>;

/** The 64-bit handlers of the SSE families' 0F map (each family passes its own legacy map). */
export function sseMove64(two: Map): Record<number, Handler> {
  return {
    0x50: zeroReg(two[0x50]), 0x6e: rexW(two[0x6e], movqLoad), 0x7e: movqStore(two[0x7e]),
    0xc3: rexW(two[0xc3], movnti64), 0xd7: zeroReg(two[0xd7]), 0xf7: maskmovdqu,
  };
}

export function sseFloat64(two: Map): Record<number, Handler> {
  return { 0x2a: rexW(two[0x2a], cvtsi2from64), 0x2c: rexW(zeroReg(two[0x2c]), cvt2si64), 0x2d: rexW(zeroReg(two[0x2d]), cvt2si64) };
}

export function sseInt64(two: Map): Record<number, Handler> {
  return { 0xc5: zeroReg(two[0xc5]) };
}

