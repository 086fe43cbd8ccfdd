// Instruction fetch through CS and the stack through SS: the two access paths every
// instruction family uses, as a class layer over LinearAccess so the TLB and page walker
// stay in one file and these hot paths in another.

import * as K from './constants';
import { MemoryAccess, T_NX, T_VALID } from './memory-access';
import { LinearAccess } from './linear-access';

// Bindings read once at load (see memory-access.ts: imported bindings are getters under tsx).
const { CS, GP, SS } = K;
const TWO32 = 4294967296;
const PAGE_RAM = 0;

export class CodeStackAccess extends LinearAccess {
  fetch8(): number {
    const lin = (this.csBase + this.eip) | 0;
    if ((lin >>> 12) !== this.fetchPage) return this.fetch8Slow(lin);
    this.eip = (this.eip + 1) | 0;
    return this.u8[this.fetchBase | (lin & 0xfff)];
  }

  private fetch8Slow(lin: number): number {
    if (this.lma) return this.fetch8Long();
    if (this.segChkR[CS]) {
      const limit = this.segLimit[CS];
      if ((this.eip >>> 0) > limit) this.fault(GP, 0);
    }
    const e = this.tlbR[lin >>> 12];
    let v: number;
    if ((e & (3 | T_NX)) === T_VALID) {
      // The one-compare fast path needs a page wholly inside CS's limit (always true for a
      // flat CS; for 64 KiB real-mode segments, every page but the edges).
      const off0 = ((lin & ~0xfff) - this.segBase[CS]) >>> 0;
      const inside = !this.segChkR[CS] || ((this.cr0 & 1) === 0 && off0 + 0xfff <= this.segLimit[CS]);
      this.fetchPage = inside ? lin >>> 12 : -1;
      this.fetchBase = e & ~0xfff;
      v = this.u8[this.fetchBase | (lin & 0xfff)];
    } else {
      this.fetchPage = -1;
      v = this.mem.read(this.xlate(lin, false, this.cpl === 3, true), 1);
    }
    this.eip = (this.eip + 1) | 0;
    if (!this.cs32) this.eip &= 0xffff;
    return v;
  }

  /**
   * Fetch in long mode. In 64-bit mode RIP is ripHi:eip with no CS base or limit; the fetch
   * page (keyed by eip's page, as the fast path sees it) stays valid while ripHi does not change
   * (setRip drops it when it does), and the last page below a 4 GiB boundary is never cached
   * so the carry into ripHi happens here.
   */
  private fetch8Long(): number {
    let full: number;
    if (this.long64) {
      if (!MemoryAccess.canonical(this.ripHi)) this.fault(GP, 0);
      full = this.ripHi * TWO32 + (this.eip >>> 0);
    } else {
      if ((this.eip >>> 0) > this.segLimit[CS] >>> 0) this.fault(GP, 0);
      full = ((this.csBase + this.eip) | 0) >>> 0;
    }
    const phys = this.xlate(full, false, this.cpl === 3, true);
    const pg = ((this.csBase + this.eip) | 0) >>> 12;
    const ram = phys + 0x1000 <= this.ramBytes && this.mem.pageKind[phys >>> 12] === PAGE_RAM;
    const off0 = ((pg << 12) - this.csBase) >>> 0;
    const inside = this.long64 ? pg !== 0xfffff : off0 + 0xfff <= this.segLimit[CS] >>> 0;
    if (ram && inside) { this.fetchPage = pg; this.fetchBase = phys - (phys & 0xfff); } else this.fetchPage = -1;
    const v = this.mem.read(phys, 1);
    this.eip = (this.eip + 1) | 0;
    if (this.long64) { if (this.eip === 0) this.ripHi = this.ripHi + 1; } else if (!this.cs32) this.eip &= 0xffff;
    return v;
  }

  /** Set RIP (in 64-bit mode; hi is 0 elsewhere). A new high half drops the fetch page. */
  setRip(lo: number, hi: number): void {
    this.eip = lo | 0;
    this.ripHi = hi;
  }

  /**
   * ripHi as it was when the current instruction began, kept only by the instructions that
   * change it (a fault restores RIP from instrEip and this): not a store per instruction.
   */
  ripHiUndo = 0;
  /** The slice-free instruction count at which ripHiUndo was taken (-1: none). */
  ripHiAt = -1;

  /** Every write of a new ripHi: drop the fetch page, keep the instruction's first value. */
  protected override ripHiChanged(old: number): void {
    if (this.ripHiAt !== this.icountNow()) { this.ripHiUndo = old; this.ripHiAt = this.icountNow(); }
    this.fetchPage = -1;
  }

  /** Instructions retired so far (the segment layer keeps the counter). */
  protected icountNow(): number { return 0; }

  fetch16(): number {
    const lin = (this.csBase + this.eip) | 0;
    if ((lin >>> 12) === this.fetchPage && (lin & 0xfff) <= 0xffe) {
      this.eip = (this.eip + 2) | 0;
      const p = this.fetchBase | (lin & 0xfff);
      return this.u8[p] | (this.u8[p + 1] << 8);
    }
    const lo = this.fetch8(); return lo | (this.fetch8() << 8);
  }

