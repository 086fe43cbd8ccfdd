// The HPET (IA-PC HPET specification 1.0a) at 0xFED00000: a 64-bit main counter at 100 MHz
// (a 10 ns period: one count per virtual tick, so it is the tick count itself while
// enabled) and three comparators, each one-shot or periodic, 32- or 64-bit, edge or level,
// routed to an I/O APIC input its capability allows, or in legacy replacement mode timer 0
// to IRQ 0 / GSI 2 and timer 1 to IRQ 8 (the PIT and RTC lose those lines). No FSB delivery.
// Everything is computed from virtual time when read; nextDeadline() is the exact tick of
// the next comparator match.

import type { AccessSize, MmioHandler } from './platform-api';
import { INSTRUCTION_NS } from './timebase';

export const HPET_BASE = 0xfed00000;
export const HPET_TIMERS = 3;
/** Counter period in femtoseconds: one count per virtual tick. */
export const HPET_PERIOD_FS = INSTRUCTION_NS * 1_000_000;
/** I/O APIC inputs each timer may be routed to: GSI 2 (as QEMU's PC offers), and 20-23 as an ICH does. */
export const HPET_ROUTE_CAP = 0x00f00004;
const VENDOR_INTEL = 0x8086;
/** GCAP_ID low word: revision 1, NUM_TIM_CAP, 64-bit counter, legacy replacement capable. */
export const HPET_CAP_LOW = (VENDOR_INTEL << 16) | (1 << 15) | (1 << 13) | ((HPET_TIMERS - 1) << 8) | 1;

const ENABLE_CNF = 1, LEG_RT_CNF = 2;
const TN_INT_TYPE = 1 << 1, TN_INT_ENB = 1 << 2, TN_TYPE_PERIODIC = 1 << 3, TN_PER_INT_CAP = 1 << 4;
const TN_SIZE_CAP = 1 << 5, TN_VAL_SET = 1 << 6, TN_32MODE = 1 << 8;
const TN_WRITABLE = TN_INT_TYPE | TN_INT_ENB | TN_TYPE_PERIODIC | TN_VAL_SET | TN_32MODE | (0x1f << 9);
const TWO32 = 2 ** 32;

/** How the HPET drives interrupt lines; the platform wires these to the I/O APIC and PIC. */
export interface HpetLines {
  /** Timer `timer` drives I/O APIC input `gsi` (or legacy ISA `irq` when in legacy mode) to `level`. */
  set(timer: number, gsi: number, legacyIrq: number, level: boolean): void;
}

export class Hpet implements MmioHandler {
  config = 0;
  /** Counter value when it was last stopped or written, and the tick it has counted from since. */
  counterBase = 0;
  counterSince = 0;
  isr = 0;
  tconf = [0, 0, 0];
  /** Comparator (the next match) and period, as 32-bit halves: a double cannot hold 64 bits. */
  cmpHi = [0, 0, 0];
  cmpLo = [0, 0, 0];
  perHi = [0, 0, 0];
  perLo = [0, 0, 0];
  /** Per timer, the line it is driving high (level mode) or -1. */
  driving = [-1, -1, -1];
  /** Per timer, the counter value up to which matches have been handled. */
  seen = [-1, -1, -1];

  constructor(private readonly now: () => number, private readonly lines: HpetLines) { this.reset(); }

  reset(): void {
    for (let t = 0; t < HPET_TIMERS; t++) this.dropLine(t);
    this.config = 0; this.counterBase = 0; this.counterSince = this.now(); this.isr = 0;
    this.tconf = [0, 0, 0];
    this.cmpHi = [0xffffffff, 0xffffffff, 0xffffffff]; this.cmpLo = [0xffffffff, 0xffffffff, 0xffffffff];
    this.perHi = [0, 0, 0]; this.perLo = [0, 0, 0];
    this.seen = [-1, -1, -1];
  }

  get enabled(): boolean { return (this.config & ENABLE_CNF) !== 0; }
  /** Legacy replacement: the PIT's IRQ 0 and the RTC's IRQ 8 are cut off. */
  get legacy(): boolean { return (this.config & (ENABLE_CNF | LEG_RT_CNF)) === (ENABLE_CNF | LEG_RT_CNF); }

  counter(): number { return this.enabled ? this.counterBase + (this.now() - this.counterSince) : this.counterBase; }

