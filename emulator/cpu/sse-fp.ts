// One SIMD floating-point element operation under MXCSR (SDM vol. 1, 11.5 and table 4-7):
// denormal operands (DE, or zero under DAZ), NaN propagation by bit pattern (the first
// source's NaN wins, signalling NaNs are quieted and raise IE), the invalid cases (default
// QNaN), division by zero, and the rounded result with OE, UE (tininess after rounding, FTZ)
// and PE. Elements are addressed in the SSE unit's typed views: `w` is the index of a
// binary64 in f64 (its words are i32[2w], i32[2w+1]) or of a binary32 in f32.

import { beyondDoubleRange, directed, errorSign, nextDouble, nextSingle, roundInt } from './sse-round';
import { MX_DAZ, MX_DE, MX_FTZ, MX_IE, MX_OE, MX_PE, MX_UE, MX_ZE, type SseUnit } from './sse-unit';

export const OP_ADD = 0, OP_SUB = 1, OP_MUL = 2, OP_DIV = 3, OP_SQRT = 4, OP_MIN = 5, OP_MAX = 6;

/** The underflow exception's mask bit. */
const UM = MX_UE << 7;
const MIN_NORMAL_D = 2.2250738585072014e-308;
const MIN_NORMAL_S = 1.1754943508222875e-38;
const MAX_S = 3.4028234663852886e38;

/** The flags raised by the operations since the caller last cleared it. */
export const fp = { flags: 0 };

/**
 * Runs one element's operation with its own flags: an invalid operation or a division by zero
 * hides that element's denormal-operand exception (they rank above it, SDM vol. 1, 4.9.2),
 * other elements' stay.
 */
function elementBegin(): number {
  const before = fp.flags;
  fp.flags = 0;
  return before;
}

function elementEnd(before: number): void {
  const f = fp.flags;
  fp.flags = before | (f & (MX_IE | MX_ZE) ? f & ~MX_DE : f);
}

/** f64[to] = f64[a] op f64[b] (SQRT takes b only). `to` may equal a or b. */
export function opD(u: SseUnit, op: number, a: number, b: number, to: number): void {
  const before = elementBegin(); opDElement(u, op, a, b, to); elementEnd(before);
}
/** f32[to] = f32[a] op f32[b]. */
export function opS(u: SseUnit, op: number, a: number, b: number, to: number): void {
  const before = elementBegin(); opSElement(u, op, a, b, to); elementEnd(before);
}
/** binary64 element -> binary32 element, rounded per MXCSR. */
export function d2s(u: SseUnit, from: number, to: number): void {
  const before = elementBegin(); d2sElement(u, from, to); elementEnd(before);
}

// ---- binary64 ------------------------------------------------------------------------------

const isNanD = (u: SseUnit, w: number): boolean => ((u.i32[2 * w + 1] >>> 20) & 0x7ff) === 0x7ff && ((u.i32[2 * w + 1] & 0xfffff) | u.i32[2 * w]) !== 0;
const isSnanD = (u: SseUnit, w: number): boolean => isNanD(u, w) && (u.i32[2 * w + 1] & 0x80000) === 0;
const isDenD = (u: SseUnit, w: number): boolean => ((u.i32[2 * w + 1] >>> 20) & 0x7ff) === 0 && ((u.i32[2 * w + 1] & 0xfffff) | u.i32[2 * w]) !== 0;

/** The operand's value, after DAZ; DE for a denormal without DAZ. */
function valD(u: SseUnit, w: number): number {
  if (isDenD(u, w)) {
    if (u.mxcsr & MX_DAZ) return u.i32[2 * w + 1] < 0 ? -0 : 0;
    fp.flags |= MX_DE;
  }
  return u.f64[w];
}

function copyQuietD(u: SseUnit, from: number, to: number): void {
  u.i32[2 * to] = u.i32[2 * from]; u.i32[2 * to + 1] = u.i32[2 * from + 1] | 0x80000;
}
function defaultNanD(u: SseUnit, to: number): void { u.i32[2 * to] = 0; u.i32[2 * to + 1] = 0xfff80000 | 0; }

