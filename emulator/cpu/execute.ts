// The interpreter: prefixes, ModR/M addressing, the one-byte opcode map, and the run loop.
// Two-byte (0F) opcodes live in execute-0f.ts, x87 in x87.ts. Every instruction reads all
// its operands and checks every memory access it will make before it changes registers,
// so a fault leaves the machine as it was before the instruction (precise exceptions).

import type { Platform, PlatformRequest } from '../devices/platform-api';
// Architectural constants copied in as plain module consts (see constants.ts): imported
// bindings cost a getter call per use when this file is loaded as CommonJS.
const BP = 3; const BR = 5; const CS = 1; const DB = 1; const DS = 3; const ES = 0;
const FLAG_CF = 1; const FLAG_DF = 1024; const FLAG_IF = 512;
const FLAG_OF = 2048; const FLAG_RF = 65536; const FLAG_TF = 256; const FLAG_VM = 131072; const FLAG_ZF = 64;
const FLAGS_ARITH = 2261; const FS = 4; const GP = 13; const GS = 5; const NM = 7;
const OF = 4; const SS = 2; const UD = 6; const CR0_EM = 4; const CR0_MP = 2; const CR0_TS = 8;
import { FlagsCore } from './lazy-flags';

const CC_ADD = 1, CC_ADC = 2, CC_SUB = 3, CC_SBB = 4, CC_LOGIC = 5, CC_INC = 6, CC_DEC = 7, CC_SHIFT = 8;
const SIZE_MASK = [0, 0xff, 0xffff, 0, 0xffffffff];
import { FAULT } from './memory-access';
import { EXIT_EXTERNAL_INTERRUPT, SystemCpu } from './system';
import { exec0F } from './execute-0f';
import { decodeInfo } from './decode-info';
import { BlockCache, NO_BLOCK, type Block } from './block-cache';
import { compileBlock } from './block-compiler';
import type { PhysicalMemory } from '../memory/physical-memory';
import { Fpu } from './x87';

const R8 = FlagsCore.R8;

/** Exit reasons raised from the one-byte map. */
const EXIT_HLT = 12;
const EXIT_IO = 30;
const EXIT_PAUSE = 40;

/** Status codes returned by Cpu.run(). */
export const RUN_OK = 0;          // reached the instruction limit
export const RUN_HALT_WAIT = 1;   // HLT with IF=1: waiting for an interrupt
export const RUN_HALT_DEAD = 2;   // HLT with IF=0: nothing can wake it
export const RUN_TRIPLE = 3;
export const RUN_FILTER = 4;
export const RUN_BREAK = 5;
export const RUN_WATCH = 6;
export const RUN_PAUSE = 7;
export const RUN_REQUEST = 8;     // a device asked for something (debug-exit, reset)

/** REP string instructions yield after this many iterations so interrupts and time progress. */
const REP_CHUNK = 4096;
/** The page-at-a-time REP STOS/MOVS path yields after this many elements. */
const FAST_REP_MAX = 1 << 16;

export class Cpu extends SystemCpu {
  // Decode state of the current instruction.
  o32 = false;
  a32 = false;
  segOvr = -1;
  rep = 0;
  lock = false;
  mod = 0;
  reg = 0;
  rm = 0;
  eaSeg = DS;
  eaOff = 0;
  prefixCount = 0;

  platform: Platform | null = null;
  readonly fpu = new Fpu(this);
  halted = false;
  /** Look at the interrupt lines before the next instruction. */
  irqPoll = true;
  /** STI / MOV SS shadow: no interrupt before the next instruction completes. */
  shadow = false;
  /** The shadow came from a load of SS (which also delays debug traps). */
  ssShadow = false;
  /** Virtual time skipped while halted (ticks = icount + idleTicks). */
  idleTicks = 0;
  tscOffset = 0;
  pauseRequested = false;
  stopCode = RUN_OK;
  requestPending = false;

  readonly breakpoints = new Set<number>();
  readonly bpPages = new Uint8Array(1 << 20);
  /** Breakpoint count per low 16 address bits: a cheap filter before the Set lookup. */
  readonly bpLow = new Uint16Array(1 << 16);

  /** Add/remove an execution breakpoint at a linear address (kept in step with the filters). */
  addBreakpoint(linear: number): void {
    const a = linear >>> 0;
    if (this.breakpoints.has(a)) return;
    this.breakpoints.add(a);
    this.bpPages[a >>> 12] = 1;
    this.bpLow[a & 0xffff]++;
    this.hasBp = true;
    this.attn = true;
    this.flushCode();
  }

  removeBreakpoint(linear: number): void {
    const a = linear >>> 0;
    if (!this.breakpoints.delete(a)) return;
    this.bpLow[a & 0xffff]--;
    let any = false;
    for (const b of this.breakpoints) if (b >>> 12 === a >>> 12) { any = true; break; }
    this.bpPages[a >>> 12] = any ? 1 : 0;
    this.hasBp = this.breakpoints.size > 0;
    this.attn = true;
    this.flushCode();
  }
  /** Skip the breakpoint at this EIP once (resuming from it). */
  bpSkip = -1;
  watchHit: { address: number; write: boolean } | null = null;

  readonly msrs = new Map<number, [number, number]>();

  get ticks(): number { return this.icount + this.idleTicks; }

  // ---- compiled blocks (block-compiler.ts) --------------------------------------------

  /** Compiled code by physical address; null until memory is attached. */
  blocks: BlockCache | null = null;
  /**
   * Visits of an entry point before it is compiled; 0 runs everything in the interpreter.
   * Compiling costs about a third of a millisecond, and a new function runs in V8's bytecode
   * interpreter (slower than ours) until V8 has optimised it, so code run only some thousands
   * of times (most of a kernel's boot path) is cheaper interpreted. GRUB's PV boot to its
   * prompt: about 1.3x the interpreter's time at 1,000 visits, the interpreter's at 10,000.
   */
  blockThreshold = 10_000;

  override attachMemory(mem: PhysicalMemory): void {
    super.attachMemory(mem);
    const cache = new BlockCache(mem.ramBytes);
    this.blocks = cache;
    this.codePage = cache.codePage;
    mem.onCodeWrite = (paddr, length) => {
      // A write to bytes a block was compiled from: that block is gone, and a block that is
      // running now stops after the current instruction (the attn check after its store).
      if (cache.codePage[paddr >>> 12] && cache.written(paddr, length)) this.attn = true;
    };
  }

  /** Drop every compiled block (guest memory replaced, breakpoints moved). */
  flushCode(): void {
    if (this.blocks === null) return;
    this.blocks.flush();
    this.flushTlb();
  }

  /** The compiled block for the instruction at CS:EIP, or null when the interpreter should run it. */
  private blockHere(): Block | null {
    if (!this.cs32 || !this.ss32) return null;
    const lin = (this.csBase + this.eip) | 0;
    const e = this.tlbR[lin >>> 12];
    if ((e & 3) !== 1) return null;
    const cache = this.blocks!;
    const phys = (e & -4096) | (lin & 0xfff);
    let b = cache.lookup(phys, this.blockThreshold);
    if (b === undefined) return null;
    if (b === null) {
      b = compileBlock(this, phys, lin, cache.codeLine) ?? NO_BLOCK;
      if (cache.insert(phys, b)) this.flushTlb();
    }
    if (b === NO_BLOCK || this.icount + b.count > this.limit) return null;
    // A CS with a limit (32-bit PV guests run under one) must cover every byte of the block.
    if (this.segChkR[CS] !== 0 && (this.eip >>> 0) + (b.end - b.start) - 1 > this.segLimit[CS] >>> 0) return null;
    // Breakpoints were placed by linear address when the block was compiled.
    if (this.hasBp && b.linear !== lin >>> 0) return null;
    return b;
  }

  /** Decode and execute one instruction (for compiled blocks: the forms they do not inline). */
  execOne(): void { this.exec(); }

  // ---- the run loop -----------------------------------------------------------------

  /** Breakpoints exist (the machine keeps this in step with `breakpoints`). */
  hasBp = false;

  /**
   * Run until icount reaches `limit` or something stops the CPU. The inner loop only looks
   * at `attn` (set by anything that needs the slow checks: interrupts, halts, exits that a
   * filter matched, device requests, pauses); single-stepping and interrupt shadows take
   * the careful path through stepOne().
   */
  run(limit: number): number {
    this.stopCode = RUN_OK;
    this.attn = true;
    this.limit = limit;
    for (;;) {
      try {
        for (;;) {
          if (this.attn) {
            const r = this.service();
            if (r !== RUN_OK) return r;
          }
          if (this.icount >= this.limit) return RUN_OK;
          if (this.careful) {
            if (this.hasBp) {
              const lin = (this.csBase + this.eip) | 0;
              if (this.bpLow[lin & 0xffff] && this.bpPages[lin >>> 12] && this.checkBreakpoint()) return RUN_BREAK;
            }
            if ((this.flags & FLAG_TF) !== 0 || this.shadow || this.drExecOn) {
              this.stepOne();
              continue;
            }
          }
          if (this.blockThreshold > 0) {
            const b = this.blockHere();
            if (b !== null) { b.fn(this); continue; }
          }
          this.instrEip = this.eip;
          this.exec();
          this.icount++;
        }
      } catch (e) {
        if (e !== FAULT) throw e;
        this.takeFault();
      }
    }
  }

