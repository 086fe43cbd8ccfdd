// Xen's page-type discipline for a PV guest's page tables, reduced to what decides safety:
// a frame is a page table (L1, L2, L3) or a descriptor page only while nothing maps it
// writable, and it can be mapped writable only while it is none of those. Types are
// reference-counted (references from validated parent tables, pins and the current base
// pointer), so a guest can free a page table and reuse the frame as ordinary memory, as
// Linux does. Validation follows Xen: every present entry is checked and takes its
// references before the table is accepted; an L2 referenced from L3 slot 3 holds the
// hypervisor's own entries at indexes HV_L2_FIRST and up, which the guest cannot change.

import type { PhysicalMemory } from '../memory/physical-memory';
import { HV_L2_FIRST } from './abi';

export const T_NONE = 0, T_L1 = 1, T_L2 = 2, T_L3 = 3, T_L4 = 4, T_SEG = 5;
export const TYPE_NAMES = ['none', 'L1', 'L2', 'L3', 'L4', 'descriptor'];

/** PTE bits. */
const P = 1, RW = 2, PSE = 0x80;
/**
 * PDPTE bits that are reserved under PAE (RW, US, A, D, PS, G). Xen runs 32-bit PAE guests
 * on 4-level tables and adds RW and USER to their L3 entries itself, so guests (GRUB's PV
 * image among them) may set them; on a real PAE CPU they would make the CR3 load #GP, so
 * the hypervisor clears them when it installs an L3 entry.
 */
const L3_RESERVED = 0x1e6;

export class PageTypes {
  readonly type: Uint8Array;
  readonly typeRefs: Uint32Array;
  readonly pinned: Uint8Array;
  readonly writable: Uint32Array;
  /** L2 pages referenced from slot 3 of an L3: their top entries are the hypervisor's. */
  readonly xenL2: Uint8Array;
  /** Why the last validation failed (for the record and the debugger). */
  lastError = '';
  /** Hypervisor PDEs written into every slot-3 L2 (index HV_L2_FIRST + i). */
  hvPdes: Array<[number, number]> = [];
  /** Frames typed as page tables (L1-L4) now, and the most there were at once since the domain was built. */
  private tables = 0;
  peakTables = 0;

  constructor(protected readonly mem: PhysicalMemory, readonly totalFrames: number,
    readonly guestFrames: number, protected readonly extraMappable: (mfn: number) => boolean) {
    this.type = new Uint8Array(totalFrames);
    this.typeRefs = new Uint32Array(totalFrames);
    this.pinned = new Uint8Array(totalFrames);
    this.writable = new Uint32Array(totalFrames);
    this.xenL2 = new Uint8Array(totalFrames);
  }

  reset(): void {
    this.type.fill(0); this.typeRefs.fill(0); this.pinned.fill(0); this.writable.fill(0); this.xenL2.fill(0);
    this.tables = 0; this.peakTables = 0;
  }

  /** After the type arrays were set wholesale (a snapshot restored): the live count from them. */
  recount(): void {
    let n = 0;
    for (let i = 0; i < this.totalFrames; i++) if (this.type[i] >= T_L1 && this.type[i] <= T_L4) n++;
    this.tables = n;
    if (n > this.peakTables) this.peakTables = n;
  }

  protected lo(mfn: number, i: number): number { return this.mem.i32[(mfn * 4096 + i * 8) >>> 2]; }
  protected hi(mfn: number, i: number): number { return this.mem.i32[(mfn * 4096 + i * 8 + 4) >>> 2]; }

  /** Frame number a PAE entry points at, or -1 if it lies beyond 4 GiB. */
  static frameOf(lo: number, hi: number): number { return hi & 0xfffff ? -1 : lo >>> 12; }

  ownedByGuest(mfn: number): boolean { return mfn >= 0 && mfn < this.guestFrames; }

  /** Take a type reference on `mfn` as type `t`, validating it on first use. */
  getType(mfn: number, t: number): boolean {
    if (!this.ownedByGuest(mfn)) { this.lastError = `frame 0x${mfn.toString(16)} is not the domain's`; return false; }
    const cur = this.type[mfn];
    if (cur === t) { this.typeRefs[mfn]++; return true; }
    if (cur !== T_NONE) { this.lastError = `frame 0x${mfn.toString(16)} is already a ${TYPE_NAMES[cur]} page`; return false; }
    if (this.writable[mfn] > 0) { this.lastError = `frame 0x${mfn.toString(16)} is mapped writable`; return false; }
    // Mark first so a table that refers to itself is seen as already typed.
    this.type[mfn] = t; this.typeRefs[mfn] = 1;
    if (!this.validate(mfn, t)) { this.type[mfn] = T_NONE; this.typeRefs[mfn] = 0; return false; }
    if (t >= T_L1 && t <= T_L4 && ++this.tables > this.peakTables) this.peakTables = this.tables;
    return true;
  }

  putType(mfn: number): void {
    if (mfn < 0 || mfn >= this.totalFrames || this.typeRefs[mfn] === 0) return;
    if (--this.typeRefs[mfn] > 0) return;
    const t = this.type[mfn];
    this.type[mfn] = T_NONE;
    if (t >= T_L1 && t <= T_L4) this.tables--;
    this.release(mfn, t);
    if (t === T_L2) this.xenL2[mfn] = 0;
  }

