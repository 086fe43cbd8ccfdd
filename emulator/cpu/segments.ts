// Segmentation and the state around it: descriptor tables and the descriptor read, segment
// loads with their privilege checks, the TSS stack pointers, LLDT/LTR, control-register
// writes, and the VM-exit hook with the context it reports.

import type { ExitContext, ExitControls, ExitExtra, ExitSink } from './exit-api';
import * as K from './constants';
import { CodeStackAccess } from './code-stack';
import { MemoryAccess } from './memory-access';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { FLAG_VM, CR0_PE, CR0_WP, CR0_PG, CR4_PSE, CR4_PAE, CR4_PCIDE, CR4_PGE, CR4_SMEP, CR4_SMAP, CR4_SUPPORTED, EFER_LMA, EFER_LME, EFER_NXE, MSR_EFER, A_L, A_S, A_DPL_SHIFT, A_P, A_DB, A_G, A_UNUSABLE, ES, CS, SS, DS, FS, GS, TS, NP, SSF, GP } = K;

export type DeliveryKind = 'exception' | 'software' | 'external';

/** Hypervisor hook: return true if it took the event and the guest IDT must not be used. */
export type InterceptHook = (vector: number, errorCode: number, kind: DeliveryKind) => boolean;

export class SegmentCpu extends CodeStackAccess {
  gdtBase = 0; gdtLimit = 0xffff;
  idtBase = 0; idtLimit = 0x3ff;
  ldtSel = 0; ldtBase = 0; ldtLimit = 0xffff; ldtAttr = 0x82;
  trSel = 0; trBase = 0; trLimit = 0xffff; trAttr = 0x8b;
  /**
   * Bits 63:32 of the four table bases (IA-32e mode: LGDT/LIDT in 64-bit mode load 64-bit
   * bases, LLDT/LTR read 16-byte descriptors); 0 outside it, where the bases are 32-bit.
   */
  gdtBaseHi = 0; idtBaseHi = 0; ldtBaseHi = 0; trBaseHi = 0;
  readonly dr = new Int32Array(8);