  /** End of the current slice (icount); shortened when a device's deadline moves closer. */
  limit = 0;
  /** An MMIO access happened: re-check the platform deadline before the next instruction. */
  deadlineDirty = false;

  /** After an access that may have re-armed a device timer: end the slice at its new deadline. */
  recheckDeadline(): void {
    const p = this.platform;
    if (!p) return;
    const dl = p.nextDeadline();
    if (!(dl < Infinity)) return;
    const lim = this.icount + 1 + Math.max(0, Math.ceil(dl - this.ticks));
    if (lim < this.limit) this.limit = lim;
  }

  /** Any enabled DR0-DR3 instruction breakpoint (forces the careful step path). */
  drExecOn = false;

  /** Recompute breakpoint state after a write to DR0-DR3 or DR7. */
  updateDebugRegisters(): void {
    const dr7 = this.dr[7];
    this.attn = true;
    this.drExecOn = false;
    for (let i = 0; i < 12; i++) this.drData[i] = 0;
    this.drTlb.fill(0);
    for (let i = 0; i < 4; i++) {
      if (!((dr7 >>> (i * 2)) & 3)) continue;
      const rw = (dr7 >>> (16 + i * 4)) & 3, lenBits = (dr7 >>> (18 + i * 4)) & 3;
      if (rw === 0) { this.drExecOn = true; continue; }
      if (rw === 2) continue;                           // I/O breakpoints need CR4.DE: not modelled
      const len = lenBits === 0 ? 1 : lenBits === 1 ? 2 : lenBits === 3 ? 4 : 8;
      const addr = this.dr[i] & ~(len - 1);
      this.drData[i * 3] = addr; this.drData[i * 3 + 1] = len; this.drData[i * 3 + 2] = rw;
      this.drTlb[addr >>> 12] = 1;
      this.drTlb[((addr + len - 1) >>> 12) & 0xfffff] = 1;
    }
    this.flushTlb();
  }

  /** An enabled instruction breakpoint at CS:EIP raises #DB before the instruction (a fault). */
  private execBreakpoint(): boolean {
    const lin = (this.segBase[CS] + this.eip) | 0;
    const dr7 = this.dr[7];
    let hits = 0;
    for (let i = 0; i < 4; i++) {
      if (((dr7 >>> (i * 2)) & 3) && ((dr7 >>> (16 + i * 4)) & 3) === 0 && this.dr[i] === lin) hits |= 1 << i;
    }
    if (!hits) return false;
    this.dr[6] = (this.dr[6] & ~0xf) | hits;
    this.icount++;
    if (!this.raise(DB, -1, 'exception', this.eip)) this.stopCode = RUN_TRIPLE;
    this.attn = true;
    return true;
  }

  /** Data breakpoints are traps: #DB after the instruction that touched the data. */
  private dataBreakpointTrap(): void {
    const hits = this.drHits;
    this.drHits = 0;
    this.dr[6] = (this.dr[6] & ~0xf) | hits;
    if (!this.raise(DB, -1, 'exception', this.eip)) this.stopCode = RUN_TRIPLE;
    this.attn = true;
  }

  /** The slow checks between instructions. */
  /**
   * Breakpoints, single-stepping, an interrupt shadow or DR breakpoints are active. Recomputed
   * in service(); everything that changes one of them sets `attn`.
   */
  careful = true;

  private service(): number {
    this.attn = false;
    this.careful = (this.flags & FLAG_TF) !== 0 || this.shadow || this.drExecOn || this.hasBp;
    if (this.deadlineDirty) { this.deadlineDirty = false; this.recheckDeadline(); }
    if (this.drHits) this.dataBreakpointTrap();
    if (this.stopCode !== RUN_OK) { const c = this.stopCode; this.stopCode = RUN_OK; return c; }
    if (this.tripleFault !== null) return RUN_TRIPLE;
    if (this.filterHit) { this.filterHit = false; return RUN_FILTER; }
    if (this.watchHit) return RUN_WATCH;
    if (this.requestPending) { this.requestPending = false; this.attn = true; return RUN_REQUEST; }
    if (this.pauseRequested) { this.pauseRequested = false; return RUN_PAUSE; }
    if (this.irqPoll) this.pollInterrupt();
    if (this.tripleFault !== null) return RUN_TRIPLE;
    if (this.halted) { this.attn = true; return (this.flags & FLAG_IF) ? RUN_HALT_WAIT : RUN_HALT_DEAD; }
    return RUN_OK;
  }

  private takeFault(): void {
    this.icount++;
    this.rep = 0;
    this.prefixed = true;
    this.eip = this.instrEip;
    if (!this.raise(this.excVector, this.excCode, 'exception', this.instrEip)) this.stopCode = RUN_TRIPLE;
    this.flags &= ~FLAG_RF;
    this.attn = true;
  }

  private checkBreakpoint(): boolean {
    const lin = (this.segBase[CS] + this.eip) | 0;
    if (!this.breakpoints.has(lin >>> 0)) return false;
    if (this.bpSkip === lin) { this.bpSkip = -1; return false; }
    this.bpSkip = lin;
    return true;
  }

  /** Execute one instruction (or take its fault) with the single-step trap and shadow rules. */
  stepOne(): void {
    this.instrEip = this.eip;
    if (this.drExecOn && !(this.flags & FLAG_RF) && this.execBreakpoint()) return;
    const tf = this.flags & FLAG_TF;
    const rf = this.flags & FLAG_RF;
    const hadShadow = this.shadow;
    try {
      this.exec();
      this.icount++;
      // RF lasts for one instruction; an IRET that just loaded it keeps it for the next.
      if (rf) this.flags &= ~FLAG_RF;
    } catch (e) {
      if (e !== FAULT) throw e;
      this.takeFault();
    }
    if (hadShadow) { this.shadow = false; this.ssShadow = false; this.irqPoll = true; this.attn = true; }
    // MOV SS / POP SS also hold back the single-step trap until after the next instruction.
    const ssHold = !hadShadow && this.shadow && this.ssShadow;
    if (this.drHits && !ssHold) this.dataBreakpointTrap();
    if (tf && !ssHold && this.tripleFault === null) {
      this.dr[6] |= 0x4000;
      if (!this.raise(DB, -1, 'exception', this.eip)) this.stopCode = RUN_TRIPLE;
      this.attn = true;
    }
  }

  /** Deliver a pending maskable interrupt if the CPU can take one now. */
  pollInterrupt(): void {
    this.irqPoll = false;
    const p = this.platform;
    if (!p || this.shadow) { if (this.shadow) this.irqPoll = true; this.attn = true; return; }
    if (!(this.flags & FLAG_IF)) return;
    if (p.pendingVector() < 0) return;
    const v = p.acknowledge();
    if (v < 0) return;
    this.halted = false;
    this.instrEip = this.eip;
    this.vmexit(EXIT_EXTERNAL_INTERRUPT, 0, 'hypervisor', { vector: v });
    if (!this.raise(v, -1, 'external', this.eip)) { this.stopCode = RUN_TRIPLE; this.attn = true; }
    this.irqPoll = true; this.attn = true;
  }

  // ---- prefixes and addressing ---------------------------------------------------------

  private exec(): void {
    // Prefix state is reset only when the previous instruction had prefixes (or CS changed size).
    if (this.prefixed) {
      this.o32 = this.cs32;
      this.a32 = this.cs32;
      this.segOvr = -1;
      this.rep = 0;
      this.lock = false;
      this.prefixed = false;
    }
    let b = this.fetch8();
    if (PREFIX[b] === 0) { this.execOp(b); return; }
    this.prefixed = true;
    this.prefixCount = 0;
    if (PREFIX[this.peekCode(1)] && PREFIX[this.peekCode(2)]) this.checkLongInstruction();
    for (;;) {
      switch (b) {
        case 0x66: this.o32 = !this.cs32; break;
        case 0x67: this.a32 = !this.cs32; break;
        case 0x26: this.segOvr = ES; break;
        case 0x2e: this.segOvr = CS; break;
        case 0x36: this.segOvr = SS; break;
        case 0x3e: this.segOvr = DS; break;
        case 0x64: this.segOvr = FS; break;
        case 0x65: this.segOvr = GS; break;
        case 0xf0: this.lock = true; break;
        case 0xf2: case 0xf3: this.rep = b; break;
        default: this.execOp(b); return;
      }
      if (++this.prefixCount >= 14) this.fault(GP, 0);
      b = this.fetch8();
    }
  }

  private readonly longBuf = new Uint8Array(32);

  /** Byte `n` of the current instruction without side effects (0 if unreadable). */
  private peekCode(n: number): number {
    const p = this.peekTranslate((this.segBase[CS] + this.instrEip + n) | 0);
    return p < 0 ? 0 : this.mem.peek(p);
  }

  /** Three or more prefixes: an encoding longer than 15 bytes is #GP(0) before it does anything. */
  private checkLongInstruction(): void {
    const n = this.copyInstrBytes(this.longBuf, 0, 32);
    const d = decodeInfo(this.longBuf.subarray(0, n), this.cs32, 32);
    if (d && d.length > 15) this.fault(GP, 0);
  }

  modrm(): void {
    const m = this.fetch8();
    this.mod = m >> 6;
    this.reg = (m >> 3) & 7;
    this.rm = m & 7;
    if (this.mod !== 3) this.ea();
  }

