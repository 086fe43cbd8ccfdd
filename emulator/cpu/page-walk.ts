// The page walkers: 2-level (with PSE), PAE, and IA-32e 4-level paging (SDM Vol. 3 ch. 4),
// the control-register and EFER state they read, and the fault signal that aborts an
// instruction precisely. The TLB over them is in memory-access.ts.

import type { PhysicalMemory } from '../memory/physical-memory';
import * as K from './constants';
import { FlagsCore } from './lazy-flags';

// Bindings read once at load (see memory-access.ts: imported bindings are getters under tsx).
const { CR0_PG, CR0_WP, CR4_PAE, CR4_PSE, CR4_SMEP, GP } = K;
const TWO32 = 4294967296;

/** Thrown (never allocated per fault) to unwind an instruction that raised an exception. */
export const FAULT: { readonly fault: true } = Object.freeze({ fault: true as const });

/**
 * The address of entry `index` of the table an IA-32e paging entry points to. Physical
 * addresses stay below 4 GiB here: bits 35:32 of an entry's address select memory that does
 * not exist, which the bus reads as all ones.
 */
function entryAddr(eLo: number, eHi: number, index: number): number {
  return (eHi & 0xf) * TWO32 + ((eLo & 0xfffff000) >>> 0) + index * 8;
}

export class PageWalker extends FlagsCore {
  mem!: PhysicalMemory;
  cr0 = 0x60000010;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  a20Mask = -1;
  readonly pdpte = new Int32Array(4);
  /** EFER.NXE (kept beside the EFER MSR by identity.ts): PAE entries' bit 63 is XD, not reserved. */
  nxe = false;
  /** EFER: SCE (0), LME (8), LMA (10), NXE (11). Written through setEfer() (segments.ts). */
  efer = 0;
  /** EFER.LMA: IA-32e mode (4-level paging, 64-bit IDT and TSS, linear addresses as above). */
  lma = false;
  /** EFER.LMA and CS.L: 64-bit mode (recomputed wherever CS or EFER changes). */
  long64 = false;
  /** Set by walk(): some level of the last successful walk had XD (with NXE). */
  protected walkNx = 0;
  /** Set by walk(): the last successful walk found a user page (U/S set at every level). */
  protected walkUser = 0;
  /** Set by walk(): the last successful walk ended in an entry with G (bit 8) set. */
  protected walkGlobal = 0;
  /** Set by walk(): the error code's W, U and I/D bits for the access walked. */
  protected walkErr = 0;
  excVector = 0;
  excCode = -1;

  /** Raise an exception: abort the current instruction. errorCode -1 = none. */
  fault(vector: number, errorCode = -1): never {
    this.excVector = vector;
    this.excCode = errorCode;
    throw FAULT;
  }

  /** Walk the page tables. Returns the physical address, or -1 with the #PF error code in pfCode. */
  protected pfCode = 0;

