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
    this.saved.delete(pcid);
    let n = 0;
    for (let i = 0; i < count; i++) if (this.nonGlobal(list[i]!)) n++;
    if (n === 0) return;
    const s: Saved = { pages: new Int32Array(n), rs: new Int32Array(n), ws: new Int32Array(n), ru: new Int32Array(n), wu: new Int32Array(n), n: 0 };
    const seen = new Set<number>();
    for (let i = 0; i < count; i++) {
      const p = list[i]!;
      if (!this.nonGlobal(p) || seen.has(p)) continue;
      seen.add(p);
      const rs = this.tlbRS[p]!, ru = this.tlbRU[p]!;
      const j = s.n++;
      s.pages[j] = p;
      // Write entries exist only beside a read entry of the same translation.
      if (rs && !(rs & this.globalBit)) { s.rs[j] = rs; s.ws[j] = this.tlbWS[p]!; }
      if (ru && !(ru & this.globalBit)) { s.ru[j] = ru; s.wu[j] = this.tlbWU[p]!; }
    }
    if (this.saved.size >= MAX_SAVED) this.saved.delete(this.saved.keys().next().value as number);
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
  drop(pcid: number): void { this.saved.delete(pcid); }

  /** Forget one page of one PCID (INVPCID type 0), or of every PCID (pcid -1). */
  dropPage(pcid: number, page: number): void {
    for (const [id, s] of this.saved) {
      if (pcid >= 0 && id !== pcid) continue;
      for (let j = 0; j < s.n; j++) if (s.pages[j] === page) { s.rs[j] = 0; s.ws[j] = 0; s.ru[j] = 0; s.wu[j] = 0; }
    }
  }

  /** Forget everything (a flush of all PCIDs). */
  clear(): void { this.saved.clear(); }

  /** Write entries go (dirty-page tracking restarted: the next store must be seen). */
  dropWrites(): void {
    for (const s of this.saved.values()) { s.ws.fill(0); s.wu.fill(0); }
  }

  private nonGlobal(p: number): boolean {
    const rs = this.tlbRS[p]!, ru = this.tlbRU[p]!;
    return (rs !== 0 && !(rs & this.globalBit)) || (ru !== 0 && !(ru & this.globalBit));
  }
}
