// What every instruction handler works with: the decode state of the current instruction
// (prefixes, ModR/M, effective address), its register and memory operands and immediates,
// near jumps, operand-size pushes and pops, and the run state that instructions change
// (halt, interrupt shadow, stop requests). The family files (arith.ts, data-move.ts, ...)
// read and write the machine only through this class and the ones below it.

import type { Platform, PlatformRequest } from '../devices/platform-api';
import * as K from './constants';
import * as LF from './lazy-flags';
import { LongSystemCpu } from './long-transfers';
import { Fpu } from './x87';
import { SseUnit } from './sse-unit';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { CS, DS, GP, SS, UD } = K;
const { FlagsCore, SIZE_MASK } = LF;

const R8 = FlagsCore.R8;
/** r8 index for byte register encodings 0..15 under a REX prefix: SPL BPL SIL DIL, R8B..R15B. */
export const R8_REX = Array.from({ length: 16 }, (_, r) => r * 4);
/** Without REX, encodings 8..15 cannot occur; the table still has 16 entries for one shape. */
export const R8_LEGACY = [...R8, ...R8_REX.slice(8)];
const TWO32 = 4294967296;

/**
 * Opcodes (0F map at 0x100 + opcode) whose ModR/M reg field is an opcode extension or a
 * segment register: REX.R does not extend it (it is ignored there).
 */
const REG_IS_OPCODE = new Uint8Array(0x200);
for (const op of [0x80, 0x81, 0x82, 0x83, 0x8c, 0x8e, 0x8f, 0xc0, 0xc1, 0xc6, 0xc7, 0xd0, 0xd1, 0xd2, 0xd3,
  0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xf6, 0xf7, 0xfe, 0xff,
  0x100, 0x101, 0x10d, 0x118, 0x119, 0x11a, 0x11b, 0x11c, 0x11d, 0x11e, 0x11f, 0x171, 0x172, 0x173, 0x1ae, 0x1ba, 0x1c7]) {
  REG_IS_OPCODE[op] = 1;
}

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

export class OperandCpu extends LongSystemCpu {
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
  // 64-bit mode (LONG-MODE.md, "Decode"): the REX prefix's fields, pre-shifted to add to a
  // 3-bit register number, the operand size 64 (REX.W), the address size 64, and the high
  // half of the effective address.
  rex = 0;
  rexR = 0;
  rexX = 0;
  rexB = 0;
  o64 = false;
  a64 = false;
  eaOffHi = 0;
  /** The byte-register index table in force (AH..BH without REX, SPL..DIL with it). */
  r8i: readonly number[] = R8_LEGACY;
  /** The opcode being executed (0x0F map: 0x100 | opcode): RIP-relative operands need its immediate size. */
  opcode = 0;

  // Run state that instructions change.
  platform: Platform | null = null;
  readonly fpu: Fpu = new Fpu(this);
  /** XMM0-XMM15 (8-15 in 64-bit mode) and MXCSR (sse-state.ts). */
  readonly sse = new SseUnit();
  halted = false;
  /** Look at the interrupt lines before the next instruction. */
  irqPoll = true;
  /** STI / MOV SS shadow: no interrupt before the next instruction completes. */
  shadow = false;
  /** The shadow came from a load of SS (which also delays debug traps). */
  ssShadow = false;
  /** An NMI was delivered and no IRET has run since: further NMIs wait. */
  nmiBlocked = false;
  /** The hypervisor took a physical NMI (NMI exiting) and has yet to inject it (nmi.ts). */
  vnmiPending = false;
  /** It held that NMI while the guest blocked NMIs and asked for an NMI-window exit. */
  nmiWindowArmed = false;
  /** Virtual time skipped while halted (ticks = icount + idleTicks). */
  idleTicks = 0;
  tscOffset = 0;
  pauseRequested = false;
  stopCode = RUN_OK;
  requestPending = false;
  /** A device request taken right after the OUT that caused it; the machine consumes it. */
  pendingRequest: PlatformRequest | null = null;
  /** Reserved bits of the MSRs that have them ([low, high]): WRMSR setting one is #GP(0). */
  readonly msrReserved = new Map<number, readonly [number, number]>();
  /** End of the current slice (icount); shortened when a device's deadline moves closer. */
  limit = 0;
  /** Any enabled DR0-DR3 instruction breakpoint (forces the careful step path). */
  drExecOn = false;