  ea(): void {
    const mod = this.mod, rm = this.rm, regs = this.regs;
    let seg = DS;
    let off: number;
    if (this.a32) {
      if (rm === 4) {
        const sib = this.fetch8();
        const base = sib & 7, idx = (sib >> 3) & 7;
        if (base === 5 && mod === 0) off = this.fetch32();
        else { off = regs[base]; if (base === 4 || base === 5) seg = SS; }
        if (idx !== 4) off = (off + (regs[idx] << (sib >> 6))) | 0;
      } else if (rm === 5 && mod === 0) {
        off = this.fetch32();
      } else {
        off = regs[rm];
        if (rm === 5) seg = SS;
      }
      if (mod === 1) off = (off + ((this.fetch8() << 24) >> 24)) | 0;
      else if (mod === 2) off = (off + this.fetch32()) | 0;
    } else {
      const r16 = this.r16;
      switch (rm) {
        case 0: off = r16[6] + r16[12]; break;
        case 1: off = r16[6] + r16[14]; break;
        case 2: off = r16[10] + r16[12]; seg = SS; break;
        case 3: off = r16[10] + r16[14]; seg = SS; break;
        case 4: off = r16[12]; break;
        case 5: off = r16[14]; break;
        case 6: if (mod === 0) off = this.fetch16(); else { off = r16[10]; seg = SS; } break;
        default: off = r16[6];
      }
      if (mod === 1) off += (this.fetch8() << 24) >> 24;
      else if (mod === 2) off += this.fetch16();
      off &= 0xffff;
    }
    this.eaSeg = this.segOvr >= 0 ? this.segOvr : seg;
    this.eaOff = off;
  }

  /** Memory operand only (LEA-like forms reject registers with #UD). */
  needMem(): void { if (this.mod === 3) this.fault(UD); }

  /** Linear address of the ModR/M memory operand plus `extra` bytes. */
  eaLin(size: number, write: boolean, extra = 0): number {
    const off = this.a32 ? (this.eaOff + extra) | 0 : (this.eaOff + extra) & 0xffff;
    return this.lin(this.eaSeg, off, size, write);
  }

  getE8(): number { return this.mod === 3 ? this.r8[R8[this.rm]] : this.rd8(this.eaLin(1, false)); }
  getE16(): number { return this.mod === 3 ? this.r16[this.rm << 1] : this.rd16(this.eaLin(2, false)); }
  getE32(): number { return this.mod === 3 ? this.regs[this.rm] : this.rd32(this.eaLin(4, false)); }
  setE8(v: number): void { if (this.mod === 3) this.r8[R8[this.rm]] = v; else this.wr8(this.eaLin(1, true), v); }
  setE16(v: number): void { if (this.mod === 3) this.r16[this.rm << 1] = v; else this.wr16(this.eaLin(2, true), v); }
  setE32(v: number): void { if (this.mod === 3) this.regs[this.rm] = v; else this.wr32(this.eaLin(4, true), v); }
  getE(bits: number): number { return bits === 32 ? this.getE32() : bits === 16 ? this.getE16() : this.getE8(); }
  setE(bits: number, v: number): void { if (bits === 32) this.setE32(v); else if (bits === 16) this.setE16(v); else this.setE8(v); }
  getG(bits: number): number { return bits === 32 ? this.regs[this.reg] : bits === 16 ? this.r16[this.reg << 1] : this.r8[R8[this.reg]]; }
  setG(bits: number, v: number): void {
    if (bits === 32) this.regs[this.reg] = v; else if (bits === 16) this.r16[this.reg << 1] = v; else this.r8[R8[this.reg]] = v;
  }
  getR(bits: number, r: number): number { return bits === 32 ? this.regs[r] : bits === 16 ? this.r16[r << 1] : this.r8[R8[r]]; }
  setR(bits: number, r: number, v: number): void {
    if (bits === 32) this.regs[r] = v; else if (bits === 16) this.r16[r << 1] = v; else this.r8[R8[r]] = v;
  }
  imm(bits: number): number { return bits === 32 ? this.fetch32() : bits === 16 ? this.fetch16() : this.fetch8(); }
  /** Immediate byte sign-extended to `bits`, masked. */
  imm8s(bits: number): number { return ((this.fetch8() << 24) >> 24) & SIZE_MASK[bits >> 3]; }

  get vbits(): number { return this.o32 ? 32 : 16; }

  // ---- ALU ------------------------------------------------------------------------------

  /**
   * ADD OR ADC SBB AND SUB XOR CMP. Operands and results are kept as masked values that
   * fit an int32 (32-bit ones signed), so the lazy-flag fields never hold heap doubles.
   */
  alu(op: number, a: number, b: number, bits: number): number {
    const m = SIZE_MASK[bits >> 3];
    a &= m; b &= m;
    let r: number;
    switch (op) {
      case 0: r = (a + b) & m; this.setCC(CC_ADD, a, b, r, bits); break;
      case 1: r = a | b; this.setCC(CC_LOGIC, a, b, r, bits); break;
      case 2: { const c = this.getCF(); r = (a + b + c) & m; this.ccCF = c; this.setCC(CC_ADC, a, b, r, bits); break; }
      case 3: { const c = this.getCF(); r = (a - b - c) & m; this.ccCF = c; this.setCC(CC_SBB, a, b, r, bits); break; }
      case 4: r = a & b; this.setCC(CC_LOGIC, a, b, r, bits); break;
      case 6: r = a ^ b; this.setCC(CC_LOGIC, a, b, r, bits); break;
      default: r = (a - b) & m; this.setCC(CC_SUB, a, b, r, bits); break;
    }
    return r;
  }


  inc(a: number, bits: number): number {
    const m = SIZE_MASK[bits >> 3];
    const cf = this.getCF();
    const r = (a + 1) & m;
    this.ccCF = cf;
    this.setCC(CC_INC, a & m, 1, r, bits);
    return r;
  }

  dec(a: number, bits: number): number {
    const m = SIZE_MASK[bits >> 3];
    const cf = this.getCF();
    const r = (a - 1) & m;
    this.ccCF = cf;
    this.setCC(CC_DEC, a & m, 1, r, bits);
    return r;
  }

  /** Read-modify-write of the E operand by an ALU op: flags change only after the write succeeded. */
  private aluE(op: number, bits: number, b: number): void {
    if (this.lock && (this.mod === 3 || op === 7)) this.fault(UD);
    const a = this.getE(bits);
    const m = SIZE_MASK[bits >> 3];
    if (op === 7) { this.alu(7, a, b, bits); return; }
    // Compute with a scratch copy of the lazy state so a faulting write leaves flags untouched.
    const sOp = this.ccOp, sA = this.ccA, sB = this.ccB, sR = this.ccRes, sBits = this.ccBits, sCF = this.ccCF;
    const r = this.alu(op, a, b, bits);
    if (this.mod !== 3) {
      const nOp = this.ccOp, nA = this.ccA, nB = this.ccB, nBits = this.ccBits, nCF = this.ccCF;
      this.ccOp = sOp; this.ccA = sA; this.ccB = sB; this.ccRes = sR; this.ccBits = sBits; this.ccCF = sCF;
      this.setE(bits, r & m);
      this.ccOp = nOp; this.ccA = nA; this.ccB = nB; this.ccRes = r; this.ccBits = nBits; this.ccCF = nCF;
    } else {
      this.setE(bits, r);
    }
  }

  // ---- I/O ---------------------------------------------------------------------------

  /** IOPL and TSS I/O-bitmap check for ports port..port+size-1. */
  ioCheck(port: number, size: number): void {
    if (!this.protectedMode) return;
    if (this.cpl <= ((this.flags >>> 12) & 3)) return;
    if ((this.trAttr & 0xf) !== 0xb && (this.trAttr & 0xf) !== 9) this.fault(GP, 0);
    if (this.trLimit < 0x67) this.fault(GP, 0);
    const mapBase = this.rdSys16((this.trBase + 0x66) | 0);
    const byte = mapBase + (port >>> 3);
    if (byte + 1 > this.trLimit) this.fault(GP, 0);
    const bits = this.rdSys16((this.trBase + byte) | 0);
    if ((bits >>> (port & 7)) & ((1 << size) - 1)) this.fault(GP, 0);
  }

  private ioExit(port: number, size: number, isIn: boolean, str: boolean, immediate: boolean, value: number): void {
    const c = this.controls;
    if (!c || !c.ioExits(port)) return;
    const q = (size - 1) | (isIn ? 8 : 0) | (str ? 16 : 0) | (this.rep && str ? 32 : 0) | (immediate ? 64 : 0) | (port << 16);
    let owner = this.portOwners[port];
    if (owner === undefined) owner = this.portOwners[port] = this.platform?.portOwner(port) ?? 'unassigned';
    this.vmexit(EXIT_IO, q >>> 0, owner, isIn ? undefined : { value: value >>> 0 });
  }

  portIn(port: number, size: 1 | 2 | 4, str: boolean, immediate: boolean): number {
    this.ioCheck(port, size);
    this.ioExit(port, size, true, str, immediate, 0);
    const p = this.platform;
    if (!p) return size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    const v = p.portIn(port, size);
    this.afterPortAccess(p);
    this.recheckDeadline();
    return v;
  }

  portOut(port: number, size: 1 | 2 | 4, v: number, str: boolean, immediate: boolean): void {
    this.ioCheck(port, size);
    v = size === 4 ? v >>> 0 : v & (size === 2 ? 0xffff : 0xff);
    this.ioExit(port, size, false, str, immediate, v);
    const p = this.platform;
    if (!p) return;
    p.portOut(port, size, v);
    this.afterPortAccess(p);
    this.afterPortOut();
  }