  walk(lin: number, write: boolean, user: boolean, setBits: boolean, fetch = false): number {
    if (this.lma) return this.walk4(lin, write, user, setBits, fetch);
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

  /**
   * IA-32e paging (SDM Vol. 3 §4.5): PML4, PDPT (1 GiB pages), PD (2 MiB pages), PT. `lin` is
   * the signed canonical address. MAXPHYADDR is 36 as for PAE: bits 62:36 of every entry are
   * reserved, bit 63 is XD with NXE; PS in a PML4E is reserved.
   */
  // (entryAddr is a module function: a closure here was made on every walk.)
  private walk4(lin: number, write: boolean, user: boolean, setBits: boolean, fetch: boolean): number {
    const mem = this.mem;
    const wp = (this.cr0 & CR0_WP) !== 0;
    const lo = lin | 0, hi = Math.floor(lin / TWO32) | 0;
    const errBase = (write ? 2 : 0) | (user ? 4 : 0) | (fetch && (this.nxe || (this.cr4 & CR4_SMEP)) ? 0x10 : 0);
    this.walkNx = 0;
    this.walkErr = errBase;
    const rsvHi = this.nxe ? 0x7ffffff0 : 0xfffffff0;
    const idx4 = (hi >>> 7) & 0x1ff, idx3 = ((hi & 0x7f) << 2) | (lo >>> 30);
    const a4 = ((this.cr3 & 0xfffff000) >>> 0) + idx4 * 8;
    const e4 = mem.read(a4, 4), e4h = mem.read(a4 + 4, 4);
    if (!(e4 & 1)) { this.pfCode = errBase; return -1; }
    if ((e4h & rsvHi) || (e4 & 0x80)) { this.pfCode = errBase | 9; return -1; }
    const a3 = entryAddr(e4, e4h, idx3);
    const e3 = mem.read(a3, 4), e3h = mem.read(a3 + 4, 4);
    if (!(e3 & 1)) { this.pfCode = errBase; return -1; }
    if ((e3h & rsvHi) || ((e3 & 0x80) && (e3 & 0x3fffe000))) { this.pfCode = errBase | 9; return -1; }
    let uAll = e4 & e3 & 4, wAll = e4 & e3 & 2;
    let nx = this.nxe ? (e4h | e3h) >>> 31 : 0;
    let phys: number;
    if (e3 & 0x80) {
      if (!this.permOk(uAll, wAll, write, user, wp) || (fetch && nx)) { this.pfCode = errBase | 1; return -1; }
      if (setBits) { this.setAD(a4, e4, false); this.setAD(a3, e3, write); }
      phys = (e3h & 0xf) * TWO32 + (((e3 & 0xc0000000) | (lo & 0x3fffffff)) >>> 0);
      this.walkGlobal = e3 & 0x100;
    } else {
      const a2 = entryAddr(e3, e3h, (lo >>> 21) & 0x1ff);
      const e2 = mem.read(a2, 4), e2h = mem.read(a2 + 4, 4);
      if (!(e2 & 1)) { this.pfCode = errBase; return -1; }
      if ((e2h & rsvHi) || ((e2 & 0x80) && (e2 & 0x1fe000))) { this.pfCode = errBase | 9; return -1; }
      uAll &= e2; wAll &= e2;
      if (this.nxe) nx |= e2h >>> 31;
      if (e2 & 0x80) {
        if (!this.permOk(uAll, wAll, write, user, wp) || (fetch && nx)) { this.pfCode = errBase | 1; return -1; }
        if (setBits) { this.setAD(a4, e4, false); this.setAD(a3, e3, false); this.setAD(a2, e2, write); }
        phys = (e2h & 0xf) * TWO32 + (((e2 & 0xffe00000) | (lo & 0x1fffff)) >>> 0);
        this.walkGlobal = e2 & 0x100;
      } else {
        const a1 = entryAddr(e2, e2h, (lo >>> 12) & 0x1ff);
        const e1 = mem.read(a1, 4), e1h = mem.read(a1 + 4, 4);
        if (!(e1 & 1)) { this.pfCode = errBase; return -1; }
        if (e1h & rsvHi) { this.pfCode = errBase | 9; return -1; }
        uAll &= e1; wAll &= e1;
        if (this.nxe) nx |= e1h >>> 31;
        if (!this.permOk(uAll, wAll, write, user, wp) || (fetch && nx)) { this.pfCode = errBase | 1; return -1; }
        if (setBits) { this.setAD(a4, e4, false); this.setAD(a3, e3, false); this.setAD(a2, e2, false); this.setAD(a1, e1, write); }
        phys = (e1h & 0xf) * TWO32 + (((e1 & 0xfffff000) | (lo & 0xfff)) >>> 0);
        this.walkGlobal = e1 & 0x100;
      }
    }
    this.walkNx = nx;
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

  /** Translate without side effects or faults (debugger). Returns -1 if unmapped. */
  peekTranslate(lin: number): number {
    if (!(this.cr0 & CR0_PG)) return (lin & this.a20Mask) >>> 0;
    const saved = this.pfCode;
    const p = this.walk(this.lma ? lin : lin | 0, false, false, false);
    this.pfCode = saved;
    return p < 0 ? -1 : p >= TWO32 ? p : (p & this.a20Mask) >>> 0;
  }
}
