// What every instruction handler works with: the decode state of the current instruction
// (prefixes, ModR/M, effective address), its register and memory operands and immediates,
// near jumps, operand-size pushes and pops, and the run state that instructions change
// (halt, interrupt shadow, stop requests). The family files (arith.ts, data-move.ts, ...)
// read and write the machine only through this class and the ones below it.

import type { Platform, PlatformRequest } from '../devices/platform-api';
import * as K from './constants';
import * as LF from './lazy-flags';
import { SystemCpu } from './system';
import { Fpu } from './x87';
import { SseUnit } from './sse-unit';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { CS, DS, GP, SS, UD } = K;
const { FlagsCore, SIZE_MASK } = LF;

const R8 = FlagsCore.R8;

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

export class OperandCpu extends SystemCpu {
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

  // Run state that instructions change.
  platform: Platform | null = null;
  readonly fpu: Fpu = new Fpu(this);
  /** XMM0-XMM7 and MXCSR (sse-state.ts). */
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
  readonly msrs = new Map<number, [number, number]>();
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
