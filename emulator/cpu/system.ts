// Protected-mode transfers: interrupt/exception delivery (IVT, IDT interrupt/trap/task gates,
// double and triple fault), far CALL/JMP/RET through call gates, IRET, POPF/IRET flag
// writes, and task switches. Segment loads and control registers are in segments.ts; the
// IA-32e versions of delivery, IRET and far transfers in long-transfers.ts.

import * as K from './constants';
import { ExitReason } from '../isa/exit-reasons';

import { FAULT, linHi } from './memory-access';
import { SegmentCpu, type DeliveryKind } from './segments';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { FLAG_TF, FLAG_IF, FLAG_NT, FLAG_RF, FLAG_VM, FLAG_VIF, FLAG_VIP, FLAG_AC, FLAGS_FIXED, CR0_TS, CR0_PG, CR4_PAE, ES, CS, SS, DS, FS, GS, DF, TS, NP, SSF, GP, PF } = K;

export type { DeliveryKind, InterceptHook } from './segments';

/** Flags that IRET may change at CPL 0 (VM only by the IRET that enters V86 mode). */
const FLAGS_WRITABLE = 0x3f7fd5;
/** VIF and VIP: only a 32-bit IRET at CPL 0 (or a task switch) writes them, never POPF. */
const FLAGS_VIRTUAL = FLAG_VIF | FLAG_VIP;

export abstract class SystemCpu extends SegmentCpu {
  /** Delivery through the 64-bit IDT (long-transfers.ts): every event while EFER.LMA is set. */
  protected abstract deliverLong(vector: number, code: number, kind: DeliveryKind, nextEip: number): void;
  /** IRET while EFER.LMA is set, by operand size (long-transfers.ts). */
  protected abstract iretLong(size: 2 | 4 | 8): void;
  /** Far JMP/CALL and RET while EFER.LMA is set (long-transfers.ts). */
  protected abstract farTransferLong(sel: number, off: number, offHi: number, call: boolean, size: 2 | 4 | 8, nextEip: number): void;
  protected abstract farReturnLong(size: 2 | 4 | 8, imm: number): void;

  // ---- interrupts and exceptions -----------------------------------------------------------

  /**
   * Deliver an event. Faults raised while delivering become #DF (or a triple fault) by the
   * SDM's class table. Returns false on a triple fault.
   */
  raise(vector: number, code: number, kind: DeliveryKind, nextEip: number): boolean {
    let first = -1;
    for (let attempt = 0; ; attempt++) {
      try {
        this.deliverOnce(vector, code, kind, nextEip);
        return true;
      } catch (e) {
        if (e !== FAULT) throw e;
        const second = this.excVector;
        const prev = first >= 0 ? first : vector;
        if (prev === DF || attempt >= 2) { this.shutdown(`fault ${second} while delivering #DF`); return false; }
        const contributory = (v: number) => v === 0 || (v >= 10 && v <= 13);
        const prevKind = kind === 'software' ? -1 : prev;
        if ((contributory(prevKind) && contributory(second)) || (prevKind === PF && (contributory(second) || second === PF))) {
          first = DF; vector = DF; code = 0; kind = 'exception';
        } else {
          first = second; vector = second; code = this.excCode; kind = 'exception';
        }
        nextEip = this.instrEip;
      }
    }
  }

  shutdown(detail: string): void {
    this.tripleFault = detail;
    this.attn = true;
    this.vmexit(ExitReason.TRIPLE_FAULT, 0, 'hypervisor');
  }

  private deliverOnce(vector: number, code: number, kind: DeliveryKind, nextEip: number): void {
    this.ext = kind === 'software' ? 0 : 1;
    // INT3 and INTO are software exceptions: the exception bitmap intercepts them (VT-x
    // interruption type 6); INT n is a software interrupt and never does.
    const softException = this.softException;
    this.softException = false;
    if ((kind === 'exception' || softException) && this.controls && (this.controls.exceptionBitmap >>> vector) & 1) {
      // A #PF's qualification is the linear address (CR2): 64 bits in IA-32e mode.
      const pf = vector === PF;
      this.vmexit(ExitReason.EXCEPTION_NMI, pf ? this.cr2 >>> 0 : 0, 'hypervisor',
        { vector, errorCode: code >= 0 ? code : undefined, ...(pf && this.lma ? { qualificationHi: linHi(this.cr2) >>> 0 } : {}) });
    }
    if (this.intercept && this.intercept(vector, code, kind)) { this.attn = true; return; }
    if (!this.protectedMode) { this.deliverReal(vector, nextEip); return; }
    if (this.lma) { this.deliverLong(vector, code, kind, nextEip); return; }
    this.deliverProtected(vector, code, kind, nextEip);
  }