  sink: ExitSink | null = null;
  controls: ExitControls | null = null;
  intercept: InterceptHook | null = null;
  /**
   * Hypervisor hook for SYSCALL in 64-bit mode, called after RIP has moved past the
   * instruction and before its effects: true if the hypervisor took it (Xen's own LSTAR
   * entry, which a 64-bit PV guest's hypercalls and user-mode system calls reach).
   */
  syscallHook: (() => boolean) | null = null;
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
      // What VT-x saves in IA-32e mode: RIP's high half, CS.L (64-bit code), the full registers.
      get ripHi() { return cpu.long64 ? cpu.ripHi : 0; },
      get long64() { return cpu.long64; },
      get codeSize32() { return cpu.cs32; },
      regsHi: this.regsHi,
    };
  }

  get protectedMode(): boolean { return (this.cr0 & CR0_PE) !== 0; }
  /** Virtual-8086 mode: protected mode with EFLAGS.VM, CPL 3, real-mode style segments. */
  get v86(): boolean { return (this.flags & FLAG_VM) !== 0 && (this.cr0 & CR0_PE) !== 0; }

  /** The bytes of the current instruction (up to 15), read without side effects. */
  instrBytes(): Uint8Array {
    const out = new Uint8Array(15);
    return out.subarray(0, this.copyInstrBytes(out, 0, 15));
  }

  /** The linear address of the current instruction: CS base + EIP, or RIP in 64-bit mode. */
  private instrLin(): number {
    if (this.long64) return MemoryAccess.linear(this.instrEip, this.ripHi);
    return this.lma ? (this.segBase[CS] + this.instrEip) >>> 0 : (this.segBase[CS] + this.instrEip) | 0;
  }

  /** instrBytes() without allocating: at most two translations (the page and the next). */
  copyInstrBytes(dst: Uint8Array, offset: number, max: number): number {
    const start = this.instrLin();
    let page = NaN, phys = -1, n = 0;
    for (; n < max; n++) {
      const lin = this.linAdd(start, n);
      const pg = lin - (lin & 0xfff);
      if (pg !== page) { page = pg; phys = this.peekTranslate(pg); }
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
    let limit: number;
    if (sel & 4) {
      if (this.ldtAttr & A_UNUSABLE || (this.ldtSel & 0xfffc) === 0) return false;
      limit = this.ldtLimit;
    } else {
      limit = this.gdtLimit;
    }
    if (idx + 7 > limit) return false;
    const a = this.descAddr(sel);
    this.dLo = this.rdSys32(a);
    this.dHi = this.rdSys32(this.linAdd(a, 4));
    return true;
  }

  /** Scratch: bits 95:64 and 127:96 of the last 16-byte system descriptor read. */
  dLo2 = 0;
  dHi2 = 0;

  /**
   * IA-32e mode's system descriptors (LDT, TSS, call gates) are 16 bytes: after
   * readDescriptor, read the upper half into dLo2/dHi2. False if it lies outside the table's
   * limit; #GP(sel) when its type field (bits 108:104) is not 0, as the SDM's checks have it.
   */
  readDescriptorUpper(sel: number): boolean {
    const limit = sel & 4 ? this.ldtLimit : this.gdtLimit;
    if ((sel & 0xfff8) + 15 > limit) return false;
    const a = this.linAdd(this.descAddr(sel), 8);
    this.dLo2 = this.rdSys32(a);
    this.dHi2 = this.rdSys32(this.linAdd(a, 4));
    if ((this.dHi2 >>> 8) & 0x1f) this.fault(GP, sel & 0xfffc);
    return true;
  }

  /**
   * The linear address `off` bytes into a system table whose base is hi:lo: 32-bit
   * arithmetic outside IA-32e mode, the 64-bit base there (a non-canonical base is #GP(0)).
   */
  tableLin(lo: number, hi: number, off: number): number {
    if (!this.lma) return (lo + off) | 0;
    if (!MemoryAccess.canonical(hi)) this.fault(GP, 0);
    return this.linAdd(MemoryAccess.linear(lo, hi), off);
  }

  protected descAddr(sel: number): number {
    return sel & 4 ? this.tableLin(this.ldtBase, this.ldtBaseHi, sel & 0xfff8) : this.tableLin(this.gdtBase, this.gdtBaseHi, sel & 0xfff8);
  }

  /** The linear address `off` bytes into the current TSS. */
  trLin(off: number): number { return this.tableLin(this.trBase, this.trBaseHi, off); }

  /** Set the accessed bit of a code/data descriptor, as the CPU does on a segment load. */
  protected touchDescriptor(sel: number): void {
    if (!(this.dHi & 0x100)) {
      this.dHi |= 0x100;
      this.wrSys32(this.linAdd(this.descAddr(sel), 4), this.dHi);
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
    // A descriptor holds a 32-bit base: a load clears what WRMSR/WRFSBASE/SWAPGS put above it.
    this.segBaseHi[s] = 0;
    this.segLimit[s] = SegmentCpu.descLimit(lo, hi);
    this.segAttr[s] = (hi >>> 8) & 0xf0ff;
    this.segUpdated(s);
  }

  /** Real-mode style load: base = sel * 16, attributes kept (limit too, for unreal mode). */
  setSegReal(s: number, sel: number): void {
    this.segSel[s] = sel & 0xffff;
    this.segBase[s] = (sel & 0xffff) << 4;
    this.segBaseHi[s] = 0;
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
    this.segBaseHi[s] = 0;      // Intel clears the base on a null load into FS or GS

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
      if (s === SS) {
        // 64-bit mode allows a null SS below ring 3, its RPL the CPL (what SYSCALL-less kernels
        // and interrupt returns leave there).
        if (!this.long64 || this.cpl === 3 || (sel & 3) !== this.cpl) this.fault(GP, 0);
        this.setNullStack(this.cpl);
        return;
      }
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

  /**
   * SS holding a null selector in IA-32e mode (RPL = `cpl`), as an inner-ring transfer or a
   * MOV SS leaves it. The cache stays a flat writable stack: 64-bit code ignores it, and what
   * replaces it (IRET, RET, a load) gives SS its real descriptor.
   */
  protected setNullStack(cpl: number): void {
    this.segSel[SS] = cpl;
    this.segBase[SS] = 0;
    this.segBaseHi[SS] = 0;
    this.segLimit[SS] = 0xffffffff;
    this.segAttr[SS] = A_P | A_S | 3 | (cpl << A_DPL_SHIFT) | A_DB | A_G;
    this.segUpdated(SS);
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
      this.tssESP = this.rdSys32(this.trLin(off));
      this.tssSS = this.rdSys16(this.trLin(off + 4));
    } else {
      const off = 2 + dpl * 4;
      if (off + 3 > this.trLimit) this.fault(TS, (this.trSel & 0xfffc) | this.ext);
      this.tssESP = this.rdSys16(this.trLin(off));
      this.tssSS = this.rdSys16(this.trLin(off + 2));
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

  /** LLDT (and the LDT load of a task switch). In IA-32e mode the descriptor is 16 bytes with a 64-bit base. */
  loadLdt(sel: number, task: boolean): void {
    sel &= 0xffff;
    if ((sel & 0xfffc) === 0) { this.ldtSel = sel; this.ldtBase = 0; this.ldtBaseHi = 0; this.ldtLimit = 0; this.ldtAttr = A_UNUSABLE; return; }
    const vec = task ? TS : GP;
    if (sel & 4) this.fault(vec, sel & 0xfffc);
    if (!this.readDescriptor(sel)) this.fault(vec, sel & 0xfffc);
    const hi = this.dHi;
    if (((hi >>> 8) & 0x1f) !== 2) this.fault(vec, sel & 0xfffc);
    if (this.lma && !this.readDescriptorUpper(sel)) this.fault(vec, sel & 0xfffc);
    if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
    if (this.lma && !MemoryAccess.canonical(this.dLo2)) this.fault(vec, sel & 0xfffc);
    this.ldtSel = sel;
    this.ldtBase = SegmentCpu.descBase(this.dLo, hi);
    this.ldtBaseHi = this.lma ? this.dLo2 : 0;
    this.ldtLimit = SegmentCpu.descLimit(this.dLo, hi);
    this.ldtAttr = (hi >>> 8) & 0xf0ff;
  }

  /**
   * LTR. In IA-32e mode only an available 64-bit TSS (type 9, 16 bytes, canonical base) will
   * do; the 16-bit TSS types are invalid there.
   */
  loadTr(sel: number): void {
    sel &= 0xffff;
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    if (sel & 4) this.fault(GP, sel & 0xfffc);
    if (!this.readDescriptor(sel)) this.fault(GP, sel & 0xfffc);
    const hi = this.dHi, type = (hi >>> 8) & 0x1f;
    if (type !== 9 && (type !== 1 || this.lma)) this.fault(GP, sel & 0xfffc);
    if (this.lma && !this.readDescriptorUpper(sel)) this.fault(GP, sel & 0xfffc);
    if (!(hi & 0x8000)) this.fault(NP, sel & 0xfffc);
    if (this.lma && !MemoryAccess.canonical(this.dLo2)) this.fault(GP, sel & 0xfffc);
    this.trSel = sel;
    this.trBase = SegmentCpu.descBase(this.dLo, hi);
    this.trBaseHi = this.lma ? this.dLo2 : 0;
    this.trLimit = SegmentCpu.descLimit(this.dLo, hi);
    this.trAttr = ((hi >>> 8) & 0xf0ff) | 2;
    this.wrSys32(this.linAdd(this.descAddr(sel), 4), hi | 0x200);
  }

  /** Scratch: the stack pointer read by readTss64 (low and high halves). */
  tssRspLo = 0; tssRspHi = 0;
  /**
   * A stack pointer from the 64-bit TSS: RSP0-RSP2 (slot 0-2) or IST1-IST7 (slot 3-9, i.e.
   * IST n is slot n + 2). Past the TSS limit: #TS(TR selector, EXT).
   */
  readTss64(slot: number): void {
    const off = slot < 3 ? 4 + slot * 8 : 0x24 + (slot - 3) * 8;
    if (off + 7 > this.trLimit) this.fault(TS, (this.trSel & 0xfffc) | this.ext);
    const a = this.trLin(off);
    this.tssRspLo = this.rdSys32(a);
    this.tssRspHi = this.rdSys32(this.linAdd(a, 4));
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
    // Paging cannot go off while PCIDs tag translations (SDM Vol. 2, MOV CR0).
    if (!(v & CR0_PG) && (this.cr4 & CR4_PCIDE)) this.fault(GP, 0);
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
   * MOV to CR3. `hi` is the high half of a 64-bit source. In IA-32e mode bits 62:36 (above
   * MAXPHYADDR) are reserved; bit 63 is too unless CR4.PCIDE is set, when it is not written
   * and says not to flush the new PCID's translations (SDM Vol. 3 §4.10.4.1). With PCIDE,
   * CR3[11:0] is the PCID: a switch keeps the old PCID's translations aside (pcid-tlb.ts).
   */
  writeCr3(v: number, hi = 0): void {
    if (this.lma) {
      const pcide = (this.cr4 & CR4_PCIDE) !== 0;
      if (hi & (pcide ? 0x7fffffff : -1)) this.fault(GP, 0);
      const old = this.cr3;
      this.cr3 = v;
      if (pcide) {
        const from = old & 0xfff, to = v & 0xfff, keep = (hi >>> 31) !== 0;
        if (from !== to) this.switchPcid(from, to, keep);
        else if (!keep) this.flushNonGlobal();
        return;
      }
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