/** Stores a rounded-to-nearest result r of exact value a op b, rounded per MXCSR. */
function storeRoundedD(u: SseUnit, op: number, a: number, b: number, r: number, to: number): void {
  const rc = (u.mxcsr >> 13) & 3;
  if (!Number.isFinite(r)) {
    // Rounded toward zero, a result below 2^1024 is the largest double, inexact but no overflow.
    const overflow = !towardZero(r > 0, rc) || beyondDoubleRange(op, a, b);
    fp.flags |= overflow ? MX_OE | MX_PE : MX_PE;
    u.f64[to] = overflowResult(r > 0, rc, Number.MAX_VALUE);
    return;
  }
  const sign = errorSign(op, a, b, r);
  let x = directed(r, sign, rc, nextDouble);
  if (!Number.isFinite(x)) fp.flags |= MX_OE;
  if (sign !== 0) fp.flags |= MX_PE;
  if (Math.abs(x) < MIN_NORMAL_D && (x !== 0 || sign !== 0)) {
    // Tiny: UE when inexact or when UE is unmasked; under FTZ (UE masked) flushed to a
    // signed zero with UE and PE, exact or not.
    const ftz = (u.mxcsr & MX_FTZ) !== 0 && (u.mxcsr & UM) !== 0;
    if (sign !== 0 || !(u.mxcsr & UM) || ftz) fp.flags |= MX_UE;
    if (ftz) { fp.flags |= MX_PE; x = x < 0 || Object.is(x, -0) ? -0 : 0; }
  }
  u.f64[to] = x;
}

/** Whether rounding mode rc moves a value of this sign toward zero. */
function towardZero(positive: boolean, rc: number): boolean {
  return rc === 3 || (rc === 2 && !positive) || (rc === 1 && positive);
}

function overflowResult(positive: boolean, rc: number, max: number): number {
  if (rc === 0) return positive ? Infinity : -Infinity;
  if (rc === 3) return positive ? max : -max;
  if (rc === 2) return positive ? Infinity : -max;
  return positive ? max : -Infinity;
}

/** f64[to] = f64[a] op f64[b] (SQRT takes b only). `to` may equal a or b. */
function opDElement(u: SseUnit, op: number, a: number, b: number, to: number): void {
  const an = op !== OP_SQRT && isNanD(u, a), bn = isNanD(u, b);
  if (op === OP_MIN || op === OP_MAX) {
    if (an || bn) { fp.flags |= MX_IE; copyRawD(u, b, to); if (u.mxcsr & MX_DAZ) flushDazD(u, to); return; }
    const x = valD(u, a), y = valD(u, b);
    if (op === OP_MIN ? x < y : x > y) copyRawD(u, a, to); else copyRawD(u, b, to);
    if (u.mxcsr & MX_DAZ) flushDazD(u, to);
    return;
  }
  if (an || bn) {
    if ((an && isSnanD(u, a)) || (bn && isSnanD(u, b))) fp.flags |= MX_IE;
    copyQuietD(u, an ? a : b, to);
    return;
  }
  const x = op === OP_SQRT ? 0 : valD(u, a), y = valD(u, b);
  if (op === OP_DIV && divByZero(x, y)) { fp.flags |= MX_ZE; u.f64[to] = signedInf(x, y); return; }
  const r = exact(op, x, y);
  if (r !== r) { fp.flags |= MX_IE; defaultNanD(u, to); return; }
  if (!Number.isFinite(x) || !Number.isFinite(y)) { u.f64[to] = r; return; }
  if (r === 0 && (op === OP_ADD || op === OP_SUB || x === 0 || y === 0)) { u.f64[to] = zeroResult(op, x, y, r, u); return; }
  storeRoundedD(u, op, x, y, r, to);
}

/** x op y in binary64 (exact for the single-precision inputs too: rounding happens on store). */
function exact(op: number, x: number, y: number): number {
  switch (op) {
    case OP_ADD: return x + y;
    case OP_SUB: return x - y;
    case OP_MUL: return x * y;
    case OP_DIV: return x / y;
    default: return Math.sqrt(y);
  }
}
function divByZero(x: number, y: number): boolean { return y === 0 && x !== 0 && Number.isFinite(x); }
function signedInf(x: number, y: number): number { return (x < 0) !== (Object.is(y, -0) || y < 0) ? -Infinity : Infinity; }
function copyRawD(u: SseUnit, from: number, to: number): void { u.i32[2 * to] = u.i32[2 * from]; u.i32[2 * to + 1] = u.i32[2 * from + 1]; }
function flushDazD(u: SseUnit, w: number): void { if (isDenD(u, w)) { u.i32[2 * w] = 0; u.i32[2 * w + 1] &= 0x80000000; } }

// ---- binary32 ------------------------------------------------------------------------------

const isNanS = (u: SseUnit, w: number): boolean => (u.u32[w] & 0x7fffffff) > 0x7f800000;
const isSnanS = (u: SseUnit, w: number): boolean => isNanS(u, w) && (u.u32[w] & 0x400000) === 0;
const isDenS = (u: SseUnit, w: number): boolean => (u.u32[w] & 0x7f800000) === 0 && (u.u32[w] & 0x7fffff) !== 0;