  private deliverReal(vector: number, nextEip: number): void {
    if (vector * 4 + 3 > this.idtLimit) this.fault(GP, vector * 8 + 2);
    const ip = this.rdSlow((this.idtBase + vector * 4) | 0, 2, false);
    const cs = this.rdSlow((this.idtBase + vector * 4 + 2) | 0, 2, false);
    const fl = this.getFlags();
    const sp = this.regs[4];
    try {
      this.push16(fl); this.push16(this.segSel[CS]); this.push16(nextEip);
    } catch (e) { this.regs[4] = sp; throw e; }
    this.flags = (fl & ~(FLAG_IF | FLAG_TF | FLAG_AC)) | FLAGS_FIXED; this.ccOp = 0;
    this.setSegReal(CS, cs);
    this.eip = ip;
  }

  private deliverProtected(vector: number, code: number, kind: DeliveryKind, nextEip: number): void {
    const ext = this.ext;
    const idtCode = vector * 8 + 2 + ext;
    if (vector * 8 + 7 > this.idtLimit) this.fault(GP, idtCode);
    const lo = this.rdSys32((this.idtBase + vector * 8) | 0);
    const hi = this.rdSys32((this.idtBase + vector * 8 + 4) | 0);
    const type = (hi >>> 8) & 0x1f;
    const gdpl = (hi >>> 13) & 3;
    if (type !== 5 && type !== 6 && type !== 7 && type !== 0xe && type !== 0xf) this.fault(GP, idtCode);
    if (kind === 'software' && gdpl < this.cpl) this.fault(GP, idtCode);
    if (!(hi & 0x8000)) this.fault(NP, idtCode);
    if (type === 5) {
      this.taskSwitch(lo >>> 16, 'call', nextEip);
      if (code >= 0) {
        if (this.ss32) this.push32(code); else this.push16(code);
      }
      return;
    }
    const sel = lo >>> 16;
    const off = type & 8 ? ((hi & 0xffff0000) | (lo & 0xffff)) : lo & 0xffff;
    const gate32 = (type & 8) !== 0;
    if ((sel & 0xfffc) === 0) this.fault(GP, ext);
    if (!this.readDescriptor(sel)) this.fault(GP, (sel & 0xfffc) | ext);
    const cLo = this.dLo, cHi = this.dHi;
    const cdpl = (cHi >>> 13) & 3;
    if ((cHi & 0x1800) !== 0x1800 || cdpl > this.cpl) this.fault(GP, (sel & 0xfffc) | ext);
    if (!(cHi & 0x8000)) this.fault(NP, (sel & 0xfffc) | ext);
    const conforming = (cHi & 0x400) !== 0;
    const fl = this.getFlags();
    const size = gate32 ? 4 : 2;
    // From V86 mode only a ring 0 non-conforming handler will do: it gets the 8086 program's
    // data segment registers on its stack and runs with them null.
    const fromV86 = (fl & FLAG_VM) !== 0;
    if (fromV86 && (conforming || cdpl !== 0)) this.fault(GP, (sel & 0xfffc) | ext);
    if (!conforming && cdpl < this.cpl) {
      this.readTssStack(cdpl);
      const nss = this.tssSS, nesp = this.tssESP;
      this.checkNewSS(nss, cdpl);
      const ssBase = SegmentCpu.descBase(this.ssLo, this.ssHi);
      const big = (this.ssHi & 0x400000) !== 0;
      const frame = [this.segSel[SS], this.regs[4], fl, this.segSel[CS], nextEip, code];
      if (fromV86) frame.unshift(this.segSel[GS], this.segSel[FS], this.segSel[DS], this.segSel[ES]);
      const n = frame.length - (code >= 0 ? 0 : 1);
      let sp = big ? nesp : nesp & 0xffff;
      // Check the limit of the new stack before writing anything.
      const lim = SegmentCpu.descLimit(this.ssLo, this.ssHi);
      const expandDown = (this.ssHi & 0x400) !== 0;
      const lowest = ((sp - n * size) >>> 0) & (big ? 0xffffffff : 0xffff);
      if (!expandDown ? (sp - 1 >>> 0) > lim && sp !== 0 || lowest > lim : lowest <= lim) this.fault(SSF, (nss & 0xfffc) | ext);
      for (let i = 0; i < n; i++) {
        sp = big ? (sp - size) | 0 : (sp - size) & 0xffff;
        this.stackWrite(ssBase, sp, size, frame[i], false);
      }
      this.checkEip(off, cLo, cHi);
      if (fromV86) for (const s of [ES, DS, FS, GS]) this.setSegNull(s, 0);
      this.setSegFromDesc(SS, nss, this.ssLo, this.ssHi);
      if (big) this.regs[4] = sp; else this.r16[8] = sp;
      this.setCS(sel, cLo, cHi, cdpl);
    } else {
      const n = code >= 0 ? 4 : 3;
      const frame = [fl, this.segSel[CS], nextEip, code];
      let sp = this.ss32 ? this.regs[4] : this.regs[4] & 0xffff;
      const base = this.segBase[SS];
      const user = this.cpl === 3;
      for (let i = 0; i < n; i++) {
        sp = this.ss32 ? (sp - size) | 0 : (sp - size) & 0xffff;
        this.lin(SS, sp, size, true);
        this.stackWrite(base, sp, size, frame[i], user);
      }
      this.checkEip(off, cLo, cHi);
      if (this.ss32) this.regs[4] = sp; else this.r16[8] = sp;
      this.setCS(sel, cLo, cHi, this.cpl);
    }
    this.eip = gate32 ? off : off & 0xffff;
    let nf = fl & ~(FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM);
    if (!(type & 1)) nf &= ~FLAG_IF;
    this.flags = nf; this.ccOp = 0;
  }