  protected validate(mfn: number, t: number): boolean {
    const n = t === T_L3 ? 4 : 512;
    if (t === T_SEG) return true; // descriptor contents are checked by the caller
    // A PAE L3 must have slot 3 present: that L2 carries the hypervisor's mappings.
    if (t === T_L3 && !(this.lo(mfn, 3) & P)) { this.lastError = 'L3 slot 3 is not present'; return false; }
    if (t === T_L3) {
      for (let i = 0; i < 4; i++) {
        const at = (mfn * 4096 + i * 8) >>> 2;
        if (this.mem.i32[at] & P) this.mem.store32(at << 2, this.mem.i32[at] & ~L3_RESERVED);
      }
    }
    for (let i = 0; i < n; i++) {
      if (t === T_L2 && this.xenL2[mfn] && i >= HV_L2_FIRST) continue;
      if (!this.getEntry(t, mfn, i, this.lo(mfn, i), this.hi(mfn, i))) {
        for (let j = 0; j < i; j++) {
          if (t === T_L2 && this.xenL2[mfn] && j >= HV_L2_FIRST) continue;
          this.putEntry(t, this.lo(mfn, j), this.hi(mfn, j));
        }
        return false;
      }
    }
    if (t === T_L3) this.installHypervisorSlots(mfn);
    return true;
  }

  protected release(mfn: number, t: number): void {
    if (t === T_SEG) return;
    const n = t === T_L3 ? 4 : 512;
    for (let i = 0; i < n; i++) {
      if (t === T_L2 && this.xenL2[mfn] && i >= HV_L2_FIRST) continue;
      this.putEntry(t, this.lo(mfn, i), this.hi(mfn, i));
    }
  }

  /** Check one entry of a table of type t and take the references it implies. */
  getEntry(t: number, table: number, index: number, lo: number, hi: number): boolean {
    if (!(lo & P)) return true;
    const mfn = PageTypes.frameOf(lo, hi);
    if (t === T_L1) {
      if (mfn < 0 || !(this.ownedByGuest(mfn) || this.extraMappable(mfn))) {
        this.lastError = `PTE maps frame 0x${(mfn >>> 0).toString(16)}, which the domain does not own`; return false;
      }
      if (lo & RW) {
        if (this.ownedByGuest(mfn) && this.type[mfn] !== T_NONE) {
          this.lastError = `PTE would map ${TYPE_NAMES[this.type[mfn]]} frame 0x${mfn.toString(16)} writable`; return false;
        }
        this.writable[mfn]++;
      }
      return true;
    }
    if (t === T_L2) {
      if (lo & PSE) { this.lastError = 'superpage mappings are not allowed for PV guests'; return false; }
      return this.getType(mfn, T_L1);
    }
    // L3
    if (index === 3) {
      if (this.type[mfn] === T_L2 && !this.xenL2[mfn]) { this.lastError = 'the L2 in slot 3 is also used in another slot'; return false; }
      const fresh = this.type[mfn] === T_NONE;
      if (fresh) this.xenL2[mfn] = 1;
      const ok = this.getType(mfn, T_L2);
      if (!ok && fresh) this.xenL2[mfn] = 0;
      return ok;
    }
    if (this.xenL2[mfn]) { this.lastError = 'a slot-3 L2 cannot be used in another slot'; return false; }
    return this.getType(mfn, T_L2);
  }

  putEntry(t: number, lo: number, hi: number): void {
    if (!(lo & P)) return;
    const mfn = PageTypes.frameOf(lo, hi);
    if (mfn < 0) return;
    if (t === T_L1) { if ((lo & RW) && this.writable[mfn] > 0) this.writable[mfn]--; return; }
    this.putType(mfn);
  }

  /** Slot 3 of a PAE L3 must be present: it holds the hypervisor's mappings. */
  installHypervisorSlots(l3: number): void {
    const lo = this.lo(l3, 3);
    if (!(lo & P)) return;
    const l2 = lo >>> 12;
    for (const [i, e] of this.hvPdes.entries()) {
      this.mem.store32(l2 * 4096 + (HV_L2_FIRST + i) * 8, e[0]);
      this.mem.store32(l2 * 4096 + (HV_L2_FIRST + i) * 8 + 4, e[1]);
    }
  }

  /** Replace entry `index` of typed table `table` (mmu_update): validate new, release old. */
  updateEntry(table: number, index: number, lo: number, hi: number): boolean {
    const t = this.type[table];
    if (t === T_L2 && this.xenL2[table] && index >= HV_L2_FIRST) { this.lastError = 'hypervisor slot of the L2'; return false; }
    if (t === T_L3 && index > 3) { this.lastError = 'L3 index out of range'; return false; }
    if (t === T_L3 && index === 3 && !(lo & P)) { this.lastError = 'L3 slot 3 must stay present'; return false; }
    if (t === T_L3 && (lo & P)) lo &= ~L3_RESERVED;
    const oldLo = this.lo(table, index), oldHi = this.hi(table, index);
    if (!this.getEntry(t, table, index, lo, hi)) return false;
    this.putEntry(t, oldLo, oldHi);
    this.mem.store32(table * 4096 + index * 8, lo);
    this.mem.store32(table * 4096 + index * 8 + 4, hi);
    this.mem.onCodeWrite?.(table * 4096 + index * 8, 8);
    if (t === T_L3 && index === 3) this.installHypervisorSlots(table);
    return true;
  }
}