  get ticks(): number { return this.icount + this.idleTicks; }

  // ---- ModR/M and operands ------------------------------------------------------------

  modrm(): void {
    const m = this.fetch8();
    this.mod = m >> 6;
    this.reg = (m >> 3) & 7;
    this.rm = m & 7;
    if (this.rex !== 0) {
      if (REG_IS_OPCODE[this.opcode] === 0) this.reg |= this.rexR;
      if (this.mod === 3) this.rm |= this.rexB;
    }
    if (this.mod !== 3) { if (this.long64) this.ea64(); else this.ea(); }
  }

  /**
   * The effective address in 64-bit mode: REX.X/REX.B extend index and base, registers are
   * 64-bit (32-bit and zero-extended under 67), disp32 is sign-extended, and mod 0 rm 5 is
   * RIP-relative to the end of the instruction (its immediate included).
   */
  ea64(): void {
    const mod = this.mod, rm = this.rm, regs = this.regs, hiR = this.regsHi, a64 = this.a64;
    let seg = DS;
    let lo = 0, hi = 0;
    if (rm === 4) {
      const sib = this.fetch8();
      const base = (sib & 7) | this.rexB, idx = ((sib >> 3) & 7) | this.rexX, sc = sib >> 6;
      if ((base & 7) === 5 && mod === 0) { lo = this.fetch32(); hi = lo >> 31; }
      else { lo = regs[base]; hi = hiR[base]; if (base === 4 || base === 5) seg = SS; }  // R12/R13 default to DS
      if (idx !== 4) {
        let il = regs[idx], ih = hiR[idx];
        if (sc !== 0) { ih = (ih << sc) | (il >>> (32 - sc)); il <<= sc; }
        const s0 = (lo + il) | 0;
        hi = (hi + ih + ((s0 >>> 0) < (lo >>> 0) ? 1 : 0)) | 0; lo = s0;
      }
    } else if (rm === 5 && mod === 0) {
      const d = this.fetch32();
      // RIP of the next instruction: this one's remaining immediate bytes, then disp32.
      let l = (this.eip >>> 0) + this.immAfterModrm();
      let h = this.ripHi;
      if (l >= TWO32) { l -= TWO32; h = (h + 1) | 0; }
      lo = l | 0; hi = h;
      const s0 = (lo + d) | 0;
      hi = (hi + (d >> 31) + ((s0 >>> 0) < (lo >>> 0) ? 1 : 0)) | 0; lo = s0;
      if (!a64) hi = 0;
      this.eaSeg = this.segOvr >= 0 ? this.segOvr : DS;
      this.eaOff = lo; this.eaOffHi = hi;
      return;
    } else {
      const r = rm | this.rexB;
      lo = regs[r]; hi = hiR[r];
      if (r === 5) seg = SS;
    }
    if (mod !== 0) {
      const d = mod === 1 ? (this.fetch8() << 24) >> 24 : this.fetch32();
      const s0 = (lo + d) | 0;
      hi = (hi + (d >> 31) + ((s0 >>> 0) < (lo >>> 0) ? 1 : 0)) | 0; lo = s0;
    }
    if (!a64) hi = 0;
    this.eaSeg = this.segOvr >= 0 ? this.segOvr : seg;
    this.eaOff = lo; this.eaOffHi = hi;
  }

  /** Bytes of immediate after the ModR/M operand of the current opcode (RIP-relative addressing). */
  private immAfterModrm(): number {
    const op = this.opcode;
    const z = this.o32 || this.o64 ? 4 : 2;
    switch (op) {
      case 0x69: case 0x81: case 0xc7: return z;
      case 0x6b: case 0x80: case 0x82: case 0x83: case 0xc0: case 0xc1: case 0xc6: return 1;
      case 0xf6: return (this.reg & 7) < 2 ? 1 : 0;
      case 0xf7: return (this.reg & 7) < 2 ? z : 0;
      case 0x170: case 0x171: case 0x172: case 0x173: case 0x1a4: case 0x1ac: case 0x1ba:
      case 0x1c2: case 0x1c4: case 0x1c5: case 0x1c6: case 0x13a: return 1;
      default: return 0;
    }
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
    if (this.long64) return this.eaLin64(size, write, extra);
    const off = this.a32 ? (this.eaOff + extra) | 0 : (this.eaOff + extra) & 0xffff;
    return this.lin(this.eaSeg, off, size, write);
  }

