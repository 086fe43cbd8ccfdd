// Xen's page-type discipline for a 64-bit PV guest's 4-level tables: the same references and
// writable-mapping rule as the PAE one (page-types.ts), with 512-entry tables at every level,
// an L4 whose slots 256-271 belong to Xen (filled by the hypervisor on validation, refused
// to the guest), Xen's flag masks (base_disallow_mask: PWT, PCD, PSE/PAT and G are not the
// guest's at the upper levels, G is allowed in an L1) and its adjust_guest_lNe: because the
// kernel runs in ring 3, every present entry the guest installs is made user-accessible,
// and a kernel leaf loses G, so no kernel translation survives the switch to user tables.

import type { PhysicalMemory } from '../memory/physical-memory';
import { XEN_L4_FIRST, XEN_L4_LAST } from './abi64';
import { PageTypes, T_L1, T_L2, T_L3, T_L4, T_NONE, TYPE_NAMES } from './page-types';

const P = 1, RW = 2, US = 4, PWT = 8, PCD = 0x10, PSE = 0x80, G = 0x100;
/** Flags Xen refuses above L1 (base_disallow_mask's low bits) and in an L1 (G allowed there). */
const UPPER_DISALLOW = PWT | PCD | PSE | G;
const L1_DISALLOW = PWT | PCD | PSE;
/** Physical address bits 51:32 of an entry's high half; bits 62:52 are available to the guest, 63 is NX. */
const ADDR_HI = 0xfffff;

export class PageTypes64 extends PageTypes {
  /** Xen's own L4 entries, written into slots 256-271 of every validated L4 (index 0 = slot 256). */
  xenL4: Array<[number, number]> = [];

  constructor(mem: PhysicalMemory, totalFrames: number, guestFrames: number, extraMappable: (mfn: number) => boolean) {
    super(mem, totalFrames, guestFrames, extraMappable);
  }

  static frameOf64(lo: number, hi: number): number { return (hi & ADDR_HI) * 0x100000 + (lo >>> 12); }

  static isXenSlot(index: number): boolean { return index >= XEN_L4_FIRST && index <= XEN_L4_LAST; }

  protected override validate(mfn: number, t: number): boolean {
    if (t !== T_L1 && t !== T_L2 && t !== T_L3 && t !== T_L4) return super.validate(mfn, t);
    for (let i = 0; i < 512; i++) {
      if (t === T_L4 && PageTypes64.isXenSlot(i)) continue;
      const lo = this.lo(mfn, i), hi = this.hi(mfn, i);
      if (!this.getEntry(t, mfn, i, lo, hi)) {
        for (let j = 0; j < i; j++) {
          if (t === T_L4 && PageTypes64.isXenSlot(j)) continue;
          this.putEntry(t, this.lo(mfn, j), this.hi(mfn, j));
        }
        return false;
      }
      if (lo & P) this.store(mfn, i, adjust(t, lo), hi);
    }
    if (t === T_L4) this.installXenSlots(mfn);
    return true;
  }

  protected override release(mfn: number, t: number): void {
    if (t !== T_L1 && t !== T_L2 && t !== T_L3 && t !== T_L4) { super.release(mfn, t); return; }
    for (let i = 0; i < 512; i++) {
      if (t === T_L4 && PageTypes64.isXenSlot(i)) continue;
      this.putEntry(t, this.lo(mfn, i), this.hi(mfn, i));
    }
  }

  override getEntry(t: number, _table: number, _index: number, lo: number, hi: number): boolean {
    if (!(lo & P)) return true;
    const bad = lo & (t === T_L1 ? L1_DISALLOW : UPPER_DISALLOW);
    if (bad) { this.lastError = `Bad L${t} flags 0x${bad.toString(16)}`; return false; }
    const mfn = PageTypes64.frameOf64(lo, hi);
    if (t === T_L1) {
      if (!(this.ownedByGuest(mfn) || this.extraMappable(mfn))) {
        this.lastError = `PTE maps frame 0x${mfn.toString(16)}, which the domain does not own`; return false;
      }
      if (lo & RW) {
        if (this.ownedByGuest(mfn) && this.type[mfn] !== T_NONE) {
          this.lastError = `PTE would map ${TYPE_NAMES[this.type[mfn]]} frame 0x${mfn.toString(16)} writable`; return false;
        }
        this.writable[mfn]++;
      }
      return true;
    }
    return this.getType(mfn, t - 1);
  }

  override putEntry(t: number, lo: number, hi: number): void {
    if (!(lo & P)) return;
    const mfn = PageTypes64.frameOf64(lo, hi);
    if (mfn >= this.totalFrames) return;
    if (t === T_L1) { if ((lo & RW) && this.writable[mfn] > 0) this.writable[mfn]--; return; }
    this.putType(mfn);
  }

  /** Slots 256-271 of a validated L4: the hypervisor's, whatever the guest wrote there. */
  installXenSlots(l4: number): void {
    for (let i = XEN_L4_FIRST; i <= XEN_L4_LAST; i++) {
      const e = this.xenL4[i - XEN_L4_FIRST] ?? [0, 0];
      this.store(l4, i, e[0], e[1]);
    }
  }

  override updateEntry(table: number, index: number, lo: number, hi: number): boolean {
    const t = this.type[table];
    if (t !== T_L1 && t !== T_L2 && t !== T_L3 && t !== T_L4) return super.updateEntry(table, index, lo, hi);
    if (t === T_L4 && PageTypes64.isXenSlot(index)) { this.lastError = `L4 update in Xen-private area, slot 0x${index.toString(16)}`; return false; }
    const oldLo = this.lo(table, index), oldHi = this.hi(table, index);
    if (!this.getEntry(t, table, index, lo, hi)) return false;
    this.putEntry(t, oldLo, oldHi);
    this.store(table, index, lo & P ? adjust(t, lo) : lo, hi);
    return true;
  }

  private store(table: number, index: number, lo: number, hi: number): void {
    const at = table * 4096 + index * 8;
    this.mem.store32(at, lo);
    this.mem.store32(at + 4, hi);
    this.mem.onCodeWrite?.(at, 8);
  }
}

/**
 * adjust_guest_lNe for a ring-3 kernel: USER on every present entry; a leaf the guest gave
 * without USER is a kernel page and does not keep G (its translation must not outlive the
 * switch to the user tables).
 */
function adjust(t: number, lo: number): number {
  if (t === T_L1 && !(lo & US)) return (lo | US) & ~G;
  return lo | US;
}
