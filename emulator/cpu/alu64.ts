// 64-bit arithmetic on 32-bit halves (LONG-MODE.md, "Registers"): the ALU operations,
// INC/DEC, NEG, shifts and rotates, SHLD/SHRD, 64x64->128 multiplies and 128/64 divides.
// Every function takes the operands as (lo, hi) int32 pairs and returns the low half of the
// result, leaving the high half in `cpu.opHi`; flags go to the lazy-flag fields (the 64-bit
// operation codes of lazy-flags.ts) or, for rotates, straight into EFLAGS.

import * as K from './constants';
import * as LF from './lazy-flags';
import type { AluCpu } from './alu-core';

// Bindings read once at load (see lazy-flags.ts).
const { DE, FLAG_CF, FLAG_OF } = K;
const { CC_ADC64, CC_ADD64, CC_DEC64, CC_INC64, CC_SBB64, CC_SHIFT, CC_SUB64 } = LF;
const TWO32 = 4294967296;

/** ADD OR ADC SBB AND SUB XOR CMP on 64-bit operands. */
export function alu64(cpu: AluCpu, op: number, al: number, ah: number, bl: number, bh: number): number {
  let lo: number, hi: number;
  switch (op) {
    case 0: {
      const s = (al >>> 0) + (bl >>> 0);
      lo = s | 0; hi = (ah + bh + (s >= TWO32 ? 1 : 0)) | 0;
      cpu.set64(CC_ADD64, al, ah, bl, bh, lo, hi);
      break;
    }
    case 2: {
      const c = cpu.getCF();
      const s = (al >>> 0) + (bl >>> 0) + c;
      lo = s | 0; hi = (ah + bh + (s >= TWO32 ? 1 : 0)) | 0;
      cpu.ccCF = c;
      cpu.set64(CC_ADC64, al, ah, bl, bh, lo, hi);
      break;
    }
    case 3: {
      const c = cpu.getCF();
      const s = (al >>> 0) - (bl >>> 0) - c;
      lo = s | 0; hi = (ah - bh - (s < 0 ? 1 : 0)) | 0;
      cpu.ccCF = c;
      cpu.set64(CC_SBB64, al, ah, bl, bh, lo, hi);
      break;
    }
    case 1: lo = al | bl; hi = ah | bh; cpu.setLogic64(lo, hi); break;
    case 4: lo = al & bl; hi = ah & bh; cpu.setLogic64(lo, hi); break;
    case 6: lo = al ^ bl; hi = ah ^ bh; cpu.setLogic64(lo, hi); break;
    default: {
      const s = (al >>> 0) - (bl >>> 0);
      lo = s | 0; hi = (ah - bh - (s < 0 ? 1 : 0)) | 0;
      cpu.set64(CC_SUB64, al, ah, bl, bh, lo, hi);
    }
  }
  cpu.opHi = hi;
  return lo;
}

export function inc64(cpu: AluCpu, al: number, ah: number): number {
  const cf = cpu.getCF();
  const lo = (al + 1) | 0, hi = lo === 0 ? (ah + 1) | 0 : ah;
  cpu.ccCF = cf;
  cpu.set64(CC_INC64, al, ah, 1, 0, lo, hi);
  cpu.opHi = hi;
  return lo;
}

export function dec64(cpu: AluCpu, al: number, ah: number): number {
  const cf = cpu.getCF();
  const lo = (al - 1) | 0, hi = al === 0 ? (ah - 1) | 0 : ah;
  cpu.ccCF = cf;
  cpu.set64(CC_DEC64, al, ah, 1, 0, lo, hi);
  cpu.opHi = hi;
  return lo;
}

/** Lazy flags of a 64-bit SHL/SHR/SAR (CF and OF given). */
function setShift64(cpu: AluCpu, lo: number, hi: number, cf: number, of: number): void {
  cpu.ccOp = CC_SHIFT; cpu.ccRes = LF.synthRes(lo, hi); cpu.ccBits = 32; cpu.ccCF = cf; cpu.ccB = of; cpu.ccA = 0;
}

/** Bit n (0..63) of hi:lo. */
function bit(lo: number, hi: number, n: number): number { return n < 32 ? (lo >>> n) & 1 : (hi >>> (n - 32)) & 1; }

/** hi:lo << n for 0 <= n < 64 (low half returned, high half in cpu.opHi). */
function shl(cpu: AluCpu, lo: number, hi: number, n: number): number {
  if (n === 0) { cpu.opHi = hi; return lo; }
  if (n >= 32) { cpu.opHi = lo << (n - 32); return 0; }
  cpu.opHi = (hi << n) | (lo >>> (32 - n));
  return lo << n;
}