  /** eaLin in 64-bit mode: the 64-bit offset plus `extra`, canonical-checked (#SS for the stack). */
  eaLin64(size: number, write: boolean, extra: number): number {
    let lo = this.eaOff, hi = this.eaOffHi;
    if (extra !== 0) {
      const s0 = (lo + extra) | 0;
      if ((s0 >>> 0) < (lo >>> 0)) hi = (hi + 1) | 0;
      lo = s0;
      if (!this.a64) hi = 0;
    }
    return this.lin64(this.eaSeg, lo, hi, size, write);
  }

  /** Operand size of the current instruction: 16, 32 or (REX.W) 64. */
  get osize(): number { return this.o64 ? 64 : this.o32 ? 32 : 16; }

  // 64-bit operands (64-bit mode): the low half returned or passed, the high half in `opHi`
  // (read) or as an argument (write).
  /** Scratch: the high half of the last 64-bit operand read. */
  opHi = 0;

  getE64(): number {
    if (this.mod === 3) { this.opHi = this.regsHi[this.rm]; return this.regs[this.rm]; }
    const lo = this.rd64(this.eaLin(8, false));
    this.opHi = this.rdHi;
    return lo;
  }
  setE64(lo: number, hi: number): void {
    if (this.mod === 3) { this.regs[this.rm] = lo; this.regsHi[this.rm] = hi; return; }
    this.wr64(this.eaLin(8, true), lo, hi);
  }
  getG64(): number { this.opHi = this.regsHi[this.reg]; return this.regs[this.reg]; }
  setG64(lo: number, hi: number): void { this.regs[this.reg] = lo; this.regsHi[this.reg] = hi; }
  setR64(r: number, lo: number, hi: number): void { this.regs[r] = lo; this.regsHi[r] = hi; }

  /** Back to the start of the current instruction (a REP instruction resuming later). */
  restartInstruction(): void {
    this.eip = this.instrEip;
    if (this.ripHiAt === this.icount) this.ripHi = this.ripHiUndo;
  }

  /** The ModR/M byte ahead, not consumed (handlers that choose before decoding). */
  peekModrm(): number {
    const e = this.eip, h = this.ripHi;
    const m = this.fetch8();
    this.eip = e;
    this.ripHi = h;
    return m;
  }

  peekModrmReg(): number { return (this.peekModrm() >> 3) & 7; }

  /** Register r's 64 bits: the low half returned, the high half in opHi. */
  getR64(r: number): number { this.opHi = this.regsHi[r]; return this.regs[r]; }

  /** Operand of `bits` (8/16/32/64) from E: for 64 the high half in opHi. */
  getEv(bits: number): number { return bits === 64 ? this.getE64() : this.getE(bits); }
  /** Write E with `bits`; a 32-bit register write zeroes the high half. */
  setEv(bits: number, lo: number, hi: number): void { if (bits === 64) this.setE64(lo, hi); else this.setE(bits, lo); }
  getGv(bits: number): number { return bits === 64 ? this.getG64() : this.getG(bits); }
  setGv(bits: number, lo: number, hi: number): void { if (bits === 64) this.setG64(lo, hi); else this.setG(bits, lo); }
  getRv(bits: number, r: number): number { return bits === 64 ? this.getR64(r) : this.getR(bits, r); }
  setRv(bits: number, r: number, lo: number, hi: number): void { if (bits === 64) this.setR64(r, lo, hi); else this.setR(bits, r, lo); }

  // ---- 64-bit mode RIP -------------------------------------------------------------------

  /** A near branch to hi:lo: a non-canonical target is #GP(0) at the branch (as Intel parts do). */
  jumpTo64(lo: number, hi: number): void {
    if (((hi << 16) >> 16) !== hi) this.fault(GP, 0);
    this.setRip(lo, hi);
  }

  /** RIP + d (d a sign-extended displacement): the low half returned, the high half in opHi. */
  ripPlus(d: number): number {
    const s = (this.eip >>> 0) + d;
    this.opHi = s >= TWO32 ? (this.ripHi + 1) | 0 : s < 0 ? (this.ripHi - 1) | 0 : this.ripHi;
    return s | 0;
  }

