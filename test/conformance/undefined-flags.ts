// Which EFLAGS bits Intel documents as undefined after each instruction (SDM Vol. 2, each
// instruction's "Flags Affected" section, and Vol. 1 Appendix A "EFLAGS Cross-Reference").
// Only these bits are masked when comparing with the host CPU; every other arithmetic flag,
// including the ones an instruction leaves unaffected, must match exactly.

export const CF = 0x001;
export const PF = 0x004;
export const AF = 0x010;
export const ZF = 0x040;
export const SF = 0x080;
export const OF = 0x800;
export const DF = 0x400;
/** The six status flags: the only ones the comparison looks at. */
export const STATUS_FLAGS = CF | PF | AF | ZF | SF | OF;

export type ShiftKind = 'rol' | 'ror' | 'rcl' | 'rcr' | 'shl' | 'shr' | 'sal' | 'sar';

/** Instructions whose undefined flags do not depend on their operands. */
export const FIXED_UNDEFINED: Record<string, number> = {
  add: 0, adc: 0, sub: 0, sbb: 0, cmp: 0, neg: 0, inc: 0, dec: 0, not: 0,
  cmpxchg: 0, xadd: 0, bswap: 0, cmps: 0, scas: 0,
  and: AF, or: AF, xor: AF, test: AF,                 // "OF and CF cleared; AF undefined"
  mul: SF | ZF | AF | PF, imul: SF | ZF | AF | PF,    // only CF and OF are defined
  div: CF | OF | SF | ZF | AF | PF, idiv: CF | OF | SF | ZF | AF | PF,
  bt: OF | SF | AF | PF, bts: OF | SF | AF | PF, btr: OF | SF | AF | PF, btc: OF | SF | AF | PF,  // ZF unaffected
  bsf: CF | OF | SF | AF | PF, bsr: CF | OF | SF | AF | PF,
  daa: OF, das: OF,
  aaa: OF | SF | ZF | PF, aas: OF | SF | ZF | PF,
  aam: OF | AF | CF, aad: OF | AF | CF,
};

/**
 * Shifts and rotates (SDM "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR"). The count is masked to
 * 5 bits first; a masked count of 0 changes no flag at all.
 */
export function shiftUndefined(kind: ShiftKind, size: 8 | 16 | 32, rawCount: number): number {
  const count = rawCount & 0x1f;
  if (count === 0) return 0;
  let undef = count === 1 ? 0 : OF;                   // OF is defined for 1-bit shifts and rotates only
  if (kind === 'shl' || kind === 'sal' || kind === 'shr' || kind === 'sar') {
    undef |= AF;                                      // "For a non-zero count, the AF flag is undefined."
    // "CF is undefined for SHL and SHR instructions where the count is greater than or equal
    // to the size (in bits) of the destination operand."
    if ((kind === 'shl' || kind === 'sal' || kind === 'shr') && count >= size) undef |= CF;
  }
  return undef;
}

/**
 * SHLD/SHRD (SDM "SHLD", "SHRD"): a masked count of 0 changes nothing; a count greater than
 * the operand size (16-bit forms only) leaves the result and every flag undefined; otherwise
 * AF is undefined and OF is defined only for a 1-bit shift.
 */
export function doubleShiftUndefined(size: 16 | 32, rawCount: number): { flags: number; resultUndefined: boolean } {
  const count = rawCount & 0x1f;
  if (count === 0) return { flags: 0, resultUndefined: false };
  if (count > size) return { flags: STATUS_FLAGS, resultUndefined: true };
  return { flags: AF | (count === 1 ? 0 : OF), resultUndefined: false };
}
