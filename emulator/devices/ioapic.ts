// The 82093AA I/O APIC at 0xFEC00000: IOREGSEL at +0x00, IOWIN at +0x10; registers ID (0),
// version (1: 0x11, 24 redirection entries), arbitration (2) and the 24 64-bit redirection
// entries from 0x10. Each input pin is the wired-OR of its sources (the ISA lines through
// the MADT's routing, the HPET's timers). Edge-triggered entries fire on a rising edge of
// the asserted level (an edge while masked is lost, as on the part); level-triggered ones
// fire while asserted and Remote IRR is clear, and the local APIC's EOI of their vector
// clears Remote IRR (and fires again if the pin is still asserted). The part has no EOI
// register (that came with version 0x20).

import type { AccessSize, MmioHandler } from './platform-api';

export const IOAPIC_BASE = 0xfec00000;
export const IOAPIC_PINS = 24;
const VERSION = 0x11 | ((IOAPIC_PINS - 1) << 16);

const MASKED = 1 << 16;
const LEVEL = 1 << 15;
const REMOTE_IRR = 1 << 14;
const ACTIVE_LOW = 1 << 13;
const DELIVERY_STATUS = 1 << 12;
/** Bits the guest may write in an entry's low word (delivery status and Remote IRR are read-only). */
const LOW_WRITABLE = 0x1afff;

/** Where an entry's message goes: the local APIC side, which decides whether it is addressed. */
export interface IoApicSink {
  /** Fixed / lowest-priority / NMI / ExtINT / INIT / SMI message (mode = delivery mode bits). */
  message(vector: number, mode: number, level: boolean, logical: boolean, dest: number): void;
}

export class IoApic implements MmioHandler {
  id = 0;
  select = 0;
  low = new Uint32Array(IOAPIC_PINS);
  high = new Uint32Array(IOAPIC_PINS);
  /** Per pin, a bit per source currently driving it high. */
  sources = new Uint32Array(IOAPIC_PINS);

  constructor(private readonly sink: IoApicSink) { this.reset(); }

  reset(): void {
    this.id = 0; this.select = 0;
    this.low.fill(MASKED); this.high.fill(0);
    // Sources keep driving their lines across a reset of this part.
  }

  private asserted(pin: number): boolean {
    return (this.sources[pin] !== 0) !== ((this.low[pin] & ACTIVE_LOW) !== 0);
  }

  /** Source `source` (0-31) drives pin `pin` to `level`. */
  setLine(pin: number, source: number, level: boolean): void {
    if (pin < 0 || pin >= IOAPIC_PINS) return;
    const before = this.asserted(pin);
    if (level) this.sources[pin] |= 1 << source; else this.sources[pin] &= ~(1 << source);
    const now = this.asserted(pin);
    if (this.low[pin] & LEVEL) { if (now) this.service(pin); }
    else if (now && !before) this.service(pin);
  }

  /** A rising then falling edge from `source` (an ISA device's pulse). */
  pulse(pin: number, source: number): void {
    this.setLine(pin, source, true);
    this.setLine(pin, source, false);
  }

  private service(pin: number): void {
    const lo = this.low[pin];
    if (lo & MASKED) return;
    const level = (lo & LEVEL) !== 0;
    if (level) {
      if (lo & REMOTE_IRR) return;
      const mode = (lo >> 8) & 7;
      // Remote IRR tracks fixed and lowest-priority level interrupts until their EOI.
      if (mode === 0 || mode === 1) this.low[pin] |= REMOTE_IRR;
    }
    this.sink.message(lo & 0xff, (lo >> 8) & 7, level, (lo & 0x800) !== 0, this.high[pin] >>> 24);
  }

  /** Whether some unmasked entry delivers its input as an NMI. */
  routesNmi(): boolean {
    for (let pin = 0; pin < this.low.length; pin++) {
      const lo = this.low[pin];
      if (!(lo & MASKED) && ((lo >> 8) & 7) === 4) return true;
    }
    return false;
  }

  /** The local APIC's EOI for a level-triggered `vector`. */
  eoi(vector: number): void {
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const lo = this.low[pin];
      if ((lo & REMOTE_IRR) && (lo & 0xff) === vector) {
        this.low[pin] &= ~REMOTE_IRR;
        if (this.asserted(pin)) this.service(pin);
      }
    }
  }

  private readRegister(index: number): number {
    if (index === 0) return (this.id & 0xf) << 24;
    if (index === 1) return VERSION;
    if (index === 2) return (this.id & 0xf) << 24;       // arbitration ID follows the ID
    if (index >= 0x10 && index < 0x10 + 2 * IOAPIC_PINS) {
      const pin = (index - 0x10) >> 1;
      return index & 1 ? this.high[pin] : this.low[pin] & ~DELIVERY_STATUS;
    }
    return 0;
  }

  private writeRegister(index: number, v: number): void {
    if (index === 0) { this.id = (v >>> 24) & 0xf; return; }
    if (index >= 0x10 && index < 0x10 + 2 * IOAPIC_PINS) {
      const pin = (index - 0x10) >> 1;
      if (index & 1) { this.high[pin] = v & 0xff000000; return; }
      this.low[pin] = ((this.low[pin] & ~LOW_WRITABLE) | (v & LOW_WRITABLE)) >>> 0;
      if (!(this.low[pin] & LEVEL)) this.low[pin] &= ~REMOTE_IRR;
      // Unmasking a level-triggered entry whose pin is asserted delivers it now.
      if ((this.low[pin] & LEVEL) && this.asserted(pin)) this.service(pin);
    }
  }

  read(offset: number, size: AccessSize): number {
    const reg = offset & 0xf0;
    const v = reg === 0x00 ? this.select : reg === 0x10 ? this.readRegister(this.select) >>> 0 : 0;
    const shift = (offset & 3) * 8;
    return size === 4 ? v >>> 0 : (v >>> shift) & (size === 1 ? 0xff : 0xffff);
  }

  write(offset: number, size: AccessSize, value: number): void {
    const reg = offset & 0xf0;
    if (reg === 0x00) { this.select = value & 0xff; return; }
    if (reg === 0x10 && size === 4 && (offset & 0xf) === 0) this.writeRegister(this.select, value >>> 0);
  }
}
