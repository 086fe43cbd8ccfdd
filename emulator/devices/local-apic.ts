// The local APIC of a one-CPU system, memory-mapped at 0xFEE00000 (4 KiB), following the
// SDM Vol. 3 ch. 10 (xAPIC): ID, version, TPR/APR/PPR, EOI, LDR/DFR, SVR with the software
// enable bit, ISR/TMR/IRR, ESR (write to latch), ICR (fixed and NMI IPIs reaching this CPU
// are delivered: self, all-including-self, or a destination that matches; all-excluding-self
// and INIT/SIPI/SMI reach nobody as no other CPU exists; delivery status always idle), LVT
// timer/thermal/perf/LINT0/LINT1/error with the LINT pins as inputs (fixed, NMI or ExtINT),
// and the timer (one-shot and periodic) counting at APIC_BUS_HZ / divide from virtual time.
// An NMI is latched in `nmiPending` until the CPU takes it (takeNmi).
// The starting state is what SeaBIOS leaves on QEMU's boot CPU: software-enabled with
// spurious vector 0xFF, LINT0 ExtINT and LINT1 NMI (virtual-wire mode), so the 8259 reaches
// the CPU through LINT0 until the guest masks it.

import type { AccessSize, MmioHandler } from './platform-api';
import { APIC_BUS_HZ, INSTRUCTION_NS } from './timebase';
import { loadFields, saveFields } from './state-copy';

export const APIC_BASE = 0xfee00000;
const VERSION = 0x00050014;              // integrated APIC, 6 LVT entries (max LVT index 5)
const LVT_MASKED = 1 << 16;
const NS_PER_BUS_TICK = 1e9 / APIC_BUS_HZ;

const LVT_TIMER = 0, LVT_THERMAL = 1, LVT_PERF = 2, LVT_LINT0 = 3, LVT_LINT1 = 4, LVT_ERROR = 5;
const LVT_WRITABLE = [0x710ff, 0x117ff, 0x117ff, 0x1f7ff, 0x1f7ff, 0x110ff];

export class LocalApic implements MmioHandler {
  id = 0;
  tpr = 0;
  ldr = 0;
  dfr = 0xffffffff;
  svr = 0x1ff;
  isr = new Uint32Array(8);
  tmr = new Uint32Array(8);
  irr = new Uint32Array(8);
  esr = 0;             // readable error status (latched by an ESR write)
  esrPending = 0;      // errors since the last latch
  icrLow = 0;
  icrHigh = 0;
  lvt = new Uint32Array(6);
  initialCount = 0;
  divideConfig = 0;
  timerStart = 0;      // icount when the current count was loaded
  timerFired = 0;      // expiries already delivered since timerStart
  /** An NMI accepted and not yet taken by the CPU (NMIs do not queue: one is latched). */
  nmiPending = false;
  /** The levels on the LINT0 and LINT1 pins. */
  lint0 = false;
  lint1 = false;

  /** Called with the vector of a level-triggered interrupt the guest EOIs (to the I/O APIC). */
  onLevelEoi: (vector: number) => void = () => {};

  constructor(private readonly now: () => number) {
    this.reset();
  }

  reset(): void {
    this.id = 0; this.tpr = 0; this.ldr = 0; this.dfr = 0xffffffff; this.svr = 0x1ff;
    this.isr.fill(0); this.tmr.fill(0); this.irr.fill(0);
    this.esr = 0; this.esrPending = 0; this.icrLow = 0; this.icrHigh = 0;
    this.lvt.fill(LVT_MASKED);
    this.lvt[LVT_LINT0] = 0x8700;          // ExtINT, level
    this.lvt[LVT_LINT1] = 0x8400;          // NMI, level
    this.initialCount = 0; this.divideConfig = 0; this.timerStart = this.now(); this.timerFired = 0;
    this.nmiPending = false;
  }

  /** The CPU takes the latched NMI, if any. */
  takeNmi(): boolean {
    const n = this.nmiPending;
    this.nmiPending = false;
    return n;
  }