  jumpRel64(d: number): void { const lo = this.ripPlus(d); this.jumpTo64(lo, this.opHi); }

  getE8(): number { return this.mod === 3 ? this.r8[this.r8i[this.rm]] : this.rd8(this.eaLin(1, false)); }
  getE16(): number { return this.mod === 3 ? this.r16[this.rm << 1] : this.rd16(this.eaLin(2, false)); }
  getE32(): number { return this.mod === 3 ? this.regs[this.rm] : this.rd32(this.eaLin(4, false)); }
  setE8(v: number): void { if (this.mod === 3) this.r8[this.r8i[this.rm]] = v; else this.wr8(this.eaLin(1, true), v); }
  setE16(v: number): void { if (this.mod === 3) this.r16[this.rm << 1] = v; else this.wr16(this.eaLin(2, true), v); }
  setE32(v: number): void { if (this.mod === 3) { this.regs[this.rm] = v; this.regsHi[this.rm] = 0; } else this.wr32(this.eaLin(4, true), v); }
  getE(bits: number): number { return bits === 32 ? this.getE32() : bits === 16 ? this.getE16() : this.getE8(); }
  setE(bits: number, v: number): void { if (bits === 32) this.setE32(v); else if (bits === 16) this.setE16(v); else this.setE8(v); }
  getG(bits: number): number { return bits === 32 ? this.regs[this.reg] : bits === 16 ? this.r16[this.reg << 1] : this.r8[this.r8i[this.reg]]; }
  // A 32-bit register write zeroes the high half (64-bit mode; elsewhere it is not visible).
  setG(bits: number, v: number): void {
    if (bits === 32) { this.regs[this.reg] = v; this.regsHi[this.reg] = 0; } else if (bits === 16) this.r16[this.reg << 1] = v; else this.r8[this.r8i[this.reg]] = v;
  }
  getR(bits: number, r: number): number { return bits === 32 ? this.regs[r] : bits === 16 ? this.r16[r << 1] : this.r8[this.r8i[r]]; }
  setR(bits: number, r: number, v: number): void {
    if (bits === 32) { this.regs[r] = v; this.regsHi[r] = 0; } else if (bits === 16) this.r16[r << 1] = v; else this.r8[this.r8i[r]] = v;
  }
  imm(bits: number): number { return bits === 32 ? this.fetch32() : bits === 16 ? this.fetch16() : this.fetch8(); }
  /** Immediate byte sign-extended to `bits`, masked. */
  imm8s(bits: number): number { return ((this.fetch8() << 24) >> 24) & SIZE_MASK[bits >> 3]; }

  get vbits(): number { return this.o32 ? 32 : 16; }

  readMem(bits: number, lin: number): number {
    return bits === 8 ? this.rd8(lin) : bits === 16 ? this.rd16(lin) : this.rd32(lin);
  }
  writeMem(bits: number, lin: number, v: number): void {
    if (bits === 8) this.wr8(lin, v); else if (bits === 16) this.wr16(lin, v); else this.wr32(lin, v);
  }

  // ---- near jumps, operand-size stack, far pointers ------------------------------------

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

  /** LES/LDS/LSS/LFS/LGS: offset and selector from memory. */
  loadFarPointer(seg: number): void {
    this.modrm(); this.needMem();
    const bits = this.vbits;
    const off = bits === 32 ? this.rd32(this.eaLin(4, false)) : this.rd16(this.eaLin(2, false));
    const sel = this.rd16(this.eaLin(2, false, bits >> 3));
    this.loadSeg(seg, sel);
    if (seg === SS) this.holdInterrupts();
    this.setG(bits, off);
  }

  /** A load of SS: no interrupt and no debug trap until the next instruction completes. */
  holdInterrupts(): void { this.shadow = true; this.ssShadow = true; this.attn = true; }

  // ---- time and debug registers ---------------------------------------------------------

  /** After an access that may have re-armed a device timer: end the slice at its new deadline. */
  recheckDeadline(): void {
    const p = this.platform;
    if (!p) return;
    const dl = p.nextDeadline();
    if (!(dl < Infinity)) return;
    const lim = this.icount + 1 + Math.max(0, Math.ceil(dl - this.ticks));
    if (lim < this.limit) this.limit = lim;
  }

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
}
