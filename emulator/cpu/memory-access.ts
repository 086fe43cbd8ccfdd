// Segmented and paged guest memory access: descriptor caches and linear addresses, and the
// software TLB over the page walkers of page-walk.ts (the reads and writes through it are in
// linear-access.ts).
//
// Linear addresses are JS numbers. Outside long mode they are the int32 of the 32-bit
// address. In long mode (EFER.LMA) a linear address is the canonical 64-bit address read as
// a signed number (-2^47 .. 2^47-1): the sign-extended 32-bit range is int32 and uses the
// direct-mapped TLB exactly as 32-bit code does; any other address ("far") is a non-int32
// number and goes through a small tagged TLB beside it (LONG-MODE.md, "Linear addresses").

import type { PhysicalMemory } from '../memory/physical-memory';

const PAGE_RAM = 0;
import * as K from './constants';
import { PageWalker } from './page-walk';
import { PcidTlb } from './pcid-tlb';
import * as FT from './far-tlb';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { FarTlb, farSlot } = FT;
const { A_TYPE, A_S, A_DB, A_L, A_UNUSABLE, CR0_PG, CR4_PGE, CR4_SMAP, CR4_SMEP, CS, DS, FLAG_AC, FS, GS, GP, PF, SS, SSF } = K;

export { FAULT } from './page-walk';

const TLB_PAGES = 1 << 20;
const TLB_LIST = 16384;
/**
 * Entry bits: valid; "not plain RAM" (MMIO/ROM/hole: go through the bus); "holds compiled
 * code" (reads ignore it, writes take the path that invalidates blocks).
 */
export const T_VALID = 1;
const T_SLOW = 2;
const T_CODE = 4;
/**
 * In a read entry: the page is execute-disabled (XD with EFER.NXE). Data reads ignore it;
 * instruction fetches (the fetch path, the block lookup) see an entry with it as a miss and
 * walk, which raises the #PF.
 */
export const T_NX = 8;
/** The translation is global (G with CR4.PGE): a CR3 load keeps it. */
const T_GLOBAL = 16;

const TWO32 = 4294967296;
const TWO47 = 140737488355328;

/** High 32 bits of a linear address (long mode's signed representation). */
export function linHi(lin: number): number { return Math.floor(lin / TWO32) | 0; }
/** The number for the canonical linear address hi:lo (int32 when it is sign-extended 32-bit). */
export function linJoin(lo: number, hi: number): number { return hi * TWO32 + (lo >>> 0); }

export class MemoryAccess extends PageWalker {
  u8!: Uint8Array;
  i32!: Int32Array;
  u16!: Uint16Array;
  ramBytes = 0;

  readonly segSel = [0, 0, 0, 0, 0, 0];
  /** The MSR table (operands.ts fills it; EFER is mirrored there). */
  readonly msrs = new Map<number, [number, number]>();
  readonly segBase = [0, 0, 0, 0, 0, 0];
  /** High 32 bits of the bases: used for FS and GS in 64-bit mode only (the contract's name). */
  readonly segBaseHi = new Int32Array(6);
  /** Effective limit in bytes (already scaled by G). */
  readonly segLimit = [0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff];
  readonly segAttr = [0x93, 0x9b, 0x93, 0x93, 0x93, 0x93];
  /** 0 when a read through the segment needs no limit/type check (flat, usable). */
  readonly segChkR = new Uint8Array(6);
  readonly segChkW = new Uint8Array(6);
  /**
   * For a segment whose only check is its limit (expand-up, usable, and readable/writable as
   * the access needs): the limit; otherwise -1. Compiled code tests offsets against it inline.
   */
  readonly segLimR = new Float64Array(6).fill(-1);
  readonly segLimW = new Float64Array(6).fill(-1);

  cpl = 0;
  /** Code segment default size is 32-bit / stack uses ESP. */
  cs32 = false;
  ss32 = false;
  /** DS and SS need no limit or type check for reads and writes (compiled blocks then omit it). */
  flatData = false;
  /**
   * An implicit supervisor access is in progress (GDT, LDT, IDT, TSS): SMAP checks it whatever
   * EFLAGS.AC and the CPL are.
   */
  implicitAccess = false;