  /**
   * Drive LINT0 or LINT1 to `level`. What the pin does is its LVT entry's: NMI on a rising edge
   * (NMIs are edge-sensitive whatever the trigger bit says), a fixed vector on a rising edge or,
   * level-triggered, while high; ExtINT is the 8259's path (picAllowed). A masked entry drops it.
   */
  setLint(pin: 0 | 1, level: boolean): void {
    const was = pin === 0 ? this.lint0 : this.lint1;
    if (pin === 0) this.lint0 = level; else this.lint1 = level;
    const l = this.lvt[pin === 0 ? LVT_LINT0 : LVT_LINT1];
    if (l & LVT_MASKED) return;
    const mode = (l >> 8) & 7;
    const levelTriggered = (l & 0x8000) !== 0;
    if (mode === 4) { if (level && !was) this.nmiPending = true; return; }
    if (mode === 0 && level && (!was || levelTriggered)) this.deliver(l & 0xff, levelTriggered);
  }

  /** Whether a rising edge on the pin would be an NMI (its LVT entry unmasked, NMI mode). */
  lintIsNmi(pin: 0 | 1): boolean {
    const l = this.lvt[pin === 0 ? LVT_LINT0 : LVT_LINT1];
    return (l & LVT_MASKED) === 0 && ((l >> 8) & 7) === 4;
  }

  get softwareEnabled(): boolean { return (this.svr & 0x100) !== 0; }

  /** Whether the 8259's INTR reaches the CPU through LINT0 (ExtINT, unmasked) or a disabled APIC. */
  picAllowed(): boolean {
    if (!this.softwareEnabled) return true;
    const l = this.lvt[LVT_LINT0];
    return (l & LVT_MASKED) === 0 && ((l >> 8) & 7) === 7;
  }

  // --- interrupt state ------------------------------------------------------------------

  private static highest(bits: Uint32Array): number {
    for (let w = 7; w >= 0; w--) if (bits[w] !== 0) return w * 32 + 31 - Math.clz32(bits[w]);
    return -1;
  }

  private ppr(): number {
    const isrv = LocalApic.highest(this.isr);
    const cls = isrv < 0 ? 0 : isrv & 0xf0;
    return (this.tpr & 0xf0) >= cls ? this.tpr & 0xff : cls;
  }

  /** The vector the APIC would hand the CPU now, or -1. */
  pendingVector(): number {
    if (!this.softwareEnabled) return -1;
    const v = LocalApic.highest(this.irr);
    if (v < 0) return -1;
    return (v & 0xf0) > (this.ppr() & 0xf0) ? v : -1;
  }

  /** INTA: IRR -> ISR for the pending vector. */
  acknowledge(): number {
    const v = this.pendingVector();
    if (v < 0) return -1;
    this.irr[v >> 5] &= ~(1 << (v & 31));
    this.isr[v >> 5] |= 1 << (v & 31);
    return v;
  }

  /** Record an APIC error; the LVT error entry, when unmasked, interrupts with its vector. */
  private error(bit: number): void {
    this.esrPending |= bit;
    const l = this.lvt[LVT_ERROR];
    if ((l & LVT_MASKED) === 0 && (l & 0xff) >= 16) this.deliver(l & 0xff);
  }

  /** Accept a fixed-mode interrupt into IRR. Vectors 0-15 are illegal and only set ESR. */
  deliver(vector: number, level = false): void {
    vector &= 0xff;
    if (vector < 16) { this.error(0x40); return; }          // received illegal vector
    if (!this.softwareEnabled) return;
    this.irr[vector >> 5] |= 1 << (vector & 31);
    if (level) this.tmr[vector >> 5] |= 1 << (vector & 31);
    else this.tmr[vector >> 5] &= ~(1 << (vector & 31));
  }

  private eoi(): void {
    const v = LocalApic.highest(this.isr);
    if (v < 0) return;
    this.isr[v >> 5] &= ~(1 << (v & 31));
    if (this.tmr[v >> 5] & (1 << (v & 31))) this.onLevelEoi(v);
  }

