// Effective addresses of 64-bit code for compiled blocks, when a register in the operand does
// not hold a sign-extended 32-bit value (the fast case compiled blocks compute inline). The
// result is the linear number of memory-access.ts (the canonical address read as a signed
// number), or NaN when the block should not do the access itself: a non-canonical address
// (the interpreter raises #GP or #SS) and the last page below the canonical hole, where an
// access may run past the top of the lower half.

const TWO32 = 4294967296;
/** The last page of the lower canonical half, 0x7FFFFFFFF000. */
const LAST_LOW_PAGE = 140737488351232;

/**
 * base + index * scale + disp modulo 2^64, from the registers' halves (bl/bh, il/ih; absent
 * ones 0 with scale 0) and the sign-extended 32-bit displacement.
 */
export function address64(bl: number, bh: number, il: number, ih: number, scale: number, disp: number): number {
  // Each partial sum stays below 2^53, so it is exact; the carry moves from low to high.
  const lo = (bl >>> 0) + (il >>> 0) * scale + (disp >>> 0);
  const carry = Math.floor(lo / TWO32);
  const hi = (bh + ih * scale + (disp >> 31) + carry) | 0;
  if (((hi << 16) >> 16) !== hi) return NaN;
  const lin = hi * TWO32 + (lo - carry * TWO32);
  return lin >= LAST_LOW_PAGE ? NaN : lin;
}

/** The high half of the last lea64 result. */
export const leaHi = { v: 0 };

/** LEA's value modulo 2^64 (no canonical check): the low half returned, the high in leaHi.v. */
export function lea64(bl: number, bh: number, il: number, ih: number, scale: number, disp: number): number {
  const lo = (bl >>> 0) + (il >>> 0) * scale + (disp >>> 0);
  const carry = Math.floor(lo / TWO32);
  leaHi.v = (bh + ih * scale + (disp >> 31) + carry) | 0;
  return lo | 0;
}
