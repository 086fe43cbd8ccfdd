// Transfers of control in IA-32e mode (SDM Vol. 3 §6.14 and the IRET, CALL, JMP and RET
// pages): interrupt and exception delivery through the 64-bit IDT (16-byte gates, the IST,
// the TSS's RSP0-RSP2, the 64-bit frame on a 16-byte aligned stack), IRET in 64-bit and
// compatibility mode (IRETQ, and IRET with 32- or 16-bit operands), far CALL/JMP through
// 64-bit call gates and far RET. The legacy-mode versions are in system.ts; SystemCpu sends
// every transfer made while EFER.LMA is set here.

import * as K from './constants';
import { MemoryAccess } from './memory-access';
import { SystemCpu, type DeliveryKind } from './system';

// Bindings read once at load (see memory-access.ts: imported bindings are getters under tsx).
const { FLAG_IF, FLAG_NT, FLAG_RF, FLAG_TF, FLAG_VM, CS, SS, GP, NP, SSF } = K;

/** Descriptor bits (high dword): L (64-bit code) and D/B. */
const D_L = 0x200000, D_DB = 0x400000;

export class LongSystemCpu extends SystemCpu {
  /** CR8 without a platform APIC to hold the TPR (bits 7:4, as the TPR keeps them). */
  tprShadow = 0;

  /**
   * Deliver through the 64-bit IDT. Every event in IA-32e mode, from 64-bit or compatibility
   * code, pushes SS, RSP, RFLAGS, CS, RIP (and the error code) as quadwords on a stack aligned
   * down to 16 bytes: the IST stack when the gate names one, RSPn of the TSS on a privilege
   * change, the current stack otherwise.
   */
  protected deliverLong(vector: number, code: number, kind: DeliveryKind, nextEip: number): void {
    const ext = this.ext;
    const idtCode = vector * 8 + 2 + ext;
    if (vector * 16 + 15 > this.idtLimit) this.fault(GP, idtCode);
    const g = this.tableLin(this.idtBase, this.idtBaseHi, vector * 16);
    const w0 = this.rdSys32(g), w1 = this.rdSys32(this.linAdd(g, 4)), w2 = this.rdSys32(this.linAdd(g, 8));
    const type = (w1 >>> 8) & 0x1f;
    // Only 64-bit interrupt and trap gates exist in IA-32e mode (no task gates, no 16/32-bit gates).
    if (type !== 0xe && type !== 0xf) this.fault(GP, idtCode);
    if (kind === 'software' && ((w1 >>> 13) & 3) < this.cpl) this.fault(GP, idtCode);
    if (!(w1 & 0x8000)) this.fault(NP, idtCode);
    const sel = w0 >>> 16;
    const offLo = (w1 & 0xffff0000) | (w0 & 0xffff), offHi = w2;
    const ist = w1 & 7;
    if ((sel & 0xfffc) === 0) this.fault(GP, ext);
    if (!this.readDescriptor(sel)) this.fault(GP, (sel & 0xfffc) | ext);
    const cLo = this.dLo, cHi = this.dHi;
    const cdpl = (cHi >>> 13) & 3;
    // The handler's code segment: a 64-bit one (L=1, D=0) at a privilege no lower than ours.
    if ((cHi & 0x1800) !== 0x1800 || cdpl > this.cpl || !(cHi & D_L) || (cHi & D_DB)) this.fault(GP, (sel & 0xfffc) | ext);
    if (!(cHi & 0x8000)) this.fault(NP, (sel & 0xfffc) | ext);
    const newCpl = !(cHi & 0x400) && cdpl < this.cpl ? cdpl : this.cpl;
    if (!MemoryAccess.canonical(offHi)) this.fault(GP, ext);

    let spLo: number, spHi: number;
    if (ist !== 0 || newCpl !== this.cpl) {
      this.readTss64(ist !== 0 ? ist + 2 : newCpl);
      spLo = this.tssRspLo; spHi = this.tssRspHi;
    } else {
      spLo = this.regs[4]; spHi = this.regsHi[4];
    }
    spLo &= ~0xf;
    const fl = this.getFlags();
    const frame = [this.segSel[SS], 0, this.regs[4], this.regsHi[4], fl, 0, this.segSel[CS], 0, nextEip, this.ripHi];
    if (code >= 0) frame.push(code, 0);
    // Write the frame from the top down; nothing in the CPU changes until all of it is written.
    const user = newCpl === 3;
    for (let i = 0; i < frame.length; i += 2) {
      const lo = (spLo - 8) | 0;
      if ((lo >>> 0) > (spLo >>> 0)) spHi = (spHi - 1) | 0;
      spLo = lo;
      if (!MemoryAccess.canonical(spHi)) this.fault(SSF, ext);
      const at = MemoryAccess.linear(spLo, spHi);
      this.wrSlow(at, 4, frame[i]!, user);
      this.wrSlow(this.linAdd(at, 4), 4, frame[i + 1]!, user);
    }
    if (newCpl !== this.cpl) this.setNullStack(newCpl);
    this.setCS(sel, cLo, cHi, newCpl);
    this.regs[4] = spLo; this.regsHi[4] = spHi;
    this.eip = offLo; this.ripHi = offHi;
    let nf = fl & ~(FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM);
    if (!(type & 1)) nf &= ~FLAG_IF;
    this.flags = nf; this.ccOp = 0;
    this.invalidateFetch();
  }