  // Software TLB: physical page base | bits, per linear page, for supervisor and user reads and writes.
  protected readonly tlbRS = new Int32Array(TLB_PAGES);
  private readonly tlbWS = new Int32Array(TLB_PAGES);
  private readonly tlbRU = new Int32Array(TLB_PAGES);
  private readonly tlbWU = new Int32Array(TLB_PAGES);
  tlbR = this.tlbRS;
  tlbW = this.tlbWS;
  private readonly tlbList = new Int32Array(TLB_LIST);
  private tlbCount = 0;
  /** The non-global translations of PCIDs other than the current one (CR4.PCIDE). */
  protected readonly pcidTlb = new PcidTlb(this.tlbRS, this.tlbWS, this.tlbRU, this.tlbWU, T_GLOBAL);
  /** The tagged TLB of far long-mode pages (far-tlb.ts). */
  protected readonly farTlb = new FarTlb(T_GLOBAL);
  /** Linear pages never cached in the TLB (watchpoints live there). */
  readonly noTlb = new Uint8Array(TLB_PAGES);
  /** Linear pages holding an enabled DR0-DR3 data breakpoint (never cached in the TLB). */
  readonly drTlb = new Uint8Array(TLB_PAGES);
  /**
   * The linear address xlate() translated last: an MMIO access's own (MMIO pages never hit the
   * fast path), which the EPT-violation exit reports as VT-x's guest-linear address.
   */
  accLin = 0;
  /** Size of the access being translated (for watchpoint overlap). */
  accSize = 1;
  /** DR6 B0-B3 bits of data breakpoints hit by the current instruction. */
  drHits = 0;
  /** Enabled data breakpoints: [address, length, rw] per DR index, or length 0. */
  readonly drData = new Int32Array(12);

  private checkDataBreakpoints(lin: number, size: number, write: boolean): void {
    const d = this.drData;
    for (let i = 0; i < 4; i++) {
      const len = d[i * 3 + 1];
      if (len === 0) continue;
      if (!write && d[i * 3 + 2] !== 3) continue;
      const a = d[i * 3] >>> 0, l = lin >>> 0;
      if (l < a + len && l + size > a) { this.drHits |= 1 << i; this.attn = true; }
    }
  }

  /** Called for accesses to pages in noTlb (watchpoints). */
  onWatch: ((lin: number, size: number, write: boolean) => void) | null = null;

  /** Per physical page: holds compiled code (set by the block cache). */
  codePage: Uint8Array | null = null;

  /** Linear page of the last fetch and its physical base (or -1). */
  protected fetchPage = -1;
  protected fetchBase = 0;
  /** The decode state holds prefixes (or a stale operand size) and must be reset. */
  prefixed = true;
  /** Something needs the run loop's slow checks before the next instruction. */
  attn = true;

  attachMemory(mem: PhysicalMemory): void {
    this.mem = mem;
    this.u8 = mem.u8; this.i32 = mem.i32; this.u16 = mem.u16;
    this.ramBytes = mem.ramBytes;
    mem.onTrackingRestart = () => this.dropWriteTlb();
    this.flushTlb();
  }

  /** Write entries only: the next store to each page goes through xlate (which marks it written). */
  dropWriteTlb(): void {
    this.pcidTlb.dropWrites();
    // Stores through far write entries reach RAM without the bus since farEntry's fast path.
    this.farTlb.dropWrites();
    if (this.tlbCount >= TLB_LIST) { this.tlbWS.fill(0); this.tlbWU.fill(0); return; }
    const l = this.tlbList;
    for (let i = 0; i < this.tlbCount; i++) { const p = l[i]; this.tlbWS[p] = 0; this.tlbWU[p] = 0; }
  }


