// The PC platform: every device wired to the port bus, the APIC's MMIO page and the
// interrupt lines, behind the Platform contract the machine drives.

import type { AccessSize, MmioRange, Platform, PlatformOptions, PlatformRequest, UnassignedAccess } from './platform-api';
import { IoBus } from './io-bus';
import { PicPair } from './pic8259';
import { Pit8254 } from './pit8254';
import { Uart16550 } from './uart16550';
import { CmosRtc } from './cmos-rtc';
import { VgaText } from './vga-text';
import { APIC_BASE, LocalApic } from './local-apic';
import { DebugCon, DebugExit } from './debug-ports';
import { SystemControl } from './system-control';
import { FwCfg } from './fw-cfg';
import { PciConfig } from './pci-config';
import { PostCode } from './post-code';
import { ACPI_PM_BASE, ACPI_PM_PORTS, APM_CNT_PORT, AcpiPm } from './acpi-pm';
import { IOAPIC_BASE, IoApic } from './ioapic';
import { HPET_BASE, Hpet } from './hpet';
import { loadFields, saveFields } from './state-copy';

const COM1_IRQ = 4;
const RTC_IRQ = 8;
/** The ACPI SCI's ISA line (level, active high; the MADT says so). */
const SCI_IRQ = 9;
/** I/O APIC input sources (wired-OR per pin): the ISA line, then each HPET timer. */
const SRC_ISA = 0, SRC_HPET = 1;

/** The I/O APIC input an ISA IRQ reaches: 1:1 except IRQ 0 on GSI 2 (the MADT's override). */
export function isaGsi(irq: number): number { return irq === 0 ? 2 : irq; }
const MAX_QUEUED_REQUESTS = 8;

export class PcPlatform implements Platform {
  readonly bus = new IoBus();
  readonly pic = new PicPair();
  readonly pit: Pit8254;
  readonly uart: Uart16550;
  readonly rtc: CmosRtc;
  readonly vga: VgaText;
  readonly apic: LocalApic;
  readonly sysctl: SystemControl;
  readonly fwcfg: FwCfg;
  readonly pci = new PciConfig();
  readonly post = new PostCode();
  readonly acpi: AcpiPm;
  readonly ioapic: IoApic;
  readonly hpet: Hpet;
  readonly mmio: readonly MmioRange[];
  private readonly requests: PlatformRequest[] = [];
  private readonly now: () => number;
  // Interrupt and deadline answers are cached until something that could change them
  // happens (any port access, APIC access, tick that does work, input, INTA), because the
  // CPU may ask for them far more often than the devices change.
  private epoch = 0;
  private vectorEpoch = -1;
  private vector = -1;
  private deadlineEpoch = -1;
  private deadline = Infinity;

