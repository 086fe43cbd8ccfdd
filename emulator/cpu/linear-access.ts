// Linear reads and writes at the current privilege, and the supervisor's implicit ones (GDT,
// LDT, IDT, TSS), through the software TLBs of memory-access.ts: a hit on plain RAM reads or
// writes the page directly; anything else (a miss, MMIO, a page holding compiled code, a
// watch) takes xlate and the bus.

import { MemoryAccess } from './memory-access';
import * as MA from './memory-access';
import * as FT from './far-tlb';

// Bindings read once at load (see memory-access.ts: imported bindings are getters under tsx).
const { T_VALID } = MA;
const { farSlot } = FT;

export class LinearAccess extends MemoryAccess {
  // ---- linear accesses with the current privilege ------------------------------------------

  rd8(lin: number): number {
    const e = this.tlbR[lin >>> 12];
    if ((e & 3) === T_VALID && (lin | 0) === lin) return this.u8[(e & ~0xfff) | (lin & 0xfff)];
    const f = this.farEntry(lin, 1, false);
    if (f !== 0) return this.u8[(f & ~0xfff) | (lin & 0xfff)];
    this.accSize = 1;
    return this.mem.read(this.xlate(lin, false, this.cpl === 3), 1);
  }

  rd16(lin: number): number {
    const e = this.tlbR[lin >>> 12];
    const o = lin & 0xfff;
    if ((e & 3) === T_VALID && o !== 0xfff && (lin | 0) === lin) {
      const p = (e & ~0xfff) | o;
      return this.u8[p] | (this.u8[p + 1] << 8);
    }
    const f = this.farEntry(lin, 2, false);
    if (f !== 0) { const p = (f & ~0xfff) | o; return this.u8[p] | (this.u8[p + 1] << 8); }
    return this.rdSlow(lin, 2, this.cpl === 3);
  }

  rd32(lin: number): number {
    const e = this.tlbR[lin >>> 12];
    const o = lin & 0xfff;
    if ((e & 3) === T_VALID && o <= 0xffc && (lin | 0) === lin) return this.ramRd32((e & ~0xfff) | o);
    const f = this.farEntry(lin, 4, false);
    if (f !== 0) return this.ramRd32((f & ~0xfff) | o);
    return this.rdSlow(lin, 4, this.cpl === 3) | 0;
  }

  /** Four bytes of RAM at a physical address (the TLB's fast paths). */
  private ramRd32(p: number): number {
    if ((p & 3) === 0) return this.i32[p >> 2];
    const u8 = this.u8;
    return u8[p] | (u8[p + 1] << 8) | (u8[p + 2] << 16) | (u8[p + 3] << 24);
  }

  private ramWr32(p: number, v: number): void {
    if ((p & 3) === 0) { this.i32[p >> 2] = v; return; }
    const u8 = this.u8;
    u8[p] = v; u8[p + 1] = v >> 8; u8[p + 2] = v >> 16; u8[p + 3] = v >> 24;
  }

  /**
   * The far TLB's entry for an access of `size` bytes at `lin` when it is a far long-mode
   * address, the entry is there for the current privilege, the page is plain RAM (and for a
   * write holds no compiled code) and the access stays inside it; else 0 (the caller takes
   * the slow path, which walks and fills the entry). The kernel's direct map and vmemmap are
   * far: without this every access there went through rdSlow, xlate and xlateFar (about a
   * fifth of Linux's init in HVM).
   */
  private farEntry(lin: number, size: number, write: boolean): number {
    if ((lin | 0) === lin || !this.lma || (lin & 0xfff) + size > 0x1000) return 0;
    const far = this.farTlb;
    const pn = Math.floor(lin / 4096), i = farSlot(pn);
    if (far.page[i] !== pn) return 0;
    const e = write ? (this.cpl === 3 ? far.wu[i] : far.ws[i]) : (this.cpl === 3 ? far.ru[i] : far.rs[i]);
    return (e & (write ? 7 : 3)) === T_VALID ? e : 0;
  }

  wr8(lin: number, v: number): void {
    const e = this.tlbW[lin >>> 12];
    if ((e & 7) === T_VALID && (lin | 0) === lin) { this.u8[(e & ~0xfff) | (lin & 0xfff)] = v; return; }
    const f = this.farEntry(lin, 1, true);
    if (f !== 0) { this.u8[(f & ~0xfff) | (lin & 0xfff)] = v; return; }
    this.accSize = 1;
    this.mem.write(this.xlate(lin, true, this.cpl === 3), 1, v);
  }

