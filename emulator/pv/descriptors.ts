// Segment descriptors the hypervisor owns (its reserved GDT page) and Xen's check of the
// descriptors a guest installs (check_descriptor): no DPL 0, nothing reaching into the
// hypervisor's hole, no gates or TSSs the guest could use to reach ring 0.

import { GUEST_SEGMENT_MAX_ADDR } from './abi';

/** Encodes a code/data descriptor; `type` is the 4-bit type with S=1. */
export function segmentDescriptor(base: number, limitPages: number, type: number, dpl: number): [number, number] {
  const lo = ((limitPages & 0xffff) | ((base & 0xffff) << 16)) | 0;
  const hi = (((base >>> 16) & 0xff) | (type << 8) | (1 << 12) | (dpl << 13) | (1 << 15) |
    (limitPages & 0xf0000) | (1 << 22) | (1 << 23) | (base & 0xff000000)) | 0;
  return [lo, hi];
}

/** Limit (in 4 KiB units) that ends the flat guest segments at the end of the read-only M2P table. */
export const GUEST_LIMIT_PAGES = (GUEST_SEGMENT_MAX_ADDR >>> 12) - 1;

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
  let dpl = (hi >>> 13) & 3;
  if (!s) {
    // System descriptors: only LDTs (type 2) may appear; call gates to ring 0 would be an escape.
    if (type !== 2) return null;
  } else {
    if (dpl === 0) { dpl = 1; hi = (hi & ~0x6000) | (1 << 13); }
    // The hypervisor maps descriptor pages read-only: the CPU must never need to set the accessed bit.
    hi |= 0x100;
  }
  if (s) {
    const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
    const raw = (lo & 0xffff) | (hi & 0xf0000);
    const limit = hi & 0x800000 ? raw * 4096 + 4095 : raw;
    const code = (type & 8) !== 0;
    const expandDown = !code && (type & 4) !== 0;
    if (!expandDown && base + limit >= GUEST_SEGMENT_MAX_ADDR) {
      // Xen truncates a segment that would reach the hypervisor rather than refusing it.
      if (base >= GUEST_SEGMENT_MAX_ADDR) return null;
      const pages = Math.floor((GUEST_SEGMENT_MAX_ADDR - base) / 4096) - 1;
      if (!(hi & 0x800000)) return null;
      lo = (lo & ~0xffff) | (pages & 0xffff);
      hi = (hi & ~0xf0000) | (pages & 0xf0000);
    }
    if (expandDown && base !== 0) return null;
  }
  void dpl;
  return [lo | 0, hi | 0];
}