  constructor(opts: PlatformOptions) {
    if (typeof opts?.now !== 'function') throw new Error('createPcPlatform: options.now must be a function returning the instruction count');
    if (typeof opts.readPhys !== 'function') throw new Error('createPcPlatform: options.readPhys must be a function');
    if (!Number.isSafeInteger(opts.ramBytes) || opts.ramBytes < 1024 * 1024 || opts.ramBytes > 0xe0000000) {
      throw new Error(`createPcPlatform: ramBytes must be an integer from 1 MiB to 3.5 GiB, got ${opts.ramBytes}`);
    }
    const now = opts.now;
    this.now = now;
    const serialOut = opts.serialOut ?? (() => {});
    const request = (r: PlatformRequest) => { if (this.requests.length < MAX_QUEUED_REQUESTS) this.requests.push(r); };
    this.bus.now = now;
    this.apic = new LocalApic(now);
    const apic = this.apic;
    this.ioapic = new IoApic({
      message: (vector, mode, level, logical, dest) => {
        if (!apic.accepts(dest, logical)) return;
        if (mode === 0 || mode === 1) apic.deliver(vector, level);
        else if (mode === 4) apic.nmiPending = true;
        // SMI, INIT and ExtINT messages from the I/O APIC are not modelled on this CPU.
      },
    });
    apic.onLevelEoi = (vector) => this.ioapic.eoi(vector);
    this.hpet = new Hpet(now, {
      set: (timer, gsi, irq, level) => {
        if (irq >= 0) this.pic.setIrq(irq, level);
        this.ioapic.setLine(irq >= 0 ? isaGsi(irq) : gsi, SRC_HPET + timer, level);
      },
    });
    // In legacy replacement mode the HPET owns IRQ 0 and IRQ 8: the PIT and RTC are cut off.
    this.pit = new Pit8254(now, () => { if (!this.hpet.legacy) this.isaPulse(0); });
    this.uart = new Uart16550(now, serialOut, (level) => this.isaLevel(COM1_IRQ, level));
    this.rtc = new CmosRtc(now, opts.ramBytes, (level) => { if (!this.hpet.legacy) this.isaLevel(RTC_IRQ, level); });
    this.vga = new VgaText(opts.readPhys);
    this.sysctl = new SystemControl(request);
    this.fwcfg = new FwCfg(opts.ramBytes);
    this.acpi = new AcpiPm(now, request, (level) => this.isaLevel(SCI_IRQ, level));
    this.acpi.reset();

    const b = this.bus;
    b.register(0x20, 2, 'pic', this.pic);
    b.register(0xa0, 2, 'pic', this.pic);
    b.register(0x4d0, 2, 'pic', this.pic);
    b.register(0x40, 4, 'pit', this.pit);
    b.register(0x61, 1, 'pit', this.pit);
    b.register(0x70, 2, 'cmos', this.rtc);
    b.register(0x3f8, 8, 'uart', this.uart);
    b.register(0x3b0, 0x30, 'vga', this.vga);
    b.register(0xf4, 4, 'debug-exit', new DebugExit(request), true);
    b.register(0xe9, 1, 'debugcon', new DebugCon(serialOut));
    b.register(0x92, 1, 'system-control', this.sysctl.port92Handler);
    b.register(0x60, 1, 'i8042', this.sysctl.kbcHandler);
    b.register(0x64, 1, 'i8042', this.sysctl.kbcHandler);
    b.register(0x510, 2, 'fw_cfg', this.fwcfg, true);
    b.register(0xcf8, 8, 'pci', this.pci, true);
    b.register(0xcf9, 1, 'system-control', this.sysctl.rcrHandler);
    b.register(0x80, 1, 'post', this.post);
    b.register(ACPI_PM_BASE, ACPI_PM_PORTS, 'acpi-pm', this.acpi, true);
    b.register(APM_CNT_PORT, 2, 'apm', this.acpi.apmHandler);

    const ioapic = this.ioapic, hpet = this.hpet;
    // The local APIC first: its page is the one most accesses hit.
    this.mmio = [{
      base: APIC_BASE, size: 4096, name: 'local-apic',
      handler: {
        read: (offset: number, size: AccessSize) => { this.epoch++; return apic.read(offset, size); },
        write: (offset: number, size: AccessSize, value: number) => { this.epoch++; apic.write(offset, size, value); },
      },
    }, {
      base: IOAPIC_BASE, size: 4096, name: 'ioapic',
      handler: {
        read: (offset: number, size: AccessSize) => ioapic.read(offset, size),
        write: (offset: number, size: AccessSize, value: number) => { ioapic.write(offset, size, value); this.epoch++; },
      },
    }, {
      base: HPET_BASE, size: 4096, name: 'hpet',
      handler: {
        read: (offset: number, size: AccessSize) => hpet.read(offset, size),
        // State changes first, then the cache epoch: nothing may cache a deadline from the old state.
        write: (offset: number, size: AccessSize, value: number) => { hpet.tick(); hpet.write(offset, size, value); this.epoch++; },
      },
    }];
  }

  /** An ISA line reaches both the 8259 pair and the I/O APIC. */
  private isaLevel(irq: number, level: boolean): void {
    this.pic.setIrq(irq, level); this.ioapic.setLine(isaGsi(irq), SRC_ISA, level); this.syncLint0();
  }
  private isaPulse(irq: number): void { this.pic.pulse(irq); this.ioapic.pulse(isaGsi(irq), SRC_ISA); this.syncLint0(); }