  /** Whether a message to `dest` (physical APIC ID, or logical with the LDR/DFR model) reaches this APIC. */
  accepts(dest: number, logical: boolean): boolean {
    if (!logical) return dest === this.id || dest === 0xff;
    return (this.dfr >>> 28) === 0xf ? ((this.ldr >>> 24) & dest) !== 0
      : (dest >> 4) === (this.ldr >>> 28) && ((this.ldr >>> 24) & dest & 0x0f) !== 0;
  }

  // --- timer ----------------------------------------------------------------------------

  private divisor(): number {
    const d = (this.divideConfig & 3) | ((this.divideConfig >> 1) & 4);
    return d === 7 ? 1 : 2 << d;
  }

  private periodic(): boolean { return ((this.lvt[LVT_TIMER] >> 17) & 3) === 1; }

  /** Timer ticks elapsed since the count was loaded. */
  private timerTicks(now: number): number {
    return Math.floor(((now - this.timerStart) * INSTRUCTION_NS) / (NS_PER_BUS_TICK * this.divisor()));
  }

  private currentCount(now: number): number {
    if (this.initialCount === 0) return 0;
    const t = this.timerTicks(now);
    if (this.periodic()) return this.initialCount - (t % this.initialCount);
    return t >= this.initialCount ? 0 : this.initialCount - t;
  }

  /** Icount of the k-th expiry since the load. */
  private expiryAt(k: number): number {
    const ns = k * this.initialCount * this.divisor() * NS_PER_BUS_TICK;
    return this.timerStart + Math.ceil(ns / INSTRUCTION_NS);
  }

  tick(): void {
    if (this.initialCount === 0) return;
    const t = this.timerTicks(this.now());
    const due = this.periodic() ? Math.floor(t / this.initialCount) : t >= this.initialCount ? 1 : 0;
    if (due > this.timerFired) {
      this.timerFired = due;
      const l = this.lvt[LVT_TIMER];
      if ((l & LVT_MASKED) === 0) this.deliver(l & 0xff);
    }
  }

  nextDeadline(): number {
    if (this.initialCount === 0) return Infinity;
    if (!this.periodic() && this.timerFired >= 1) return Infinity;
    return this.expiryAt(this.timerFired + 1);
  }

  /** Re-base the timer at `now` keeping its current count (used when the divisor or mode changes). */
  private rebase(now: number, count: number, keepPeriod: number): void {
    this.timerStart = now;
    this.timerFired = 0;
    if (this.initialCount === 0) return;
    if (count === 0) {
      // An expired one-shot stays expired: place its single expiry in the past.
      this.timerFired = 1;
      this.timerStart = now - Math.ceil((this.initialCount * this.divisor() * NS_PER_BUS_TICK) / INSTRUCTION_NS);
      return;
    }
    // Shift the start back so the count continues from `count`.
    const elapsedTicks = keepPeriod - count;
    this.timerStart = now - Math.floor((elapsedTicks * this.divisor() * NS_PER_BUS_TICK) / INSTRUCTION_NS);
  }

  // --- ICR --------------------------------------------------------------------------------

  private sendIpi(low: number): void {
    const vector = low & 0xff;
    const mode = (low >> 8) & 7;
    const shorthand = (low >> 18) & 3;
    const physical = (low & 0x800) === 0;
    const dest = this.icrHigh >>> 24;
    let toSelf: boolean;
    switch (shorthand) {
      case 1: case 2: toSelf = true; break;
      case 3: toSelf = false; break;
      default: toSelf = this.accepts(dest, !physical);
    }
    if (mode === 0 || mode === 1) {         // fixed, lowest priority
      if (vector < 16) { this.error(0x20); return; }         // send illegal vector
      if (toSelf) this.deliver(vector, (low & 0x8000) !== 0);
    }
    if (mode === 4 && toSelf) this.nmiPending = true;        // NMI: the vector field is ignored
    // INIT, SIPI, SMI: to others nobody else is on the bus; to self they are not modelled.
  }