  // ---- far transfers -----------------------------------------------------------------

  /** JMP/CALL far (ptr16:16/32 or m16:16/32/64; o64 and offHi for REX.W's m16:64). */
  farTransfer(sel: number, off: number, call: boolean, o32: boolean, nextEip: number, o64 = false, offHi = 0): void {
    sel &= 0xffff;
    if (this.lma) { this.farTransferLong(sel, off, offHi, call, o64 ? 8 : o32 ? 4 : 2, nextEip); return; }
    if (!this.protectedMode || (this.flags & FLAG_VM)) {
      if (call) {
        const sp = this.regs[4];
        try {
          if (o32) { this.push32(this.segSel[CS]); this.push32(nextEip); }
          else { this.push16(this.segSel[CS]); this.push16(nextEip); }
        } catch (e) { this.regs[4] = sp; throw e; }
      }
      if ((this.flags & FLAG_VM) && (off >>> 0) > 0xffff) this.fault(GP, 0);
      this.loadSeg(CS, sel);
      this.eip = o32 ? off : off & 0xffff;
      return;
    }
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    if (!this.readDescriptor(sel)) this.fault(GP, sel & 0xfffc);
    const lo = this.dLo, hi = this.dHi;
    const dpl = (hi >>> 13) & 3, rpl = sel & 3;
    if (hi & 0x1000) {
      if (!(hi & 0x800)) this.fault(GP, sel & 0xfffc);
      if (hi & 0x400) { if (dpl > this.cpl) this.fault(GP, sel & 0xfffc); }
      else if (rpl > this.cpl || dpl !== this.cpl) this.fault(GP, sel & 0xfffc);
      if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
      const eip = o32 ? off : off & 0xffff;
      this.checkEip(eip, lo, hi);
      if (call) this.pushReturn(o32, nextEip);
      this.touchDescriptor(sel);
      this.setCS(sel, lo, this.dHi, this.cpl);
      this.eip = eip;
      return;
    }
    const type = (hi >>> 8) & 0xf;
    switch (type) {
      case 1: case 9: case 5:
        if (dpl < this.cpl || dpl < rpl) this.fault(GP, sel & 0xfffc);
        if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
        this.taskSwitch(sel, call ? 'call' : 'jmp', nextEip);
        return;
      case 4: case 0xc:
        break;
      default:
        this.fault(GP, sel & 0xfffc);
    }
    // Call gate.
    if (dpl < this.cpl || dpl < rpl) this.fault(GP, sel & 0xfffc);
    if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
    const gate32 = type === 0xc;
    const csel = lo >>> 16;
    const goff = gate32 ? ((hi & 0xffff0000) | (lo & 0xffff)) : lo & 0xffff;
    const params = hi & 0x1f;
    if ((csel & 0xfffc) === 0) this.fault(GP, 0);
    if (!this.readDescriptor(csel)) this.fault(GP, csel & 0xfffc);
    const cLo = this.dLo, cHi = this.dHi;
    const cdpl = (cHi >>> 13) & 3;
    if ((cHi & 0x1800) !== 0x1800 || cdpl > this.cpl) this.fault(GP, csel & 0xfffc);
    const conforming = (cHi & 0x400) !== 0;
    if (!call && !conforming && cdpl !== this.cpl) this.fault(GP, csel & 0xfffc);
    if (!(cHi & 0x8000)) this.fault(NP, csel & 0xfffc);
    this.checkEip(goff, cLo, cHi);
    if (call && !conforming && cdpl < this.cpl) {
      this.readTssStack(cdpl);
      const nss = this.tssSS, nesp = this.tssESP;
      this.checkNewSS(nss, cdpl);
      const ssBase = SegmentCpu.descBase(this.ssLo, this.ssHi);
      const big = (this.ssHi & 0x400000) !== 0;
      const size = gate32 ? 4 : 2;
      // Gather the parameters from the old stack first (faults here are on the old stack).
      const args: number[] = [];
      for (let i = params - 1; i >= 0; i--) args.push(size === 4 ? this.peek32(i * 4) : this.peek16(i * 2));
      let sp = big ? nesp : nesp & 0xffff;
      const frame = [this.segSel[SS], this.regs[4], ...args, this.segSel[CS], nextEip];
      for (const v of frame) {
        sp = big ? (sp - size) | 0 : (sp - size) & 0xffff;
        this.stackWrite(ssBase, sp, size, v, false);
      }
      this.setSegFromDesc(SS, nss, this.ssLo, this.ssHi);
      if (big) this.regs[4] = sp; else this.r16[8] = sp;
      this.setCS(csel, cLo, cHi, cdpl);
    } else {
      if (call) this.pushReturn(gate32, nextEip);
      this.setCS(csel, cLo, cHi, this.cpl);
    }
    this.eip = gate32 ? goff : goff & 0xffff;
  }