  private is32(t: number): boolean { return (this.tconf[t] & TN_32MODE) !== 0; }
  /** As numbers (exact below 2^53; anything larger is further away than any run lasts). */
  private cmp(t: number): number { return this.is32(t) ? this.cmpLo[t] : this.cmpHi[t] * TWO32 + this.cmpLo[t]; }
  private period(t: number): number { return this.is32(t) ? this.perLo[t] : this.perHi[t] * TWO32 + this.perLo[t]; }
  private setCmp(t: number, v: number): void { this.cmpHi[t] = this.is32(t) ? this.cmpHi[t] : Math.floor(v / TWO32) >>> 0; this.cmpLo[t] = v % TWO32; }

  /**
   * The tick at which timer t's comparator next matches after the counter value it was last
   * checked at (so a check that comes late still sees the match), or Infinity.
   */
  private matchTick(t: number): number {
    if (!this.enabled) return Infinity;
    const from = this.seen[t] + 1;
    let target = this.cmp(t);
    if (this.is32(t)) {
      // A 32-bit comparator matches the counter's low half: the next time they are equal.
      const low = from % TWO32;
      target = from - low + target + (target < low ? TWO32 : 0);
    } else if (target < from) {
      return Infinity;                    // a 64-bit comparator the counter has passed
    }
    return this.counterSince + (target - this.counterBase);
  }

  /** From now on, only matches after the current counter value count. */
  private rearm(t: number): void { this.seen[t] = this.counter() - 1; }

  private counts(t: number): boolean {
    return (this.tconf[t] & (TN_INT_ENB | TN_TYPE_PERIODIC)) !== 0;
  }

  nextDeadline(): number {
    let d = Infinity;
    for (let t = 0; t < HPET_TIMERS; t++) if (this.counts(t)) d = Math.min(d, this.matchTick(t));
    return d;
  }

  /** Fire every comparator that matched by now. */
  tick(): void {
    if (!this.enabled) return;
    const now = this.now(), c = this.counter();
    for (let t = 0; t < HPET_TIMERS; t++) {
      if (!this.counts(t)) continue;
      const at = this.matchTick(t);
      if (at > now) { this.seen[t] = c; continue; }
      const matched = this.counterBase + (at - this.counterSince);
      this.seen[t] = c;
      // A periodic comparator moves on by its period, past every match up to now (missed
      // periods are not interrupts of their own, as a tick that came late shows one).
      const period = this.period(t);
      if ((this.tconf[t] & TN_TYPE_PERIODIC) && period > 0) {
        this.setCmp(t, matched + (Math.floor((c - matched) / period) + 1) * period);
      }
      if (this.tconf[t] & TN_INT_ENB) this.interrupt(t);
    }
  }

  private route(t: number): { gsi: number; irq: number } {
    if (this.legacy && t < 2) return t === 0 ? { gsi: 2, irq: 0 } : { gsi: 8, irq: 8 };
    return { gsi: (this.tconf[t] >> 9) & 0x1f, irq: -1 };
  }

  private interrupt(t: number): void {
    const r = this.route(t);
    if (this.tconf[t] & TN_INT_TYPE) {
      this.isr |= 1 << t;
      this.driving[t] = r.gsi;
      this.lines.set(t, r.gsi, r.irq, true);
    } else {
      this.lines.set(t, r.gsi, r.irq, true);
      this.lines.set(t, r.gsi, r.irq, false);
    }
  }

  private dropLine(t: number): void {
    if (this.driving[t] < 0) return;
    const r = this.route(t);
    this.lines.set(t, this.driving[t], r.irq, false);
    this.driving[t] = -1;
  }

  private readReg(off: number): number {
    const hi = (off & 4) !== 0;
    const reg = off & ~7;
    switch (reg) {
      case 0x000: return hi ? HPET_PERIOD_FS : HPET_CAP_LOW;
      case 0x010: return hi ? 0 : this.config;
      case 0x020: return hi ? 0 : this.isr;
      case 0x0f0: { const c = this.counter(); return hi ? Math.floor(c / TWO32) >>> 0 : c % TWO32; }
    }
    if (reg >= 0x100 && reg < 0x100 + 0x20 * HPET_TIMERS) {
      const t = (reg - 0x100) >> 5, r = reg & 0x1f;
      if (r === 0x00) return hi ? HPET_ROUTE_CAP : this.tconf[t] | TN_PER_INT_CAP | TN_SIZE_CAP;
      if (r === 0x08) return hi ? (this.is32(t) ? 0 : this.cmpHi[t]) : this.cmpLo[t];
      return 0;                               // FSB route: not offered
    }
    return 0;
  }

