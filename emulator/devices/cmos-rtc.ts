// Motorola MC146818 real-time clock and its CMOS RAM at 0x70 (index, bit 7 = NMI mask) and
// 0x71 (data), raising IRQ 8.
//
// The clock starts at a fixed instant, 2000-01-01 00:00:00 (a Saturday), at instruction 0,
// and advances with virtual time only, so every run reads the same dates. (To compare with
// QEMU, run it with `-rtc base=2000-01-01T00:00:00,clock=vm`.)
// Registers 0-9 follow register B: BCD or binary (bit 2), 24- or 12-hour (bit 1, PM in bit 7).
// Register A's UIP bit is set for the last 244 us of each second; B's SET bit freezes the
// time while the guest writes it. Register C's PF/AF/UF flags latch; reading C clears them
// and drops IRQ 8. The periodic rate comes from A's rate select (32768 >> (rate - 1) Hz).
// CMOS memory reports RAM as a PC BIOS does (0x15-0x18, 0x30-0x31, 0x34-0x35); the century
// is at 0x32 and, as on QEMU, mirrored at 0x37.

import type { AccessSize, PortHandler } from './platform-api';
import { INSTRUCTIONS_PER_SECOND, RTC_HZ, icountForTicks, ticksIn } from './timebase';

export const RTC_START_EPOCH_SECONDS = Date.UTC(2000, 0, 1) / 1000;

const REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d;
const B_SET = 0x80, B_PIE = 0x40, B_AIE = 0x20, B_UIE = 0x10, B_DM = 0x04, B_24H = 0x02;
const C_IRQF = 0x80, C_PF = 0x40, C_AF = 0x20, C_UF = 0x10;
const UIP_ICOUNT = Math.round((244e-6) * INSTRUCTIONS_PER_SECOND);
const DAY = 86400;

export class CmosRtc implements PortHandler {
  ram = new Uint8Array(128);
  index = 0;
  nmiMasked = false;
  /** Epoch seconds at instruction 0 (moved when the guest sets the clock). */
  baseSeconds = RTC_START_EPOCH_SECONDS;
  /** Time held while register B's SET bit is on, else -1. */
  frozenSeconds = -1;
  /** Last periodic tick / second already folded into register C. */
  seenPeriods = 0;
  seenSecond = 0;
  irqLevel = false;

  constructor(private readonly now: () => number, private readonly ramBytes: number,
    private readonly setIrq: (level: boolean) => void) {
    this.reset();
  }

  reset(): void {
    this.ram.fill(0);
    this.index = 0;
    this.nmiMasked = false;
    this.baseSeconds = RTC_START_EPOCH_SECONDS;
    this.frozenSeconds = -1;
    this.ram[REG_A] = 0x26;                // 32.768 kHz time base, 1024 Hz periodic rate
    this.ram[REG_B] = B_24H;               // BCD, 24-hour
    this.ram[REG_D] = 0x80;                // valid RAM and time
    this.ram[0x10] = 0x00;                 // no floppy drives
    this.ram[0x14] = 0x06;                 // equipment: FPU, PS/2 mouse, VGA
    const kib = Math.floor(this.ramBytes / 1024);
    this.ram[0x15] = 640 & 0xff;
    this.ram[0x16] = 640 >> 8;
    const ext = Math.min(Math.max(kib - 1024, 0), 0xffff);      // above 1 MiB, in KiB
    this.ram[0x17] = this.ram[0x30] = ext & 0xff;
    this.ram[0x18] = this.ram[0x31] = ext >> 8;
    const below4g = Math.min(this.ramBytes, 0xe0000000);
    const high = Math.min(Math.max(Math.floor((below4g - 16 * 1024 * 1024) / 65536), 0), 0xffff);  // above 16 MiB, 64 KiB units
    this.ram[0x34] = high & 0xff;
    this.ram[0x35] = high >> 8;
    const t = this.now();
    this.seenPeriods = this.periodsAt(t);
    this.seenSecond = this.secondIndex(t);
    this.irqLevel = false;
    this.setIrq(false);
  }

  // --- time ---------------------------------------------------------------------------