  private pushReturn(o32: boolean, nextEip: number): void {
    const size = o32 ? 4 : 2;
    const sp0 = this.ss32 ? this.regs[4] : this.regs[4] & 0xffff;
    const sp1 = this.ss32 ? (sp0 - size) | 0 : (sp0 - size) & 0xffff;
    const sp2 = this.ss32 ? (sp0 - 2 * size) | 0 : (sp0 - 2 * size) & 0xffff;
    const l1 = this.lin(SS, sp1, size, true), l2 = this.lin(SS, sp2, size, true);
    this.probeWrite(l1, size); this.probeWrite(l2, size);
    if (o32) { this.wr32(l1, this.segSel[CS]); this.wr32(l2, nextEip); }
    else { this.wr16(l1, this.segSel[CS]); this.wr16(l2, nextEip); }
    if (this.ss32) this.regs[4] = sp2; else this.r16[8] = sp2;
  }

  /** RETF [imm16] (o64: REX.W in 64-bit mode). */
  farReturn(o32: boolean, imm: number, o64 = false): void {
    if (this.lma) { this.farReturnLong(o64 ? 8 : o32 ? 4 : 2, imm); return; }
    const size = o32 ? 4 : 2;
    const eip = o32 ? this.peek32(0) : this.peek16(0);
    const sel = (o32 ? this.peek32(4) : this.peek16(2)) & 0xffff;
    if (!this.protectedMode || (this.flags & FLAG_VM)) {
      if ((this.flags & FLAG_VM) && (eip >>> 0) > 0xffff) this.fault(GP, 0);
      this.spAdd(2 * size + imm);
      this.loadSeg(CS, sel);
      this.eip = eip;
      return;
    }
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    if (!this.readDescriptor(sel)) this.fault(GP, sel & 0xfffc);
    const lo = this.dLo, hi = this.dHi;
    const rpl = sel & 3, dpl = (hi >>> 13) & 3;
    if ((hi & 0x1800) !== 0x1800 || rpl < this.cpl) this.fault(GP, sel & 0xfffc);
    if (hi & 0x400 ? dpl > rpl : dpl !== rpl) this.fault(GP, sel & 0xfffc);
    if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
    if (rpl === this.cpl) {
      this.checkEip(eip, lo, hi);
      this.spAdd(2 * size + imm);
      this.setCS(sel, lo, hi, this.cpl);
      this.eip = eip;
      return;
    }
    const esp = o32 ? this.peek32(2 * size + imm) : this.peek16(2 * size + imm);
    const ss = (o32 ? this.peek32(3 * size + imm) : this.peek16(3 * size + imm)) & 0xffff;
    this.checkOuterSS(ss, rpl);
    this.checkEip(eip, lo, hi);
    this.setCS(sel, lo, hi, rpl);
    this.setSegFromDesc(SS, ss, this.ssLo, this.ssHi);
    if (this.ss32) this.regs[4] = (esp + imm) | 0; else this.r16[8] = (esp + imm) & 0xffff;
    this.eip = eip;
    this.nullInaccessibleSegs();
  }