function valS(u: SseUnit, w: number): number {
  if (isDenS(u, w)) {
    if (u.mxcsr & MX_DAZ) return u.i32[w] < 0 ? -0 : 0;
    fp.flags |= MX_DE;
  }
  return u.f32[w];
}

/**
 * Stores exact value (x op y, binary32 operands computed in binary64 as r, with sign(exact - r)
 * = sign64) rounded to binary32 per MXCSR.
 */
function storeRoundedS(u: SseUnit, r: number, sign64: number, to: number): void {
  const rc = (u.mxcsr >> 13) & 3;
  const f = Math.fround(r);
  if (!Number.isFinite(f)) {
    // Toward zero, an exact value below 2^128 rounds to the largest single without overflow.
    const big = Math.abs(r) > 2 ** 128 || (Math.abs(r) === 2 ** 128 && (r > 0 ? sign64 >= 0 : sign64 <= 0));
    fp.flags |= !towardZero(r > 0, rc) || big ? MX_OE | MX_PE : MX_PE;
    u.f32[to] = overflowResult(r > 0, rc, MAX_S);
    return;
  }
  const sign = f !== r ? (r > f ? 1 : -1) : sign64;
  let x = directed(f, sign, rc, nextSingle);
  if (!Number.isFinite(x)) fp.flags |= MX_OE;
  if (sign !== 0) fp.flags |= MX_PE;
  if (Math.abs(x) < MIN_NORMAL_S && (x !== 0 || sign !== 0)) {
    // Tiny: UE when inexact or when UE is unmasked; under FTZ (UE masked) flushed to a
    // signed zero with UE and PE, exact or not.
    const ftz = (u.mxcsr & MX_FTZ) !== 0 && (u.mxcsr & UM) !== 0;
    if (sign !== 0 || !(u.mxcsr & UM) || ftz) fp.flags |= MX_UE;
    if (ftz) { fp.flags |= MX_PE; x = x < 0 || Object.is(x, -0) ? -0 : 0; }
  }
  u.f32[to] = x;
}

/** f32[to] = f32[a] op f32[b]. */
function opSElement(u: SseUnit, op: number, a: number, b: number, to: number): void {
  const an = op !== OP_SQRT && isNanS(u, a), bn = isNanS(u, b);
  if (op === OP_MIN || op === OP_MAX) {
    if (an || bn) {
      fp.flags |= MX_IE; u.u32[to] = u.u32[b];
      if ((u.mxcsr & MX_DAZ) && isDenS(u, to)) u.u32[to] &= 0x80000000;
      return;
    }
    const x = valS(u, a), y = valS(u, b);
    u.u32[to] = (op === OP_MIN ? x < y : x > y) ? u.u32[a] : u.u32[b];
    if ((u.mxcsr & MX_DAZ) && isDenS(u, to)) u.u32[to] &= 0x80000000;
    return;
  }
  if (an || bn) {
    if ((an && isSnanS(u, a)) || (bn && isSnanS(u, b))) fp.flags |= MX_IE;
    u.u32[to] = u.u32[an ? a : b] | 0x400000;
    return;
  }
  const x = op === OP_SQRT ? 0 : valS(u, a), y = valS(u, b);
  if (op === OP_DIV && divByZero(x, y)) { fp.flags |= MX_ZE; u.f32[to] = signedInf(x, y); return; }
  const r = exact(op, x, y);
  if (r !== r) { fp.flags |= MX_IE; u.u32[to] = 0xffc00000; return; }
  if (!Number.isFinite(x) || !Number.isFinite(y)) { u.f32[to] = r; return; }
  if (r === 0) { u.f32[to] = zeroResult(op, x, y, r, u); return; }
  storeRoundedS(u, r, errorSign(op, x, y, r), to);
}

/** The sign of an exact zero result: products and quotients by the operands' signs, sums per IEEE 754 6.3. */
function zeroResult(op: number, x: number, y: number, r: number, u: SseUnit): number {
  if (op !== OP_ADD && op !== OP_SUB) return r;
  const yy = op === OP_SUB ? -y : y;
  if (Object.is(x, -0) && Object.is(yy, -0)) return -0;
  if (Object.is(x, 0) && Object.is(yy, 0)) return 0;
  return ((u.mxcsr >> 13) & 3) === 1 ? -0 : 0;
}

// ---- conversions ---------------------------------------------------------------------------

