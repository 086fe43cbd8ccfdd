// Intel 8254 programmable interval timer at 0x40-0x43 (channel 0 drives IRQ 0, channel 2
// the speaker gate and port 0x61 bit 5), plus port 0x61 (system control port B).
// Counters are computed from virtual time when read, never stepped: a channel remembers
// when its count was loaded and derives the counter and OUT from the PIT clock edges since.
// Modes 0-5 (6 and 7 alias 2 and 3), lobyte/hibyte/word access, BCD, counter latch and the
// read-back command are modelled. Gate: channels 0 and 1 are tied high; channel 2's gate is
// port 0x61 bit 0: low suspends counting in modes 0 and 4, its rising edge (re)starts modes
// 1, 2, 3 and 5, and holding it low keeps OUT high in modes 2 and 3.

import type { AccessSize, PortHandler } from './platform-api';
import { INSTRUCTION_NS, PIT_HZ, icountForTicks, ticksIn } from './timebase';
import { loadFields, saveFields } from './state-copy';

/** DRAM refresh request toggles every 15.085 us on the AT (port 0x61 bit 4). */
const REFRESH_NS = 15_085;

class Channel {
  mode = 3;
  rw = 3;             // 1 lobyte, 2 hibyte, 3 lobyte then hibyte
  bcd = false;
  count = 0x10000;    // reload value in counts (1..65536, or 1..10000 in BCD)
  loadedAt = 0;       // icount when the count was loaded
  armed = true;       // a count has been loaded since the last control word
  gate = true;
  nullCount = false;
  writeHigh = false;  // lobyte/hibyte write flip-flop: next write is the high byte
  writeLow = 0;
  readHigh = false;   // read flip-flop for live reads
  latched = false;
  latchValue = 0;
  latchHigh = false;
  statusLatched = false;
  statusValue = 0;
  frozen = 0;         // counter value while waiting for a count after a control word
  held = -1;          // modes 0 and 4 with the gate low: elapsed clocks frozen here (else -1)
  fired = 0;          // OUT rising edges already signalled since the load

  elapsed(now: number): number {
    if (this.held >= 0) return this.held;
    return ticksIn(now - this.loadedAt, PIT_HZ);
  }

  /** Gate input. Modes 0 and 4 count only while it is high; modes 1, 2, 3, 5 restart on its rising edge. */
  setGate(gate: boolean, now: number): void {
    if (gate === this.gate) return;
    const countingGated = this.mode === 0 || this.mode === 4;
    if (!gate) {
      if (countingGated && this.armed) this.held = this.elapsed(now);
    } else if (countingGated) {
      if (this.held >= 0) { this.loadedAt = now - icountForTicks(this.held, PIT_HZ); this.held = -1; }
    } else if (this.armed) {
      this.load(now);
    }
    this.gate = gate;
  }

  counter(now: number): number {
    if (!this.armed) return this.frozen;
    const d = this.elapsed(now);
    const n = this.count;
    let v: number;
    switch (this.mode) {
      case 2: v = n - (d % n); break;
      case 3: v = n - ((2 * d) % n); break;
      default: v = n - d; break;          // 0, 1, 4, 5 wrap through 0 and keep counting
    }
    if (this.bcd) { v %= 10000; if (v < 0) v += 10000; return toBcd(v); }
    return v & 0xffff;
  }

  out(now: number): boolean {
    if (!this.armed) return this.mode !== 0;
    const n = this.count;
    if (!this.gate && (this.mode === 2 || this.mode === 3)) return true;
    const d = this.elapsed(now);
    switch (this.mode) {
      case 0: case 1: return d >= n;
      case 2: return d % n !== n - 1;
      case 3: return d % n < ((n + 1) >> 1);
      default: return d !== n;            // 4, 5: one clock low at terminal count
    }
  }

  /** PIT tick (since load) of the k-th OUT rising edge, k >= 1; Infinity if none. */
  edgeTick(k: number): number {
    switch (this.mode) {
      case 2: case 3: return k * this.count;
      case 0: case 1: return k === 1 ? this.count : Infinity;
      default: return k === 1 ? this.count + 1 : Infinity;
    }
  }

  load(now: number): void {
    this.armed = true;
    this.nullCount = false;
    this.loadedAt = now;
    this.fired = 0;
    this.held = !this.gate && (this.mode === 0 || this.mode === 4) ? 0 : -1;
  }

  setCount(raw: number, now: number): void {
    let n = raw & 0xffff;
    if (this.bcd) n = fromBcd(n) || 10000;
    else if (n === 0) n = 0x10000;
    // A count of 1 is illegal in modes 2 and 3 on the 8254; treat it as 2 rather than divide by zero paths.
    if (n === 1 && (this.mode === 2 || this.mode === 3)) n = 2;
    this.count = n;
    this.load(now);
  }

  status(now: number): number {
    return (this.out(now) ? 0x80 : 0) | (this.nullCount ? 0x40 : 0) | (this.rw << 4) | (this.mode << 1) | (this.bcd ? 1 : 0);
  }
}