  /**
   * A physical page now holds compiled code: every write entry that maps it goes, so the next
   * store there takes xlate, whose new entry carries T_CODE (stores into compiled lines must
   * reach the block cache). Only the cached pages are visited; a whole flush here, as before,
   * cost a TLB refill for each page of code compiled (Linux's init compiles blocks on hundreds).
   */
  dropWritesTo(physPage: number): void {
    if (this.tlbCount >= TLB_LIST) { this.flushTlb(); return; }
    const base = physPage << 12;
    const l = this.tlbList;
    for (let i = 0; i < this.tlbCount; i++) {
      const p = l[i];
      if ((this.tlbWS[p] & -4096) === base) this.tlbWS[p] = 0;
      if ((this.tlbWU[p] & -4096) === base) this.tlbWU[p] = 0;
    }
    this.farTlb.dropWritesTo(base);
    this.pcidTlb.dropWritesTo(base);
  }

  setCpl(cpl: number): void {
    this.cpl = cpl;
    if (cpl === 3) { this.tlbR = this.tlbRU; this.tlbW = this.tlbWU; }
    else { this.tlbR = this.tlbRS; this.tlbW = this.tlbWS; }
    this.fetchPage = -1;
  }

  flushTlb(): void {
    this.pcidTlb.clear();
    this.farTlb.flush(false);
    if (this.tlbCount >= TLB_LIST) {
      this.tlbRS.fill(0); this.tlbWS.fill(0); this.tlbRU.fill(0); this.tlbWU.fill(0);
    } else {
      const l = this.tlbList;
      for (let i = 0; i < this.tlbCount; i++) {
        const p = l[i];
        this.tlbRS[p] = 0; this.tlbWS[p] = 0; this.tlbRU[p] = 0; this.tlbWU[p] = 0;
      }
    }
    this.tlbCount = 0;
    this.fetchPage = -1;
  }

  /**
   * A CR3 load: every translation goes but the global ones (CR4.PGE). A TLB whose list of
   * cached pages overflowed is emptied whole, which hardware may do as well.
   */
  flushNonGlobal(): void {
    if (this.tlbCount >= TLB_LIST) { this.flushTlb(); return; }
    this.farTlb.flush(true);
    const l = this.tlbList;
    let kept = 0;
    for (let i = 0; i < this.tlbCount; i++) {
      const p = l[i];
      if ((this.tlbRS[p] | this.tlbRU[p]) & T_GLOBAL) {
        // Write entries are only ever made beside a read entry of the same translation.
        if (this.tlbRS[p] && !(this.tlbRS[p] & T_GLOBAL)) { this.tlbRS[p] = 0; this.tlbWS[p] = 0; }
        if (this.tlbRU[p] && !(this.tlbRU[p] & T_GLOBAL)) { this.tlbRU[p] = 0; this.tlbWU[p] = 0; }
        l[kept++] = p;
      } else {
        this.tlbRS[p] = 0; this.tlbWS[p] = 0; this.tlbRU[p] = 0; this.tlbWU[p] = 0;
      }
    }
    this.tlbCount = kept;
    this.fetchPage = -1;
  }

  /**
   * CR3 moves from PCID `from` to PCID `to` (CR4.PCIDE): `from`'s non-global translations are
   * kept aside, and `to`'s come back when `keep` (CR3 bit 63) says not to flush them; else
   * they are gone.
   */
  switchPcid(from: number, to: number, keep: boolean): void {
    if (this.tlbCount < TLB_LIST) this.pcidTlb.save(from, this.tlbList, this.tlbCount);
    this.flushNonGlobal();
    if (keep) this.tlbCount = this.pcidTlb.restore(to, this.tlbList, this.tlbCount);
    else this.pcidTlb.drop(to);
  }

  /** INVPCID for a PCID that is not current: its kept translations (one page, or all) go. */
  flushOtherPcid(pcid: number, lin?: number): void {
    if (lin === undefined) this.pcidTlb.drop(pcid);
    else if ((lin | 0) === lin) this.pcidTlb.dropPage(pcid, lin >>> 12);
  }

  /** Every non-global translation of every PCID (INVPCID type 3). */
  flushNonGlobalAll(): void {
    this.pcidTlb.clear();
    this.flushNonGlobal();
  }