  /** Port owner names for exit records (the platform's wiring never changes at run time). */
  private readonly portOwners: Array<string | undefined> = new Array(0x10000);

  /**
   * A device access may have raised (or unmasked) an interrupt: look at the lines before the
   * next instruction only then, so that an I/O loop is not sent through the slow checks (and
   * out of its compiled block) on every access.
   */
  private afterPortAccess(p: Platform): void {
    if (p.pendingVector() >= 0) { this.irqPoll = true; this.attn = true; }
  }

  /** A20 or a device request may have changed. */
  afterPortOut(): void {
    const p = this.platform!;
    const mask = p.a20 ? -1 : ~(1 << 20);
    if (mask !== this.a20Mask) { this.a20Mask = mask; this.flushTlb(); }
    const req = p.takeRequest();
    if (req) { this.pendingRequest = req; this.requestPending = true; this.attn = true; }
    this.recheckDeadline();
  }

  /** A device request taken right after the OUT that caused it; the machine consumes it. */
  pendingRequest: PlatformRequest | null = null;

  // ---- string instructions ------------------------------------------------------------

  private strStep(): number { return this.flags & FLAG_DF ? -1 : 1; }
  private si(): number { return this.a32 ? this.regs[6] : this.r16[12]; }
  private di(): number { return this.a32 ? this.regs[7] : this.r16[14]; }
  private advSI(d: number): void { if (this.a32) this.regs[6] = (this.regs[6] + d) | 0; else this.r16[12] = this.r16[12] + d; }
  private advDI(d: number): void { if (this.a32) this.regs[7] = (this.regs[7] + d) | 0; else this.r16[14] = this.r16[14] + d; }
  private count(): number { return this.a32 ? this.regs[1] >>> 0 : this.r16[2]; }
  private decCount(): void { if (this.a32) this.regs[1] = (this.regs[1] - 1) | 0; else this.r16[2] = this.r16[2] - 1; }

  private readMem(bits: number, lin: number): number {
    return bits === 8 ? this.rd8(lin) : bits === 16 ? this.rd16(lin) : this.rd32(lin);
  }
  private writeMem(bits: number, lin: number, v: number): void {
    if (bits === 8) this.wr8(lin, v); else if (bits === 16) this.wr16(lin, v); else this.wr32(lin, v);
  }

  /** One string operation kind; REP forms loop with registers updated per element. */
  private stringOp(op: number, bits: number): void {
    const n = bits >> 3;
    const srcSeg = this.segOvr >= 0 ? this.segOvr : DS;
    const rep = this.rep;
    if (rep && this.count() === 0) return;
    if (rep && (op === 0 || op === 2) && this.a32 && !(this.flags & FLAG_DF) && this.segChkW[ES] === 0 &&
        (op === 2 || this.segChkR[srcSeg] === 0)) {
      if (this.fastRep(op, n, srcSeg)) return;
    }
    let left = REP_CHUNK;
    for (;;) {
      const d = this.strStep() * n;
      switch (op) {
        case 0: { // MOVS
          const v = this.readMem(bits, this.lin(srcSeg, this.si(), n, false));
          this.writeMem(bits, this.lin(ES, this.di(), n, true), v);
          this.advSI(d); this.advDI(d);
          break;
        }
        case 1: { // CMPS
          const a = this.readMem(bits, this.lin(srcSeg, this.si(), n, false));
          const b = this.readMem(bits, this.lin(ES, this.di(), n, false));
          this.alu(7, a, b, bits);
          this.advSI(d); this.advDI(d);
          break;
        }
        case 2: // STOS
          this.writeMem(bits, this.lin(ES, this.di(), n, true), this.getR(bits, 0));
          this.advDI(d);
          break;
        case 3: { // LODS
          const v = this.readMem(bits, this.lin(srcSeg, this.si(), n, false));
          this.setR(bits, 0, v);
          this.advSI(d);
          break;
        }
        case 4: { // SCAS
          const b = this.readMem(bits, this.lin(ES, this.di(), n, false));
          this.alu(7, this.getR(bits, 0), b, bits);
          this.advDI(d);
          break;
        }
        case 5: { // INS
          const port = this.r16[4];
          const lin = this.lin(ES, this.di(), n, true);
          this.probeWrite(lin, n);
          const v = this.portIn(port, n as 1 | 2 | 4, true, false);
          this.writeMem(bits, lin, v);
          this.advDI(d);
          break;
        }
        default: { // OUTS
          const v = this.readMem(bits, this.lin(srcSeg, this.si(), n, false));
          this.portOut(this.r16[4], n as 1 | 2 | 4, v, true, false);
          this.advSI(d);
        }
      }
      if (!rep) return;
      this.decCount();
      if (this.count() === 0) return;
      if ((op === 1 || op === 4) && (this.getZF() === 1) !== (rep === 0xf3)) return;
      if (--left === 0 || this.stopCode !== RUN_OK || this.filterHit || this.requestPending) {
        // Resume later: the instruction restarts with the registers as they are now. Each
        // chunk counts as one retired instruction so that budgets always make progress.
        this.eip = this.instrEip;
        return;
      }
    }
  }

  /**
   * REP STOS / REP MOVS forwards through flat segments, a page at a time straight on guest
   * RAM. Registers are updated after each page, so a fault on the next page (taken by the
   * element-wise path) sees exactly the elements done. Returns true when the instruction is
   * finished (or yields after FAST_REP_MAX elements); false to continue element-wise.
   */
  private fastRep(op: number, n: number, srcSeg: number): boolean {
    const regs = this.regs, u8 = this.u8;
    let count = regs[1] >>> 0;
    let budget = FAST_REP_MAX;
    const v = op === 2 ? this.getR(n * 8, 0) : 0;
    while (count > 0) {
      const dl = (this.segBase[ES] + regs[7]) | 0;
      const de = this.tlbW[dl >>> 12];
      if ((de & 7) !== 1) return false;
      let k = Math.min(count, Math.floor((0x1000 - (dl & 0xfff)) / n));
      let sp = 0;
      if (op === 0) {
        const sl = (this.segBase[srcSeg] + regs[6]) | 0;
        const se = this.tlbR[sl >>> 12];
        if ((se & 3) !== 1) return false;
        k = Math.min(k, Math.floor((0x1000 - (sl & 0xfff)) / n));
        sp = (se & ~0xfff) | (sl & 0xfff);
      }
      if (k === 0) return false;                       // an element straddles a page boundary
      const dp = (de & ~0xfff) | (dl & 0xfff);
      const bytes = k * n;
      if (op === 2) {
        if (n === 1) u8.fill(v, dp, dp + bytes);
        else for (let i = 0; i < bytes; i += n) { u8[dp + i] = v; u8[dp + i + 1] = v >> 8; if (n === 4) { u8[dp + i + 2] = v >> 16; u8[dp + i + 3] = v >> 24; } }
      } else if (dp >= sp + bytes || sp >= dp + bytes || dp < sp) {
        // Non-overlapping, or destination below the source: a forward copy equals memmove.
        if (dp < sp && sp < dp + bytes) for (let i = 0; i < bytes; i++) u8[dp + i] = u8[sp + i];
        else u8.copyWithin(dp, sp, sp + bytes);
      } else {
        // Overlapping forward copy: element by element, each read before its write, as the CPU does.
        for (let i = 0; i < bytes; i += n) {
          if (n === 1) { u8[dp + i] = u8[sp + i]; continue; }
          const b0 = u8[sp + i], b1 = u8[sp + i + 1];
          if (n === 2) { u8[dp + i] = b0; u8[dp + i + 1] = b1; continue; }
          const b2 = u8[sp + i + 2], b3 = u8[sp + i + 3];
          u8[dp + i] = b0; u8[dp + i + 1] = b1; u8[dp + i + 2] = b2; u8[dp + i + 3] = b3;
        }
      }
      regs[7] = (regs[7] + bytes) | 0;
      if (op === 0) regs[6] = (regs[6] + bytes) | 0;
      count -= k;
      regs[1] = count;
      budget -= k;
      if (count > 0 && budget <= 0) { this.eip = this.instrEip; return true; }
    }
    return true;
  }

  // ---- shifts and rotates -------------------------------------------------------------

