// Segmentation and the state around it: descriptor tables and the descriptor read, segment
// loads with their privilege checks, the TSS stack pointers, LLDT/LTR, control-register
// writes, and the VM-exit hook with the context it reports.

import type { ExitContext, ExitControls, ExitExtra, ExitSink } from './exit-api';
import * as K from './constants';
import { CodeStackAccess } from './code-stack';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { FLAG_VM, CR0_PE, CR0_WP, CR0_PG, CR4_PSE, CR4_PAE, CR4_PCIDE, CR4_PGE, CR4_SMEP, CR4_SMAP, CR4_SUPPORTED, EFER_LMA, EFER_LME, EFER_NXE, MSR_EFER, A_L, A_S, A_DPL_SHIFT, A_P, A_DB, A_UNUSABLE, ES, CS, SS, DS, FS, GS, TS, NP, SSF, GP } = K;

export type DeliveryKind = 'exception' | 'software' | 'external';

/** Hypervisor hook: return true if it took the event and the guest IDT must not be used. */
export type InterceptHook = (vector: number, errorCode: number, kind: DeliveryKind) => boolean;

export class SegmentCpu extends CodeStackAccess {
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
  protected override icountNow(): number { return this.icount; }
  instrEip = 0;
  /** The event being raised comes from INT3 or INTO (read and cleared by the delivery). */
  softException = false;
  /** Error codes raised while delivering an external event carry EXT (bit 0). */
  protected ext = 0;

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
  /** Virtual-8086 mode: protected mode with EFLAGS.VM, CPL 3, real-mode style segments. */
  get v86(): boolean { return (this.flags & FLAG_VM) !== 0 && (this.cr0 & CR0_PE) !== 0; }

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

  protected descAddr(sel: number): number {
    return ((sel & 4 ? this.ldtBase : this.gdtBase) + (sel & 0xfff8)) | 0;
  }