  private secondIndex(now: number): number { return Math.floor(now / INSTRUCTIONS_PER_SECOND); }

  private seconds(now: number): number {
    return this.frozenSeconds >= 0 ? this.frozenSeconds : this.baseSeconds + this.secondIndex(now);
  }

  private rate(): number {
    const r = this.ram[REG_A] & 0x0f;
    return r === 0 ? 0 : r <= 2 ? r + 7 : r;   // rates 1 and 2 behave as 8 and 9
  }

  /** Periodic ticks since instruction 0 (the divider chain never resets here). */
  private periodsAt(now: number): number {
    const r = this.rate();
    if (r === 0) return 0;
    return Math.floor(ticksIn(now, RTC_HZ) / (1 << (r - 1)));
  }

  private bin(v: number): number { return this.ram[REG_B] & B_DM ? v : ((v / 10) | 0) * 16 + (v % 10); }
  private unbin(v: number): number { return this.ram[REG_B] & B_DM ? v : (v >> 4) * 10 + (v & 15); }

  private encodeHour(h: number): number {
    if (this.ram[REG_B] & B_24H) return this.bin(h);
    const pm = h >= 12;
    const h12 = h % 12 === 0 ? 12 : h % 12;
    return this.bin(h12) | (pm ? 0x80 : 0);
  }

  private decodeHour(v: number): number {
    if (this.ram[REG_B] & B_24H) return this.unbin(v);
    const h = this.unbin(v & 0x7f) % 12;
    return v & 0x80 ? h + 12 : h;
  }

  private readTime(reg: number, secs: number): number {
    const d = new Date(secs * 1000);
    switch (reg) {
      case 0: return this.bin(d.getUTCSeconds());
      case 2: return this.bin(d.getUTCMinutes());
      case 4: return this.encodeHour(d.getUTCHours());
      case 6: return this.bin(d.getUTCDay() + 1);         // 1 = Sunday
      case 7: return this.bin(d.getUTCDate());
      case 8: return this.bin(d.getUTCMonth() + 1);
      case 9: return this.bin(d.getUTCFullYear() % 100);
      case 0x32: return this.bin(Math.floor(d.getUTCFullYear() / 100));
      default: return 0;
    }
  }

  private writeTime(reg: number, v: number, now: number): void {
    const d = new Date(this.seconds(now) * 1000);
    let [y, mo, day, h, mi, s] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
    const x = this.unbin(v);
    switch (reg) {
      case 0: s = x; break;
      case 2: mi = x; break;
      case 4: h = this.decodeHour(v); break;
      case 6: return;                                     // day of week follows the date here
      case 7: day = x; break;
      case 8: mo = x - 1; break;
      case 9: y = Math.floor(y / 100) * 100 + x; break;
      case 0x32: y = x * 100 + (y % 100); break;
    }
    const secs = Date.UTC(y, mo, day, h, mi, s) / 1000;
    if (!Number.isFinite(secs)) return;
    if (this.frozenSeconds >= 0) this.frozenSeconds = secs;
    else this.baseSeconds = secs - this.secondIndex(now);
  }

  /** Alarm second, minute, hour in binary, -1 for "don't care" (bits 7:6 set). */
  private alarmField(reg: number, hour: boolean): number {
    const v = this.ram[reg];
    if ((v & 0xc0) === 0xc0) return -1;
    return hour ? this.decodeHour(v) : this.unbin(v);
  }

  /** Whether any second in [first, last] matches the alarm. */
  private alarmInRange(first: number, last: number): boolean {
    const as = this.alarmField(1, false), am = this.alarmField(3, false), ah = this.alarmField(5, true);
    for (let t = first; t <= last; t++) {
      const tod = ((t % DAY) + DAY) % DAY;
      if ((as < 0 || as === tod % 60) && (am < 0 || am === ((tod / 60) | 0) % 60) && (ah < 0 || ah === ((tod / 3600) | 0))) return true;
    }
    return false;
  }