  wr16(lin: number, v: number): void {
    const e = this.tlbW[lin >>> 12];
    const o = lin & 0xfff;
    if ((e & 7) === T_VALID && o !== 0xfff && (lin | 0) === lin) {
      const p = (e & ~0xfff) | o;
      this.u8[p] = v; this.u8[p + 1] = v >> 8;
      return;
    }
    const f = this.farEntry(lin, 2, true);
    if (f !== 0) { const p = (f & ~0xfff) | o; this.u8[p] = v; this.u8[p + 1] = v >> 8; return; }
    this.wrSlow(lin, 2, v, this.cpl === 3);
  }

  wr32(lin: number, v: number): void {
    const e = this.tlbW[lin >>> 12];
    const o = lin & 0xfff;
    if ((e & 7) === T_VALID && o <= 0xffc && (lin | 0) === lin) { this.ramWr32((e & ~0xfff) | o, v); return; }
    const f = this.farEntry(lin, 4, true);
    if (f !== 0) { this.ramWr32((f & ~0xfff) | o, v); return; }
    this.wrSlow(lin, 4, v, this.cpl === 3);
  }

  /** Read with an explicit privilege (descriptor tables and TSS are supervisor accesses). */
  rdSlow(lin: number, size: number, user: boolean): number {
    this.accSize = size;
    if (!this.lma) lin |= 0;
    const p0 = this.xlate(lin, false, user);
    if (((lin & 0xfff) + size) <= 0x1000) return this.mem.read(p0, size as 1 | 2 | 4);
    const p1 = this.xlate(this.nextPage(lin), false, user);
    const first = 0x1000 - (lin & 0xfff);
    let v = 0;
    for (let i = 0; i < size; i++) {
      const p = i < first ? p0 + i : p1 + (i - first);
      v |= this.mem.read(p, 1) << (8 * i);
    }
    return v >>> 0;
  }

  wrSlow(lin: number, size: number, v: number, user: boolean): void {
    this.accSize = size;
    if (!this.lma) lin |= 0;
    const p0 = this.xlate(lin, true, user);
    if (((lin & 0xfff) + size) <= 0x1000) { this.mem.write(p0, size as 1 | 2 | 4, v); return; }
    const p1 = this.xlate(this.nextPage(lin), true, user);
    const first = 0x1000 - (lin & 0xfff);
    for (let i = 0; i < size; i++) {
      const p = i < first ? p0 + i : p1 + (i - first);
      this.mem.write(p, 1, (v >>> (8 * i)) & 0xff);
    }
  }

  /**
   * The linear address of the page after lin's: 32-bit wrap-around outside long mode; in long
   * mode the next canonical number (the top of the upper half wraps to 0).
   */
  nextPage(lin: number): number {
    const n = lin - (lin & 0xfff) + 0x1000;
    if (!this.lma) return n | 0;
    return n === 0 ? 0 : n;
  }

  /** The linear address `n` bytes after lin, in the current mode's arithmetic. */
  linAdd(lin: number, n: number): number {
    if (!this.lma) return (lin + n) | 0;
    return lin + n;
  }

  /** Scratch: the high 32 bits read by rd64. */
  rdHi = 0;

  /** A 64-bit read at the current privilege: returns the low half, the high half in rdHi. */
  rd64(lin: number): number {
    const f = this.farEntry(lin, 8, false);
    if (f !== 0) {
      const p = (f & ~0xfff) | (lin & 0xfff);
      this.rdHi = this.ramRd32(p + 4);
      return this.ramRd32(p);
    }
    if ((lin & 0xfff) <= 0xff8) {
      const lo = this.rd32(lin);
      this.rdHi = this.rd32(this.linAdd(lin, 4));
      return lo;
    }
    // Crossing a page: both translations first (either may fault), then the bytes.
    const lo = this.rdSlow(lin, 4, this.cpl === 3) | 0;
    this.rdHi = this.rdSlow(this.linAdd(lin, 4), 4, this.cpl === 3) | 0;
    return lo;
  }

  /** A 64-bit write; nothing is written unless both halves can be. */
  wr64(lin: number, lo: number, hi: number): void {
    const f = this.farEntry(lin, 8, true);
    if (f !== 0) {
      const p = (f & ~0xfff) | (lin & 0xfff);
      this.ramWr32(p, lo); this.ramWr32(p + 4, hi);
      return;
    }
    if ((lin & 0xfff) > 0xff8) this.probeWrite(lin, 8);
    this.wr32(lin, lo);
    this.wr32(this.linAdd(lin, 4), hi);
  }

  /** Check that a write would succeed (for multi-part instructions that must not half-commit). */
  probeWrite(lin: number, size: number): void {
    this.xlate(lin, true, this.cpl === 3);
    if (((lin & 0xfff) + size) > 0x1000) this.xlate(this.nextPage(lin), true, this.cpl === 3);
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
}
