// The translations of the PCIDs that are not current (CR4.PCIDE, SDM Vol. 3 §4.10.1).
//
// The software TLB (memory-access.ts) is direct-mapped by linear page and holds one
// translation per page: those of the current PCID and the global ones. When CR3 switches to
// another PCID, the outgoing PCID's non-global entries are moved here, tagged by their PCID,
// and a later switch back with CR3 bit 63 set (no flush) puts them back, as hardware keeps
// them. Dropping a saved set is always allowed (a processor may invalidate more than it
// must), so the store is bounded: the least recently saved PCID goes first. The far TLB's
// entries (long-mode pages outside the sign-extended 32-bit range) are not saved.

/** PCIDs whose translations are kept while another is current (Linux uses 6, or 12 with PTI). */
const MAX_SAVED = 16;

/** One PCID's translations: per page, the supervisor and user read and write entries. */
interface Saved { pages: Int32Array; rs: Int32Array; ws: Int32Array; ru: Int32Array; wu: Int32Array; n: number }

export class PcidTlb {
  private readonly saved = new Map<number, Saved>();

  constructor(
    private readonly tlbRS: Int32Array, private readonly tlbWS: Int32Array,
    private readonly tlbRU: Int32Array, private readonly tlbWU: Int32Array,
    private readonly globalBit: number,
  ) {}

  /** How many PCIDs have translations kept here (tests and the debugger). */
  get size(): number { return this.saved.size; }

  /**
   * Keep the non-global entries of the pages in list[0..count) as `pcid`'s. The caller then
   * drops them from the live TLB.
   */
  save(pcid: number, list: Int32Array, count: number): void {
    // Linux with page-table isolation switches PCID at every kernel entry and exit, so this
    // allocates nothing in the steady state: a set's arrays are reused when they are big
    // enough. A page listed twice is saved twice; restore skips the second copy.
    let s = this.saved.get(pcid);
    this.saved.delete(pcid);
    if (s === undefined || s.pages.length < count) s = this.spare.length && this.spare[this.spare.length - 1]!.pages.length >= count ? this.spare.pop()! : newSaved(Math.max(count, 64));
    let n = 0;
    const g = this.globalBit;
    for (let i = 0; i < count; i++) {
      const p = list[i]!;
      const rs = this.tlbRS[p]!, ru = this.tlbRU[p]!;
      const keepS = rs !== 0 && (rs & g) === 0, keepU = ru !== 0 && (ru & g) === 0;
      if (!keepS && !keepU) continue;
      // Write entries exist only beside a read entry of the same translation.
      s.pages[n] = p;
      s.rs[n] = keepS ? rs : 0; s.ws[n] = keepS ? this.tlbWS[p]! : 0;
      s.ru[n] = keepU ? ru : 0; s.wu[n] = keepU ? this.tlbWU[p]! : 0;
      n++;
    }
    s.n = n;
    if (n === 0) { this.recycle(s); return; }
    if (this.saved.size >= MAX_SAVED) {
      const oldest = this.saved.keys().next().value as number;
      this.recycle(this.saved.get(oldest)!);
      this.saved.delete(oldest);
    }
    this.saved.set(pcid, s);
  }

  /**
   * Put `pcid`'s kept entries back into the live TLB where the page has no entry (a global
   * translation of the same page stays); pages newly cached are appended to list. Returns
   * the new count. The set is consumed: the PCID is current again.
   */
  restore(pcid: number, list: Int32Array, count: number): number {
    const s = this.saved.get(pcid);
    if (s === undefined) return count;
    this.saved.delete(pcid);
    this.recycle(s);
    for (let j = 0; j < s.n; j++) {
      const p = s.pages[j]!;
      const wasEmpty = (this.tlbRS[p]! | this.tlbRU[p]!) === 0;
      if (s.rs[j] && !this.tlbRS[p]) { this.tlbRS[p] = s.rs[j]!; this.tlbWS[p] = s.ws[j]!; }
      if (s.ru[j] && !this.tlbRU[p]) { this.tlbRU[p] = s.ru[j]!; this.tlbWU[p] = s.wu[j]!; }
      if (wasEmpty && (this.tlbRS[p]! | this.tlbRU[p]!) !== 0) {
        if (count < list.length) list[count] = p;
        count++;
      }
    }
    return count;
  }

  /** Forget one PCID's translations (MOV to CR3 without bit 63, INVPCID type 1). */
  drop(pcid: number): void {
    const s = this.saved.get(pcid);
    if (s === undefined) return;
    this.saved.delete(pcid);
    this.recycle(s);
  }

  /** Forget one page of one PCID (INVPCID type 0), or of every PCID (pcid -1). */
  dropPage(pcid: number, page: number): void {
    for (const [id, s] of this.saved) {
      if (pcid >= 0 && id !== pcid) continue;
      for (let j = 0; j < s.n; j++) if (s.pages[j] === page) { s.rs[j] = 0; s.ws[j] = 0; s.ru[j] = 0; s.wu[j] = 0; }
    }
  }

  /** Forget everything (a flush of all PCIDs). */
  clear(): void {
    if (this.saved.size === 0) return;
    for (const s of this.saved.values()) this.recycle(s);
    this.saved.clear();
  }

  /** Write entries go (dirty-page tracking restarted: the next store must be seen). */
  dropWrites(): void {
    for (const s of this.saved.values()) { s.ws.fill(0, 0, s.n); s.wu.fill(0, 0, s.n); }
  }

  /** Write entries to one physical page go (it now holds compiled code: stores there must be seen). */
  dropWritesTo(base: number): void {
    for (const s of this.saved.values()) {
      for (let j = 0; j < s.n; j++) {
        if ((s.ws[j]! & -4096) === base) s.ws[j] = 0;
        if ((s.wu[j]! & -4096) === base) s.wu[j] = 0;
      }
    }
  }

  /** Sets no longer in use, kept for their arrays (restore's set is recycled before it is read). */
  private readonly spare: Saved[] = [];

  private recycle(s: Saved): void {
    if (this.spare.length < 4) { this.spare.push(s); this.spare.sort((a, b) => a.pages.length - b.pages.length); }
  }
}

function newSaved(capacity: number): Saved {
  return { pages: new Int32Array(capacity), rs: new Int32Array(capacity), ws: new Int32Array(capacity), ru: new Int32Array(capacity), wu: new Int32Array(capacity), n: 0 };
}