  /** Fold elapsed periodic ticks and second updates into register C; raise IRQ 8 as needed. */
  tick(): void {
    const now = this.now();
    let flags = 0;
    const p = this.periodsAt(now);
    if (p !== this.seenPeriods) { if (p > this.seenPeriods) flags |= C_PF; this.seenPeriods = p; }
    const sec = this.secondIndex(now);
    if (sec > this.seenSecond && this.frozenSeconds < 0) {
      flags |= C_UF;
      // An alarm can only recur daily, so the last day of crossed seconds decides AF.
      const last = this.baseSeconds + sec;
      if (this.alarmInRange(Math.max(this.baseSeconds + this.seenSecond + 1, last - DAY + 1), last)) flags |= C_AF;
    }
    this.seenSecond = sec;
    if (flags) this.ram[REG_C] |= flags;
    this.updateIrq();
  }

  private updateIrq(): void {
    const b = this.ram[REG_B], c = this.ram[REG_C];
    const level = ((b & B_PIE) !== 0 && (c & C_PF) !== 0) || ((b & B_AIE) !== 0 && (c & C_AF) !== 0)
      || ((b & B_UIE) !== 0 && (c & C_UF) !== 0);
    if (level) this.ram[REG_C] |= C_IRQF;
    if (level !== this.irqLevel) { this.irqLevel = level; this.setIrq(level); }
  }

  nextDeadline(): number {
    if (this.irqLevel) return Infinity;   // IRQ 8 stays high until register C is read
    const b = this.ram[REG_B];
    let next = Infinity;
    const r = this.rate();
    if ((b & B_PIE) && r !== 0) next = icountForTicks((this.seenPeriods + 1) * (1 << (r - 1)), RTC_HZ);
    if ((b & (B_UIE | B_AIE)) && this.frozenSeconds < 0) next = Math.min(next, (this.seenSecond + 1) * INSTRUCTIONS_PER_SECOND);
    return next;
  }

  // --- ports --------------------------------------------------------------------------

  in(port: number, _size: AccessSize): number {
    if (port === 0x70) return 0xff;        // the index register is write-only on the PC
    const now = this.now();
    const reg = this.index;
    switch (reg) {
      case 0: case 2: case 4: case 6: case 7: case 8: case 9: case 0x32:
        return this.readTime(reg, this.seconds(now));
      case 0x37:                           // the IBM PS/2 copy of the century, as QEMU keeps it
        return this.readTime(0x32, this.seconds(now));
      case REG_A: {
        const inSecond = now - this.secondIndex(now) * INSTRUCTIONS_PER_SECOND;
        const uip = this.frozenSeconds < 0 && inSecond >= INSTRUCTIONS_PER_SECOND - UIP_ICOUNT;
        return (this.ram[REG_A] & 0x7f) | (uip ? 0x80 : 0);
      }
      case REG_C: {
        this.tick();
        const v = this.ram[REG_C];
        this.ram[REG_C] = 0;
        this.updateIrq();
        return v;
      }
      default: return this.ram[reg];
    }
  }

  out(port: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    if (port === 0x70) { this.index = v & 0x7f; this.nmiMasked = (v & 0x80) !== 0; return; }
    const now = this.now();
    const reg = this.index;
    switch (reg) {
      case 0: case 2: case 4: case 6: case 7: case 8: case 9: case 0x32: case 0x37:
        this.writeTime(reg === 0x37 ? 0x32 : reg, v, now);
        return;
      case REG_A:
        this.tick();
        this.ram[REG_A] = v & 0x7f;
        this.seenPeriods = this.periodsAt(now);
        return;
      case REG_B: {
        this.tick();
        const was = this.ram[REG_B];
        let nb = v;
        if (nb & B_SET) nb &= ~B_UIE;       // SET stops updates, and with them UF interrupts
        if ((nb & B_SET) && !(was & B_SET)) this.frozenSeconds = this.seconds(now);
        if (!(nb & B_SET) && (was & B_SET)) {
          this.baseSeconds = this.frozenSeconds - this.secondIndex(now);
          this.frozenSeconds = -1;
          this.seenSecond = this.secondIndex(now);
        }
        this.ram[REG_B] = nb;
        this.updateIrq();
        return;
      }
      case REG_C: case REG_D: return;      // read-only
      default: this.ram[reg] = v;
    }
  }
}