  shift(op: number, a: number, cnt: number, bits: number): number {
    const m = SIZE_MASK[bits >> 3];
    const msb = bits - 1;
    a = (a & m) >>> 0;
    cnt &= 0x1f;
    if (cnt === 0) return a;
    let r: number, cf: number, of: number;
    switch (op) {
      case 0: { // ROL
        const c = cnt & msb;
        r = c ? (((a << c) | (a >>> (bits - c))) & m) >>> 0 : a;
        cf = r & 1; of = ((r >>> msb) & 1) ^ cf;
        this.setArith((cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0), FLAG_CF | FLAG_OF);
        return r;
      }
      case 1: { // ROR
        const c = cnt & msb;
        r = c ? (((a >>> c) | (a << (bits - c))) & m) >>> 0 : a;
        cf = (r >>> msb) & 1; of = cf ^ ((r >>> (msb - 1)) & 1);
        this.setArith((cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0), FLAG_CF | FLAG_OF);
        return r;
      }
      case 2: { // RCL
        const c = bits === 32 ? cnt : cnt % (bits + 1);
        if (c === 0) return a;
        let x = a, carry = this.getCF();
        for (let i = 0; i < c; i++) { const out = (x >>> msb) & 1; x = (((x << 1) | carry) & m) >>> 0; carry = out; }
        of = ((x >>> msb) & 1) ^ carry;
        this.setArith((carry ? FLAG_CF : 0) | (of ? FLAG_OF : 0), FLAG_CF | FLAG_OF);
        return x;
      }
      case 3: { // RCR
        const c = bits === 32 ? cnt : cnt % (bits + 1);
        if (c === 0) return a;
        let x = a, carry = this.getCF();
        of = ((x >>> msb) & 1) ^ carry;
        for (let i = 0; i < c; i++) { const out = x & 1; x = ((x >>> 1) | (carry << msb)) >>> 0; carry = out; }
        this.setArith((carry ? FLAG_CF : 0) | (of ? FLAG_OF : 0), FLAG_CF | FLAG_OF);
        return x;
      }
      case 4: case 6: // SHL/SAL
        r = cnt < 32 ? (a << cnt) & m : 0;
        cf = cnt <= bits ? (a >>> (bits - cnt)) & 1 : 0;
        of = ((r >>> msb) & 1) ^ cf;
        this.setShift(r, bits, cf, of);
        return r;
      case 5: // SHR
        r = a >>> cnt;
        cf = cnt <= bits ? (a >>> (cnt - 1)) & 1 : 0;
        of = (a >>> msb) & 1;
        this.setShift(r, bits, cf, of);
        return r;
      default: { // SAR
        const s = (a << (32 - bits)) >> (32 - bits);
        r = (s >> Math.min(cnt, 31)) & m;
        cf = (s >> Math.min(cnt - 1, 31)) & 1;
        this.setShift(r, bits, cf, 0);
        return r;
      }
    }
  }

  /** Lazy flags of SHL/SHR/SAR. */
  private setShift(r: number, bits: number, cf: number, of: number): void {
    this.ccOp = CC_SHIFT; this.ccRes = r | 0; this.ccBits = bits; this.ccCF = cf; this.ccB = of; this.ccA = 0;
  }

  private shiftE(bits: number, cnt: number): void {
    const a = this.getE(bits);
    if ((cnt & 0x1f) === 0) return;
    // A memory destination is checked for writing first so that the flags change only with it.
    if (this.mod !== 3) this.probeWrite(this.eaLin(bits >> 3, true), bits >> 3);
    this.setE(bits, this.shift(this.reg, a, cnt, bits));
  }

  // ---- multiply and divide ---------------------------------------------------------------

  mulHi = 0;
  mulLo = 0;