  /** Read a stack slot of `size` bytes `depth` bytes above RSP (64-bit mode) or SS:eSP (compatibility mode). */
  private stackSlot(depth: number, size: number): number {
    if (!this.long64) return size === 4 ? this.peek32(depth) : this.peek16(depth);
    let lo = (this.regs[4] + depth) | 0, hi = this.regsHi[4];
    if ((lo >>> 0) < (this.regs[4] >>> 0)) hi = (hi + 1) | 0;
    const at = this.lin64(SS, lo, hi, size, false);
    if (size === 2) return this.rd16(at);
    const v = this.rd32(at);
    if (size === 8) { this.slotHi = this.rd32(this.linAdd(at, 4)); } else this.slotHi = 0;
    return v;
  }

  /** The high half of the last 8-byte slot stackSlot read. */
  private slotHi = 0;

  /**
   * IRET in IA-32e mode. `size` is the operand size (8 for IRETQ). From 64-bit mode all five
   * slots (RIP, CS, RFLAGS, RSP, SS) are popped whatever the privilege; from compatibility mode
   * SS:eSP only on a return to an outer ring, as in protected mode. NT set is #GP(0): there are
   * no task returns in IA-32e mode.
   */
  protected iretLong(size: 2 | 4 | 8): void {
    if (this.flags & FLAG_NT) this.fault(GP, 0);
    const ripLo = this.stackSlot(0, size), ripHi = size === 8 ? this.slotHi : 0;
    const sel = this.stackSlot(size, size) & 0xffff;
    const fl = this.stackSlot(2 * size, size);
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    if (!this.readDescriptor(sel)) this.fault(GP, sel & 0xfffc);
    const lo = this.dLo, hi = this.dHi;
    const rpl = sel & 3, dpl = (hi >>> 13) & 3;
    if ((hi & 0x1800) !== 0x1800 || rpl < this.cpl) this.fault(GP, sel & 0xfffc);
    if (hi & 0x400 ? dpl > rpl : dpl !== rpl) this.fault(GP, sel & 0xfffc);
    if ((hi & D_L) && (hi & D_DB)) this.fault(GP, sel & 0xfffc);
    if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
    const to64 = (hi & D_L) !== 0;
    const eip = size === 2 ? ripLo & 0xffff : ripLo;
    if (to64 ? !MemoryAccess.canonical(ripHi) : (ripHi !== 0 || (eip >>> 0) > SystemCpu.descLimit(lo, hi))) this.fault(GP, 0);
    const oldCpl = this.cpl;
    if (rpl === this.cpl && !this.long64) {
      // Compatibility mode, same ring: as protected mode.
      this.spAdd(3 * size);
      this.setCS(sel, lo, hi, rpl);
    } else {
      const spLo = this.stackSlot(3 * size, size), spHi = size === 8 ? this.slotHi : 0;
      const ss = this.stackSlot(4 * size, size) & 0xffff;
      // A null SS is allowed only when returning to 64-bit code below ring 3.
      if ((ss & 0xfffc) === 0) {
        if (!to64 || rpl === 3 || (ss & 3) !== rpl) this.fault(GP, 0);
      } else {
        this.checkStackFor(ss, rpl);
      }
      this.setCS(sel, lo, hi, rpl);
      if ((ss & 0xfffc) === 0) this.setNullStack(rpl);
      else this.setSegFromDesc(SS, ss, this.ssLo, this.ssHi);
      this.regs[4] = size === 2 ? (this.regs[4] & ~0xffff) | (spLo & 0xffff) : spLo;
      this.regsHi[4] = size === 2 ? this.regsHi[4] : spHi;
      if (rpl > oldCpl) this.nullInaccessibleSegs();
    }
    this.eip = eip; this.ripHi = to64 ? ripHi : 0;
    this.writeFlags(fl, size === 2 ? 0xffff : 0xffffffff, oldCpl, size !== 2);
    if (size !== 2 && (fl & FLAG_RF)) this.flags |= FLAG_RF;
    this.invalidateFetch();
  }

