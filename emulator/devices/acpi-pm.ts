// The PIIX4 power-management I/O block as QEMU's `pc` machine exposes it at 0x600 (where
// SeaBIOS puts it): PM1 status (0x600), enable (0x602), control (0x604) and the 24-bit
// ACPI PM timer at 3.579545 MHz (0x608). Writing SLP_EN with SLP_TYP 0 (the PIIX4's S5)
// to PM1 control powers the machine off, which is how kernels leave QEMU with
// `outw(0x604, 0x2000)`; other sleep types are ignored (no suspend here). The SCI (IRQ 9,
// level) is high while SCI_EN is set and an enabled PM1 status bit is: here TMR_STS, set
// each time the timer's bit 23 toggles (every 2.34 s), with TMR_EN.

import type { AccessSize, PlatformRequest, PortHandler } from './platform-api';
import { icountForTicks, ticksIn } from './timebase';

export const ACPI_PM_BASE = 0x600;
/** The APM control port the FADT names as SMI_CMD, and the ACPI enable/disable commands it takes. */
export const APM_CNT_PORT = 0xb2;
export const ACPI_ENABLE = 0xf1;
export const ACPI_DISABLE = 0xf0;
const SCI_EN = 0x0001;
export const ACPI_PM_PORTS = 12;
const PM_TIMER_HZ = 3_579_545;
const TMR_STS = 0x0001;
const TMR_EN = 0x0001;
const TMR_PERIOD = 0x800000;
const SLP_EN = 0x2000;

export class AcpiPm implements PortHandler {
  sts = 0;
  en = 0;
  cnt = 0;
  /** PM timer bit-23 periods already reflected in TMR_STS. */
  timerPeriodsSeen = 0;
  /** The APM command (0xB2) and status (0xB3) bytes as last written. */
  apmCommand = 0;
  apmStatus = 0;

  /** The SCI's level as last driven. */
  sciLevel = false;

  constructor(
    private readonly now: () => number,
    private readonly request: (r: PlatformRequest) => void,
    private readonly sci: (level: boolean) => void = () => {},
  ) {}

  /** Drive the SCI from the current status, enables and SCI_EN. */
  private updateSci(): void {
    const level = (this.cnt & SCI_EN) !== 0 && (this.status() & this.en & TMR_STS) !== 0;
    if (level !== this.sciLevel) { this.sciLevel = level; this.sci(level); }
  }

  /** The tick of the next bit-23 toggle, when it would raise the SCI; else Infinity. */
  nextDeadline(): number {
    if (!(this.en & TMR_EN) || !(this.cnt & SCI_EN) || (this.sts & TMR_STS)) return Infinity;
    return icountForTicks((this.timerPeriodsSeen + 1) * TMR_PERIOD, PM_TIMER_HZ);
  }

  tick(): void { this.updateSci(); }

  reset(): void {
    this.sts = 0; this.en = 0; this.cnt = 0; this.apmCommand = 0; this.apmStatus = 0;
    this.timerPeriodsSeen = Math.floor(this.timer() / TMR_PERIOD);
    if (this.sciLevel) { this.sciLevel = false; this.sci(false); }
  }

  private timer(): number { return ticksIn(this.now(), PM_TIMER_HZ); }

  private status(): number {
    // TMR_STS is set whenever bit 23 of the timer toggles.
    const periods = Math.floor(this.timer() / TMR_PERIOD);
    if (periods !== this.timerPeriodsSeen) { this.timerPeriodsSeen = periods; this.sts |= TMR_STS; }
    return this.sts;
  }

  private readByte(off: number): number {
    switch (off) {
      case 0: case 1: return (this.status() >> (8 * off)) & 0xff;
      case 2: case 3: return (this.en >> (8 * (off - 2))) & 0xff;
      case 4: case 5: return (this.cnt >> (8 * (off - 4))) & 0xff;
      case 8: case 9: case 10: case 11: return ((this.timer() & 0xffffff) >>> (8 * (off - 8))) & 0xff;
      default: return 0;
    }
  }

  in(port: number, size: AccessSize): number {
    const off = port - ACPI_PM_BASE;
    let v = 0;
    for (let b = 0; b < size; b++) v |= this.readByte(off + b) << (8 * b);
    return v >>> 0;
  }

  out(port: number, size: AccessSize, value: number): void {
    const off = port - ACPI_PM_BASE;
    // Merge the bytes into each 16-bit register they touch, then apply each register once.
    for (const reg of [0, 2, 4]) {
      let touched = false;
      let merged = reg === 0 ? 0 : reg === 2 ? this.en : this.cnt;
      for (let b = 0; b < size; b++) {
        const at = off + b;
        if (at !== reg && at !== reg + 1) continue;
        touched = true;
        const shift = 8 * (at - reg);
        merged = (merged & ~(0xff << shift)) | (((value >>> (8 * b)) & 0xff) << shift);
      }
      if (!touched) continue;
      if (reg === 0) { this.status(); this.sts &= ~merged; }          // write 1 to clear
      else if (reg === 2) this.en = merged & 0xffff;
      else this.writeControl(merged & 0xffff);
    }
    this.updateSci();
  }

  /**
   * 0xB2/0xB3: with no SMM here the ACPI mode switch the firmware would make on an SMI is
   * made directly: ACPI_ENABLE sets SCI_EN, ACPI_DISABLE clears it (as QEMU's PIIX4 does).
   */
  readonly apmHandler: PortHandler = {
    in: (port: number) => (port === APM_CNT_PORT ? this.apmCommand : this.apmStatus),
    out: (port: number, _s: AccessSize, value: number) => {
      const v = value & 0xff;
      if (port !== APM_CNT_PORT) { this.apmStatus = v; return; }
      this.apmCommand = v;
      if (v === ACPI_ENABLE) this.cnt |= SCI_EN;
      else if (v === ACPI_DISABLE) this.cnt &= ~SCI_EN;
      this.updateSci();
    },
  };

  private writeControl(v: number): void {
    this.cnt = v & ~SLP_EN;                 // SLP_EN is write-only
    if ((v & SLP_EN) && ((v >> 10) & 7) === 0) this.request({ kind: 'shutdown', via: 'ACPI PM1 control (S5)' });
  }
}