  /** Set the accessed bit of a code/data descriptor, as the CPU does on a segment load. */
  protected touchDescriptor(sel: number): void {
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
    this.segBase[s] = SegmentCpu.descBase(lo, hi);
    this.segLimit[s] = SegmentCpu.descLimit(lo, hi);
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

  /** A segment as V86 mode sees it: base = sel * 16, 64 KiB, a present read/write DPL 3 data segment. */
  setSegV86(s: number, sel: number): void {
    this.segSel[s] = sel & 0xffff;
    this.segBase[s] = (sel & 0xffff) << 4;
    this.segLimit[s] = 0xffff;
    this.segAttr[s] = A_P | A_S | (3 << A_DPL_SHIFT) | 3;
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
    if (!this.protectedMode) { this.setSegReal(s, sel); return; }
    if (this.flags & FLAG_VM) { this.setSegV86(s, sel); return; }
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
  protected setCS(sel: number, lo: number, hi: number, cpl: number): void {
    this.setSegFromDesc(CS, (sel & 0xfffc) | cpl, lo, hi);
    this.setCpl(cpl);
  }

  /** After a return to an outer ring, data segments the new CPL may not use become null. */
  protected nullInaccessibleSegs(): void {
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
  protected checkEip(eip: number, lo: number, hi: number): void {
    if ((eip >>> 0) > SegmentCpu.descLimit(lo, hi)) this.fault(GP, 0);
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
  protected checkNewSS(sel: number, dpl: number): void {
    const code = (sel & 0xfffc) | this.ext;
    if ((sel & 0xfffc) === 0) this.fault(TS, this.ext);
    if (!this.readDescriptor(sel)) this.fault(TS, code);
    const hi = this.dHi, type = (hi >>> 8) & 0xf;
    if ((sel & 3) !== dpl || ((hi >>> 13) & 3) !== dpl || !(hi & 0x1000) || (type & 8) || !(type & 2)) this.fault(TS, code);
    if (!(hi & 0x8000)) this.fault(SSF, code);
    this.ssLo = this.dLo; this.ssHi = this.dHi;
  }

  /** Write `v` of `size` bytes on a stack being built at ssBase+sp (supervisor or current privilege). */
  protected stackWrite(base: number, sp: number, size: number, v: number, user: boolean): void {
    const lin = (base + sp) | 0;
    if (size === 4) this.wrSlow(lin, 4, v, user); else this.wrSlow(lin, 2, v & 0xffff, user);
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
    this.ldtBase = SegmentCpu.descBase(this.dLo, hi);
    this.ldtLimit = SegmentCpu.descLimit(this.dLo, hi);
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
    this.trBase = SegmentCpu.descBase(this.dLo, hi);
    this.trLimit = SegmentCpu.descLimit(this.dLo, hi);
    this.trAttr = ((hi >>> 8) & 0xf0ff) | 2;
    this.wrSys32((this.descAddr(sel) + 4) | 0, hi | 0x200);
  }

  // ---- control registers --------------------------------------------------------------

  writeCr0(v: number): void {
    v |= 0x10; // ET is hardwired on a CPU with an integrated FPU
    if ((v & CR0_PG) && !(v & CR0_PE)) this.fault(GP, 0);
    if ((v & (1 << 29)) && !(v & (1 << 30))) this.fault(GP, 0);
    const old = this.cr0;
    // IA-32e mode (SDM Vol. 3 §9.8.5): paging turned on with EFER.LME activates it, which needs
    // PAE and a CS without L; paging turned off leaves it, which 64-bit mode cannot do.
    const enterLong = (v & CR0_PG) !== 0 && !(old & CR0_PG) && (this.efer & EFER_LME) !== 0;
    const leaveLong = !(v & CR0_PG) && (old & CR0_PG) !== 0 && this.lma;
    if (enterLong && (!(this.cr4 & CR4_PAE) || (this.segAttr[CS] & A_L))) this.fault(GP, 0);
    if (leaveLong && this.long64) this.fault(GP, 0);
    if (this.lma && !(v & CR0_PE)) this.fault(GP, 0);
    if (enterLong || leaveLong) {
      this.cr0 = v & (0xe005003f | 0);
      this.setLongActive(enterLong);
      this.flushTlb();
      return;
    }
    if ((v & CR0_PG) && !(old & CR0_PG) && (this.cr4 & CR4_PAE)) {
      const saved = this.cr0;
      this.cr0 = v;
      try { this.loadPdptes(); } finally { this.cr0 = saved; }
    }
    this.cr0 = v & (0xe005003f | 0);
    if ((old ^ v) & (CR0_PG | CR0_WP | CR0_PE)) this.flushTlb();
    if ((old ^ v) & CR0_PE) for (let s = 0; s < 6; s++) this.segUpdated(s);
  }

  /**
   * MOV to CR3. `hi` is the high half of a 64-bit source: in IA-32e mode bits 51:36 (above
   * MAXPHYADDR) are reserved, and with CR4.PCIDE bit 63 asks to keep the PCID's translations.
   * This TLB is not tagged by PCID, so it keeps them only when the PCID stays the same (an
   * implementation may always invalidate more than required).
   */
  writeCr3(v: number, hi = 0): void {
    if (this.lma) {
      if (hi & 0x7fffffff) this.fault(GP, 0);
      const old = this.cr3;
      this.cr3 = v;
      const pcide = (this.cr4 & CR4_PCIDE) !== 0;
      if (pcide && (hi >>> 31) && (old & 0xfff) === (v & 0xfff)) return;
      if (this.cr4 & CR4_PGE) this.flushNonGlobal(); else this.flushTlb();
      return;
    }
    const old = this.cr3;
    this.cr3 = v;
    if ((this.cr0 & CR0_PG) && (this.cr4 & CR4_PAE)) {
      try { this.loadPdptes(); } catch (e) { this.cr3 = old; throw e; }
    }
    if (this.cr4 & CR4_PGE) this.flushNonGlobal(); else this.flushTlb();
  }

  writeCr4(v: number): void {
    if (v & ~CR4_SUPPORTED) this.fault(GP, 0);
    const old = this.cr4;
    // IA-32e mode needs PAE throughout; PCIDE can be set only in IA-32e mode with PCID 0 in CR3.
    if (this.lma && !(v & CR4_PAE)) this.fault(GP, 0);
    if ((v & CR4_PCIDE) && !(old & CR4_PCIDE) && (!this.lma || (this.cr3 & 0xfff))) this.fault(GP, 0);
    if ((old & CR4_PCIDE) && !(v & CR4_PCIDE)) this.flushTlb();
    this.cr4 = v;
    if ((old ^ v) & CR4_PAE && (this.cr0 & CR0_PG) && (v & CR4_PAE)) {
      try { this.loadPdptes(); } catch (e) { this.cr4 = old; throw e; }
    }
    // SMEP and SMAP decide what the supervisor TLB may cache for user pages.
    if ((old ^ v) & (CR4_PSE | CR4_PAE | CR4_PGE | CR4_SMEP | CR4_SMAP)) this.flushTlb();
  }

  /**
   * WRMSR to EFER after its reserved-bit check (identity.ts): LME cannot change while paging is
   * on, LMA is the processor's to set (written values are ignored), NXE changes what cached
   * translations mean.
   */
  writeEfer(lo: number): void {
    if (((lo ^ this.efer) & EFER_LME) && (this.cr0 & CR0_PG)) this.fault(GP, 0);
    const v = (lo & ~EFER_LMA) | (this.efer & EFER_LMA);
    const nxe = (v & EFER_NXE) !== 0;
    this.setEferValue(v);
    if (nxe !== this.nxe) { this.nxe = nxe; this.flushTlb(); }
  }

  /** EFER as the MSR reads it; kept in the MSR table too (snapshots and RDMSR read that). */
  setEferValue(v: number): void {
    this.efer = v | 0;
    const m = this.msrs.get(MSR_EFER);
    if (m) { m[0] = this.efer; m[1] = 0; } else this.msrs.set(MSR_EFER, [this.efer, 0]);
  }

  /** EFER.LMA on or off; the segment caches' fast paths and the submode follow. */
  setLongActive(on: boolean): void {
    this.lma = on;
    this.setEferValue(on ? this.efer | EFER_LMA : this.efer & ~EFER_LMA);
    for (let s = 0; s < 6; s++) this.segUpdated(s);
    if (!on) { this.ripHi = 0; this.segBaseHi.fill(0); }
  }

}
