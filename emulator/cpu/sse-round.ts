// IEEE rounding under MXCSR for the SSE arithmetic: JavaScript computes every + - * / and
// square root rounded to nearest in binary64, exactly as IEEE 754 defines; the other three
// rounding modes, the inexact flag, and binary32 results are derived from that result and
// the sign of its error (exact value minus rounded value), which error-free transformations
// give for additions and products in the normal range and exact rational arithmetic
// (BigInt) gives everywhere else.

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const F32 = new Float32Array(1);
const U32S = new Uint32Array(F32.buffer);

export const RC_NEAREST = 0, RC_DOWN = 1, RC_UP = 2, RC_ZERO = 3;

/** x as mantissa * 2^exponent with an integer mantissa (x finite). */
function decompose(x: number): [bigint, number] {
  F64[0] = x;
  const hi = U32[1], lo = U32[0];
  const e = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (e !== 0) m |= 1n << 52n;
  if (hi >>> 31) m = -m;
  return [m, (e === 0 ? 1 : e) - 1075];
}

/** Sign of p - q for p = a*2^ea and q = b*2^eb. */
function cmpScaled(a: bigint, ea: number, b: bigint, eb: number): number {
  const e = Math.min(ea, eb);
  const d = (a << BigInt(ea - e)) - (b << BigInt(eb - e));
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

const SPLIT = 134217729;   // 2^27 + 1 (Veltkamp)

/** Exact a*b - p as a sum of doubles is representable when nothing over- or underflows. */
function productError(a: number, b: number, p: number): number {
  const ta = SPLIT * a, ah = ta - (ta - a), al = a - ah;
  const tb = SPLIT * b, bh = tb - (tb - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

const SAFE_HI = 2 ** 995, SAFE_LO = 2 ** -968;
const safe = (v: number): boolean => { const m = Math.abs(v); return m === 0 || (m < SAFE_HI && m > SAFE_LO); };

/**
 * Sign of (exact result - r) for r = a op b rounded to nearest binary64 (finite operands and
 * a finite r). op: 0 add, 1 sub, 2 mul, 3 div, 4 sqrt (of b).
 */
export function errorSign(op: number, a: number, b: number, r: number): number {
  switch (op) {
    case 0: case 1: {
      const bb = op === 1 ? -b : b;
      if (Math.abs(r) < SAFE_HI) {
        const v = r - a, err = (a - (r - v)) + (bb - v);
        return err > 0 ? 1 : err < 0 ? -1 : 0;
      }
      const [ma, ea] = decompose(a), [mb, eb] = decompose(bb), [mr, er] = decompose(r);
      const e = Math.min(ea, eb);
      return cmpScaled((ma << BigInt(ea - e)) + (mb << BigInt(eb - e)), e, mr, er);
    }
    case 2: {
      if (safe(a) && safe(b) && Math.abs(r) > SAFE_LO && Math.abs(r) < SAFE_HI) { const err = productError(a, b, r); return err > 0 ? 1 : err < 0 ? -1 : 0; }
      const [ma, ea] = decompose(a), [mb, eb] = decompose(b), [mr, er] = decompose(r);
      return cmpScaled(ma * mb, ea + eb, mr, er);
    }
    case 3: {
      // sign(a/b - r) = sign(a - r*b) * sign(b)
      const [ma, ea] = decompose(a), [mb, eb] = decompose(b), [mr, er] = decompose(r);
      return cmpScaled(ma, ea, mr * mb, er + eb) * (b < 0 ? -1 : 1);
    }
    default: {
      const [mb, eb] = decompose(b), [mr, er] = decompose(r);
      return cmpScaled(mb, eb, mr * mr, er * 2);
    }
  }
}

/**
 * Whether |a op b| >= 2^1024 exactly (op: 0 add, 1 sub, 2 mul, 3 div): the overflow threshold
 * when rounding toward zero, where a result between the largest double and 2^1024 rounds to
 * the largest double without overflowing.
 */
export function beyondDoubleRange(op: number, a: number, b: number): boolean {
  const [ma, ea] = decompose(a), [mb, eb] = decompose(op === 1 ? -b : b);
  const abs = (v: bigint): bigint => (v < 0n ? -v : v);
  switch (op) {
    case 0: case 1: {
      const e = Math.min(ea, eb);
      return cmpScaled(abs((ma << BigInt(ea - e)) + (mb << BigInt(eb - e))), e, 1n, 1024) >= 0;
    }
    case 2: return cmpScaled(abs(ma * mb), ea + eb, 1n, 1024) >= 0;
    default: return cmpScaled(abs(ma), ea, abs(mb), eb + 1024) >= 0;
  }
}

/** The next binary64 toward +Infinity (dir 1) or -Infinity (dir -1). */
export function nextDouble(x: number, dir: number): number {
  if (x === 0) return dir * Number.MIN_VALUE;
  F64[0] = x;
  let lo = U32[0], hi = U32[1];
  const away = (x > 0) === (dir > 0);
  if (away) { lo = (lo + 1) >>> 0; if (lo === 0) hi = (hi + 1) >>> 0; }
  else { if (lo === 0) hi = (hi - 1) >>> 0; lo = (lo - 1) >>> 0; }
  U32[0] = lo; U32[1] = hi;
  return F64[0];
}

/** The next binary32 toward +Infinity (dir 1) or -Infinity (dir -1). */
export function nextSingle(x: number, dir: number): number {
  if (x === 0) return dir * 1.401298464324817e-45;
  F32[0] = x;
  U32S[0] = (x > 0) === (dir > 0) ? U32S[0] + 1 : U32S[0] - 1;
  return F32[0];
}

/**
 * The correctly rounded result in mode rc, from the round-to-nearest result x and the sign
 * of (exact - x); `next` steps one representable value (nextDouble or nextSingle).
 */
export function directed(x: number, sign: number, rc: number, next: (x: number, dir: number) => number): number {
  if (sign === 0 || rc === RC_NEAREST) return x;
  if (rc === RC_UP) return sign > 0 ? next(x, 1) : x;
  if (rc === RC_DOWN) return sign < 0 ? next(x, -1) : x;
  // Toward zero: step back when x is further from zero than the exact value.
  if (x > 0 && sign < 0) return next(x, -1);
  if (x < 0 && sign > 0) return next(x, 1);
  if (x === 0) return x;
  return x;
}

/** Rounds a finite value to an integer in mode rc. */
export function roundInt(x: number, rc: number): number {
  switch (rc) {
    case RC_DOWN: return Math.floor(x);
    case RC_UP: return Math.ceil(x);
    case RC_ZERO: return Math.trunc(x);
    default: {
      const f = Math.floor(x), d = x - f;
      return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
    }
  }
}
