// The tagged TLB of far long-mode pages: linear addresses outside the sign-extended 32-bit
// range (the direct map at 0xFFFF8880..., vmemmap, user stacks near 0x7FFC...), which the
// direct-mapped TLB of memory-access.ts cannot index. A slot is chosen by a hash of the page
// number, and the page number is its tag; entries have the direct-mapped TLB's bit layout.
// The entries of PCIDs other than the current one are not kept here (pcid-tlb.ts keeps only
// the direct-mapped ones): a PCID switch drops the non-global far entries.

/** Slots: a power of two. */
export const FAR_SLOTS = 4096;

/** The slot of a page number (a hash of its low and high bits). */
export function farSlot(pageNo: number): number {
  return ((pageNo | 0) ^ (Math.floor(pageNo / 1048576) * 7)) & (FAR_SLOTS - 1);
}

export class FarTlb {
  /** The page number cached in each slot (NaN: empty). */
  readonly page = new Float64Array(FAR_SLOTS).fill(NaN);
  /** Supervisor and user read and write entries per slot. */
  readonly rs = new Int32Array(FAR_SLOTS);
  readonly ws = new Int32Array(FAR_SLOTS);
  readonly ru = new Int32Array(FAR_SLOTS);
  readonly wu = new Int32Array(FAR_SLOTS);
  /** The occupied slots (count of them): a flush visits only these. */
  private readonly list = new Int32Array(FAR_SLOTS);
  private count = 0;

  constructor(private readonly globalBit: number) {}

  /** Make slot `i` page `pn`'s, empty, when it held another page (or none). */
  claim(i: number, pn: number): void {
    if (this.page[i] === pn) return;
    if (this.page[i] !== this.page[i]) this.list[this.count++] = i;
    this.page[i] = pn; this.rs[i] = 0; this.ws[i] = 0; this.ru[i] = 0; this.wu[i] = 0;
  }

  /** Drop one page's entries. */
  dropPage(pn: number): void {
    const i = farSlot(pn);
    if (this.page[i] === pn) { this.rs[i] = 0; this.ws[i] = 0; this.ru[i] = 0; this.wu[i] = 0; }
  }

  /**
   * Drop the entries (all, or all but the global ones). Only the occupied slots are visited: a
   * kernel with page-table isolation loads CR3 at every entry and exit, and a sweep of all
   * 4096 slots each time was 6.5% of its boot.
   */
  flush(keepGlobal: boolean): void {
    if (this.count === 0) return;
    const list = this.list, g = this.globalBit;
    let kept = 0;
    for (let j = 0; j < this.count; j++) {
      const i = list[j]!;
      if (keepGlobal && ((this.rs[i]! | this.ru[i]!) & g)) {
        // Write entries are only ever made beside a read entry of the same translation.
        if (!(this.rs[i]! & g)) { this.rs[i] = 0; this.ws[i] = 0; }
        if (!(this.ru[i]! & g)) { this.ru[i] = 0; this.wu[i] = 0; }
        list[kept++] = i;
        continue;
      }
      this.page[i] = NaN; this.rs[i] = 0; this.ws[i] = 0; this.ru[i] = 0; this.wu[i] = 0;
    }
    this.count = kept;
  }

  /** Write entries only (dirty-page tracking restarted: the next store to each page must be seen). */
  dropWrites(): void {
    const list = this.list;
    for (let j = 0; j < this.count; j++) { const i = list[j]!; this.ws[i] = 0; this.wu[i] = 0; }
  }

  /** Write entries to one physical page go (see MemoryAccess.dropWritesTo). */
  dropWritesTo(base: number): void {
    const list = this.list;
    for (let j = 0; j < this.count; j++) {
      const i = list[j]!;
      if ((this.ws[i]! & -4096) === base) this.ws[i] = 0;
      if ((this.wu[i]! & -4096) === base) this.wu[i] = 0;
    }
  }
}