  /** Drop one page's translations: of every PCID, or (`allPcids` false) the current one's and the global one. */
  flushTlbPage(lin: number, allPcids = true): void {
    this.fetchPage = -1;
    if ((lin | 0) !== lin) {
      if (!this.lma) { lin |= 0; } else {
        this.farTlb.dropPage(Math.floor(lin / 4096));
        return;
      }
    }
    const p = lin >>> 12;
    this.tlbRS[p] = 0; this.tlbWS[p] = 0; this.tlbRU[p] = 0; this.tlbWU[p] = 0;
    // The page's translations kept for other PCIDs go too (INVLPG may drop more than the
    // current PCID's; the machine's own invalidations must reach them).
    if (allPcids && this.pcidTlb.size) this.pcidTlb.dropPage(-1, p);
  }

  // ---- segmentation -------------------------------------------------------------------

  /** Recompute the fast-path flags of a segment cache after it changed. */
  segUpdated(s: number): void {
    const a = this.segAttr[s];
    const flat = this.segLimit[s] === 0xffffffff && (a & A_UNUSABLE) === 0;
    const type = a & A_TYPE;
    const code = (a & A_S) !== 0 && (type & 8) !== 0;
    const expandDown = !code && (type & 4) !== 0;
    const readable = !code || (type & 2) !== 0;
    const writable = !code && (type & 2) !== 0;
    const real = (this.cr0 & 1) === 0;
    this.segChkR[s] = real ? (this.segLimit[s] === 0xffffffff ? 0 : 1) : (flat && readable && !expandDown ? 0 : 1);
    this.segChkW[s] = real ? (this.segLimit[s] === 0xffffffff ? 0 : 1) : (flat && writable && !expandDown ? 0 : 1);
    const plain = (real || (a & A_UNUSABLE) === 0) && !expandDown;
    this.segLimR[s] = plain && (real || readable) ? this.segLimit[s] >>> 0 : -1;
    this.segLimW[s] = plain && (real || writable) ? this.segLimit[s] >>> 0 : -1;
    if (this.lma) {
      // Long mode: addresses are computed by linLong (64-bit, or zero-extended in compatibility mode).
      this.segChkR[s] = 1; this.segChkW[s] = 1; this.segLimR[s] = -1; this.segLimW[s] = -1;
    }
    if (s === CS) {
      this.long64 = this.lma && (a & A_L) !== 0;
      this.cs32 = this.long64 || (a & A_DB) !== 0;
      this.csBase = this.long64 ? 0 : this.segBase[CS];
      if (!this.long64) this.ripHi = 0;
      this.fetchPage = -1; this.prefixed = true;
      this.modeChanged();
    }
    // 64-bit mode's stack is RSP whatever SS says; ss32 false sends PUSH/POP to that path.
    if (s === SS || s === CS) this.ss32 = !this.long64 && (this.segAttr[SS] & A_DB) !== 0;
    this.flatData = (this.segChkR[DS] | this.segChkW[DS] | this.segChkR[SS] | this.segChkW[SS]) === 0;
  }

  /** Called when CS or EFER.LMA changed (the decode layer picks its prefix table). */
  protected modeChanged(): void { /* overridden */ }

  /** Linear address of seg:off for an access of `size` bytes, with the limit and type checks. */
  lin(s: number, off: number, size: number, write: boolean): number {
    if ((write ? this.segChkW[s] : this.segChkR[s]) === 0) return (this.segBase[s] + off) | 0;
    return this.linChecked(s, off, size, write);
  }

  private linChecked(s: number, off: number, size: number, write: boolean): number {
    if (this.lma) return this.linLong(s, off, size, write);
    return this.linLegacy(s, off, size, write);
  }

  private linLegacy(s: number, off: number, size: number, write: boolean): number {
    const a = this.segAttr[s];
    const vec = s === SS ? SSF : GP;
    off >>>= 0;
    if ((this.cr0 & 1) === 0) {
      if (off + size - 1 > this.segLimit[s]) this.fault(vec, 0);
      return (this.segBase[s] + off) | 0;
    }
    if (a & A_UNUSABLE) this.fault(vec, 0);
    const type = a & A_TYPE;
    const code = (type & 8) !== 0;
    if (write && (code || (type & 2) === 0)) this.fault(vec, 0);
    if (!write && code && (type & 2) === 0) this.fault(vec, 0);
    const last = off + size - 1;
    if (!code && (type & 4) !== 0) {
      const upper = a & A_DB ? 0xffffffff : 0xffff;
      if (off <= this.segLimit[s] || last > upper) this.fault(vec, 0);
    } else if (last > this.segLimit[s]) {
      this.fault(vec, 0);
    }
    return (this.segBase[s] + off) | 0;
  }