  /** The SS an outer-ring return loads: RPL and DPL equal to the new CPL, a writable data segment, present. */
  private checkStackFor(ss: number, rpl: number): void {
    if (!this.readDescriptor(ss)) this.fault(GP, ss & 0xfffc);
    const hi = this.dHi, type = (hi >>> 8) & 0xf;
    if ((ss & 3) !== rpl || ((hi >>> 13) & 3) !== rpl || !(hi & 0x1000) || (type & 8) || !(type & 2)) this.fault(GP, ss & 0xfffc);
    if (!(hi & 0x8000)) this.fault(SSF, ss & 0xfffc);
    this.ssLo = this.dLo; this.ssHi = this.dHi;
  }

  // ---- far CALL, JMP and RET ----------------------------------------------------------------

  /** Push a value of `size` bytes (hi:lo for 8) on the current stack: RSP in 64-bit mode, SS:eSP in compatibility mode. */
  private pushSized(lo: number, hi: number, size: number): void {
    if (!this.long64) {
      if (size === 2) this.push16(lo);
      else { if (size === 8) this.push32(hi); this.push32(lo); }
      return;
    }
    let spLo = (this.regs[4] - size) | 0, spHi = this.regsHi[4];
    if ((spLo >>> 0) > (this.regs[4] >>> 0)) spHi = (spHi - 1) | 0;
    const at = this.lin64(SS, spLo, spHi, size, true);
    if (size === 2) this.wr16(at, lo);
    else if (size === 4) this.wr32(at, lo);
    else this.wr64(at, lo, hi);
    this.regs[4] = spLo; this.regsHi[4] = spHi;
  }

  /**
   * Far JMP/CALL in IA-32e mode: to a code segment (64-bit or compatibility-mode, by its L
   * bit), or through a 16-byte 64-bit call gate, the only gate there is (a privilege-raising
   * CALL takes RSPn from the TSS, loads a null SS and pushes the old SS:RSP and CS:RIP as
   * quadwords; 64-bit gates copy no parameters). Task gates and TSS descriptors are #GP.
   * `size` is the operand size (8 with REX.W), offHi the target's high half (m16:64).
   */
  protected farTransferLong(sel: number, off: number, offHi: number, call: boolean, size: 2 | 4 | 8, nextEip: number): void {
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    if (!this.readDescriptor(sel)) this.fault(GP, sel & 0xfffc);
    const lo = this.dLo, hi = this.dHi;
    const dpl = (hi >>> 13) & 3, rpl = sel & 3;
    const retLo = nextEip, retHi = this.ripHi, retCs = this.segSel[CS];
    if (hi & 0x1000) {
      if (!(hi & 0x800)) this.fault(GP, sel & 0xfffc);
      if (hi & 0x400) { if (dpl > this.cpl) this.fault(GP, sel & 0xfffc); }
      else if (rpl > this.cpl || dpl !== this.cpl) this.fault(GP, sel & 0xfffc);
      if ((hi & D_L) && (hi & D_DB)) this.fault(GP, sel & 0xfffc);
      if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
      const to64 = (hi & D_L) !== 0;
      const eip = size === 2 ? off & 0xffff : off, eipHi = size === 8 ? offHi : 0;
      if (to64 ? !MemoryAccess.canonical(eipHi) : eipHi !== 0 || (eip >>> 0) > SystemCpu.descLimit(lo, hi)) this.fault(GP, 0);
      if (call) {
        // Both slots are checked before either is written: the return address goes last.
        const sp = this.regs[4], spHi = this.regsHi[4];
        try { this.pushSized(retCs, 0, size); this.pushSized(retLo, retHi, size); }
        catch (e) { this.regs[4] = sp; this.regsHi[4] = spHi; throw e; }
      }
      this.touchDescriptor(sel);
      this.setCS(sel, lo, this.dHi, this.cpl);
      this.eip = eip; this.ripHi = to64 ? eipHi : 0;
      this.invalidateFetch();
      return;
    }
    if (((hi >>> 8) & 0x1f) !== 0xc) this.fault(GP, sel & 0xfffc);
    if (dpl < this.cpl || dpl < rpl) this.fault(GP, sel & 0xfffc);
    if (!this.readDescriptorUpper(sel)) this.fault(GP, sel & 0xfffc);
    if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
    const csel = lo >>> 16;
    const gLo = (hi & 0xffff0000) | (lo & 0xffff), gHi = this.dLo2;
    if ((csel & 0xfffc) === 0) this.fault(GP, 0);
    if (!this.readDescriptor(csel)) this.fault(GP, csel & 0xfffc);
    const cLo = this.dLo, cHi = this.dHi;
    const cdpl = (cHi >>> 13) & 3;
    if ((cHi & 0x1800) !== 0x1800 || cdpl > this.cpl || !(cHi & D_L) || (cHi & D_DB)) this.fault(GP, csel & 0xfffc);
    const conforming = (cHi & 0x400) !== 0;
    if (!call && !conforming && cdpl !== this.cpl) this.fault(GP, csel & 0xfffc);
    if (!(cHi & 0x8000)) this.fault(NP, csel & 0xfffc);
    if (!MemoryAccess.canonical(gHi)) this.fault(GP, 0);
    if (call && !conforming && cdpl < this.cpl) {
      this.readTss64(cdpl);
      let spLo = this.tssRspLo, spHi = this.tssRspHi;
      const frame = [this.segSel[SS], 0, this.regs[4], this.regsHi[4], retCs, 0, retLo, retHi];
      const user = cdpl === 3;
      for (let i = 0; i < frame.length; i += 2) {
        const l = (spLo - 8) | 0;
        if ((l >>> 0) > (spLo >>> 0)) spHi = (spHi - 1) | 0;
        spLo = l;
        if (!MemoryAccess.canonical(spHi)) this.fault(SSF, 0);
        const at = MemoryAccess.linear(spLo, spHi);
        this.wrSlow(at, 4, frame[i]!, user);
        this.wrSlow(this.linAdd(at, 4), 4, frame[i + 1]!, user);
      }
      this.setNullStack(cdpl);
      this.setCS(csel, cLo, cHi, cdpl);
      this.regs[4] = spLo; this.regsHi[4] = spHi;
    } else {
      if (call) {
        const sp = this.regs[4], spHi = this.regsHi[4];
        try { this.pushSized(retCs, 0, 8); this.pushSized(retLo, retHi, 8); }
        catch (e) { this.regs[4] = sp; this.regsHi[4] = spHi; throw e; }
      }
      this.setCS(csel, cLo, cHi, this.cpl);
    }
    this.eip = gLo; this.ripHi = gHi;
    this.invalidateFetch();
  }