/** Logical hi:lo >>> n for 0 <= n < 64. */
function shr(cpu: AluCpu, lo: number, hi: number, n: number): number {
  if (n === 0) { cpu.opHi = hi; return lo; }
  if (n >= 32) { cpu.opHi = 0; return hi >>> (n - 32) | 0; }
  cpu.opHi = hi >>> n | 0;
  return ((lo >>> n) | (hi << (32 - n))) | 0;
}

/** Arithmetic hi:lo >> n for 0 <= n < 64. */
function sar(cpu: AluCpu, lo: number, hi: number, n: number): number {
  if (n === 0) { cpu.opHi = hi; return lo; }
  if (n >= 32) { cpu.opHi = hi >> 31; return hi >> (n - 32); }
  cpu.opHi = hi >> n;
  return ((lo >>> n) | (hi << (32 - n))) | 0;
}

/**
 * Group 2 on a 64-bit operand: ROL ROR RCL RCR SHL SHR SAL SAR, the count masked to 6 bits.
 * A zero count changes nothing (flags included); the flags follow alu-core.ts's 32-bit rules
 * at 64 bits (OF from the count-1 formulas at every count, as on the reference CPU).
 */
export function shift64(cpu: AluCpu, op: number, lo: number, hi: number, cnt: number): number {
  cnt &= 0x3f;
  if (cnt === 0) { cpu.opHi = hi; return lo; }
  let rl: number, rh: number, cf: number, of: number;
  switch (op) {
    case 0: { // ROL
      const a = shl(cpu, lo, hi, cnt), ah = cpu.opHi, b = shr(cpu, lo, hi, 64 - cnt), bh = cpu.opHi;
      rl = a | b; rh = ah | bh;
      cf = rl & 1; of = (rh >>> 31) ^ cf;
      cpu.setArith((cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0), FLAG_CF | FLAG_OF);
      break;
    }
    case 1: { // ROR
      const a = shr(cpu, lo, hi, cnt), ah = cpu.opHi, b = shl(cpu, lo, hi, 64 - cnt), bh = cpu.opHi;
      rl = a | b; rh = ah | bh;
      cf = rh >>> 31; of = cf ^ ((rh >>> 30) & 1);
      cpu.setArith((cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0), FLAG_CF | FLAG_OF);
      break;
    }
    case 2: { // RCL: a 65-bit rotation through CF
      let c = cpu.getCF();
      rl = lo; rh = hi;
      for (let i = 0; i < cnt; i++) { const out = rh >>> 31; rh = (rh << 1) | (rl >>> 31); rl = (rl << 1) | c; c = out; }
      of = (rh >>> 31) ^ c;
      cpu.setArith((c ? FLAG_CF : 0) | (of ? FLAG_OF : 0), FLAG_CF | FLAG_OF);
      break;
    }
    case 3: { // RCR
      let c = cpu.getCF();
      rl = lo; rh = hi;
      for (let i = 0; i < cnt; i++) { const out = rl & 1; rl = (rl >>> 1) | (rh << 31); rh = (rh >>> 1) | (c << 31); c = out; }
      of = ((rh >>> 31) ^ (rh >>> 30)) & 1;
      cpu.setArith((c ? FLAG_CF : 0) | (of ? FLAG_OF : 0), FLAG_CF | FLAG_OF);
      break;
    }
    case 4: case 6: // SHL/SAL
      rl = shl(cpu, lo, hi, cnt); rh = cpu.opHi;
      cf = bit(lo, hi, 64 - cnt);
      of = (rh >>> 31) ^ cf;
      setShift64(cpu, rl, rh, cf, of);
      break;
    case 5: // SHR
      rl = shr(cpu, lo, hi, cnt); rh = cpu.opHi;
      cf = bit(lo, hi, cnt - 1);
      of = hi >>> 31;
      setShift64(cpu, rl, rh, cf, of);
      break;
    default: // SAR
      rl = sar(cpu, lo, hi, cnt); rh = cpu.opHi;
      cf = bit(lo, hi, cnt - 1);
      setShift64(cpu, rl, rh, cf, 0);
  }
  cpu.opHi = rh | 0;
  return rl | 0;
}

/**
 * SHLD/SHRD with 64-bit operands: dst shifted by cnt (masked to 6 bits), the vacated bits
 * from src. CF is the last bit shifted out, OF the sign change (count 1's definition, kept
 * for every count as the reference CPU does for 32 bits).
 */