  /**
   * seg:off in long mode. In 64-bit mode `off` is taken as a zero-extended 32-bit offset
   * (callers with 64-bit offsets use lin64); in compatibility mode the 32-bit checks apply and
   * the address is zero-extended.
   */
  private linLong(s: number, off: number, size: number, write: boolean): number {
    if (this.long64) return this.lin64(s, off, 0, size, write);
    return this.linLegacy(s, off, size, write) >>> 0;
  }

  /**
   * The linear address of seg:offset in 64-bit mode, offset hi:lo a 64-bit effective address:
   * the base counts for FS and GS only, no limits, and the first and last byte must be
   * canonical (#SS(0) for SS references, #GP(0) otherwise).
   */
  lin64(s: number, lo: number, hi: number, size: number, write: boolean): number {
    void write;
    if (s === FS || s === GS) {
      const bl = this.segBase[s] | 0;
      const sl = (bl + lo) | 0;
      hi = (hi + this.segBaseHi[s] + ((sl >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
      lo = sl;
    }
    if (((hi << 16) >> 16) !== hi) this.fault(s === SS ? SSF : GP, 0);
    const lin = hi * TWO32 + (lo >>> 0);
    // The last byte: past the top of the lower half is non-canonical (the top of the upper
    // half wraps to 0, which is canonical).
    if (lin >= 0 && lin + size > TWO47) this.fault(s === SS ? SSF : GP, 0);
    return lin;
  }

  /** A 64-bit mode address as the int32/far number (no canonical check: for the caller that already did it). */
  static linear(lo: number, hi: number): number { return hi * TWO32 + (lo >>> 0); }

  /** Whether hi:lo is canonical (48-bit linear addresses). */
  static canonical(hi: number): boolean { return ((hi << 16) >> 16) === hi; }

  // ---- paging ------------------------------------------------------------------------
  /** Linear -> physical for an access by the current (or an explicit) privilege; raises #PF. */
  xlate(lin: number, write: boolean, user: boolean, fetch = false): number {
    this.accLin = lin;
    if ((lin | 0) !== lin) {
      if (this.lma) return this.xlateFar(lin, write, user, fetch);
      lin |= 0;
    }
    const page = lin >>> 12;
    const tr = user ? this.tlbRU : this.tlbRS;
    const tw = user ? this.tlbWU : this.tlbWS;
    const e = write ? tw[page] : tr[page];
    if ((e & T_VALID) && !(fetch && (e & T_NX))) return ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
    let phys: number;
    let nx = 0;
    let uncached = false;
    if (this.cr0 & CR0_PG) {
      phys = this.walk(lin, write, user, true, fetch);
      nx = (this.walkNx ? T_NX : 0) | (this.walkGlobal && (this.cr4 & CR4_PGE) ? T_GLOBAL : 0);
      if (phys < 0) {
        this.cr2 = lin;
        this.pageFault(lin, this.pfCode);
      }
      if (!user && this.walkUser && (this.cr4 & (CR4_SMEP | CR4_SMAP))) {
        // A supervisor access to a user page: SMEP forbids fetching from it, SMAP touching it
        // except by explicit accesses with EFLAGS.AC set. The supervisor TLB never holds such a
        // page for data under SMAP (AC changes without a flush), and holds it as not executable
        // under SMEP, so every such access comes back here.
        const smep = (this.cr4 & CR4_SMEP) !== 0;
        if (fetch ? smep : (this.cr4 & CR4_SMAP) !== 0 && (this.implicitAccess || !(this.flags & FLAG_AC))) {
          this.cr2 = lin;
          this.pageFault(lin, this.walkErr | 1);
        }
        if (smep) nx = T_NX;
        if (this.cr4 & CR4_SMAP) uncached = true;
      }
    } else {
      phys = lin >>> 0;
    }
    // Above 4 GiB (MAXPHYADDR is 36) only a hypervisor's frame can be there: never cached (the
    // TLB holds 32-bit frames), and out of the A20 mask's reach (which would truncate it).
    const high = phys >= TWO32;
    if (!high) { phys = (phys & this.a20Mask) >>> 0; this.mem.touch(phys >>> 12); }
    if (uncached) return phys;
    if (this.noTlb[page] || this.drTlb[page]) {
      this.onWatch?.(lin, this.accSize, write);
      if (this.drTlb[page]) this.checkDataBreakpoints(lin, this.accSize, write);
      return phys;
    }
    if (high) return phys;
    const base = phys & ~0xfff;
    const slow = this.mem.pageKind[phys >>> 12] !== PAGE_RAM || base + 0x1000 > this.ramBytes ? T_SLOW : 0;
    const code = this.codePage !== null && this.codePage[phys >>> 12] ? T_CODE : 0;
    const v = base | T_VALID | slow | code | nx;
    if (this.tlbCount < TLB_LIST) this.tlbList[this.tlbCount] = page;
    this.tlbCount++;
    tr[page] = v;
    // A page cached as writable takes stores the bus never sees: it counts as written now.
    if (write) { tw[page] = v; this.mem.markPage(phys >>> 12); }
    return phys;
  }

  /**
   * xlate for a far long-mode address: the same walk and checks, cached in the tagged TLB
   * (watchpoints and data breakpoints live on 32-bit pages, so far pages are always cached).
   */
  private xlateFar(lin: number, write: boolean, user: boolean, fetch: boolean): number {
    const far = this.farTlb;
    const pn = Math.floor(lin / 4096), i = farSlot(pn);
    const tr = user ? far.ru : far.rs, tw = user ? far.wu : far.ws;
    if (far.page[i] === pn) {
      const e = write ? tw[i] : tr[i];
      if ((e & T_VALID) && !(fetch && (e & T_NX))) return ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
    }
    let phys = this.walk(lin, write, user, true, fetch);
    let bits = (this.walkNx ? T_NX : 0) | (this.walkGlobal && (this.cr4 & CR4_PGE) ? T_GLOBAL : 0);
    if (phys < 0) { this.cr2 = lin; this.pageFault(lin, this.pfCode); }
    let uncached = false;
    if (!user && this.walkUser && (this.cr4 & (CR4_SMEP | CR4_SMAP))) {
      const smep = (this.cr4 & CR4_SMEP) !== 0;
      if (fetch ? smep : (this.cr4 & CR4_SMAP) !== 0 && (this.implicitAccess || !(this.flags & FLAG_AC))) {
        this.cr2 = lin;
        this.pageFault(lin, this.walkErr | 1);
      }
      if (smep) bits = T_NX;
      if (this.cr4 & CR4_SMAP) uncached = true;
    }
    if (phys < TWO32) { phys = (phys & this.a20Mask) >>> 0; this.mem.touch(phys >>> 12); }
    if (uncached || phys >= TWO32) return phys;
    far.claim(i, pn);
    const base = phys & ~0xfff;
    const slow = this.mem.pageKind[phys >>> 12] !== PAGE_RAM || base + 0x1000 > this.ramBytes ? T_SLOW : 0;
    const code = this.codePage !== null && this.codePage[phys >>> 12] ? T_CODE : 0;
    const v = base | T_VALID | slow | code | bits;
    tr[i] = v;
    if (write) { tw[i] = v; this.mem.markPage(phys >>> 12); }
    return phys;
  }

  /** Overridden by the system layer: may deliver to a hypervisor first (#PF exit). */
  pageFault(_lin: number, code: number): never {
    this.fault(PF, code);
  }

  // ---- code fetch state (the fetch paths are in code-stack.ts) ----------------------------

  invalidateFetch(): void { this.fetchPage = -1; }

  /** CS base, kept beside segBase for the fetch path. */
  csBase = 0;
}