  /**
   * Far RET in IA-32e mode (`size` 8 with REX.W): pops RIP and CS, and on a return to an outer
   * ring RSP and SS (a null SS only to 64-bit code below ring 3); `imm` is released from both
   * stacks.
   */
  protected farReturnLong(size: 2 | 4 | 8, imm: number): void {
    const ripLo = this.stackSlot(0, size), ripHi = size === 8 ? this.slotHi : 0;
    const sel = this.stackSlot(size, size) & 0xffff;
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    if (!this.readDescriptor(sel)) this.fault(GP, sel & 0xfffc);
    const lo = this.dLo, hi = this.dHi;
    const rpl = sel & 3, dpl = (hi >>> 13) & 3;
    if ((hi & 0x1800) !== 0x1800 || rpl < this.cpl) this.fault(GP, sel & 0xfffc);
    if (hi & 0x400 ? dpl > rpl : dpl !== rpl) this.fault(GP, sel & 0xfffc);
    if ((hi & D_L) && (hi & D_DB)) this.fault(GP, sel & 0xfffc);
    if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
    const to64 = (hi & D_L) !== 0;
    const eip = size === 2 ? ripLo & 0xffff : ripLo;
    if (to64 ? !MemoryAccess.canonical(ripHi) : (ripHi !== 0 || (eip >>> 0) > SystemCpu.descLimit(lo, hi))) this.fault(GP, 0);
    if (rpl === this.cpl) {
      this.releaseStack(2 * size + imm);
      this.setCS(sel, lo, hi, rpl);
    } else {
      const spLo = this.stackSlot(2 * size + imm, size), spHi = size === 8 ? this.slotHi : 0;
      const ss = this.stackSlot(3 * size + imm, size) & 0xffff;
      if ((ss & 0xfffc) === 0) {
        if (!to64 || rpl === 3 || (ss & 3) !== rpl) this.fault(GP, 0);
      } else {
        this.checkStackFor(ss, rpl);
      }
      this.setCS(sel, lo, hi, rpl);
      if ((ss & 0xfffc) === 0) this.setNullStack(rpl);
      else this.setSegFromDesc(SS, ss, this.ssLo, this.ssHi);
      this.regs[4] = spLo; this.regsHi[4] = spHi;
      this.releaseStack(imm);
      this.nullInaccessibleSegs();
    }
    this.eip = eip; this.ripHi = to64 ? ripHi : 0;
    this.invalidateFetch();
  }

  /** RSP += n (64-bit in 64-bit mode; by SS's B bit in compatibility mode). */
  private releaseStack(n: number): void {
    if (!this.long64) { this.spAdd(n); return; }
    const lo = (this.regs[4] + n) | 0;
    if ((lo >>> 0) < (this.regs[4] >>> 0)) this.regsHi[4] = (this.regsHi[4] + 1) | 0;
    this.regs[4] = lo;
  }
}