  private writeReg(off: number, v: number): void {
    const hi = (off & 4) !== 0;
    const reg = off & ~7;
    switch (reg) {
      case 0x010: {
        if (hi) return;
        const was = this.enabled;
        const c = this.counter();
        const legacyBefore = this.legacy;
        if (legacyBefore !== ((v & 3) === 3)) for (let t = 0; t < 2; t++) this.dropLine(t);
        this.config = v & (ENABLE_CNF | LEG_RT_CNF);
        if (was !== this.enabled) {
          this.counterBase = c; this.counterSince = this.now();
          for (let t = 0; t < HPET_TIMERS; t++) this.rearm(t);
        }
        return;
      }
      case 0x020:
        if (hi) return;
        for (let t = 0; t < HPET_TIMERS; t++) {
          if ((v & (1 << t)) && (this.isr & (1 << t))) { this.isr &= ~(1 << t); this.dropLine(t); }
        }
        return;
      case 0x0f0: {
        // Writing the counter while it runs is undefined by the specification; it takes the value.
        const c = this.counter();
        const nv = hi ? (v >>> 0) * TWO32 + (c % TWO32) : Math.floor(c / TWO32) * TWO32 + (v >>> 0);
        this.counterBase = nv; this.counterSince = this.now();
        for (let t = 0; t < HPET_TIMERS; t++) this.rearm(t);
        return;
      }
    }
    if (reg >= 0x100 && reg < 0x100 + 0x20 * HPET_TIMERS) {
      const t = (reg - 0x100) >> 5, r = reg & 0x1f;
      if (r === 0x00) {
        if (hi) return;
        const old = this.tconf[t];
        let nv = (v & TN_WRITABLE) >>> 0;
        // Only routes the capability allows are taken; anything else keeps the old one.
        const gsi = (nv >> 9) & 0x1f;
        if (!(HPET_ROUTE_CAP & (1 << gsi))) nv = (nv & ~(0x1f << 9)) | (old & (0x1f << 9));
        if (((old ^ nv) & (TN_INT_TYPE | (0x1f << 9))) !== 0 || !(nv & TN_INT_ENB)) {
          if (!(nv & TN_INT_TYPE) || ((old ^ nv) & (0x1f << 9))) { this.dropLine(t); this.isr &= ~(1 << t); }
        }
        const counted = this.counts(t);
        this.tconf[t] = nv;
        if (nv & TN_32MODE) { this.cmpHi[t] = 0; this.perHi[t] = 0; }
        if (!counted && this.counts(t)) this.rearm(t);
        return;
      }
      if (r === 0x08) {
        if (hi && this.is32(t)) return;
        const periodic = (this.tconf[t] & TN_TYPE_PERIODIC) !== 0;
        this.rearm(t);
        if (!periodic || (this.tconf[t] & TN_VAL_SET)) {
          // One-shot, or periodic with VAL_SET: the write sets the comparator; for a periodic
          // timer it is the period too until software writes that separately.
          if (hi) this.cmpHi[t] = v >>> 0; else this.cmpLo[t] = v >>> 0;
          if (periodic) { if (hi) this.perHi[t] = v >>> 0; else this.perLo[t] = v >>> 0; }
          if (!hi) this.tconf[t] &= ~TN_VAL_SET;
        } else if (hi) {
          this.perHi[t] = v >>> 0;            // the period (the accumulator's increment)
        } else {
          this.perLo[t] = v >>> 0;
        }
      }
    }
  }

  read(offset: number, size: AccessSize): number {
    if (offset >= 0x400) return 0xffffffff >>> (32 - 8 * size);
    const v = this.readReg(offset & ~3) >>> 0;
    const shift = (offset & 3) * 8;
    return size === 4 ? v : (v >>> shift) & (size === 1 ? 0xff : 0xffff);
  }

  write(offset: number, size: AccessSize, value: number): void {
    // The registers take 32- and 64-bit accesses; narrower writes are ignored (undefined by the spec).
    if (offset >= 0x400 || size !== 4 || (offset & 3) !== 0) return;
    this.writeReg(offset, value >>> 0);
  }
}
