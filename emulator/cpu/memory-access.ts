// Segmented and paged guest memory access: descriptor caches, the software TLB, the page
// walker (2-level, PSE, PAE), and the fault signal used to abort an instruction precisely.

import type { PhysicalMemory } from '../memory/physical-memory';

const PAGE_RAM = 0;
import * as K from './constants';
import { FlagsCore } from './lazy-flags';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { A_TYPE, A_S, A_DB, A_UNUSABLE, CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, CR4_PSE, CR4_SMAP, CR4_SMEP, CS, FLAG_AC, GP, PF, SS, SSF } = K;

/** Thrown (never allocated per fault) to unwind an instruction that raised an exception. */
export const FAULT: { readonly fault: true } = Object.freeze({ fault: true as const });

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

export class MemoryAccess extends FlagsCore {
  mem!: PhysicalMemory;
  u8!: Uint8Array;
  i32!: Int32Array;
  u16!: Uint16Array;
  ramBytes = 0;

  readonly segSel = [0, 0, 0, 0, 0, 0];
  readonly segBase = [0, 0, 0, 0, 0, 0];
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
  cr0 = 0x60000010;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  /** Code segment default size is 32-bit / stack uses ESP. */
  cs32 = false;
  ss32 = false;
  a20Mask = -1;
  readonly pdpte = new Int32Array(4);
  /** EFER.NXE (kept beside the EFER MSR by identity.ts): PAE entries' bit 63 is XD, not reserved. */
  nxe = false;
  /** Set by walk(): some level of the last successful walk had XD (with NXE). */
  private walkNx = 0;
  /** Set by walk(): the last successful walk found a user page (U/S set at every level). */
  private walkUser = 0;
  /** Set by walk(): the last successful walk ended in an entry with G (bit 8) set. */
  private walkGlobal = 0;
  /** Set by walk(): the error code's W, U and I/D bits for the access walked. */
  private walkErr = 0;
  /**
   * An implicit supervisor access is in progress (GDT, LDT, IDT, TSS): SMAP checks it whatever
   * EFLAGS.AC and the CPL are.
   */
  implicitAccess = false;

  // Software TLB: physical page base | bits, per linear page, for supervisor and user reads and writes.
  private readonly tlbRS = new Int32Array(TLB_PAGES);
  private readonly tlbWS = new Int32Array(TLB_PAGES);
  private readonly tlbRU = new Int32Array(TLB_PAGES);
  private readonly tlbWU = new Int32Array(TLB_PAGES);
  tlbR = this.tlbRS;
  tlbW = this.tlbWS;
  private readonly tlbList = new Int32Array(TLB_LIST);
  private tlbCount = 0;
  /** Linear pages never cached in the TLB (watchpoints live there). */
  readonly noTlb = new Uint8Array(TLB_PAGES);
  /** Linear pages holding an enabled DR0-DR3 data breakpoint (never cached in the TLB). */
  readonly drTlb = new Uint8Array(TLB_PAGES);
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
  excVector = 0;
  excCode = -1;

  attachMemory(mem: PhysicalMemory): void {
    this.mem = mem;
    this.u8 = mem.u8; this.i32 = mem.i32; this.u16 = mem.u16;
    this.ramBytes = mem.ramBytes;
    mem.onTrackingRestart = () => this.dropWriteTlb();
    this.flushTlb();
  }

  /** Write entries only: the next store to each page goes through xlate (which marks it written). */
  dropWriteTlb(): void {
    if (this.tlbCount >= TLB_LIST) { this.tlbWS.fill(0); this.tlbWU.fill(0); return; }
    const l = this.tlbList;
    for (let i = 0; i < this.tlbCount; i++) { const p = l[i]; this.tlbWS[p] = 0; this.tlbWU[p] = 0; }
  }

  /** Raise an exception: abort the current instruction. errorCode -1 = none. */
  fault(vector: number, errorCode = -1): never {
    this.excVector = vector;
    this.excCode = errorCode;
    throw FAULT;
  }

  setCpl(cpl: number): void {
    this.cpl = cpl;
    if (cpl === 3) { this.tlbR = this.tlbRU; this.tlbW = this.tlbWU; }
    else { this.tlbR = this.tlbRS; this.tlbW = this.tlbWS; }
    this.fetchPage = -1;
  }

