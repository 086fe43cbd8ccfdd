// National Semiconductor PC16550D UART, as COM1 (0x3F8, IRQ 4) on a PC.
// Transmission is instant: a byte written to THR goes to the host at once, so THRE and TEMT
// read as set and a THR-empty interrupt follows every write. Received bytes wait in a host
// queue and enter the 16-byte FIFO (or the 1-byte holding register with the FIFO off) as
// room appears, as if the line had hardware flow control, so host input is never dropped.
// Loopback mode routes THR to the receiver and the MCR outputs to the MSR inputs.
// With the FIFO on and fewer bytes than the trigger level, the character-timeout interrupt
// comes four character times (from the divisor and LCR frame) after the last receive or read.
// The IRQ line is gated by MCR OUT2, as the PC wires it.

import type { AccessSize, PortHandler } from './platform-api';
import { INSTRUCTION_NS } from './timebase';
import { loadFields, saveFields } from './state-copy';

const IER_RDI = 0x01, IER_THRI = 0x02, IER_RLSI = 0x04, IER_MSI = 0x08;
const LSR_DR = 0x01, LSR_OE = 0x02, LSR_BI = 0x10, LSR_THRE = 0x20, LSR_TEMT = 0x40, LSR_FIFOERR = 0x80;
const LSR_ERRORS = 0x1e;
const MCR_OUT2 = 0x08, MCR_LOOP = 0x10;
const FIFO_SIZE = 16;
const HOST_QUEUE_MAX = 1 << 16;
const TRIGGER = [1, 4, 8, 14];

export class Uart16550 implements PortHandler {
  ier = 0;
  lcr = 0;
  mcr = MCR_OUT2;       // SeaBIOS leaves OUT2 on, so COM1's IRQ reaches the PIC as under QEMU
  lsrErrors = 0;        // OE/PE/FE/BI, cleared by reading LSR
  msrDeltas = 0;        // MSR bits 0-3
  msrLines = 0xb0;      // CTS, DSR, DCD asserted by the host side, as QEMU's chardev backend does
  scr = 0;
  dll = 0x0c;           // 9600 baud
  dlm = 0;
  fcr = 0;              // bit 0 FIFO enable, bits 6-7 trigger level
  thriPending = false;
  /** Receive FIFO as a ring. */
  rx = new Uint8Array(FIFO_SIZE);
  rxHead = 0;
  rxCount = 0;
  /** Host bytes not yet in the FIFO, as a ring. */
  hostQueue = new Uint8Array(HOST_QUEUE_MAX);
  hostHead = 0;
  hostCount = 0;
  irqLevel = false;
  /** Icount of the last byte moved into or out of the receive FIFO (character timeout). */
  rxActivityAt = 0;
  /** Icount of the last interrupt-line evaluation. */
  updatedAt = 0;

  constructor(private readonly now: () => number, private readonly emit: (byte: number) => void,
    private readonly setIrq: (level: boolean) => void) {}

  /**
   * State for a snapshot: the fields, with only the bytes waiting in the host queue (its 64 KiB
   * ring copied whole made each snapshot of the reverse history 64 KiB heavier and slower).
   */
  save(): Record<string, unknown> {
    const out = saveFields(this, ['hostQueue']);
    const waiting = new Uint8Array(this.hostCount);
    for (let i = 0; i < this.hostCount; i++) waiting[i] = this.hostQueue[(this.hostHead + i) & (HOST_QUEUE_MAX - 1)]!;
    out.hostQueue = waiting;
    out.hostHead = 0;
    return out;
  }

  load(s: Record<string, unknown>): void {
    const { hostQueue: waiting, ...fields } = s;
    loadFields(this, fields);
    const w = waiting instanceof Uint8Array ? waiting.subarray(0, HOST_QUEUE_MAX) : new Uint8Array(0);
    this.hostQueue.set(w);
    this.hostHead = 0;
    this.hostCount = Math.min(this.hostCount, w.length);
  }

  reset(): void {
    this.ier = 0; this.lcr = 0; this.mcr = MCR_OUT2; this.lsrErrors = 0; this.msrDeltas = 0;
    this.msrLines = 0xb0; this.scr = 0; this.dll = 0x0c; this.dlm = 0; this.fcr = 0;
    this.thriPending = false; this.rxHead = 0; this.rxCount = 0; this.hostHead = 0; this.hostCount = 0;
    this.irqLevel = false;
    this.rxActivityAt = 0;
    this.updatedAt = 0;
    this.setIrq(false);
  }

  private get fifoOn(): boolean { return (this.fcr & 1) !== 0; }
  private get rxCapacity(): number { return this.fifoOn ? FIFO_SIZE : 1; }