  private checkOuterSS(ss: number, rpl: number): void {
    if ((ss & 0xfffc) === 0) this.fault(GP, 0);
    if (!this.readDescriptor(ss)) this.fault(GP, ss & 0xfffc);
    const hi = this.dHi, type = (hi >>> 8) & 0xf;
    if ((ss & 3) !== rpl || ((hi >>> 13) & 3) !== rpl || !(hi & 0x1000) || (type & 8) || !(type & 2)) this.fault(GP, ss & 0xfffc);
    if (!(hi & 0x8000)) this.fault(SSF, ss & 0xfffc);
    this.ssLo = this.dLo; this.ssHi = this.dHi;
  }

  /** IRET / IRETD / IRETQ (o64: REX.W in 64-bit mode). */
  iret(o32: boolean, o64 = false): void {
    if (this.lma) { this.iretLong(o64 ? 8 : o32 ? 4 : 2); return; }
    const size = o32 ? 4 : 2;
    if (!this.protectedMode) {
      const ip = o32 ? this.peek32(0) : this.peek16(0);
      const cs = (o32 ? this.peek32(4) : this.peek16(2)) & 0xffff;
      const fl = o32 ? this.peek32(8) : this.peek16(4);
      this.spAdd(3 * size);
      this.setSegReal(CS, cs);
      this.eip = o32 ? ip : ip & 0xffff;
      // Reserved bits (1, 3, 5, 15) come from the CPU, never from the frame, in both widths.
      const mask = FLAGS_WRITABLE & (o32 ? ~FLAG_VM & ~FLAGS_VIRTUAL : 0xffff);
      this.flags = ((this.getFlags() & ~mask) | (fl & mask)) | FLAGS_FIXED; this.ccOp = 0;
      this.attn = true;
      return;
    }
    if (this.flags & FLAG_NT) {
      const back = this.rdSys16(this.trBase);
      this.taskSwitch(back, 'iret', this.eip);
      return;
    }
    const eip = o32 ? this.peek32(0) : this.peek16(0);
    const sel = (o32 ? this.peek32(4) : this.peek16(2)) & 0xffff;
    const fl = o32 ? this.peek32(8) : this.peek16(4) | (this.getFlags() & 0xffff0000);
    if (o32 && (fl & FLAG_VM) && this.cpl === 0) { this.iretToV86(eip, sel, fl); return; }
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    if (!this.readDescriptor(sel)) this.fault(GP, sel & 0xfffc);
    const lo = this.dLo, hi = this.dHi;
    const rpl = sel & 3, dpl = (hi >>> 13) & 3;
    if ((hi & 0x1800) !== 0x1800 || rpl < this.cpl) this.fault(GP, sel & 0xfffc);
    if (hi & 0x400 ? dpl > rpl : dpl !== rpl) this.fault(GP, sel & 0xfffc);
    if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
    const oldCpl = this.cpl;
    if (rpl === this.cpl) {
      this.checkEip(eip, lo, hi);
      this.spAdd(3 * size);
      this.setCS(sel, lo, hi, rpl);
    } else {
      const esp = o32 ? this.peek32(12) : this.peek16(6);
      const ss = (o32 ? this.peek32(16) : this.peek16(8)) & 0xffff;
      this.checkOuterSS(ss, rpl);
      this.checkEip(eip, lo, hi);
      this.setCS(sel, lo, hi, rpl);
      this.setSegFromDesc(SS, ss, this.ssLo, this.ssHi);
      if (this.ss32) this.regs[4] = esp; else this.r16[8] = esp;
      this.nullInaccessibleSegs();
    }
    this.eip = o32 ? eip : eip & 0xffff;
    this.writeFlags(fl, o32 ? 0xffffffff : 0xffff, oldCpl, o32);
    // IRET may set RF so the instruction returned to skips its instruction breakpoint once.
    if (o32 && (fl & FLAG_RF)) this.flags |= FLAG_RF;
  }

