// Protected-mode machinery: descriptor tables and segment loads with their privilege
// checks, far transfers through call gates, interrupt/exception delivery (IVT, IDT gates,
// double and triple fault), task switches, control registers and the VM-exit hooks.

import type { ExitContext, ExitControls, ExitExtra, ExitSink } from '../vmm/exit-api';
// Architectural constants copied in as plain module consts (see constants.ts): imported
// bindings cost a getter call per use when this file is loaded as CommonJS.
const CR0_PE = 1; const CR0_PG = -2147483648; const CR0_TS = 8; const CR0_WP = 65536;
const CR4_PAE = 32; const CR4_PGE = 128; const CR4_PSE = 16; const CR4_SUPPORTED = 2047; const CS = 1;
const DF = 8; const DS = 3; const ES = 0; const FLAG_AC = 262144; const FLAG_IF = 512; const FLAG_NT = 16384;
const FLAG_RF = 65536; const FLAG_TF = 256; const FLAG_VM = 131072; const FLAGS_FIXED = 2; const FS = 4;
const GP = 13; const GS = 5; const NP = 11; const PF = 14; const SS = 2; const SSF = 12; const TS = 10;

import { A_DB, A_DPL_SHIFT, A_P, A_S, A_UNUSABLE, FAULT, MemoryAccess } from './memory-access';

export type DeliveryKind = 'exception' | 'software' | 'external';

/** Hypervisor hook: return true if it took the event and the guest IDT must not be used. */
export type InterceptHook = (vector: number, errorCode: number, kind: DeliveryKind) => boolean;

export const EXIT_EXCEPTION = 0;
export const EXIT_EXTERNAL_INTERRUPT = 1;
export const EXIT_TRIPLE_FAULT = 2;

/** Flags that IRET/POPF may change at CPL 0 (VM is not supported and never set). */
const FLAGS_WRITABLE = 0x3f7fd5;

export class SystemCpu extends MemoryAccess {
  gdtBase = 0; gdtLimit = 0xffff;
  idtBase = 0; idtLimit = 0x3ff;
  ldtSel = 0; ldtBase = 0; ldtLimit = 0xffff; ldtAttr = 0x82;
  trSel = 0; trBase = 0; trLimit = 0xffff; trAttr = 0x8b;
  readonly dr = new Int32Array(8);

  sink: ExitSink | null = null;
  controls: ExitControls | null = null;
  intercept: InterceptHook | null = null;
  /** Set when an exit filter matched during the current instruction. */
  filterHit = false;
  /** Triple fault detail, set when the CPU shuts down. */
  tripleFault: string | null = null;

  icount = 0;
  instrEip = 0;
  /** The event being raised comes from INT3 or INTO (read and cleared by the delivery). */
  softException = false;
  /** Error codes raised while delivering an external event carry EXT (bit 0). */
  private ext = 0;

  /** Scratch for the last descriptor read. */
  dLo = 0;
  dHi = 0;

  readonly ctx: ExitContext;

  constructor() {
    super();
    const cpu = this;
    this.ctx = {
      get icount() { return cpu.icount; },
      get instrEip() { return cpu.instrEip; },
      get cs() { return cpu.segSel[CS]; },
      get cpl() { return cpu.cpl; },
      instrBytes: () => cpu.instrBytes(),
      copyInstrBytes: (dst: Uint8Array, offset: number, max: number) => cpu.copyInstrBytes(dst, offset, max),
      regs: this.regs,
    };
  }

  get protectedMode(): boolean { return (this.cr0 & CR0_PE) !== 0; }

  /** The bytes of the current instruction (up to 15), read without side effects. */
  instrBytes(): Uint8Array {
    const out = new Uint8Array(15);
    let n = 0;
    for (; n < 15; n++) {
      const lin = (this.segBase[CS] + ((this.instrEip + n) | 0)) | 0;
      const p = this.peekTranslate(lin);
      if (p < 0) break;
      out[n] = this.mem.peek(p);
    }
    return out.subarray(0, n);
  }

