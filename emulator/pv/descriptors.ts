// Segment descriptors the hypervisor owns (its reserved GDT page) and Xen's check of the
// descriptors a guest installs (check_descriptor): no DPL 0, no gates or TSSs the guest
// could use to reach ring 0. As in Xen running 32-bit PV guests today (compat mode), the
// flat ring-1 and ring-3 segments cover all 4 GiB: the hypervisor's area is kept out of the
// guest's reach by paging (its L2 slots are the hypervisor's, its mappings read-only).

/** Encodes a code/data descriptor; `type` is the 4-bit type with S=1. */
export function segmentDescriptor(base: number, limitPages: number, type: number, dpl: number): [number, number] {
  const lo = ((limitPages & 0xffff) | ((base & 0xffff) << 16)) | 0;
  const hi = (((base >>> 16) & 0xff) | (type << 8) | (1 << 12) | (dpl << 13) | (1 << 15) |
    (limitPages & 0xf0000) | (1 << 22) | (1 << 23) | (base & 0xff000000)) | 0;
  return [lo, hi];
}

/** Limit (in 4 KiB units) of the flat guest segments: all 4 GiB. */
export const GUEST_LIMIT_PAGES = 0xfffff;

/** The reserved entries from selector 0xE000 up, as Xen's x86_32 GDT lays them out. */
export function reservedGdtEntries(): Array<[number, number, number]> {
  return [
    [0xe008, ...segmentDescriptor(0, 0xfffff, 0xb, 0)],
    [0xe010, ...segmentDescriptor(0, 0xfffff, 0x3, 0)],
    [0xe018, ...segmentDescriptor(0, GUEST_LIMIT_PAGES, 0xb, 1)],
    [0xe020, ...segmentDescriptor(0, GUEST_LIMIT_PAGES, 0x3, 1)],
    [0xe028, ...segmentDescriptor(0, GUEST_LIMIT_PAGES, 0xb, 3)],
    [0xe030, ...segmentDescriptor(0, GUEST_LIMIT_PAGES, 0x3, 3)],
  ];
}

/**
 * Xen's check_descriptor for a 32-bit PV guest: returns the descriptor to store (DPL 0
 * raised to 1) or null when it must be refused. Not-present descriptors pass unchanged.
 */
export function checkDescriptor(lo: number, hi: number): [number, number] | null {
  lo |= 0; hi |= 0;
  if (!(hi & 0x8000)) return [lo, hi];
  const s = (hi >>> 12) & 1, type = (hi >>> 8) & 0xf;
  const dpl = (hi >>> 13) & 3;
  if (!s) {
    // System descriptors: only LDTs (type 2) may appear; call gates to ring 0 would be an escape.
    if (type !== 2) return null;
  } else {
    if (dpl === 0) hi = (hi & ~0x6000) | (1 << 13);
    // The hypervisor maps descriptor pages read-only: the CPU must never need to set the accessed bit.
    hi |= 0x100;
  }
  return [lo | 0, hi | 0];
}

/**
 * Xen's check_descriptor for a 64-bit PV guest, whose kernel runs in ring 3: a DPL below 3 is
 * raised to 3, code and data segments (64-bit ones included) pass, type 0 (the upper half of
 * a 16-byte gate) passes, a call gate is kept with DPL 0 (so using it faults into Xen) and
 * its (raised) DPL in the target selector's RPL, and every other system descriptor is refused.
 */
export function checkDescriptor64(lo: number, hi: number): [number, number] | null {
  lo |= 0; hi |= 0;
  if (!(hi & 0x8000)) return [lo, hi];
  const dpl = 3;
  hi = (hi & ~0x6000) | (dpl << 13);
  if (hi & 0x1000) return [lo, hi | 0x100];
  const type = (hi >>> 8) & 0xf;
  if (type === 0) return [lo, hi];
  if (type !== 0xc) return null;
  const cs = ((lo >>> 16) & 0xfffc) | dpl;
  if ((cs & 0xfffc) === 0 || (hi & 0xff)) return null;
  return [((lo & 0xffff) | (cs << 16)) | 0, hi & ~0x6000];
}
