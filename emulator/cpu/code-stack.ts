// Instruction fetch through CS and the stack through SS: the two access paths every
// instruction family uses, as a class layer over MemoryAccess so the TLB and page walker
// stay in one file and these hot paths in another.

import * as K from './constants';
import { MemoryAccess, T_NX, T_VALID } from './memory-access';

// Bindings read once at load (see memory-access.ts: imported bindings are getters under tsx).
const { CS, GP, SS } = K;

export class CodeStackAccess extends MemoryAccess {
  fetch8(): number {
    const lin = (this.csBase + this.eip) | 0;
    if ((lin >>> 12) !== this.fetchPage) return this.fetch8Slow(lin);
    this.eip = (this.eip + 1) | 0;
    return this.u8[this.fetchBase | (lin & 0xfff)];
  }

  private fetch8Slow(lin: number): number {
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
    } else {
      const sp = (this.regs[4] - 2) & 0xffff;
      this.wr16(this.lin(SS, sp, 2, true), v);
      this.r16[8] = sp;
    }
  }

  /** Read the value `depth` bytes above the stack pointer without popping. */
  peek32(depth: number): number {
    const sp = this.ss32 ? (this.regs[4] + depth) | 0 : (this.regs[4] + depth) & 0xffff;
    return this.rd32(this.lin(SS, sp, 4, false));
  }

  peek16(depth: number): number {
    const sp = this.ss32 ? (this.regs[4] + depth) | 0 : (this.regs[4] + depth) & 0xffff;
    return this.rd16(this.lin(SS, sp, 2, false));
  }

  /** Move the stack pointer by n bytes (after the values were read). */
  spAdd(n: number): void {
    if (this.ss32) this.regs[4] = (this.regs[4] + n) | 0;
    else this.r16[8] = (this.regs[4] + n) & 0xffff;
  }

  pop32(): number { const v = this.peek32(0); this.spAdd(4); return v; }
  pop16(): number { const v = this.peek16(0); this.spAdd(2); return v; }
}