  flushTlb(): void {
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

  flushTlbPage(lin: number): void {
    const p = lin >>> 12;
    this.tlbRS[p] = 0; this.tlbWS[p] = 0; this.tlbRU[p] = 0; this.tlbWU[p] = 0;
    this.fetchPage = -1;
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
    if (s === CS) { this.cs32 = (a & A_DB) !== 0; this.csBase = this.segBase[CS]; this.fetchPage = -1; this.prefixed = true; }
    if (s === SS) this.ss32 = (a & A_DB) !== 0;
  }

  /** Linear address of seg:off for an access of `size` bytes, with the limit and type checks. */
  lin(s: number, off: number, size: number, write: boolean): number {
    if ((write ? this.segChkW[s] : this.segChkR[s]) === 0) return (this.segBase[s] + off) | 0;
    return this.linChecked(s, off, size, write);
  }

  private linChecked(s: number, off: number, size: number, write: boolean): number {
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

  // ---- paging ------------------------------------------------------------------------

  /** Walk the page tables. Returns the physical address, or -1 with the #PF error code in pfCode. */
  private pfCode = 0;

  walk(lin: number, write: boolean, user: boolean, setBits: boolean, fetch = false): number {
    const mem = this.mem;
    const wp = (this.cr0 & CR0_WP) !== 0;
    let phys: number;
    let uAll: number, wAll: number;
    // Error code bit 4 (I/D) is reported for fetches only where execute rights exist (PAE with NXE).
    const pae = (this.cr4 & CR4_PAE) !== 0;
    const errBase = (write ? 2 : 0) | (user ? 4 : 0) | (fetch && ((pae && this.nxe) || (this.cr4 & CR4_SMEP)) ? 0x10 : 0);
    this.walkNx = 0;
    this.walkErr = errBase;
    if (pae) {
      // Bit 63 is XD with EFER.NXE and reserved without it; bits 62:36 are reserved (MAXPHYADDR 36).
      const rsvHi = this.nxe ? 0x7ffffff0 : 0xfffffff0;
      const pdpte = this.pdpte[lin >>> 30];
      if (!(pdpte & 1)) { this.pfCode = errBase; return -1; }
      const pdeAddr = ((pdpte & 0xfffff000) >>> 0) + ((lin >>> 21) & 0x1ff) * 8;
      const pde = mem.read(pdeAddr, 4);
      if (!(pde & 1)) { this.pfCode = errBase; return -1; }
      const pdeHi = mem.read(pdeAddr + 4, 4);
      if ((pdeHi & rsvHi) || ((pde & 0x80) && (pde & 0x1fe000))) { this.pfCode = errBase | 9; return -1; }
      let nx = this.nxe ? pdeHi >>> 31 : 0;
      if (pde & 0x80) {
        uAll = pde & 4; wAll = pde & 2;
        if (!this.permOk(uAll, wAll, write, user, wp) || (fetch && nx)) { this.pfCode = errBase | 1; return -1; }
        this.walkNx = nx;
        if (setBits) this.setAD(pdeAddr, pde, write);
        phys = ((pde & 0xffe00000) | (lin & 0x1fffff)) >>> 0;
        this.walkGlobal = pde & 0x100;
      } else {
        const pteAddr = ((pde & 0xfffff000) >>> 0) + ((lin >>> 12) & 0x1ff) * 8;
        const pte = mem.read(pteAddr, 4);
        if (!(pte & 1)) { this.pfCode = errBase; return -1; }
        const pteHi = mem.read(pteAddr + 4, 4);
        if (pteHi & rsvHi) { this.pfCode = errBase | 9; return -1; }
        if (this.nxe) nx |= pteHi >>> 31;
        uAll = pde & pte & 4; wAll = pde & pte & 2;
        if (!this.permOk(uAll, wAll, write, user, wp) || (fetch && nx)) { this.pfCode = errBase | 1; return -1; }
        this.walkNx = nx;
        if (setBits) { this.setAD(pdeAddr, pde, false); this.setAD(pteAddr, pte, write); }
        phys = ((pte & 0xfffff000) | (lin & 0xfff)) >>> 0;
        this.walkGlobal = pte & 0x100;
      }
    } else {
      const pdeAddr = ((this.cr3 & 0xfffff000) >>> 0) + (lin >>> 22) * 4;
      const pde = mem.read(pdeAddr, 4);
      if (!(pde & 1)) { this.pfCode = errBase; return -1; }
      if ((pde & 0x80) && (this.cr4 & CR4_PSE)) {
        // Bits 21:17 of a 4 MiB PDE are reserved (MAXPHYADDR 36; 16:13 would be PSE-36 address bits).
        if (pde & 0x3e0000) { this.pfCode = errBase | 9; return -1; }
        uAll = pde & 4; wAll = pde & 2;
        if (!this.permOk(uAll, wAll, write, user, wp)) { this.pfCode = errBase | 1; return -1; }
        if (setBits) this.setAD(pdeAddr, pde, write);
        phys = ((pde & 0xffc00000) | (lin & 0x3fffff)) >>> 0;
        this.walkGlobal = pde & 0x100;
      } else {
        const pteAddr = ((pde & 0xfffff000) >>> 0) + ((lin >>> 12) & 0x3ff) * 4;
        const pte = mem.read(pteAddr, 4);
        if (!(pte & 1)) { this.pfCode = errBase; return -1; }
        uAll = pde & pte & 4; wAll = pde & pte & 2;
        if (!this.permOk(uAll, wAll, write, user, wp)) { this.pfCode = errBase | 1; return -1; }
        if (setBits) { this.setAD(pdeAddr, pde, false); this.setAD(pteAddr, pte, write); }
        phys = ((pte & 0xfffff000) | (lin & 0xfff)) >>> 0;
        this.walkGlobal = pte & 0x100;
      }
    }
    this.walkUser = uAll;
    return phys;
  }

  private permOk(u: number, w: number, write: boolean, user: boolean, wp: boolean): boolean {
    if (user) return u !== 0 && (!write || w !== 0);
    return !write || !wp || w !== 0;
  }

  private setAD(addr: number, entry: number, dirty: boolean): void {
    const want = entry | 0x20 | (dirty ? 0x40 : 0);
    if (want !== entry) this.mem.write(addr, 4, want);
  }

  /** PDPTEs are loaded when CR3 is written (or paging is enabled) in PAE mode, as on hardware. */
  loadPdptes(): void {
    const base = (this.cr3 & 0xffffffe0) >>> 0;
    const lo = [0, 0, 0, 0];
    for (let i = 0; i < 4; i++) {
      lo[i] = this.mem.read(base + i * 8, 4) | 0;
      const hi = this.mem.read(base + i * 8 + 4, 4);
      // A present PDPTE with reserved bits (2:1, 8:5, 63:36) makes the load itself #GP(0).
      if ((lo[i] & 1) && ((lo[i] & 0x1e6) || (hi & 0xfffffff0))) this.fault(GP, 0);
    }
    for (let i = 0; i < 4; i++) this.pdpte[i] = lo[i];
  }

  /** Linear -> physical for an access by the current (or an explicit) privilege; raises #PF. */
  xlate(lin: number, write: boolean, user: boolean, fetch = false): number {
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
    phys = (phys & this.a20Mask) >>> 0;
    if (uncached) return phys;
    if (this.noTlb[page] || this.drTlb[page]) {
      this.onWatch?.(lin, this.accSize, write);
      if (this.drTlb[page]) this.checkDataBreakpoints(lin, this.accSize, write);
      return phys;
    }
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

  /** Overridden by the system layer: may deliver to a hypervisor first (#PF exit). */
  pageFault(_lin: number, code: number): never {
    this.fault(PF, code);
  }

  // ---- linear accesses with the current privilege ------------------------------------------

  rd8(lin: number): number {
    const e = this.tlbR[lin >>> 12];
    if ((e & 3) === T_VALID) return this.u8[(e & ~0xfff) | (lin & 0xfff)];
    this.accSize = 1;
    return this.mem.read(this.xlate(lin, false, this.cpl === 3), 1);
  }

  rd16(lin: number): number {
    const e = this.tlbR[lin >>> 12];
    const o = lin & 0xfff;
    if ((e & 3) === T_VALID && o !== 0xfff) {
      const p = (e & ~0xfff) | o;
      return this.u8[p] | (this.u8[p + 1] << 8);
    }
    return this.rdSlow(lin, 2, this.cpl === 3);
  }

  rd32(lin: number): number {
    const e = this.tlbR[lin >>> 12];
    const o = lin & 0xfff;
    if ((e & 3) === T_VALID && o <= 0xffc) {
      const p = (e & ~0xfff) | o;
      if ((p & 3) === 0) return this.i32[p >> 2];
      const u8 = this.u8;
      return u8[p] | (u8[p + 1] << 8) | (u8[p + 2] << 16) | (u8[p + 3] << 24);
    }
    return this.rdSlow(lin, 4, this.cpl === 3) | 0;
  }

  wr8(lin: number, v: number): void {
    const e = this.tlbW[lin >>> 12];
    if ((e & 7) === T_VALID) { this.u8[(e & ~0xfff) | (lin & 0xfff)] = v; return; }
    this.accSize = 1;
    this.mem.write(this.xlate(lin, true, this.cpl === 3), 1, v);
  }

  wr16(lin: number, v: number): void {
    const e = this.tlbW[lin >>> 12];
    const o = lin & 0xfff;
    if ((e & 7) === T_VALID && o !== 0xfff) {
      const p = (e & ~0xfff) | o;
      this.u8[p] = v; this.u8[p + 1] = v >> 8;
      return;
    }
    this.wrSlow(lin, 2, v, this.cpl === 3);
  }

  wr32(lin: number, v: number): void {
    const e = this.tlbW[lin >>> 12];
    const o = lin & 0xfff;
    if ((e & 7) === T_VALID && o <= 0xffc) {
      const p = (e & ~0xfff) | o;
      if ((p & 3) === 0) { this.i32[p >> 2] = v; return; }
      const u8 = this.u8;
      u8[p] = v; u8[p + 1] = v >> 8; u8[p + 2] = v >> 16; u8[p + 3] = v >> 24;
      return;
    }
    this.wrSlow(lin, 4, v, this.cpl === 3);
  }

  /** Read with an explicit privilege (descriptor tables and TSS are supervisor accesses). */
  rdSlow(lin: number, size: number, user: boolean): number {
    this.accSize = size;
    const p0 = this.xlate(lin, false, user);
    if (((lin & 0xfff) + size) <= 0x1000) return this.mem.read(p0, size as 1 | 2 | 4);
    const l1 = (lin + size - 1) | 0;
    const p1 = this.xlate(l1 & ~0xfff, false, user);
    let v = 0;
    for (let i = 0; i < size; i++) {
      const l = (lin + i) | 0;
      const p = (l & ~0xfff) === (lin & ~0xfff) ? p0 + i : p1 + (l & 0xfff);
      v |= this.mem.read(p, 1) << (8 * i);
    }
    return v >>> 0;
  }

  wrSlow(lin: number, size: number, v: number, user: boolean): void {
    this.accSize = size;
    const p0 = this.xlate(lin, true, user);
    if (((lin & 0xfff) + size) <= 0x1000) { this.mem.write(p0, size as 1 | 2 | 4, v); return; }
    const p1 = this.xlate((lin + size - 1) & ~0xfff, true, user);
    for (let i = 0; i < size; i++) {
      const l = (lin + i) | 0;
      const p = (l & ~0xfff) === (lin & ~0xfff) ? p0 + i : p1 + (l & 0xfff);
      this.mem.write(p, 1, (v >>> (8 * i)) & 0xff);
    }
  }

  /** Check that a write would succeed (for multi-part instructions that must not half-commit). */
  probeWrite(lin: number, size: number): void {
    this.xlate(lin, true, this.cpl === 3);
    if (((lin & 0xfff) + size) > 0x1000) this.xlate((lin + size - 1) & ~0xfff, true, this.cpl === 3);
  }

  // Supervisor (implicit) accesses: GDT, LDT, IDT, TSS.
  // Descriptor, gate and TSS reads at every interrupt, IRET and segment load: a supervisor
  // TLB hit on RAM reads memory directly. Pages under a watch never get an entry, and under
  // SMAP the supervisor TLB never holds user pages, so a hit is an access the walk allows.
  rdSys8(lin: number): number { this.implicitAccess = true; try { return this.rdSlow(lin, 1, false); } finally { this.implicitAccess = false; } }
  rdSys32(lin: number): number {
    const e = this.tlbRS[lin >>> 12];
    const o = lin & 0xfff;
    if ((e & 3) === T_VALID && o <= 0xffc) {
      const p = (e & ~0xfff) | o;
      if ((p & 3) === 0) return this.i32[p >> 2];
      const u8 = this.u8;
      return u8[p] | (u8[p + 1] << 8) | (u8[p + 2] << 16) | (u8[p + 3] << 24);
    }
    this.implicitAccess = true; try { return this.rdSlow(lin, 4, false) | 0; } finally { this.implicitAccess = false; }
  }
  rdSys16(lin: number): number {
    const e = this.tlbRS[lin >>> 12];
    const o = lin & 0xfff;
    if ((e & 3) === T_VALID && o <= 0xffe) {
      const p = (e & ~0xfff) | o;
      return this.u8[p] | (this.u8[p + 1] << 8);
    }
    this.implicitAccess = true; try { return this.rdSlow(lin, 2, false); } finally { this.implicitAccess = false; }
  }
  wrSys32(lin: number, v: number): void { this.implicitAccess = true; try { this.wrSlow(lin, 4, v, false); } finally { this.implicitAccess = false; } }
  wrSys16(lin: number, v: number): void { this.implicitAccess = true; try { this.wrSlow(lin, 2, v, false); } finally { this.implicitAccess = false; } }

  /** Translate without side effects or faults (debugger). Returns -1 if unmapped. */
  peekTranslate(lin: number): number {
    if (!(this.cr0 & CR0_PG)) return (lin & this.a20Mask) >>> 0;
    const saved = this.pfCode;
    const p = this.walk(lin | 0, false, false, false);
    this.pfCode = saved;
    return p < 0 ? -1 : (p & this.a20Mask) >>> 0;
  }

  // ---- code fetch state (the fetch paths are in code-stack.ts) ----------------------------

  invalidateFetch(): void { this.fetchPage = -1; }

  /** CS base, kept beside segBase for the fetch path. */
  csBase = 0;
}