  /**
   * The 8259's INTR output is wired to LINT0. In ExtINT mode the CPU's INTA reads the 8259
   * directly (picAllowed); programmed as NMI or a fixed vector, LINT0 sees INTR's level.
   */
  private syncLint0(): void { this.apic.setLint(0, this.pic.pendingVector() >= 0); }

  /** Drive ISA interrupt line `irq` (0-15) from outside the platform's own devices. */
  setIrq(irq: number, level: boolean): void { this.epoch++; this.isaLevel(irq & 15, level); }
  /** A rising and falling edge on ISA line `irq`. */
  pulseIrq(irq: number): void { this.epoch++; this.isaPulse(irq & 15); }

  portIn(port: number, size: AccessSize): number {
    this.epoch++;
    const v = this.bus.in(port, size);
    // Port B's bits 7 and 6 are the chipset's NMI sources (SERR#, IOCHK#), not the PIT's.
    return port === 0x61 ? (v & ~0xc0) | this.nmiStatus() : v;
  }
  portOut(port: number, size: AccessSize, value: number): void {
    this.epoch++;
    this.bus.out(port, size, value);
    if (port === 0x61 || port === 0x70) this.updateNmiLine();
    else if ((port & ~0x81) === 0x20) this.syncLint0();       // 0x20/0x21/0xA0/0xA1
  }

  // --- the chipset's NMI line ---------------------------------------------------------
  /** PCI SERR# and ISA IOCHK# (an I/O channel check from a card): the NMI sources of a PC. */
  serr = false;
  iochk = false;

  private nmiStatus(): number { return (this.serr ? 0x80 : 0) | (this.iochk ? 0x40 : 0); }

  /**
   * The NMI line into the local APIC's LINT1: a source whose enable bit in port 0x61 is clear
   * (bit 2 for SERR#, bit 3 for IOCHK#), unless port 0x70's bit 7 masks NMIs.
   */
  private updateNmiLine(): void {
    const b = this.pit.portB;
    const line = !this.rtc.nmiMasked && ((this.serr && !(b & 4)) || (this.iochk && !(b & 8)));
    this.apic.setLint(1, line);
  }

  /** Raise or drop IOCHK# (what an NMI button or a failing ISA card drives). */
  setIochk(level: boolean): void { this.epoch++; this.iochk = level; this.updateNmiLine(); }
  /** Raise or drop SERR# (a PCI system error). */
  setSerr(level: boolean): void { this.epoch++; this.serr = level; this.updateNmiLine(); }

  readTpr(): number { return this.apic.tpr; }
  /** A lower TPR may unmask a pending interrupt: the cache epoch moves, as for an MMIO write. */
  writeTpr(value: number): void { this.epoch++; this.apic.tpr = value & 0xff; }

  nmiPending(): boolean { return this.apic.nmiPending; }
  takeNmi(): boolean { this.epoch++; return this.apic.takeNmi(); }
  // LINT1's NMI line moves only with port 0x61/0x70 writes or host input (SERR#, IOCHK#),
  // none of which happens while the CPU is halted, so only LINT0 and the I/O APIC count.
  // LINT0 takes NMIs on a rising edge of the 8259's INTR: once high it falls again only by
  // an acknowledge, EOI or mask write, which a halted CPU cannot do. And it rises only for
  // an IRQ the 8259 lets through (a master input, or the slave's through the cascade).
  nmiRoutable(): boolean {
    const m = this.pic.master.imr, sl = this.pic.slave.imr;
    const picOpen = (m & 0xfb) !== 0xfb || (!(m & 4) && sl !== 0xff);
    return (this.apic.lintIsNmi(0) && !this.apic.lint0 && picOpen) || this.ioapic.routesNmi();
  }
  portOwner(port: number): string | undefined { return this.bus.owner(port); }
  /** Every claimed port range with its device name (the guest-visible I/O surface). */
  portRanges(): Array<{ first: number; last: number; name: string }> {
    return this.bus.ranges().map(({ first, last, name }) => ({ first, last, name }));
  }

  pendingVector(): number {
    if (this.vectorEpoch !== this.epoch) {
      let v = this.apic.pendingVector();
      if (v < 0 && this.apic.picAllowed()) v = this.pic.pendingVector();
      this.vector = v;
      this.vectorEpoch = this.epoch;
    }
    return this.vector;
  }