  /** Unsigned 32x32 -> 64 into mulHi:mulLo (int32 halves). */
  mul32(a: number, b: number): void {
    a >>>= 0; b >>>= 0;
    const aL = a & 0xffff, aH = a >>> 16, bL = b & 0xffff, bH = b >>> 16;
    const ll = aL * bL, lh = aL * bH, hl = aH * bL, hh = aH * bH;
    const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
    this.mulLo = ((mid & 0xffff) << 16) | (ll & 0xffff);
    this.mulHi = (hh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 65536)) | 0;
  }

  /** Signed 32x32 -> 64. */
  imul32(a: number, b: number): void {
    this.mul32(a, b);
    let hi = this.mulHi;
    if (a < 0) hi = (hi - b) | 0;
    if (b < 0) hi = (hi - a) | 0;
    this.mulHi = hi;
  }

  private mulFlags(overflow: boolean, lo: number, bits: number): void {
    this.setResultFlags(lo, bits, overflow ? 1 : 0, overflow ? 1 : 0, 0);
  }

  private group3(bits: number): void {
    const reg = this.reg;
    switch (reg) {
      case 0: case 1: { if (this.lock) this.fault(UD); const a = this.getE(bits); this.alu(4, a, this.imm(bits), bits); return; }  // TEST is not lockable
      case 2: { if (this.lock && this.mod === 3) this.fault(UD); const a = this.getE(bits); this.setE(bits, ~a); return; }
      case 3: {
        if (this.lock && this.mod === 3) this.fault(UD);
        const a = this.getE(bits);
        const sOp = this.ccOp, sA = this.ccA, sB = this.ccB, sR = this.ccRes, sBits = this.ccBits, sF = this.flags;
        const r = this.alu(5, 0, a, bits);
        const nOp = this.ccOp, nA = this.ccA, nB = this.ccB, nBits = this.ccBits;
        this.ccOp = sOp; this.ccA = sA; this.ccB = sB; this.ccRes = sR; this.ccBits = sBits; this.flags = sF;
        this.setE(bits, r);
        this.ccOp = nOp; this.ccA = nA; this.ccB = nB; this.ccRes = r; this.ccBits = nBits;
        return;
      }
    }
    if (this.lock) this.fault(UD);
    const src = this.getE(bits);
    const regs = this.regs;
    if (bits === 8) {
      const al = this.r8[0];
      switch (reg) {
        case 4: { const r = al * src; this.r16[0] = r; this.mulFlags(r > 0xff, r, 8); return; }
        case 5: { const r = ((al << 24) >> 24) * ((src << 24) >> 24); this.r16[0] = r; this.mulFlags(r !== ((r << 24) >> 24), r, 8); return; }
        case 6: {
          if (src === 0) this.fault(0);
          const ax = this.r16[0], q = Math.floor(ax / src);
          if (q > 0xff) this.fault(0);
          this.r8[0] = q; this.r8[1] = ax % src; return;
        }
        default: {
          const s = (src << 24) >> 24;
          if (s === 0) this.fault(0);
          const ax = (this.r16[0] << 16) >> 16, q = Math.trunc(ax / s);
          if (q > 127 || q < -128) this.fault(0);
          this.r8[0] = q; this.r8[1] = ax % s; return;
        }
      }
    }
    if (bits === 16) {
      const ax = this.r16[0];
      switch (reg) {
        case 4: { const r = ax * src; this.r16[0] = r; this.r16[4] = r >>> 16; this.mulFlags(r > 0xffff, r, 16); return; }
        case 5: {
          const r = ((ax << 16) >> 16) * ((src << 16) >> 16);
          this.r16[0] = r; this.r16[4] = r >> 16; this.mulFlags(r !== ((r << 16) >> 16), r, 16); return;
        }
        case 6: {
          if (src === 0) this.fault(0);
          const n = ((this.r16[4] << 16) | ax) >>> 0, q = Math.floor(n / src);
          if (q > 0xffff) this.fault(0);
          this.r16[0] = q; this.r16[4] = n % src; return;
        }
        default: {
          const s = (src << 16) >> 16;
          if (s === 0) this.fault(0);
          const n = (this.r16[4] << 16) | ax, q = Math.trunc(n / s);
          if (q > 32767 || q < -32768) this.fault(0);
          this.r16[0] = q; this.r16[4] = n % s; return;
        }
      }
    }
    switch (reg) {
      case 4: this.mul32(regs[0], src); regs[0] = this.mulLo; regs[2] = this.mulHi; this.mulFlags(this.mulHi !== 0, this.mulLo, 32); return;
      case 5: this.imul32(regs[0], src | 0); regs[0] = this.mulLo; regs[2] = this.mulHi; this.mulFlags(this.mulHi !== (this.mulLo >> 31), this.mulLo, 32); return;
      case 6: {
        const usrc = src >>> 0;
        if (usrc === 0) this.fault(0);
        const hi = regs[2] >>> 0, lo = regs[0] >>> 0;
        if (hi === 0) { regs[0] = Math.floor(lo / usrc); regs[2] = lo % usrc; return; }
        const n = (BigInt(hi) << 32n) | BigInt(lo), d = BigInt(usrc);
        const q = n / d;
        if (q > 0xffffffffn) this.fault(0);
        regs[0] = Number(q & 0xffffffffn); regs[2] = Number(n % d);
        return;
      }
      default: {
        const s = src | 0;
        if (s === 0) this.fault(0);
        const hi = regs[2], lo = regs[0];
        if (hi === (lo >> 31) && !(lo === -0x80000000 && s === -1)) { regs[0] = Math.trunc(lo / s); regs[2] = lo % s; return; }
        const n = (BigInt(hi) << 32n) | BigInt(lo >>> 0), d = BigInt(s);
        const q = n / d;
        if (q > 0x7fffffffn || q < -0x80000000n) this.fault(0);
        regs[0] = Number(BigInt.asIntN(32, q)); regs[2] = Number(BigInt.asIntN(32, n % d));
      }
    }
  }

  /** IMUL r, r/m, imm and IMUL r, r/m (two- and three-operand forms). */
  imulTrunc(a: number, b: number, bits: number): number {
    if (bits === 32) {
      this.imul32(a | 0, b | 0);
      this.mulFlags(this.mulHi !== (this.mulLo >> 31), this.mulLo, 32);
      return this.mulLo;
    }
    const r = ((a << 16) >> 16) * ((b << 16) >> 16);
    this.mulFlags(r !== ((r << 16) >> 16), r, 16);
    return r & 0xffff;
  }

  // ---- jumps ----------------------------------------------------------------------

  jumpRel(d: number): void {
    const t = (this.eip + d) | 0;
    const eip = this.o32 ? t : t & 0xffff;
    if (this.segChkR[CS] && (eip >>> 0) > this.segLimit[CS]) this.fault(GP, 0);
    this.eip = eip;
  }

  jumpAbs(t: number): void {
    const eip = this.o32 ? t : t & 0xffff;
    if ((eip >>> 0) > this.segLimit[CS]) this.fault(GP, 0);
    this.eip = eip;
  }

  pushV(v: number): void { if (this.o32) this.push32(v); else this.push16(v); }
  popV(): number { return this.o32 ? this.pop32() : this.pop16(); }

  /** PUSHF/POPF/CLI/STI and IN/OUT sensitivity: CPL vs IOPL in protected mode. */
  iopl(): number { return (this.flags >>> 12) & 3; }

  // ---- one-byte opcode map -------------------------------------------------------------

  private execOp(b: number): void {
    if (this.lock && !LOCKABLE[b]) this.fault(UD);
    const regs = this.regs;
    switch (b) {
      case 0x00: case 0x08: case 0x10: case 0x18: case 0x20: case 0x28: case 0x30: case 0x38:
        this.modrm(); this.aluE(b >> 3, 8, this.r8[R8[this.reg]]); return;
      case 0x01: case 0x09: case 0x11: case 0x19: case 0x21: case 0x29: case 0x31: case 0x39: {
        this.modrm();
        if (this.mod === 3 && this.o32 && !this.lock) {
          const r = this.alu(b >> 3, regs[this.rm], regs[this.reg], 32);
          if (b !== 0x39) regs[this.rm] = r;
          return;
        }
        const bits = this.vbits; this.aluE(b >> 3, bits, this.getG(bits)); return;
      }
      case 0x02: case 0x0a: case 0x12: case 0x1a: case 0x22: case 0x2a: case 0x32: case 0x3a: {
        this.modrm(); const v = this.getE8(); const r = this.alu(b >> 3, this.r8[R8[this.reg]], v, 8);
        if ((b >> 3) !== 7) this.r8[R8[this.reg]] = r; return;
      }
      case 0x03: case 0x0b: case 0x13: case 0x1b: case 0x23: case 0x2b: case 0x33: case 0x3b: {
        this.modrm();
        if (this.o32) {
          const v = this.mod === 3 ? regs[this.rm] : this.rd32(this.eaLin(4, false));
          const r = this.alu(b >> 3, regs[this.reg], v, 32);
          if (b !== 0x3b) regs[this.reg] = r;
          return;
        }
        const bits = this.vbits; const v = this.getE(bits);
        const r = this.alu(b >> 3, this.getG(bits), v, bits);
        if ((b >> 3) !== 7) this.setG(bits, r); return;
      }
      case 0x04: case 0x0c: case 0x14: case 0x1c: case 0x24: case 0x2c: case 0x34: case 0x3c: {
        const r = this.alu(b >> 3, this.r8[0], this.fetch8(), 8); if ((b >> 3) !== 7) this.r8[0] = r; return;
      }
      case 0x05: case 0x0d: case 0x15: case 0x1d: case 0x25: case 0x2d: case 0x35: case 0x3d: {
        const bits = this.vbits; const r = this.alu(b >> 3, this.getR(bits, 0), this.imm(bits), bits);
        if ((b >> 3) !== 7) this.setR(bits, 0, r); return;
      }
      case 0x06: this.pushV(this.segSel[ES]); return;
      case 0x0e: this.pushV(this.segSel[CS]); return;
      case 0x16: this.pushV(this.segSel[SS]); return;
      case 0x1e: this.pushV(this.segSel[DS]); return;
      case 0x07: case 0x17: case 0x1f: {
        const s = b >> 3; const v = this.o32 ? this.peek32(0) : this.peek16(0);
        this.loadSeg(s, v & 0xffff); this.spAdd(this.o32 ? 4 : 2);
        if (s === SS) { this.shadow = true; this.ssShadow = true; this.attn = true; }
        return;
      }
      case 0x0f: exec0F(this, this.fetch8()); return;
      case 0x27: this.daa(); return;
      case 0x2f: this.das(); return;
      case 0x37: this.aaa(); return;
      case 0x3f: this.aas(); return;
      case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47: {
        const bits = this.vbits; this.setR(bits, b & 7, this.inc(this.getR(bits, b & 7), bits)); return;
      }
      case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f: {
        const bits = this.vbits; this.setR(bits, b & 7, this.dec(this.getR(bits, b & 7), bits)); return;
      }
      case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
        if (this.o32) this.push32(regs[b & 7]); else this.push16(this.r16[(b & 7) << 1]); return;
      case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f:
        if (this.o32) { const v = this.peek32(0); this.spAdd(4); regs[b & 7] = v; }
        else { const v = this.peek16(0); this.spAdd(2); this.r16[(b & 7) << 1] = v; }
        return;
      case 0x60: this.pusha(); return;
      case 0x61: this.popa(); return;
      case 0x62: { // BOUND
        this.modrm(); this.needMem();
        const bits = this.vbits;
        const idx = bits === 32 ? this.regs[this.reg] : (this.r16[this.reg << 1] << 16) >> 16;
        const lo = bits === 32 ? this.rd32(this.eaLin(4, false)) : (this.rd16(this.eaLin(2, false)) << 16) >> 16;
        const hi = bits === 32 ? this.rd32(this.eaLin(4, false, 4)) : (this.rd16(this.eaLin(2, false, 2)) << 16) >> 16;
        if (idx < lo || idx > hi) this.fault(BR);
        return;
      }
      case 0x63: { // ARPL
        if (!this.protectedMode) this.fault(UD);
        this.modrm();
        const d = this.getE16(), s = this.r16[this.reg << 1];
        if ((d & 3) < (s & 3)) { this.setE16((d & ~3) | (s & 3)); this.setArith(FLAG_ZF, FLAG_ZF); }
        else this.setArith(0, FLAG_ZF);
        return;
      }
      case 0x68: this.pushV(this.imm(this.vbits)); return;
      case 0x6a: this.pushV((this.fetch8() << 24) >> 24); return;
      case 0x69: case 0x6b: {
        this.modrm(); const bits = this.vbits; const a = this.getE(bits);
        const imm = b === 0x69 ? this.imm(bits) : this.imm8s(bits);
        this.setG(bits, this.imulTrunc(a, imm, bits)); return;
      }
      case 0x6c: this.stringOp(5, 8); return;
      case 0x6d: this.stringOp(5, this.vbits); return;
      case 0x6e: this.stringOp(6, 8); return;
      case 0x6f: this.stringOp(6, this.vbits); return;
      case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
      case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f: {
        const d = (this.fetch8() << 24) >> 24;
        if (this.cond(b & 15)) this.jumpRel(d);
        return;
      }
      case 0x80: case 0x82: { this.modrm(); this.aluE(this.reg, 8, this.fetch8()); return; }
      case 0x81: { this.modrm(); const bits = this.vbits; this.aluE(this.reg, bits, this.imm(bits)); return; }
      case 0x83: {
        this.modrm();
        if (this.mod === 3 && this.o32 && !this.lock) {
          const r = this.alu(this.reg, regs[this.rm], (this.fetch8() << 24) >> 24, 32);
          if (this.reg !== 7) regs[this.rm] = r;
          return;
        }
        const bits = this.vbits; this.aluE(this.reg, bits, this.imm8s(bits)); return;
      }
      case 0x84: { this.modrm(); this.alu(4, this.getE8(), this.r8[R8[this.reg]], 8); return; }
      case 0x85: { this.modrm(); const bits = this.vbits; this.alu(4, this.getE(bits), this.getG(bits), bits); return; }
      case 0x86: case 0x87: {
        this.modrm(); const bits = b === 0x86 ? 8 : this.vbits;
        if (this.lock && this.mod === 3) this.fault(UD);
        const a = this.getE(bits), g = this.getG(bits);
        this.setE(bits, g); this.setG(bits, a); return;
      }
      case 0x88: this.modrm(); this.setE8(this.r8[R8[this.reg]]); return;
      case 0x89: this.modrm(); if (this.o32) this.setE32(regs[this.reg]); else this.setE16(this.r16[this.reg << 1]); return;
      case 0x8a: this.modrm(); this.r8[R8[this.reg]] = this.getE8(); return;
      case 0x8b: this.modrm(); if (this.o32) regs[this.reg] = this.getE32(); else this.r16[this.reg << 1] = this.getE16(); return;
      case 0x8c: {
        this.modrm(); if (this.reg > 5) this.fault(UD);
        const v = this.segSel[this.reg];
        if (this.mod === 3 && this.o32) regs[this.rm] = v; else this.setE16(v);
        return;
      }
      case 0x8d: this.modrm(); this.needMem(); this.setG(this.vbits, this.eaOff); return;
      case 0x8e: {
        this.modrm(); if (this.reg > 5 || this.reg === CS) this.fault(UD);
        this.loadSeg(this.reg, this.getE16());
        if (this.reg === SS) { this.shadow = true; this.ssShadow = true; this.attn = true; }
        return;
      }
      case 0x8f: { // POP Ev: ESP is incremented before the address is used.
        const v = this.o32 ? this.peek32(0) : this.peek16(0);
        const sp = regs[4];
        this.spAdd(this.o32 ? 4 : 2);
        try {
          this.modrm(); if (this.reg !== 0) this.fault(UD);
          this.setE(this.vbits, v);
        } catch (e) { regs[4] = sp; throw e; }
        return;
      }
      case 0x90:
        if (this.rep === 0xf3) {
          if (this.controls?.pauseExiting) this.vmexit(EXIT_PAUSE, 0, 'hypervisor');
        }
        return;
      case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97: {
        const bits = this.vbits; const t = this.getR(bits, 0);
        this.setR(bits, 0, this.getR(bits, b & 7)); this.setR(bits, b & 7, t); return;
      }
      case 0x98: if (this.o32) regs[0] = (this.r16[0] << 16) >> 16; else this.r16[0] = (this.r8[0] << 24) >> 24; return;
      case 0x99: if (this.o32) regs[2] = regs[0] >> 31; else this.r16[4] = (this.r16[0] & 0x8000) ? 0xffff : 0; return;
      case 0x9a: {
        const off = this.o32 ? this.fetch32() : this.fetch16();
        const sel = this.fetch16();
        this.farTransfer(sel, off, true, this.o32, this.eip); return;
      }
      case 0x9b: if ((this.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) this.fault(NM); this.fpu.wait(); return;
      case 0x9c: {
        if (this.protectedMode && (this.flags & FLAG_VM) && this.iopl() < 3) this.fault(GP, 0);
        const f = this.getFlags() & ~(FLAG_VM | FLAG_RF);
        this.pushV(f); return;
      }
      case 0x9d: {
        const v = this.o32 ? this.peek32(0) : this.peek16(0);
        this.spAdd(this.o32 ? 4 : 2);
        const oldIf = this.flags & FLAG_IF;
        this.writeFlags(v, this.o32 ? 0xffffffff : 0xffff, this.cpl);
        if (!oldIf && (this.flags & FLAG_IF)) this.irqPoll = true; this.attn = true;
        return;
      }
      case 0x9e: this.setArith(this.r8[1], FLAGS_ARITH & ~FLAG_OF); return;
      case 0x9f: this.r8[1] = (this.getFlags() & 0xd5) | 2; return;
      case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
        const off = this.a32 ? this.fetch32() : this.fetch16();
        const seg = this.segOvr >= 0 ? this.segOvr : DS;
        const bits = b & 1 ? this.vbits : 8;
        const lin = this.lin(seg, off, bits >> 3, b >= 0xa2);
        if (b < 0xa2) this.setR(bits, 0, this.readMem(bits, lin)); else this.writeMem(bits, lin, this.getR(bits, 0));
        return;
      }
      case 0xa4: this.stringOp(0, 8); return;
      case 0xa5: this.stringOp(0, this.vbits); return;
      case 0xa6: this.stringOp(1, 8); return;
      case 0xa7: this.stringOp(1, this.vbits); return;
      case 0xa8: this.alu(4, this.r8[0], this.fetch8(), 8); return;
      case 0xa9: { const bits = this.vbits; this.alu(4, this.getR(bits, 0), this.imm(bits), bits); return; }
      case 0xaa: this.stringOp(2, 8); return;
      case 0xab: this.stringOp(2, this.vbits); return;
      case 0xac: this.stringOp(3, 8); return;
      case 0xad: this.stringOp(3, this.vbits); return;
      case 0xae: this.stringOp(4, 8); return;
      case 0xaf: this.stringOp(4, this.vbits); return;
      case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7:
        this.r8[R8[b & 7]] = this.fetch8(); return;
      case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
        if (this.o32) regs[b & 7] = this.fetch32(); else this.r16[(b & 7) << 1] = this.fetch16(); return;
      case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        this.modrm();
        const bits = b & 1 ? this.vbits : 8;
        const cnt = b <= 0xc1 ? this.fetch8() : b <= 0xd1 ? 1 : this.r8[4];
        this.shiftE(bits, cnt); return;
      }
      case 0xc2: case 0xc3: {
        const imm = b === 0xc2 ? this.fetch16() : 0;
        const t = this.o32 ? this.peek32(0) : this.peek16(0);
        if ((t >>> 0) > this.segLimit[CS]) this.fault(GP, 0);
        this.spAdd((this.o32 ? 4 : 2) + imm);
        this.eip = t; return;
      }
      case 0xc4: case 0xc5: this.loadFarPointer(b === 0xc4 ? ES : DS); return;
      case 0xc6: case 0xc7: {
        this.modrm(); if (this.reg !== 0) this.fault(UD);
        const bits = b === 0xc6 ? 8 : this.vbits;
        this.setE(bits, this.imm(bits)); return;
      }
      case 0xc8: this.enter(); return;
      case 0xc9: { // LEAVE
        const sp = this.ss32 ? regs[5] : regs[5] & 0xffff;
        const v = this.o32 ? this.rd32(this.lin(SS, sp, 4, false)) : this.rd16(this.lin(SS, sp, 2, false));
        if (this.ss32) regs[4] = (sp + (this.o32 ? 4 : 2)) | 0; else this.r16[8] = sp + (this.o32 ? 4 : 2);
        if (this.o32) regs[5] = v; else this.r16[10] = v;
        return;
      }
      case 0xca: this.farReturn(this.o32, this.fetch16()); return;
      case 0xcb: this.farReturn(this.o32, 0); return;
      case 0xcc: this.softException = true; this.softInt(BP); return;
      case 0xcd: this.softInt(this.fetch8()); return;
      case 0xce: if (this.getOF()) { this.softException = true; this.softInt(OF); } return;
      case 0xcf: {
        const oldIf = this.flags & FLAG_IF;
        this.iret(this.o32);
        if ((this.flags & FLAG_IF) !== oldIf) this.irqPoll = true; this.attn = true;
        return;
      }
      case 0xd4: { // AAM
        const d = this.fetch8(); if (d === 0) this.fault(0);
        const al = this.r8[0]; this.r8[1] = Math.floor(al / d); this.r8[0] = al % d;
        this.setResultFlags(this.r8[0], 8, 0, 0, 0); return;
      }
      case 0xd5: { // AAD
        const d = this.fetch8();
        const r = (this.r8[0] + this.r8[1] * d) & 0xff;
        this.r16[0] = r; this.setResultFlags(r, 8, 0, 0, 0); return;
      }
      case 0xd6: this.r8[0] = this.getCF() ? 0xff : 0; return; // SALC
      case 0xd7: {
        const base = this.a32 ? (regs[3] + this.r8[0]) | 0 : (this.r16[6] + this.r8[0]) & 0xffff;
        this.r8[0] = this.rd8(this.lin(this.segOvr >= 0 ? this.segOvr : DS, base, 1, false)); return;
      }
      case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf:
        if (this.cr0 & (CR0_EM | CR0_TS)) this.fault(NM);
        this.modrm(); this.fpu.exec(b, this); return;
      case 0xe0: case 0xe1: case 0xe2: case 0xe3: {
        const d = (this.fetch8() << 24) >> 24;
        let taken: boolean;
        if (b === 0xe3) taken = this.count() === 0;
        else {
          const c = this.a32 ? (regs[1] - 1) | 0 : (this.r16[2] - 1) & 0xffff;
          taken = c !== 0 && (b === 0xe2 || (b === 0xe1 ? this.getZF() === 1 : this.getZF() === 0));
          if (taken) this.jumpRel(d);
          if (this.a32) regs[1] = c; else this.r16[2] = c;
          return;
        }
        if (taken) this.jumpRel(d);
        return;
      }
      case 0xe4: { const port = this.fetch8(); this.r8[0] = this.portIn(port, 1, false, true); return; }
      case 0xe5: {
        const port = this.fetch8();
        if (this.o32) regs[0] = this.portIn(port, 4, false, true); else this.r16[0] = this.portIn(port, 2, false, true);
        return;
      }
      case 0xe6: { const port = this.fetch8(); this.portOut(port, 1, this.r8[0], false, true); return; }
      case 0xe7: { const port = this.fetch8(); this.portOut(port, this.o32 ? 4 : 2, regs[0], false, true); return; }
      case 0xe8: {
        const d = this.o32 ? this.fetch32() : (this.fetch16() << 16) >> 16;
        const t = this.o32 ? (this.eip + d) | 0 : (this.eip + d) & 0xffff;
        if ((t >>> 0) > this.segLimit[CS]) this.fault(GP, 0);
        this.pushV(this.eip); this.eip = t; return;
      }
      case 0xe9: { const d = this.o32 ? this.fetch32() : (this.fetch16() << 16) >> 16; this.jumpRel(d); return; }
      case 0xea: {
        const off = this.o32 ? this.fetch32() : this.fetch16();
        const sel = this.fetch16();
        this.farTransfer(sel, off, false, this.o32, this.eip); return;
      }
      case 0xeb: { const d = (this.fetch8() << 24) >> 24; this.jumpRel(d); return; }
      case 0xec: this.r8[0] = this.portIn(this.r16[4], 1, false, false); return;
      case 0xed: if (this.o32) regs[0] = this.portIn(this.r16[4], 4, false, false); else this.r16[0] = this.portIn(this.r16[4], 2, false, false); return;
      case 0xee: this.portOut(this.r16[4], 1, this.r8[0], false, false); return;
      case 0xef: this.portOut(this.r16[4], this.o32 ? 4 : 2, regs[0], false, false); return;
      case 0xf1: this.softInt(DB, true); return;
      case 0xf4: {
        if (this.protectedMode && this.cpl !== 0) this.fault(GP, 0);
        if (this.controls?.hltExiting) this.vmexit(EXIT_HLT, 0, 'hypervisor');
        this.halted = true;
        this.irqPoll = true; this.attn = true;
        return;
      }
      case 0xf5: this.setArith(this.getCF() ? 0 : FLAG_CF, FLAG_CF); return;
      case 0xf6: this.modrm(); this.group3(8); return;
      case 0xf7: this.modrm(); this.group3(this.vbits); return;
      case 0xf8: this.setArith(0, FLAG_CF); return;
      case 0xf9: this.setArith(FLAG_CF, FLAG_CF); return;
      case 0xfa:
        if (this.protectedMode && this.cpl > this.iopl()) this.fault(GP, 0);
        this.flags &= ~FLAG_IF; return;
      case 0xfb:
        if (this.protectedMode && this.cpl > this.iopl()) this.fault(GP, 0);
        if (!(this.flags & FLAG_IF)) { this.flags |= FLAG_IF; this.shadow = true; this.attn = true; this.irqPoll = true; this.attn = true; }
        return;
      case 0xfc: this.flags &= ~FLAG_DF; return;
      case 0xfd: this.flags |= FLAG_DF; return;
      case 0xfe: {
        this.modrm();
        if (this.reg > 1) this.fault(UD);
        if (this.lock && this.mod === 3) this.fault(UD);
        const a = this.getE8();
        const sF = this.flags, sOp = this.ccOp, sA = this.ccA, sB = this.ccB, sR = this.ccRes, sBits = this.ccBits, sCF = this.ccCF;
        const r = this.reg === 0 ? this.inc(a, 8) : this.dec(a, 8);
        const nOp = this.ccOp, nA = this.ccA, nB = this.ccB, nCF = this.ccCF;
        this.flags = sF; this.ccOp = sOp; this.ccA = sA; this.ccB = sB; this.ccRes = sR; this.ccBits = sBits; this.ccCF = sCF;
        this.setE8(r);
        this.ccOp = nOp; this.ccA = nA; this.ccB = nB; this.ccRes = r; this.ccBits = 8; this.ccCF = nCF;
        return;
      }
      case 0xff: this.group5(); return;
      default:
        this.fault(UD);
    }
  }

  private group5(): void {
    this.modrm();
    const bits = this.vbits;
    switch (this.reg) {
      case 0: case 1: {
        if (this.lock && this.mod === 3) this.fault(UD);
        const a = this.getE(bits);
        const sF = this.flags, sOp = this.ccOp, sA = this.ccA, sB = this.ccB, sR = this.ccRes, sBits = this.ccBits, sCF = this.ccCF;
        const r = this.reg === 0 ? this.inc(a, bits) : this.dec(a, bits);
        const nOp = this.ccOp, nA = this.ccA, nB = this.ccB, nCF = this.ccCF;
        this.flags = sF; this.ccOp = sOp; this.ccA = sA; this.ccB = sB; this.ccRes = sR; this.ccBits = sBits; this.ccCF = sCF;
        this.setE(bits, r);
        this.ccOp = nOp; this.ccA = nA; this.ccB = nB; this.ccRes = r; this.ccBits = bits; this.ccCF = nCF;
        return;
      }
    }
    if (this.lock) this.fault(UD);
    switch (this.reg) {
      case 2: {
        const t = this.getE(bits);
        if ((t >>> 0) > this.segLimit[CS]) this.fault(GP, 0);
        this.pushV(this.eip); this.eip = t; return;
      }
      case 3: case 5: {
        this.needMem();
        const off = bits === 32 ? this.rd32(this.eaLin(4, false)) : this.rd16(this.eaLin(2, false));
        const sel = this.rd16(this.eaLin(2, false, bits >> 3));
        this.farTransfer(sel, off, this.reg === 3, this.o32, this.eip); return;
      }
      case 4: this.jumpAbs(this.getE(bits)); return;
      case 6: this.pushV(this.getE(bits)); return;
      default: this.fault(UD);
    }
  }

  /** LES/LDS/LSS/LFS/LGS: offset and selector from memory. */
  loadFarPointer(seg: number): void {
    this.modrm(); this.needMem();
    const bits = this.vbits;
    const off = bits === 32 ? this.rd32(this.eaLin(4, false)) : this.rd16(this.eaLin(2, false));
    const sel = this.rd16(this.eaLin(2, false, bits >> 3));
    this.loadSeg(seg, sel);
    if (seg === SS) { this.shadow = true; this.ssShadow = true; this.attn = true; }
    this.setG(bits, off);
  }

  /** INT n / INT3 / INTO / INT1: trap with the return address after the instruction. */
  private softInt(vector: number, icebp = false): void {
    // Faults while delivering are reported against this instruction, as on hardware.
    if (!this.raise(vector, -1, icebp ? 'exception' : 'software', this.eip)) this.stopCode = RUN_TRIPLE;
    this.attn = true;
  }

  private pusha(): void {
    const regs = this.regs;
    const n = this.o32 ? 4 : 2;
    const sp0 = this.ss32 ? regs[4] : regs[4] & 0xffff;
    const lowest = this.ss32 ? (sp0 - 8 * n) | 0 : (sp0 - 8 * n) & 0xffff;
    this.probeWrite(this.lin(SS, lowest, 8 * n, true), 8 * n);
    // The stores change no register (ESP is written last), so regs holds the values to push.
    let sp = sp0;
    for (let i = 0; i < 8; i++) {
      sp = this.ss32 ? (sp - n) | 0 : (sp - n) & 0xffff;
      const lin = this.lin(SS, sp, n, true);
      if (n === 4) this.wr32(lin, regs[i]); else this.wr16(lin, regs[i]);
    }
    if (this.ss32) regs[4] = sp; else this.r16[8] = sp;
  }

  /** POPA reads all eight values before writing any register (precise faults), without allocating. */
  private readonly popaVals = new Int32Array(8);

  private popa(): void {
    const n = this.o32 ? 4 : 2;
    const vals = this.popaVals;
    for (let i = 0; i < 8; i++) vals[7 - i] = n === 4 ? this.peek32(i * 4) : this.peek16(i * 2);
    this.spAdd(8 * n);
    for (let i = 0; i < 8; i++) if (i !== 4) this.setR(n * 8, i, vals[i]);
  }

  private enter(): void {
    const size = this.fetch16();
    const level = this.fetch8() & 31;
    const regs = this.regs;
    const n = this.o32 ? 4 : 2;
    const big = this.ss32;
    const wrap = (v: number) => big ? v | 0 : v & 0xffff;
    let sp = big ? regs[4] : regs[4] & 0xffff;
    let bp = big ? regs[5] : regs[5] & 0xffff;
    const put = (v: number) => { sp = wrap(sp - n); const lin = this.lin(SS, sp, n, true); if (n === 4) this.wr32(lin, v); else this.wr16(lin, v); };
    put(this.o32 ? regs[5] : this.r16[10]);
    const frame = sp;
    if (level > 0) {
      for (let i = 1; i < level; i++) {
        bp = wrap(bp - n);
        const v = n === 4 ? this.rd32(this.lin(SS, bp, 4, false)) : this.rd16(this.lin(SS, bp, 2, false));
        put(v);
      }
      put(frame);
    }
    const newSp = wrap(sp - size);
    this.lin(SS, newSp, 1, true);
    if (this.o32) regs[5] = frame; else this.r16[10] = frame;
    if (big) regs[4] = newSp; else this.r16[8] = newSp;
  }

  // ---- BCD -----------------------------------------------------------------------------

  private daa(): void {
    const al = this.r8[0], cf = this.getCF(), af = this.getAF();
    let r = al, ncf = 0, naf = 0;
    if ((al & 0xf) > 9 || af) { r = (r + 6) & 0xff; naf = 1; }
    if (al > 0x99 || cf) { r = (r + 0x60) & 0xff; ncf = 1; }
    this.r8[0] = r;
    this.setResultFlags(r, 8, ncf, 0, naf);
  }

  private das(): void {
    const al = this.r8[0], cf = this.getCF(), af = this.getAF();
    let r = al, ncf = 0, naf = 0;
    if ((al & 0xf) > 9 || af) { r = (r - 6) & 0xff; naf = 1; if (al < 6) ncf = 1; }
    if (al > 0x99 || cf) { r = (r - 0x60) & 0xff; ncf = 1; }
    this.r8[0] = r;
    this.setResultFlags(r, 8, ncf, 0, naf);
  }

  private aaa(): void {
    const af = this.getAF();
    if ((this.r8[0] & 0xf) > 9 || af) {
      this.r16[0] = this.r16[0] + 0x106;
      this.r8[0] &= 0xf;
      this.setResultFlags(this.r8[0], 8, 1, 0, 1);
    } else {
      this.r8[0] &= 0xf;
      this.setResultFlags(this.r8[0], 8, 0, 0, 0);
    }
  }

  private aas(): void {
    const af = this.getAF();
    if ((this.r8[0] & 0xf) > 9 || af) {
      this.r16[0] = this.r16[0] - 6;
      this.r8[1] = this.r8[1] - 1;
      this.r8[0] &= 0xf;
      this.setResultFlags(this.r8[0], 8, 1, 0, 1);
    } else {
      this.r8[0] &= 0xf;
      this.setResultFlags(this.r8[0], 8, 0, 0, 0);
    }
  }
}

/** Prefix bytes (legacy prefixes of the one-byte map). */
const PREFIX = new Uint8Array(256);
for (const p of [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]) PREFIX[p] = 1;

/** One-byte opcodes that accept a LOCK prefix (the ModR/M checks come later). */
const LOCKABLE = new Uint8Array(256);
for (const op of [0x00, 0x01, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19, 0x20, 0x21, 0x28, 0x29, 0x30, 0x31,
  0x80, 0x81, 0x82, 0x83, 0x86, 0x87, 0xf6, 0xf7, 0xfe, 0xff, 0x0f]) LOCKABLE[op] = 1;

