// The PC's reset and A20 controls:
// - port 0x92 (system control port A): bit 0 pulses a fast reset on its rising edge,
//   bit 1 is the A20 gate; reads return the latch.
// - the 8042 keyboard controller at 0x60/0x64, without a keyboard: status reads show an
//   empty input buffer and the system flag; command 0xFE pulses reset; 0xD1 + data writes
//   the output port (bit 0 low = reset, bit 1 = A20); 0xD0 reads it; 0xDD/0xDF switch A20;
//   0x20/0x60 read/write the command byte; 0xAA/0xAB self-tests answer 0x55/0x00.
// - port 0xCF9 (reset control register): a write with bit 2 set resets (0x06, 0x0E).

import type { AccessSize, PlatformRequest, PortHandler } from './platform-api';

const ST_OBF = 0x01, ST_SYS = 0x04, ST_CMD = 0x08, ST_UNLOCKED = 0x10;

export class SystemControl {
  port92 = 0x02;       // A20 enabled, as a BIOS leaves it
  kbcCommandByte = 0x61;     // as SeaBIOS leaves it: translate, system flag, keyboard IRQ
  kbcPending = 0;      // command waiting for its data byte on 0x60
  kbcOut = 0;          // output buffer
  kbcOutFull = false;
  kbcLastWasCommand = true;
  kbcOutputPort = 0xcf; // bit 0 = CPU not in reset, bit 1 = A20, clock/data lines idle
  rcr = 0;

  constructor(private readonly request: (r: PlatformRequest) => void) {}

  reset(): void {
    this.port92 = 0x02;
    this.kbcCommandByte = 0x61;
    this.kbcPending = 0;
    this.kbcOut = 0;
    this.kbcOutFull = false;
    this.kbcLastWasCommand = true;
    this.kbcOutputPort = 0xcf;
    this.rcr = 0;
  }

  /** A20 is enabled if either the fast gate or the keyboard controller's line is on. */
  get a20(): boolean { return (this.port92 & 2) !== 0 || (this.kbcOutputPort & 2) !== 0; }

  private setA20(on: boolean): void {
    // Both gates model one line: keep them in agreement so either can turn it off.
    this.port92 = on ? this.port92 | 2 : this.port92 & ~2;
    this.kbcOutputPort = on ? this.kbcOutputPort | 2 : this.kbcOutputPort & ~2;
  }

  private answer(v: number): void { this.kbcOut = v & 0xff; this.kbcOutFull = true; }

  readonly port92Handler: PortHandler = {
    in: () => this.port92,
    out: (_p: number, _s: AccessSize, value: number) => {
      const v = value & 0xff;
      const before = this.port92;
      this.port92 = v;
      this.setA20((v & 2) !== 0);
      if ((v & 1) && !(before & 1)) this.request({ kind: 'reset', via: 'port 0x92' });
    },
  };

  readonly kbcHandler: PortHandler = {
    in: (port: number) => {
      if (port === 0x64) {
        return (this.kbcOutFull ? ST_OBF : 0) | ST_SYS | (this.kbcLastWasCommand ? ST_CMD : 0) | ST_UNLOCKED;
      }
      this.kbcOutFull = false;
      return this.kbcOut;
    },
    out: (port: number, _s: AccessSize, value: number) => {
      const v = value & 0xff;
      if (port === 0x64) { this.kbcLastWasCommand = true; this.command(v); return; }
      this.kbcLastWasCommand = false;
      const pending = this.kbcPending;
      this.kbcPending = 0;
      if (pending === 0x60) this.kbcCommandByte = v;
      else if (pending === 0xd1) {
        this.setA20((v & 2) !== 0);
        this.kbcOutputPort = v | 0x01;
        if (!(v & 1)) this.request({ kind: 'reset', via: 'keyboard controller output port' });
      }
      // Bytes for a keyboard that is not there are dropped.
    },
  };

  private command(v: number): void {
    switch (v) {
      case 0x20: this.answer(this.kbcCommandByte); break;
      case 0x60: case 0xd1: this.kbcPending = v; break;
      case 0xaa: this.answer(0x55); break;
      case 0xab: this.answer(0x00); break;
      case 0xd0: this.answer(this.kbcOutputPort); break;
      case 0xdd: this.setA20(false); break;
      case 0xdf: this.setA20(true); break;
      case 0xfe: this.request({ kind: 'reset', via: 'keyboard controller 0xFE' }); break;
      default:
        if (v >= 0xf0 && !(v & 1)) this.request({ kind: 'reset', via: `keyboard controller 0x${v.toString(16)}` });
        break;
    }
  }

  readonly rcrHandler: PortHandler = {
    in: () => this.rcr,
    out: (_p: number, _s: AccessSize, value: number) => {
      const v = value & 0xff;
      if (v & 4) { this.request({ kind: 'reset', via: 'port 0xCF9' }); return; }
      this.rcr = v & 0x0a;
    },
  };
}