  /**
   * The IRET that enters V86 mode (CPL 0, 32-bit frame with VM set): EIP, CS, EFLAGS, ESP, SS,
   * ES, DS, FS, GS from the stack, every segment real-mode style, CPL 3.
   */
  private iretToV86(eip: number, cs: number, fl: number): void {
    const esp = this.peek32(12);
    const sels = [this.peek32(16), this.peek32(20), this.peek32(24), this.peek32(28), this.peek32(32)];
    const [ss, es, ds, fs, gs] = sels.map((v) => v & 0xffff);
    this.flags = (fl & (FLAGS_WRITABLE | FLAG_VM)) | FLAGS_FIXED; this.ccOp = 0;
    this.setSegV86(CS, cs); this.setSegV86(SS, ss);
    this.setSegV86(ES, es); this.setSegV86(DS, ds); this.setSegV86(FS, fs); this.setSegV86(GS, gs);
    this.setCpl(3);
    this.regs[4] = esp;
    this.eip = eip & 0xffff;
  }

  /**
   * POPF/IRET flag update with the CPL/IOPL rules (IF only if CPL <= IOPL, IOPL only at CPL 0;
   * VIF and VIP only by a 32-bit IRET at CPL 0).
   */
  writeFlags(v: number, sizeMask: number, cpl: number, iret32: boolean): void {
    let mask = FLAGS_WRITABLE & sizeMask & ~FLAG_VM & ~FLAG_RF;
    const iopl = (this.flags >>> 12) & 3;
    if (!iret32 || (this.protectedMode && cpl > 0)) mask &= ~FLAGS_VIRTUAL;
    if (this.protectedMode) {
      if (cpl > 0) mask &= ~0x3000;
      if (cpl > iopl) mask &= ~FLAG_IF;
    }
    const cur = this.getFlags();
    this.flags = ((cur & ~mask) | (v & mask)) | FLAGS_FIXED;
    this.ccOp = 0;
    this.attn = true;   // TF or IF may have changed
  }

  // ---- task switch -------------------------------------------------------------------