  fetch32(): number {
    const lin = (this.csBase + this.eip) | 0;
    if ((lin >>> 12) === this.fetchPage && (lin & 0xfff) <= 0xffc) {
      this.eip = (this.eip + 4) | 0;
      const p = this.fetchBase | (lin & 0xfff), u8 = this.u8;
      return u8[p] | (u8[p + 1] << 8) | (u8[p + 2] << 16) | (u8[p + 3] << 24);
    }
    const lo = this.fetch8() | (this.fetch8() << 8);
    return lo | (this.fetch8() << 16) | (this.fetch8() << 24);
  }

  push32(v: number): void {
    if (this.ss32) {
      const sp = (this.regs[4] - 4) | 0;
      this.wr32(this.lin(SS, sp, 4, true), v);
      this.regs[4] = sp;
    } else if (this.long64) {
      // 64-bit mode has no 32-bit push: the value is sign-extended (immediates, and the
      // families not yet converted to push64).
      this.push64(v, v >> 31);
    } else {
      const sp = (this.regs[4] - 4) & 0xffff;
      this.wr32(this.lin(SS, sp, 4, true), v);
      this.r16[8] = sp;
    }
  }

  push16(v: number): void {
    if (this.ss32) {
      const sp = (this.regs[4] - 2) | 0;
      this.wr16(this.lin(SS, sp, 2, true), v);
      this.regs[4] = sp;
    } else if (this.long64) {
      const lo = this.rspPlus(-2), hi = this.spHi;
      this.wr16(this.lin64(SS, lo, hi, 2, true), v);
      this.regs[4] = lo; this.regsHi[4] = hi;
    } else {
      const sp = (this.regs[4] - 2) & 0xffff;
      this.wr16(this.lin(SS, sp, 2, true), v);
      this.r16[8] = sp;
    }
  }

  /** Read the value `depth` bytes above the stack pointer without popping. */
  peek32(depth: number): number {
    if (this.long64) { const lo = this.rspPlus(depth); return this.rd32(this.lin64(SS, lo, this.spHi, 4, false)); }
    const sp = this.ss32 ? (this.regs[4] + depth) | 0 : (this.regs[4] + depth) & 0xffff;
    return this.rd32(this.lin(SS, sp, 4, false));
  }

  peek16(depth: number): number {
    if (this.long64) { const lo = this.rspPlus(depth); return this.rd16(this.lin64(SS, lo, this.spHi, 2, false)); }
    const sp = this.ss32 ? (this.regs[4] + depth) | 0 : (this.regs[4] + depth) & 0xffff;
    return this.rd16(this.lin(SS, sp, 2, false));
  }

  /** Move the stack pointer by n bytes (after the values were read). */
  spAdd(n: number): void {
    if (this.ss32) this.regs[4] = (this.regs[4] + n) | 0;
    else if (this.long64) { this.regs[4] = this.rspPlus(n); this.regsHi[4] = this.spHi; }
    else this.r16[8] = (this.regs[4] + n) & 0xffff;
  }

  /** High half of the last rspPlus result. */
  spHi = 0;

  /** RSP + n (|n| < 2^31) in 64-bit arithmetic: returns the low half, the high half in spHi. */
  rspPlus(n: number): number {
    const old = this.regs[4], lo = (old + n) | 0;
    let hi = this.regsHi[4];
    if (n >= 0) { if ((lo >>> 0) < (old >>> 0)) hi = (hi + 1) | 0; } else if ((lo >>> 0) > (old >>> 0)) hi = (hi - 1) | 0;
    this.spHi = hi;
    return lo;
  }

  /** PUSH of a 64-bit value (64-bit mode): nothing changes unless all 8 bytes can be written. */
  push64(lo: number, hi: number): void {
    const sl = this.rspPlus(-8), sh = this.spHi;
    this.wr64(this.lin64(SS, sl, sh, 8, true), lo, hi);
    this.regs[4] = sl; this.regsHi[4] = sh;
  }

  /** The 64-bit value `depth` bytes above RSP: returns the low half, the high half in rdHi. */
  peek64(depth: number): number {
    const lo = this.rspPlus(depth);
    return this.rd64(this.lin64(SS, lo, this.spHi, 8, false));
  }

  /** POP of a 64-bit value: the low half returned, the high half in rdHi. */
  pop64(): number { const v = this.peek64(0); const h = this.rdHi; this.spAdd(8); this.rdHi = h; return v; }

  /** In 64-bit mode a 32-bit-sized pop is a 64-bit pop (the high half in rdHi). */
  pop32(): number { if (this.long64) return this.pop64(); const v = this.peek32(0); this.spAdd(4); return v; }
  pop16(): number { const v = this.peek16(0); this.spAdd(2); return v; }
}
