// Intel 8259A programmable interrupt controller, and the PC's master/slave pair
// (master at 0x20/0x21, slave at 0xA0/0xA1 cascaded on master IR2, ELCR at 0x4D0/0x4D1).
// Behaviour follows the 8259A datasheet: ICW1-4, OCW1-3, fully nested priority with
// rotation, special mask mode, poll mode, automatic EOI and the spurious IR7 answer.

import type { AccessSize, PortHandler } from './platform-api';

/** One 8259A. `master` selects the special-fully-nested handling of the cascade input. */
export class Pic8259 {
  irr = 0;
  imr = 0;
  isr = 0;
  /** Input line levels, for edge detection. */
  lines = 0;
  elcr = 0;
  priorityAdd = 0;     // which IR has the highest priority (rotation)
  vectorBase = 0;
  readIsr = false;
  poll = false;
  specialMask = false;
  initStep = 0;        // 0 ready, 1 expects ICW2, 2 expects ICW3, 3 expects ICW4
  needIcw4 = false;
  single = false;
  autoEoi = false;
  rotateOnAutoEoi = false;
  specialFullyNested = false;

  constructor(readonly master: boolean, readonly elcrMask: number) {}

  /** The state a PC BIOS hands over: initialised in 8086 mode with the given base and mask. */
  reset(vectorBase: number, imr: number): void {
    this.initReset();
    this.elcr = 0;
    this.lines = 0;
    this.irr = 0;
    this.vectorBase = vectorBase;
    this.imr = imr;
  }

  private initReset(): void {
    this.irr &= this.elcr;        // latched edges are forgotten; level inputs are resampled
    this.lines = 0;
    this.imr = 0;
    this.isr = 0;
    this.priorityAdd = 0;
    this.readIsr = false;
    this.poll = false;
    this.specialMask = false;
    this.autoEoi = false;
    this.rotateOnAutoEoi = false;
    this.specialFullyNested = false;
    this.initStep = 0;
  }

  /** Drive input `irq` to `level`. Edge mode latches rising edges; level mode follows the line. */
  setIrq(irq: number, level: boolean): void {
    const m = 1 << irq;
    if (this.elcr & m) {
      if (level) { this.irr |= m; this.lines |= m; } else { this.irr &= ~m; this.lines &= ~m; }
    } else if (level) {
      if ((this.lines & m) === 0) this.irr |= m;
      this.lines |= m;
    } else {
      this.lines &= ~m;
    }
  }

  /** Priority rank (0 highest) of the best bit in mask, 8 if none. */
  private rank(mask: number): number {
    if (mask === 0) return 8;
    let p = 0;
    while ((mask & (1 << ((p + this.priorityAdd) & 7))) === 0) p++;
    return p;
  }

  /** The IR that would be delivered now, or -1. */
  pending(): number {
    const p = this.rank(this.irr & ~this.imr);
    if (p === 8) return -1;
    let inService = this.isr;
    if (this.specialMask) inService &= ~this.imr;
    if (this.master && this.specialFullyNested) inService &= ~(1 << 2);
    return p < this.rank(inService) ? (p + this.priorityAdd) & 7 : -1;
  }