  // --- MMIO -------------------------------------------------------------------------------

  private readReg(off: number): number {
    const now = this.now();
    switch (off) {
      case 0x020: return this.id << 24;
      case 0x030: return VERSION;
      case 0x080: return this.tpr;
      case 0x090: return 0;
      case 0x0a0: return this.ppr();
      case 0x0d0: return this.ldr;
      case 0x0e0: return this.dfr;
      case 0x0f0: return this.svr;
      case 0x280: return this.esr;
      case 0x300: return this.icrLow & ~0x1000;
      case 0x310: return this.icrHigh;
      case 0x320: return this.lvt[LVT_TIMER];
      case 0x330: return this.lvt[LVT_THERMAL];
      case 0x340: return this.lvt[LVT_PERF];
      case 0x350: return this.lvt[LVT_LINT0];
      case 0x360: return this.lvt[LVT_LINT1];
      case 0x370: return this.lvt[LVT_ERROR];
      case 0x380: return this.initialCount;
      case 0x390: this.tick(); return this.currentCount(now);
      case 0x3e0: return this.divideConfig;
    }
    if (off >= 0x100 && off < 0x180) return this.isr[(off - 0x100) >> 4];
    if (off >= 0x180 && off < 0x200) return this.tmr[(off - 0x180) >> 4];
    if (off >= 0x200 && off < 0x280) { this.tick(); return this.irr[(off - 0x200) >> 4]; }
    return 0;
  }

  private writeReg(off: number, v: number): void {
    const now = this.now();
    switch (off) {
      case 0x020: this.id = v >>> 24; return;
      case 0x080: this.tpr = v & 0xff; return;
      case 0x0b0: this.eoi(); return;
      case 0x0d0: this.ldr = v & 0xff000000; return;
      case 0x0e0: this.dfr = (v | 0x0fffffff) >>> 0; return;
      case 0x0f0:
        this.svr = v & 0x1ff;
        if (!(this.svr & 0x100)) for (let i = 0; i < 6; i++) this.lvt[i] |= LVT_MASKED;
        return;
      case 0x280: this.esr = this.esrPending; this.esrPending = 0; return;
      case 0x300: this.icrLow = v & 0x000ccfff; this.sendIpi(v); return;
      case 0x310: this.icrHigh = v & 0xff000000; return;
      case 0x320: case 0x330: case 0x340: case 0x350: case 0x360: case 0x370: {
        const i = (off - 0x320) >> 4;
        let nv = v & LVT_WRITABLE[i];
        if (!this.softwareEnabled) nv |= LVT_MASKED;
        if (i === LVT_TIMER && ((nv >> 17) & 3) !== ((this.lvt[i] >> 17) & 3)) {
          this.tick();
          const cur = this.currentCount(now);
          this.lvt[i] = nv;
          this.rebase(now, cur, this.initialCount);
          return;
        }
        this.lvt[i] = nv;
        return;
      }
      case 0x380:
        this.initialCount = v >>> 0;
        this.timerStart = now;
        this.timerFired = 0;
        return;
      case 0x3e0: {
        this.tick();
        const cur = this.currentCount(now);
        this.divideConfig = v & 0x0b;
        this.rebase(now, cur, this.initialCount);
        return;
      }
    }
  }

  read(offset: number, size: AccessSize): number {
    const reg = offset & 0xff0;
    const v = this.readReg(reg) >>> 0;
    const shift = (offset & 3) * 8;
    if (size === 4) return (offset & 0xf) === 0 ? v : 0;
    return (v >>> shift) & (size === 1 ? 0xff : 0xffff);
  }

  write(offset: number, size: AccessSize, value: number): void {
    // The xAPIC decodes only aligned 32-bit writes to the start of a register.
    if (size !== 4 || (offset & 0xf) !== 0) return;
    this.writeReg(offset & 0xff0, value >>> 0);
  }

  save(): unknown { return saveFields(this); }
  load(s: unknown): void { loadFields(this, s as Record<string, unknown>); }
}