  /** instrBytes() without allocating: at most two translations (the page and the next). */
  copyInstrBytes(dst: Uint8Array, offset: number, max: number): number {
    const start = (this.segBase[CS] + this.instrEip) | 0;
    let page = -2, phys = -1, n = 0;
    for (; n < max; n++) {
      const lin = (start + n) | 0;
      if ((lin >>> 12) !== page) { page = lin >>> 12; phys = this.peekTranslate(lin & ~0xfff); }
      if (phys < 0) break;
      dst[offset + n] = this.mem.peek(phys + (lin & 0xfff));
    }
    return n;
  }

  /** Record a VM exit if a sink is attached. */
  vmexit(reason: number, qual: number, handler: string, extra?: ExitExtra): void {
    const s = this.sink;
    if (s && s.exit(reason, qual, handler, this.ctx, extra)) { this.filterHit = true; this.attn = true; }
  }

  // ---- descriptors -------------------------------------------------------------------

  /** Reads the descriptor for `sel` into dLo/dHi; false if outside the GDT/LDT limit. */
  readDescriptor(sel: number): boolean {
    const idx = sel & 0xfff8;
    let base: number, limit: number;
    if (sel & 4) {
      if (this.ldtAttr & A_UNUSABLE || (this.ldtSel & 0xfffc) === 0) return false;
      base = this.ldtBase; limit = this.ldtLimit;
    } else {
      base = this.gdtBase; limit = this.gdtLimit;
    }
    if (idx + 7 > limit) return false;
    this.dLo = this.rdSys32((base + idx) | 0);
    this.dHi = this.rdSys32((base + idx + 4) | 0);
    return true;
  }

  private descAddr(sel: number): number {
    return ((sel & 4 ? this.ldtBase : this.gdtBase) + (sel & 0xfff8)) | 0;
  }

  /** Set the accessed bit of a code/data descriptor, as the CPU does on a segment load. */
  private touchDescriptor(sel: number): void {
    if (!(this.dHi & 0x100)) {
      this.dHi |= 0x100;
      this.wrSys32((this.descAddr(sel) + 4) | 0, this.dHi);
    }
  }

