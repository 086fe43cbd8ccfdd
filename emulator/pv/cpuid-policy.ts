// The CPUID features Xen offers a PV guest by default: the bits its public
// arch-x86/cpufeatureset.h marks 'A' (all guests, available by default), per featureset word.
// The rest ('S' HVM only, 'H' HVM with HAP only, lower case opt-in, unmarked) are hidden: a PV
// kernel never sees PSE, PGE, MTRR, 1 GiB pages, PCID, SMEP/SMAP, VMX or the x2APIC, and so
// never tries to use them. test/pv64/cpuid-policy.test.ts derives the same masks from the header.

/** Masks by featureset word: 0 = leaf 1 EDX, 1 = leaf 1 ECX, 2 = 0x80000001 EDX, 3 = 0x80000001 ECX, 5/6/9 = leaf 7.0 EBX/ECX/EDX. */
export const PV_FEATURE_MASKS: Readonly<Record<0 | 1 | 2 | 3 | 5 | 6 | 9, number>> = Object.freeze({
  0: 0x1fc9cbf5,
  1: 0xf6d83203 | 0,
  2: 0xea500800 | 0,
  3: 0x042109e3,
  5: 0xfdaf0b29 | 0,
  6: 0x02405f43,
  9: 0xac00441c | 0,
});

/** Applies the PV policy to the registers of CPUID leaf `leaf` (subleaf `sub`): EAX, ECX, EDX, EBX in encoding order. */
export function applyPvCpuidPolicy(r: Int32Array, leaf: number, sub: number): void {
  const M = PV_FEATURE_MASKS;
  if (leaf === 1) { r[2] &= M[0]; r[1] &= M[1]; }
  else if (leaf === 0x80000001) { r[2] &= M[2]; r[1] &= M[3]; }
  else if (leaf === 7 && sub === 0) { r[3] &= M[5]; r[1] &= M[6]; r[2] &= M[9]; }
}