export function shiftDouble64(cpu: AluCpu, left: boolean, dl: number, dh: number, sl: number, sh: number, cnt: number): number {
  cnt &= 0x3f;
  if (cnt === 0) { cpu.opHi = dh; return dl; }
  let rl: number, rh: number, cf: number;
  if (left) {
    const a = shl(cpu, dl, dh, cnt), ah = cpu.opHi, b = shr(cpu, sl, sh, 64 - cnt), bh = cpu.opHi;
    rl = a | b; rh = ah | bh; cf = bit(dl, dh, 64 - cnt);
  } else {
    const a = shr(cpu, dl, dh, cnt), ah = cpu.opHi, b = shl(cpu, sl, sh, 64 - cnt), bh = cpu.opHi;
    rl = a | b; rh = ah | bh; cf = bit(dl, dh, cnt - 1);
  }
  const of = ((rh ^ dh) >>> 31) & 1;
  setShift64(cpu, rl, rh, cf, of);
  cpu.opHi = rh | 0;
  return rl | 0;
}

/** The 128-bit product of the last mul64/imul64: words w0 (lowest) .. w3 as int32. */
export const product = new Int32Array(4);

/** Unsigned 64x64 -> 128 into `product`. */
export function mul64(cpu: AluCpu, al: number, ah: number, bl: number, bh: number): void {
  cpu.mul32(al, bl); const p0l = cpu.mulLo, p0h = cpu.mulHi;
  cpu.mul32(al, bh); const p1l = cpu.mulLo, p1h = cpu.mulHi;
  cpu.mul32(ah, bl); const p2l = cpu.mulLo, p2h = cpu.mulHi;
  cpu.mul32(ah, bh); const p3l = cpu.mulLo, p3h = cpu.mulHi;
  const w1 = (p0h >>> 0) + (p1l >>> 0) + (p2l >>> 0);
  const c1 = Math.floor(w1 / TWO32);
  const w2 = (p1h >>> 0) + (p2h >>> 0) + (p3l >>> 0) + c1;
  const c2 = Math.floor(w2 / TWO32);
  product[0] = p0l; product[1] = w1 | 0; product[2] = w2 | 0; product[3] = (p3h + c2) | 0;
}

/**
 * For compiled blocks: MUL (signed false) or IMUL (true) of RAX by a 64-bit operand, the
 * 128-bit product in `product` (RAX = words 0-1, RDX = 2-3) and the flags as the interpreter's
 * F7 /4 /5 leaves them (CF = OF = the high half is not the extension of the low; SF, ZF and
 * PF from the low 64 bits, AF clear). `truncOnly`: IMUL r, r/m (0F AF, 69, 6B), whose
 * overflow test is the same signed one.
 */
export function mulForBlock(cpu: AluCpu, signed: boolean, al: number, ah: number, bl: number, bh: number): void {
  if (signed) imul64(cpu, al, ah, bl, bh); else mul64(cpu, al, ah, bl, bh);
  const p = product;
  const overflow = signed ? p[2] !== (p[1] >> 31) || p[3] !== (p[1] >> 31) : (p[2] | p[3]) !== 0;
  cpu.setResultFlags(LF.synthRes(p[0], p[1]), 32, overflow ? 1 : 0, overflow ? 1 : 0, 0);
}

/** Signed 64x64 -> 128 into `product`. */
export function imul64(cpu: AluCpu, al: number, ah: number, bl: number, bh: number): void {
  mul64(cpu, al, ah, bl, bh);
  // The unsigned product less 2^64 times each negative operand's partner, in the high half.
  if (ah < 0) subHigh(bl, bh);
  if (bh < 0) subHigh(al, ah);
}

function subHigh(l: number, h: number): void {
  const s = (product[2] >>> 0) - (l >>> 0);
  product[2] = s | 0;
  product[3] = (product[3] - h - (s < 0 ? 1 : 0)) | 0;
}

/** The 128-bit dividend hi:lo (RDX:RAX) by d: quotient and remainder as BigInt, #DE on overflow. */
export function div128(cpu: AluCpu, signed: boolean, n: readonly number[], dl: number, dh: number): { q: bigint; r: bigint } {
  const u = (x: number): bigint => BigInt(x >>> 0);
  let num = (u(n[3]) << 96n) | (u(n[2]) << 64n) | (u(n[1]) << 32n) | u(n[0]);
  let den = (u(dh) << 32n) | u(dl);
  if (den === 0n) cpu.fault(DE);
  if (signed) { num = BigInt.asIntN(128, num); den = BigInt.asIntN(64, den); }
  const q = num / den, r = num % den;
  if (signed ? q > 0x7fffffffffffffffn || q < -0x8000000000000000n : q > 0xffffffffffffffffn) cpu.fault(DE);
  return { q, r };
}

/** Split a 64-bit BigInt into int32 halves: low returned, high in cpu.opHi. */
export function split(cpu: AluCpu, v: bigint): number {
  const x = BigInt.asUintN(64, v);
  cpu.opHi = Number(x >> 32n) | 0;
  return Number(x & 0xffffffffn) | 0;
}
