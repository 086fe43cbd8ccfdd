// The EPT a hypervisor builds for the guest-physical pages a run reached: 4-level tables of
// 512 eight-byte entries (PML4, PDPT, PD, PT), one table at each level for every region of
// that level's span holding a reached page. A PT covers 2 MiB, a PD 1 GiB, a PDPT 512 GiB,
// and there is one PML4. With large pages, a 2 MiB range that is wholly guest RAM is mapped by
// one PD entry and needs no PT (a p2m populated with superpages); a range split by MMIO, ROM,
// a hole or a frame placed outside RAM keeps 4 KiB entries. 1 GiB pages are not modelled.
// COST-MODEL.md ("Memory the hypervisor holds") describes the model.

export interface EptFootprint {
  /** Guest-physical pages mapped (the reached pages). */
  pages: number;
  tables: { pml4: number; pdpt: number; pd: number; pt: number };
  /** 2 MiB ranges mapped by one large-page entry instead of a PT. */
  largePages: number;
  /** The tables' memory: 4 KiB each. */
  bytes: number;
}

/**
 * `gpfns`: the reached guest page numbers (4 KiB frames, any order, duplicates allowed).
 * `wholeRam(range)`: whether 2 MiB range `range` (gpfn >> 9) is entirely guest RAM.
 */
export function eptFootprint(gpfns: Iterable<number>, largePages: boolean, wholeRam: (range: number) => boolean): EptFootprint {
  const pages = new Set<number>();
  for (const g of gpfns) {
    if (!Number.isInteger(g) || g < 0) throw new RangeError(`EPT footprint: ${g} is not a guest page number`);
    pages.add(g);
  }
  const pt = new Set<number>(), pd = new Set<number>(), pdpt = new Set<number>(), large = new Set<number>();
  for (const g of pages) {
    // Arithmetic, not shifts: gpfns above 2^31 pages would wrap in 32-bit shifts.
    const r2m = Math.floor(g / 512);
    if (largePages && (large.has(r2m) || wholeRam(r2m))) large.add(r2m);
    else pt.add(r2m);
    pd.add(Math.floor(g / (512 * 512)));
    pdpt.add(Math.floor(g / (512 * 512 * 512)));
  }
  const tables = { pml4: pages.size > 0 ? 1 : 0, pdpt: pdpt.size, pd: pd.size, pt: pt.size };
  return { pages: pages.size, tables, largePages: large.size, bytes: (tables.pml4 + tables.pdpt + tables.pd + tables.pt) * 4096 };
}