  taskSwitch(sel: number, kind: 'jmp' | 'call' | 'iret', nextEip: number): void {
    sel &= 0xffff;
    this.attn = true;
    if (sel & 4) this.fault(TS, sel & 0xfffc);
    if (!this.readDescriptor(sel)) this.fault(TS, sel & 0xfffc);
    let lo = this.dLo, hi = this.dHi;
    if (((hi >>> 8) & 0x1f) === 5) {
      // Task gate: follow it to the TSS descriptor.
      sel = lo >>> 16;
      if (sel & 4 || !this.readDescriptor(sel)) this.fault(GP, sel & 0xfffc);
      lo = this.dLo; hi = this.dHi;
    }
    const type = (hi >>> 8) & 0x1f;
    const busy = (type & 2) !== 0;
    if (type !== 9 && type !== 0xb && type !== 1 && type !== 3) this.fault(GP, sel & 0xfffc);
    if (kind === 'iret' ? !busy : busy) this.fault(GP, sel & 0xfffc);
    if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
    const newBase = SegmentCpu.descBase(lo, hi);
    const newLimit = SegmentCpu.descLimit(lo, hi);
    const is32 = (type & 8) !== 0;
    if (newLimit < (is32 ? 0x67 : 0x2b)) this.fault(TS, sel & 0xfffc);
    // Save the outgoing state into the current TSS (32-bit layout, or the 286 16-bit one).
    const ob = this.trBase;
    let oflags = this.getFlags();
    if (kind === 'iret') oflags &= ~FLAG_NT;
    if (this.trAttr & 8) {
      this.wrSys32((ob + 0x20) | 0, nextEip);
      this.wrSys32((ob + 0x24) | 0, oflags);
      for (let i = 0; i < 8; i++) this.wrSys32((ob + 0x28 + i * 4) | 0, this.regs[i]);
      for (let s = 0; s < 6; s++) this.wrSys16((ob + 0x48 + s * 4) | 0, this.segSel[s]);
    } else {
      this.wrSys16((ob + 0x0e) | 0, nextEip);
      this.wrSys16((ob + 0x10) | 0, oflags);
      for (let i = 0; i < 8; i++) this.wrSys16((ob + 0x12 + i * 2) | 0, this.regs[i]);
      for (let s = 0; s < 4; s++) this.wrSys16((ob + 0x22 + s * 2) | 0, this.segSel[s]);
    }
    if (kind !== 'call') this.setBusy(this.trSel, false);

    // Read the incoming state.
    const nb = newBase;
    let ncr3 = this.cr3, neip: number, nflags: number, nldt: number;
    const nregs: number[] = [];
    const nsegs: number[] = [];
    if (is32) {
      ncr3 = this.rdSys32((nb + 0x1c) | 0);
      neip = this.rdSys32((nb + 0x20) | 0);
      nflags = this.rdSys32((nb + 0x24) | 0);
      for (let i = 0; i < 8; i++) nregs.push(this.rdSys32((nb + 0x28 + i * 4) | 0));
      for (let s = 0; s < 6; s++) nsegs.push(this.rdSys16((nb + 0x48 + s * 4) | 0));
      nldt = this.rdSys16((nb + 0x60) | 0);
    } else {
      // A 16-bit TSS holds the low halves only; FS and GS are not part of it (left null).
      neip = this.rdSys16((nb + 0x0e) | 0);
      nflags = this.rdSys16((nb + 0x10) | 0) | (this.getFlags() & 0xffff0000 & ~(FLAG_RF | FLAG_VM));
      for (let i = 0; i < 8; i++) nregs.push((this.regs[i] & 0xffff0000) | this.rdSys16((nb + 0x12 + i * 2) | 0));
      for (let s = 0; s < 4; s++) nsegs.push(this.rdSys16((nb + 0x22 + s * 2) | 0));
      nsegs.push(0, 0);
      nldt = this.rdSys16((nb + 0x2a) | 0);
    }
    if (kind === 'call') { this.wrSys16(nb, this.trSel); nflags |= FLAG_NT; }
    if (kind !== 'iret') this.setBusy(sel, true);

    this.trSel = sel; this.trBase = newBase; this.trLimit = newLimit; this.trAttr = ((hi >>> 8) & 0xf0ff) | 2;
    this.cr0 |= CR0_TS;
    if ((this.cr0 & CR0_PG) && is32) { this.cr3 = ncr3; if (this.cr4 & CR4_PAE) this.loadPdptes(); this.flushTlb(); }
    this.eip = neip;
    for (let i = 0; i < 8; i++) this.regs[i] = nregs[i];
    const toV86 = is32 && (nflags & FLAG_VM) !== 0;
    this.flags = (nflags & (toV86 ? FLAGS_WRITABLE | FLAG_VM : FLAGS_WRITABLE)) | FLAGS_FIXED; this.ccOp = 0;
    // LDT, then segments; faults from here on are raised in the new task's context.
    this.loadLdt(nldt, true);
    if (toV86) {
      // A task whose EFLAGS has VM runs in V86 mode: its selectors are paragraph numbers.
      for (let s = 0; s < 6; s++) this.setSegV86(s, nsegs[s]);
      this.setCpl(3);
      return;
    }
    const newCpl = nsegs[CS] & 3;
    for (let s = 0; s < 6; s++) this.setSegNull(s, nsegs[s]);
    this.loadCodeForTask(nsegs[CS]);
    this.setCpl(newCpl);
    this.loadSeg(SS, nsegs[SS]);
    for (const s of [ES, DS, FS, GS]) this.loadSeg(s, nsegs[s]);
    if ((this.eip >>> 0) > this.segLimit[CS]) this.fault(GP, 0);
  }

  private setBusy(sel: number, busy: boolean): void {
    if (!this.readDescriptor(sel)) return;
    const hi = busy ? this.dHi | 0x200 : this.dHi & ~0x200;
    this.wrSys32((this.descAddr(sel) + 4) | 0, hi);
  }

  private loadCodeForTask(sel: number): void {
    if ((sel & 0xfffc) === 0) this.fault(TS, 0);
    if (!this.readDescriptor(sel)) this.fault(TS, sel & 0xfffc);
    const hi = this.dHi;
    if ((hi & 0x1800) !== 0x1800) this.fault(TS, sel & 0xfffc);
    if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
    this.setSegFromDesc(CS, sel, this.dLo, hi);
  }

}