  static descBase(lo: number, hi: number): number { return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) | 0; }
  static descLimit(lo: number, hi: number): number {
    const l = (lo & 0xffff) | (hi & 0xf0000);
    return hi & 0x800000 ? ((l << 12) | 0xfff) >>> 0 : l;
  }

  /** Fill a segment cache from a descriptor. */
  setSegFromDesc(s: number, sel: number, lo: number, hi: number): void {
    this.segSel[s] = sel;
    this.segBase[s] = SystemCpu.descBase(lo, hi);
    this.segLimit[s] = SystemCpu.descLimit(lo, hi);
    this.segAttr[s] = (hi >>> 8) & 0xf0ff;
    this.segUpdated(s);
  }

  /** Real-mode style load: base = sel * 16, attributes kept (limit too, for unreal mode). */
  setSegReal(s: number, sel: number): void {
    this.segSel[s] = sel & 0xffff;
    this.segBase[s] = (sel & 0xffff) << 4;
    if (s === CS) { this.segAttr[s] = (this.segAttr[s] & ~A_DB & ~A_UNUSABLE) | A_P | A_S | 0xb; }
    else this.segAttr[s] &= ~A_UNUSABLE;
    this.segUpdated(s);
  }

  setSegNull(s: number, sel: number): void {
    this.segSel[s] = sel;
    this.segBase[s] = 0;
    this.segLimit[s] = 0;
    this.segAttr[s] = A_UNUSABLE;
    this.segUpdated(s);
  }

  /** MOV/POP/LxS into a data segment register or SS, with all protected-mode checks. */
  loadSeg(s: number, sel: number): void {
    sel &= 0xffff;
    if (!this.protectedMode || (this.flags & FLAG_VM)) { this.setSegReal(s, sel); return; }
    if ((sel & 0xfffc) === 0) {
      if (s === SS) this.fault(GP, 0);
      this.setSegNull(s, sel);
      return;
    }
    if (!this.readDescriptor(sel)) this.fault(GP, sel & 0xfffc);
    const hi = this.dHi;
    const dpl = (hi >>> 13) & 3, rpl = sel & 3, type = (hi >>> 8) & 0xf;
    if (!(hi & 0x1000)) this.fault(GP, sel & 0xfffc);
    if (s === SS) {
      if (rpl !== this.cpl || dpl !== this.cpl || (type & 8) || !(type & 2)) this.fault(GP, sel & 0xfffc);
      if (!(hi & 0x8000)) this.fault(SSF, sel & 0xfffc);
    } else {
      if ((type & 0xa) === 8) this.fault(GP, sel & 0xfffc); // execute-only code
      const conforming = (type & 0xc) === 0xc;
      if (!conforming && (rpl > dpl || this.cpl > dpl)) this.fault(GP, sel & 0xfffc);
      if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
    }
    this.touchDescriptor(sel);
    this.setSegFromDesc(s, sel, this.dLo, this.dHi);
  }

  /** Load CS for a transfer already checked; RPL of the selector becomes CPL. */
  private setCS(sel: number, lo: number, hi: number, cpl: number): void {
    this.setSegFromDesc(CS, (sel & 0xfffc) | cpl, lo, hi);
    this.setCpl(cpl);
  }

  /** After a return to an outer ring, data segments the new CPL may not use become null. */
  private nullInaccessibleSegs(): void {
    for (const s of [ES, DS, FS, GS]) {
      const a = this.segAttr[s];
      if (a & A_UNUSABLE) continue;
      const dpl = (a >>> A_DPL_SHIFT) & 3;
      const type = a & 0xf;
      const conformingCode = (type & 0xc) === 0xc;
      if (!conformingCode && dpl < this.cpl) this.setSegNull(s, 0);
    }
  }

  /** Check a code-segment descriptor's limit for the new EIP. */
  private checkEip(eip: number, lo: number, hi: number): void {
    if ((eip >>> 0) > SystemCpu.descLimit(lo, hi)) this.fault(GP, 0);
  }

  // ---- TSS ------------------------------------------------------------------------

  /** Stack for privilege level `dpl` from the current TSS, into tssSS/tssESP. */
  tssSS = 0; tssESP = 0;
  readTssStack(dpl: number): void {
    const type = this.trAttr & 0xf;
    if ((type & 8) !== 0) {
      const off = 4 + dpl * 8;
      if (off + 5 > this.trLimit) this.fault(TS, (this.trSel & 0xfffc) | this.ext);
      this.tssESP = this.rdSys32((this.trBase + off) | 0);
      this.tssSS = this.rdSys16((this.trBase + off + 4) | 0);
    } else {
      const off = 2 + dpl * 4;
      if (off + 3 > this.trLimit) this.fault(TS, (this.trSel & 0xfffc) | this.ext);
      this.tssESP = this.rdSys16((this.trBase + off) | 0);
      this.tssSS = this.rdSys16((this.trBase + off + 2) | 0);
    }
  }

  /** Validate the new stack segment for an inner-ring transfer; leaves its descriptor in ssLo/ssHi. */
  ssLo = 0; ssHi = 0;
  private checkNewSS(sel: number, dpl: number): void {
    const code = (sel & 0xfffc) | this.ext;
    if ((sel & 0xfffc) === 0) this.fault(TS, this.ext);
    if (!this.readDescriptor(sel)) this.fault(TS, code);
    const hi = this.dHi, type = (hi >>> 8) & 0xf;
    if ((sel & 3) !== dpl || ((hi >>> 13) & 3) !== dpl || !(hi & 0x1000) || (type & 8) || !(type & 2)) this.fault(TS, code);
    if (!(hi & 0x8000)) this.fault(SSF, code);
    this.ssLo = this.dLo; this.ssHi = this.dHi;
  }

  /** Write `v` of `size` bytes on a stack being built at ssBase+sp (supervisor or current privilege). */
  private stackWrite(base: number, sp: number, size: number, v: number, user: boolean): void {
    const lin = (base + sp) | 0;
    if (size === 4) this.wrSlow(lin, 4, v, user); else this.wrSlow(lin, 2, v & 0xffff, user);
  }

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
    this.vmexit(EXIT_TRIPLE_FAULT, 0, 'hypervisor');
  }

  private deliverOnce(vector: number, code: number, kind: DeliveryKind, nextEip: number): void {
    this.ext = kind === 'software' ? 0 : 1;
    // INT3 and INTO are software exceptions: the exception bitmap intercepts them (VT-x
    // interruption type 6); INT n is a software interrupt and never does.
    const softException = this.softException;
    this.softException = false;
    if ((kind === 'exception' || softException) && this.controls && (this.controls.exceptionBitmap >>> vector) & 1) {
      this.vmexit(EXIT_EXCEPTION, vector === PF ? this.cr2 : 0, 'hypervisor',
        { vector, errorCode: code >= 0 ? code : undefined });
    }
    if (this.intercept && this.intercept(vector, code, kind)) { this.attn = true; return; }
    if (!this.protectedMode) { this.deliverReal(vector, nextEip); return; }
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
    if (!conforming && cdpl < this.cpl) {
      this.readTssStack(cdpl);
      const nss = this.tssSS, nesp = this.tssESP;
      this.checkNewSS(nss, cdpl);
      const ssBase = SystemCpu.descBase(this.ssLo, this.ssHi);
      const big = (this.ssHi & 0x400000) !== 0;
      const n = code >= 0 ? 6 : 5;
      let sp = big ? nesp : nesp & 0xffff;
      const frame = [this.segSel[SS], this.regs[4], fl, this.segSel[CS], nextEip, code];
      // Check the limit of the new stack before writing anything.
      const lim = SystemCpu.descLimit(this.ssLo, this.ssHi);
      const expandDown = (this.ssHi & 0x400) !== 0;
      const lowest = ((sp - n * size) >>> 0) & (big ? 0xffffffff : 0xffff);
      if (!expandDown ? (sp - 1 >>> 0) > lim && sp !== 0 || lowest > lim : lowest <= lim) this.fault(SSF, (nss & 0xfffc) | ext);
      for (let i = 0; i < n; i++) {
        sp = big ? (sp - size) | 0 : (sp - size) & 0xffff;
        this.stackWrite(ssBase, sp, size, frame[i], false);
      }
      this.checkEip(off, cLo, cHi);
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

  /** JMP/CALL far (ptr16:16/32 or m16:16/32). */
  farTransfer(sel: number, off: number, call: boolean, o32: boolean, nextEip: number): void {
    sel &= 0xffff;
    if (!this.protectedMode) {
      if (call) {
        const sp = this.regs[4];
        try {
          if (o32) { this.push32(this.segSel[CS]); this.push32(nextEip); }
          else { this.push16(this.segSel[CS]); this.push16(nextEip); }
        } catch (e) { this.regs[4] = sp; throw e; }
      }
      this.setSegReal(CS, sel);
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
      const ssBase = SystemCpu.descBase(this.ssLo, this.ssHi);
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

  /** RETF [imm16]. */
  farReturn(o32: boolean, imm: number): void {
    const size = o32 ? 4 : 2;
    const eip = o32 ? this.peek32(0) : this.peek16(0);
    const sel = (o32 ? this.peek32(4) : this.peek16(2)) & 0xffff;
    if (!this.protectedMode) {
      this.spAdd(2 * size + imm);
      this.setSegReal(CS, sel);
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

  /** IRET / IRETD. */
  iret(o32: boolean): void {
    const size = o32 ? 4 : 2;
    if (!this.protectedMode) {
      const ip = o32 ? this.peek32(0) : this.peek16(0);
      const cs = (o32 ? this.peek32(4) : this.peek16(2)) & 0xffff;
      const fl = o32 ? this.peek32(8) : this.peek16(4);
      this.spAdd(3 * size);
      this.setSegReal(CS, cs);
      this.eip = o32 ? ip : ip & 0xffff;
      const mask = o32 ? FLAGS_WRITABLE & ~FLAG_VM : 0xffff;
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
    this.writeFlags(fl, o32 ? 0xffffffff : 0xffff, oldCpl);
    // IRET may set RF so the instruction returned to skips its instruction breakpoint once.
    if (o32 && (fl & FLAG_RF)) this.flags |= FLAG_RF;
  }

  /** POPF/IRET flag update with the CPL/IOPL rules (IF only if CPL <= IOPL, IOPL only at CPL 0). */
  writeFlags(v: number, sizeMask: number, cpl: number): void {
    let mask = FLAGS_WRITABLE & sizeMask & ~FLAG_VM & ~FLAG_RF;
    const iopl = (this.flags >>> 12) & 3;
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
    const newBase = SystemCpu.descBase(lo, hi);
    const newLimit = SystemCpu.descLimit(lo, hi);
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
    this.flags = (nflags & FLAGS_WRITABLE) | FLAGS_FIXED; this.ccOp = 0;
    // LDT, then segments; faults from here on are raised in the new task's context.
    this.loadLdt(nldt, true);
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

  /** LLDT (and the LDT load of a task switch). */
  loadLdt(sel: number, task: boolean): void {
    sel &= 0xffff;
    if ((sel & 0xfffc) === 0) { this.ldtSel = sel; this.ldtBase = 0; this.ldtLimit = 0; this.ldtAttr = A_UNUSABLE; return; }
    const vec = task ? TS : GP;
    if (sel & 4) this.fault(vec, sel & 0xfffc);
    if (!this.readDescriptor(sel)) this.fault(vec, sel & 0xfffc);
    const hi = this.dHi;
    if (((hi >>> 8) & 0x1f) !== 2) this.fault(vec, sel & 0xfffc);
    if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
    this.ldtSel = sel;
    this.ldtBase = SystemCpu.descBase(this.dLo, hi);
    this.ldtLimit = SystemCpu.descLimit(this.dLo, hi);
    this.ldtAttr = (hi >>> 8) & 0xf0ff;
  }

  /** LTR. */
  loadTr(sel: number): void {
    sel &= 0xffff;
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    if (sel & 4) this.fault(GP, sel & 0xfffc);
    if (!this.readDescriptor(sel)) this.fault(GP, sel & 0xfffc);
    const hi = this.dHi, type = (hi >>> 8) & 0x1f;
    if (type !== 1 && type !== 9) this.fault(GP, sel & 0xfffc);
    if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
    this.trSel = sel;
    this.trBase = SystemCpu.descBase(this.dLo, hi);
    this.trLimit = SystemCpu.descLimit(this.dLo, hi);
    this.trAttr = ((hi >>> 8) & 0xf0ff) | 2;
    this.wrSys32((this.descAddr(sel) + 4) | 0, hi | 0x200);
  }

  // ---- control registers --------------------------------------------------------------

  writeCr0(v: number): void {
    v |= 0x10; // ET is hardwired on a CPU with an integrated FPU
    if ((v & CR0_PG) && !(v & CR0_PE)) this.fault(GP, 0);
    if ((v & (1 << 29)) && !(v & (1 << 30))) this.fault(GP, 0);
    const old = this.cr0;
    if ((v & CR0_PG) && !(old & CR0_PG) && (this.cr4 & CR4_PAE)) {
      const saved = this.cr0;
      this.cr0 = v;
      try { this.loadPdptes(); } finally { this.cr0 = saved; }
    }
    this.cr0 = v & (0xe005003f | 0);
    if ((old ^ v) & (CR0_PG | CR0_WP | CR0_PE)) this.flushTlb();
    if ((old ^ v) & CR0_PE) for (let s = 0; s < 6; s++) this.segUpdated(s);
  }

  writeCr3(v: number): void {
    const old = this.cr3;
    this.cr3 = v;
    if ((this.cr0 & CR0_PG) && (this.cr4 & CR4_PAE)) {
      try { this.loadPdptes(); } catch (e) { this.cr3 = old; throw e; }
    }
    this.flushTlb();
  }

  writeCr4(v: number): void {
    if (v & ~CR4_SUPPORTED) this.fault(GP, 0);
    const old = this.cr4;
    this.cr4 = v;
    if ((old ^ v) & CR4_PAE && (this.cr0 & CR0_PG) && (v & CR4_PAE)) {
      try { this.loadPdptes(); } catch (e) { this.cr4 = old; throw e; }
    }
    if ((old ^ v) & (CR4_PSE | CR4_PAE | CR4_PGE)) this.flushTlb();
  }

}