/** binary64 element -> binary32 element, rounded per MXCSR. */
function d2sElement(u: SseUnit, from: number, to: number): void {
  if (isNanD(u, from)) {
    if (isSnanD(u, from)) fp.flags |= MX_IE;
    const hi = u.i32[2 * from + 1], lo = u.i32[2 * from];
    u.u32[to] = ((hi & 0x80000000) | 0x7fc00000 | ((hi & 0x7ffff) << 3) | (lo >>> 29)) >>> 0;
    return;
  }
  const v = valD(u, from);
  if (!Number.isFinite(v) || v === 0) { u.f32[to] = v; return; }
  storeRoundedS(u, v, 0, to);
}

/** binary32 element -> binary64 element (exact). */
export function s2d(u: SseUnit, from: number, to: number): void {
  if (isNanS(u, from)) {
    if (isSnanS(u, from)) fp.flags |= MX_IE;
    const b = u.u32[from];
    u.i32[2 * to + 1] = (b & 0x80000000) | 0x7ff80000 | ((b & 0x3fffff) >>> 3);
    u.i32[2 * to] = (b & 7) << 29;
    return;
  }
  u.f64[to] = valS(u, from);
}

/** int32 -> binary32 per MXCSR. */
export function i2s(u: SseUnit, v: number, to: number): void {
  if (v === 0) { u.f32[to] = 0; return; }
  storeRoundedS(u, v, 0, to);
}

/** A value (already DAZ-processed, or NaN) -> int32 per rc (or truncated): the indefinite 0x80000000 and IE when out of range. */
export function toInt32(v: number, rc: number, truncate: boolean): number {
  if (v !== v) { fp.flags |= MX_IE; return 0x80000000 | 0; }
  const r = truncate ? Math.trunc(v) : roundInt(v, rc);
  if (!(r >= -2147483648 && r <= 2147483647)) { fp.flags |= MX_IE; return 0x80000000 | 0; }
  if (r !== v) fp.flags |= MX_PE;
  return r | 0;
}

/**
 * An element's value for a conversion to integer: NaN for any NaN. Denormals convert as
 * what they are (to 0, inexact) and raise no DE: the conversions to integer do not report it.
 */
export function convD(u: SseUnit, w: number): number {
  return isNanD(u, w) ? NaN : (u.mxcsr & MX_DAZ) && isDenD(u, w) ? 0 : u.f64[w];
}
export function convS(u: SseUnit, w: number): number {
  return isNanS(u, w) ? NaN : (u.mxcsr & MX_DAZ) && isDenS(u, w) ? 0 : u.f32[w];
}

// ---- compares ------------------------------------------------------------------------------

/** CMPPS/CMPSS predicate (imm8 & 7) on two elements: true / false; IE per the predicate's signalling. */
export function cmpPredicate(u: SseUnit, pred: number, a: number, b: number, double: boolean): boolean {
  const an = double ? isNanD(u, a) : isNanS(u, a), bn = double ? isNanD(u, b) : isNanS(u, b);
  const signalling = pred === 1 || pred === 2 || pred === 5 || pred === 6;
  if (an || bn) {
    const snan = double ? (an && isSnanD(u, a)) || (bn && isSnanD(u, b)) : (an && isSnanS(u, a)) || (bn && isSnanS(u, b));
    if (signalling || snan) fp.flags |= MX_IE;
    return pred === 3 || pred === 4 || pred === 5 || pred === 6;
  }
  const x = double ? valD(u, a) : valS(u, a), y = double ? valD(u, b) : valS(u, b);
  switch (pred) {
    case 0: return x === y;
    case 1: return x < y;
    case 2: return x <= y;
    case 3: return false;
    case 4: return x !== y;
    case 5: return !(x < y);
    case 6: return !(x <= y);
    default: return true;
  }
}

/** COMISx/UCOMISx: -1 less, 0 equal, 1 greater, 2 unordered. */
export function compareOrdered(u: SseUnit, a: number, b: number, double: boolean, signalling: boolean): number {
  const an = double ? isNanD(u, a) : isNanS(u, a), bn = double ? isNanD(u, b) : isNanS(u, b);
  if (an || bn) {
    const snan = double ? (an && isSnanD(u, a)) || (bn && isSnanD(u, b)) : (an && isSnanS(u, a)) || (bn && isSnanS(u, b));
    if (signalling || snan) fp.flags |= MX_IE;
    return 2;
  }
  const x = double ? valD(u, a) : valS(u, a), y = double ? valD(u, b) : valS(u, b);
  return x < y ? -1 : x > y ? 1 : 0;
}