  acknowledge(): number {
    this.epoch++;
    const v = this.apic.acknowledge();
    if (v >= 0) return v;
    if (!this.apic.picAllowed()) return -1;
    const pv = this.pic.acknowledge();
    this.syncLint0();
    return pv;
  }

  nextDeadline(): number {
    if (this.deadlineEpoch !== this.epoch) {
      this.deadline = Math.min(this.pit.nextDeadline(), this.apic.nextDeadline(), this.rtc.nextDeadline(), this.uart.nextDeadline(), this.hpet.nextDeadline(), this.acpi.nextDeadline());
      this.deadlineEpoch = this.epoch;
    }
    return this.deadline;
  }

  tick(): void {
    // Nothing is due before the cached deadline unless device state changed since it was computed.
    if (this.deadlineEpoch === this.epoch && this.now() < this.deadline) return;
    this.epoch++;
    this.pit.tick();
    this.apic.tick();
    this.rtc.tick();
    this.uart.tick();
    this.hpet.tick();
    this.acpi.tick();
  }

  takeRequest(): PlatformRequest | null { return this.requests.shift() ?? null; }

  get a20(): boolean { return this.sysctl.a20; }

  get unassigned(): { count: number; recent: UnassignedAccess[] } {
    return { count: this.bus.unassignedCount, recent: this.bus.recent() };
  }

  /** Record an MMIO access that hit no RAM and no device (for the machine's memory bus). */
  recordUnassignedMmio(address: number, size: AccessSize, write: boolean, value: number): number {
    return this.bus.noDevice(address >>> 0, size, write, value, 'mmio');
  }

  serialInput(bytes: Uint8Array): void { this.epoch++; this.uart.input(bytes); }

  vgaText(): { cols: number; rows: number; cells: Uint16Array; cursor: { row: number; col: number; visible: boolean } } {
    return this.vga.text();
  }

  reset(): void {
    this.epoch++;
    this.pic.reset();
    this.pit.reset();
    this.uart.reset();
    this.rtc.reset();
    this.vga.reset();
    this.apic.reset();
    this.sysctl.reset();
    this.fwcfg.reset();
    this.pci.reset();
    this.post.reset();
    this.acpi.reset();
    this.hpet.reset();
    this.ioapic.reset();
    this.serr = false; this.iochk = false;
    this.requests.length = 0;
    this.bus.clearUnassigned();
  }

  saveState(): unknown {
    return {
      master: saveFields(this.pic.master), slave: saveFields(this.pic.slave),
      pit: this.pit.save(), uart: this.uart.save(), rtc: saveFields(this.rtc),
      vga: saveFields(this.vga), apic: this.apic.save(), sysctl: saveFields(this.sysctl),
      fwcfg: saveFields(this.fwcfg), pci: saveFields(this.pci), post: saveFields(this.post),
      acpi: saveFields(this.acpi), hpet: saveFields(this.hpet), ioapic: saveFields(this.ioapic),
      nmi: { serr: this.serr, iochk: this.iochk },
    };
  }

  loadState(state: unknown): void {
    const s = state as Record<string, Record<string, unknown>>;
    if (!s || typeof s !== 'object' || !s.master || !s.pit) throw new Error('platform loadState: not a platform snapshot');
    this.epoch++;
    loadFields(this.pic.master, s.master); loadFields(this.pic.slave, s.slave);
    this.pit.load(s.pit); this.uart.load(s.uart); loadFields(this.rtc, s.rtc);
    loadFields(this.vga, s.vga); this.apic.load(s.apic); loadFields(this.sysctl, s.sysctl);
    loadFields(this.fwcfg, s.fwcfg); loadFields(this.pci, s.pci); loadFields(this.post, s.post);
    if (s.acpi) loadFields(this.acpi, s.acpi);
    if (s.hpet) loadFields(this.hpet, s.hpet);
    if (s.ioapic) loadFields(this.ioapic, s.ioapic);
    if (s.nmi) { this.serr = s.nmi.serr === true; this.iochk = s.nmi.iochk === true; }
    this.requests.length = 0;
  }
}