  /** Bytes from the host: queued, then moved into the receiver as it has room. */
  input(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length && this.hostCount < HOST_QUEUE_MAX; i++) {
      this.hostQueue[(this.hostHead + this.hostCount) & (HOST_QUEUE_MAX - 1)] = bytes[i];
      this.hostCount++;
    }
    this.refill();
    this.update();
  }

  private refill(): void {
    if (this.mcr & MCR_LOOP) return;     // the receiver listens to the transmitter in loopback
    while (this.hostCount > 0 && this.rxCount < this.rxCapacity) {
      this.pushRx(this.hostQueue[this.hostHead]);
      this.hostHead = (this.hostHead + 1) & (HOST_QUEUE_MAX - 1);
      this.hostCount--;
    }
  }

  private pushRx(b: number): void {
    if (this.rxCount >= this.rxCapacity) {
      this.lsrErrors |= LSR_OE;
      // Character mode: the new byte overwrites the unread one in RBR (16450 behaviour).
      // FIFO mode: the FIFO keeps its contents and the byte in the shift register is lost.
      if (!this.fifoOn) { this.rx[this.rxHead] = b; this.rxActivityAt = this.now(); }
      return;
    }
    this.rx[(this.rxHead + this.rxCount) & (FIFO_SIZE - 1)] = b;
    this.rxCount++;
    this.rxActivityAt = this.now();
  }

  private popRx(): number {
    if (this.rxCount === 0) return 0;
    const b = this.rx[this.rxHead];
    this.rxHead = (this.rxHead + 1) & (FIFO_SIZE - 1);
    this.rxCount--;
    this.rxActivityAt = this.now();
    return b;
  }

  /** Interrupt identification in priority order; 0x01 when none. */
  private iirId(): number {
    if ((this.ier & IER_RLSI) && (this.lsrErrors & LSR_ERRORS)) return 0x06;
    if ((this.ier & IER_RDI) && this.rxCount > 0) {
      if (!this.fifoOn || this.rxCount >= TRIGGER[this.fcr >> 6]) return 0x04;
      if (this.now() >= this.timeoutAt()) return 0x0c;
    }
    if ((this.ier & IER_THRI) && this.thriPending) return 0x02;
    if ((this.ier & IER_MSI) && this.msrDeltas) return 0x00;
    return 0x01;
  }

  /** Four character times after the last receiver activity, in instructions. */
  private timeoutAt(): number {
    const divisor = (this.dlm << 8) | this.dll || 1;
    const dataBits = 5 + (this.lcr & 3);
    const frame = 1 + dataBits + ((this.lcr & 0x08) ? 1 : 0) + ((this.lcr & 0x04) ? 2 : 1);
    const charNs = (1e9 * divisor * frame) / 115200;
    return this.rxActivityAt + Math.ceil((4 * charNs) / INSTRUCTION_NS);
  }

  /** When a character-timeout interrupt is next due (Infinity if none is waiting or it was already seen). */
  nextDeadline(): number {
    if (!(this.ier & IER_RDI) || !this.fifoOn || this.rxCount === 0 || this.rxCount >= TRIGGER[this.fcr >> 6]) return Infinity;
    const t = this.timeoutAt();
    return t > this.updatedAt ? t : Infinity;
  }

  /** Bring the interrupt line up to date with time (character timeout). */
  tick(): void { this.update(); }

  private update(): void {
    this.updatedAt = this.now();
    const level = (this.mcr & MCR_OUT2) !== 0 && this.iirId() !== 0x01;
    if (level !== this.irqLevel) { this.irqLevel = level; this.setIrq(level); }
  }

  private msr(): number {
    if (this.mcr & MCR_LOOP) {
      const m = this.mcr;
      // CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2
      return ((m & 0x02) << 3) | ((m & 0x01) << 5) | ((m & 0x04) << 4) | ((m & 0x08) << 4) | this.msrDeltas;
    }
    return this.msrLines | this.msrDeltas;
  }

  private setMcr(v: number): void {
    const before = this.msr() & 0xf0;
    this.mcr = v & 0x1f;
    const after = this.msr() & 0xf0;
    const changed = before ^ after;
    // Delta bits: CTS, DSR, DCD on any change; RI only on its trailing edge.
    if (changed & 0x10) this.msrDeltas |= 0x01;
    if (changed & 0x20) this.msrDeltas |= 0x02;
    if ((before & 0x40) && !(after & 0x40)) this.msrDeltas |= 0x04;
    if (changed & 0x80) this.msrDeltas |= 0x08;
    this.refill();
  }

  in(port: number, _size: AccessSize): number {
    let v: number;
    switch (port & 7) {
      case 0:
        if (this.lcr & 0x80) return this.dll;
        v = this.popRx();
        this.refill();
        break;
      case 1: return this.lcr & 0x80 ? this.dlm : this.ier;
      case 2: {
        const id = this.iirId();
        if (id === 0x02) this.thriPending = false;   // reading IIR clears a THR-empty indication
        v = id | (this.fifoOn ? 0xc0 : 0);
        break;
      }
      case 3: return this.lcr;
      case 4: return this.mcr;
      case 5: {
        v = LSR_THRE | LSR_TEMT | this.lsrErrors | (this.rxCount > 0 ? LSR_DR : 0);
        if (this.fifoOn && (this.lsrErrors & (LSR_BI | 0x0c))) v |= LSR_FIFOERR;
        this.lsrErrors = 0;
        break;
      }
      case 6:
        v = this.msr();
        this.msrDeltas = 0;
        break;
      default: return this.scr;
    }
    this.update();
    return v;
  }

  out(port: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    switch (port & 7) {
      case 0:
        if (this.lcr & 0x80) { this.dll = v; return; }
        if (this.mcr & MCR_LOOP) this.pushRx(v);
        else this.emit(v);
        this.thriPending = true;          // the byte left at once: THR is empty again
        break;
      case 1:
        if (this.lcr & 0x80) { this.dlm = v; return; }
        // Enabling THRI while THR is empty raises the interrupt at once (16550 and QEMU agree).
        if ((v & IER_THRI) && !(this.ier & IER_THRI)) this.thriPending = true;
        this.ier = v & 0x0f;
        break;
      case 2: {
        const wasOn = this.fifoOn;
        let clearRx = (v & 0x02) !== 0;
        if (((v & 1) !== 0) !== wasOn) clearRx = true;   // toggling FIFO mode clears both FIFOs
        this.fcr = v & 0xc1;
        if (clearRx) { this.rxHead = 0; this.rxCount = 0; this.refill(); }
        break;
      }
      case 3: this.lcr = v; return;
      case 4: this.setMcr(v); break;
      case 5: return;                      // LSR is read-only (factory test writes ignored)
      case 6: return;
      default: this.scr = v; return;
    }
    this.update();
  }
}