  /** The INTA cycle for `irq`. */
  ack(irq: number): void {
    const m = 1 << irq;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.priorityAdd = (irq + 1) & 7;
    } else {
      this.isr |= m;
    }
    if ((this.elcr & m) === 0) this.irr &= ~m;
  }

  writeCommand(v: number): void {
    if (v & 0x10) {                        // ICW1
      this.initReset();
      this.initStep = 1;
      this.needIcw4 = (v & 1) !== 0;
      this.single = (v & 2) !== 0;
      return;
    }
    if (v & 0x08) {                        // OCW3
      if (v & 0x04) this.poll = true;
      if (v & 0x02) this.readIsr = (v & 1) !== 0;
      if (v & 0x40) this.specialMask = (v & 0x20) !== 0;
      return;
    }
    const irq = v & 7;                     // OCW2
    switch (v >> 5) {
      case 0: this.rotateOnAutoEoi = false; break;
      case 4: this.rotateOnAutoEoi = true; break;
      case 1: case 5: {                    // non-specific EOI (with rotation for 5)
        const p = this.rank(this.isr);
        if (p !== 8) {
          const done = (p + this.priorityAdd) & 7;
          this.isr &= ~(1 << done);
          if (v >> 5 === 5) this.priorityAdd = (done + 1) & 7;
        }
        break;
      }
      case 3: this.isr &= ~(1 << irq); break;
      case 6: this.priorityAdd = (irq + 1) & 7; break;
      case 7: this.isr &= ~(1 << irq); this.priorityAdd = (irq + 1) & 7; break;
      default: break;                      // 2: no operation
    }
  }

  writeData(v: number): void {
    switch (this.initStep) {
      case 0: this.imr = v; break;
      case 1:
        this.vectorBase = v & 0xf8;
        this.initStep = this.single ? (this.needIcw4 ? 3 : 0) : 2;
        break;
      case 2: this.initStep = this.needIcw4 ? 3 : 0; break;   // ICW3: the PC's wiring is fixed
      case 3:
        this.autoEoi = (v & 2) !== 0;
        this.specialFullyNested = (v & 0x10) !== 0;
        this.initStep = 0;
        break;
    }
  }

  /** Read of the command port: poll word, or IRR/ISR as OCW3 selected. */
  readCommand(): number {
    if (this.poll) {
      this.poll = false;
      const irq = this.pending();
      if (irq < 0) return 0;
      this.ack(irq);
      return 0x80 | irq;
    }
    return this.readIsr ? this.isr : this.irr;
  }
}

/** Master and slave wired as on every PC since the AT. */
export class PicPair implements PortHandler {
  readonly master = new Pic8259(true, 0xf8);
  readonly slave = new Pic8259(false, 0xde);

  constructor() { this.reset(); }

  /**
   * As SeaBIOS leaves the pair when it starts a kernel under QEMU: vectors 0x08 and 0x70,
   * IRQ 0, 1, 2, 6 and 8, 12, 13, 14 unmasked. Kernels reprogram it before enabling interrupts.
   */
  reset(): void {
    this.master.reset(0x08, 0xb8);
    this.slave.reset(0x70, 0x8e);
  }

  /** Drive ISA interrupt line 0-15. */
  setIrq(irq: number, level: boolean): void {
    if (irq >= 8) { this.slave.setIrq(irq - 8, level); this.cascade(); }
    else this.master.setIrq(irq, level);
  }

  /** An edge-triggered device's one-shot request: a rising then falling edge. */
  pulse(irq: number): void {
    this.setIrq(irq, true);
    this.setIrq(irq, false);
  }

  private cascade(): void {
    this.master.setIrq(2, this.slave.pending() >= 0);
  }

  /** The vector an INTA cycle would return now, or -1 if INTR is low. */
  pendingVector(): number {
    const irq = this.master.pending();
    if (irq < 0) return -1;
    if (irq !== 2) return this.master.vectorBase + irq;
    const irq2 = this.slave.pending();
    return this.slave.vectorBase + (irq2 < 0 ? 7 : irq2);
  }

  /** INTA: returns the vector, the spurious IR7 vector when the request vanished, or -1 if INTR is low. */
  acknowledge(): number {
    const irq = this.master.pending();
    if (irq < 0) return -1;
    this.master.ack(irq);
    let vector: number;
    if (irq === 2) {
      const irq2 = this.slave.pending();
      if (irq2 >= 0) this.slave.ack(irq2);
      vector = this.slave.vectorBase + (irq2 < 0 ? 7 : irq2);
    } else {
      vector = this.master.vectorBase + irq;
    }
    this.cascade();
    return vector;
  }

  in(port: number, _size: AccessSize): number {
    switch (port) {
      case 0x20: return this.master.readCommand();
      case 0x21: return this.master.imr;
      case 0xa0: { const v = this.slave.readCommand(); this.cascade(); return v; }
      case 0xa1: return this.slave.imr;
      case 0x4d0: return this.master.elcr;
      case 0x4d1: return this.slave.elcr;
      default: return 0xff;
    }
  }

  out(port: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    switch (port) {
      case 0x20: this.master.writeCommand(v); break;
      case 0x21: this.master.writeData(v); break;
      case 0xa0: this.slave.writeCommand(v); this.cascade(); break;
      case 0xa1: this.slave.writeData(v); this.cascade(); break;
      case 0x4d0: this.master.elcr = v & this.master.elcrMask; break;
      case 0x4d1: this.slave.elcr = v & this.slave.elcrMask; this.cascade(); break;
    }
  }
}