function toBcd(v: number): number {
  return (v % 10) | ((Math.floor(v / 10) % 10) << 4) | ((Math.floor(v / 100) % 10) << 8) | ((Math.floor(v / 1000) % 10) << 12);
}
function fromBcd(v: number): number {
  return (v & 15) + ((v >> 4) & 15) * 10 + ((v >> 8) & 15) * 100 + ((v >> 12) & 15) * 1000;
}

export class Pit8254 implements PortHandler {
  readonly ch = [new Channel(), new Channel(), new Channel()];
  portB = 0;            // port 0x61 bits 0-3 as written

  constructor(private readonly now: () => number, private readonly irq0: () => void) {
    this.reset();
  }

  /**
   * As a BIOS leaves it: channel 0 in mode 2 with count 65536 (the 18.2 Hz tick, as SeaBIOS
   * programs it), channels 1 and 2 in mode 3 with count 65536, channel 2 gated off.
   */
  reset(): void {
    const t = this.now();
    for (let i = 0; i < 3; i++) {
      const c = new Channel();
      c.gate = i !== 2;
      c.loadedAt = t;
      if (i === 0) c.mode = 2;
      this.ch[i] = c;
    }
    this.portB = 0;
  }

  /** Signal channel 0's OUT edges that are due. */
  tick(): void {
    const c = this.ch[0];
    if (!c.armed) return;
    const d = c.elapsed(this.now());
    let due: number;
    if (c.mode === 2 || c.mode === 3) due = Math.floor(d / c.count);
    else due = d >= c.edgeTick(1) ? 1 : 0;
    if (due > c.fired) { c.fired = due; this.irq0(); }
  }

  nextDeadline(): number {
    const c = this.ch[0];
    if (!c.armed) return Infinity;
    const t = c.edgeTick(c.fired + 1);
    return t === Infinity ? Infinity : c.loadedAt + icountForTicks(t, PIT_HZ);
  }

  in(port: number, _size: AccessSize): number {
    const now = this.now();
    if (port === 0x61) {
      const refresh = Math.floor((now * INSTRUCTION_NS) / REFRESH_NS) & 1;
      return (this.portB & 0x0f) | (refresh << 4) | (this.ch[2].out(now) ? 0x20 : 0);
    }
    if (port === 0x43) return 0xff;       // the control register cannot be read
    const c = this.ch[port & 3];
    if (c.statusLatched) { c.statusLatched = false; return c.statusValue; }
    if (c.latched) {
      const v = c.latchValue;
      if (c.rw === 3 && !c.latchHigh) { c.latchHigh = true; return v & 0xff; }
      c.latched = false;
      c.latchHigh = false;
      return c.rw === 1 ? v & 0xff : (v >> 8) & 0xff;
    }
    const v = c.counter(now);
    if (c.rw === 1) return v & 0xff;
    if (c.rw === 2) return (v >> 8) & 0xff;
    c.readHigh = !c.readHigh;
    return c.readHigh ? v & 0xff : (v >> 8) & 0xff;
  }

  out(port: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    const now = this.now();
    if (port === 0x61) { this.writePortB(v, now); return; }
    if (port === 0x43) { this.control(v, now); return; }
    const c = this.ch[port & 3];
    switch (c.rw) {
      case 1: c.setCount(v, now); break;
      case 2: c.setCount(v << 8, now); break;
      default:
        if (!c.writeHigh) { c.writeLow = v; c.writeHigh = true; }
        else { c.writeHigh = false; c.setCount(c.writeLow | (v << 8), now); }
    }
  }

  private control(v: number, now: number): void {
    const sel = v >> 6;
    if (sel === 3) {                       // read-back
      for (let i = 0; i < 3; i++) {
        if (!(v & (2 << i))) continue;
        const c = this.ch[i];
        if (!(v & 0x20)) this.latch(c, now);
        if (!(v & 0x10) && !c.statusLatched) { c.statusLatched = true; c.statusValue = c.status(now); }
      }
      return;
    }
    const c = this.ch[sel];
    const rw = (v >> 4) & 3;
    if (rw === 0) { this.latch(c, now); return; }
    c.frozen = c.counter(now);
    c.rw = rw;
    c.mode = (v >> 1) & 7;
    if (c.mode > 5) c.mode -= 4;
    c.bcd = (v & 1) !== 0;
    c.armed = false;
    c.held = -1;
    c.nullCount = true;
    c.writeHigh = false;
    c.readHigh = false;
    c.latched = false;
    c.latchHigh = false;
  }

  private latch(c: Channel, now: number): void {
    if (c.latched) return;                 // a second latch before the read is ignored
    c.latched = true;
    c.latchHigh = false;
    c.latchValue = c.counter(now);
  }

  private writePortB(v: number, now: number): void {
    this.ch[2].setGate((v & 1) !== 0, now);
    this.portB = v & 0x0f;
  }

  save(): unknown {
    return { portB: this.portB, ch: this.ch.map((c) => saveFields(c)) };
  }

  load(s: unknown): void {
    const st = s as { portB: number; ch: Record<string, unknown>[] };
    this.portB = st.portB;
    st.ch.forEach((c, i) => loadFields(this.ch[i], c));
  }
}
