// The platform of a PVH domain: a local APIC and nothing else. No PIC, PIT, RTC, UART, i8042,
// VGA, PCI or port 0x80: every port reads all ones and swallows writes (the I/O exit is still
// recorded by the VMM, with the handler 'unassigned'), as Xen's PVH, which emulates no devices
// behind ports, answers them. Event channels reach the vCPU as interrupts: through the local
// APIC at the vCPU's upcall vector (HVMOP_set_evtchn_upcall_vector), or injected directly at
// the domain's callback vector (HVM_PARAM_CALLBACK_IRQ of type vector) while upcall_pending is
// set, which bypasses the APIC's IRR and ISR as Xen's does (no EOI).

import type { AccessSize, MmioRange, Platform, PlatformRequest, UnassignedAccess } from '../devices/platform-api';
import { APIC_BASE, LocalApic } from '../devices/local-apic';
import { IoBus } from '../devices/io-bus';

/** What the hypervisor adds to the platform: its timers and the event-channel interrupt. */
export interface PvhPlatformHooks {
  /** The next hypervisor timer (instruction ticks; Infinity for none). */
  nextTimer(): number;
  /** Fire the hypervisor's timers that are due. */
  fireTimers(): void;
  /** The callback vector to inject directly now, or -1 (none set, or no upcall pending). */
  callbackVector(): number;
  /** The vCPU is blocked in the hypervisor (SCHEDOP_block): an event or a timer wakes it whatever its IF. */
  blocked(): boolean;
  /** Host input for the guest's console ring. */
  consoleInput(bytes: Uint8Array): void;
  takeRequest(): PlatformRequest | null;
  /** The hypervisor's own state for Machine.snapshot(), kept beside the APIC's. */
  save(): unknown;
  load(state: unknown): void;
}

export class PvhPlatform implements Platform {
  readonly apic: LocalApic;
  readonly bus = new IoBus();
  readonly mmio: readonly MmioRange[];
  private readonly blank = new Uint16Array(80 * 25).fill(0x0720);

  constructor(now: () => number, private readonly hooks: PvhPlatformHooks) {
    this.apic = new LocalApic(now);
    this.bus.now = now;
    const apic = this.apic;
    this.mmio = [{
      base: APIC_BASE, size: 4096, name: 'local-apic',
      handler: { read: (o: number, s: AccessSize) => apic.read(o, s), write: (o: number, s: AccessSize, v: number) => apic.write(o, s, v) },
    }];
  }

  portIn(port: number, size: AccessSize): number { return this.bus.in(port, size); }
  portOut(port: number, size: AccessSize, value: number): void { this.bus.out(port, size, value); }
  portOwner(port: number): string | undefined { return this.bus.owner(port); }

  pendingVector(): number {
    const cb = this.hooks.callbackVector();
    if (cb >= 0) return cb;
    return this.apic.pendingVector();
  }

  acknowledge(): number {
    const cb = this.hooks.callbackVector();
    if (cb >= 0) return cb;
    return this.apic.acknowledge();
  }

  nmiPending(): boolean { return this.apic.nmiPending; }
  /**
   * The CPU asks this when it halts with IF clear: may something still wake it? A vCPU that
   * blocked in SCHEDOP_block is woken by the hypervisor (an event, its timer) whatever its IF,
   * so the run waits for the next deadline instead of ending, as for a routable NMI.
   */
  nmiRoutable(): boolean { return this.hooks.blocked(); }
  takeNmi(): boolean { return this.apic.takeNmi(); }
  readTpr(): number { return this.apic.tpr; }
  writeTpr(value: number): void { this.apic.tpr = value & 0xff; }

  nextDeadline(): number { return Math.min(this.apic.nextDeadline(), this.hooks.nextTimer()); }
  tick(): void { this.apic.tick(); this.hooks.fireTimers(); }
  takeRequest(): PlatformRequest | null { return this.hooks.takeRequest(); }
  get a20(): boolean { return true; }
  get unassigned(): { count: number; recent: UnassignedAccess[] } { return { count: this.bus.unassignedCount, recent: this.bus.recent() }; }
  serialInput(bytes: Uint8Array): void { this.hooks.consoleInput(bytes); }
  vgaText(): { cols: number; rows: number; cells: Uint16Array; cursor: { row: number; col: number; visible: boolean } } {
    return { cols: 80, rows: 25, cells: this.blank, cursor: { row: 0, col: 0, visible: false } };
  }
  reset(): void { this.apic.reset(); this.bus.clearUnassigned(); }
  saveState(): unknown { return { apic: this.apic.save(), hypervisor: this.hooks.save() }; }
  loadState(state: unknown): void {
    const s = state as { apic?: unknown; hypervisor?: unknown };
    if (!s || typeof s !== 'object' || s.apic === undefined) throw new Error('PVH platform loadState: not a PVH platform snapshot');
    this.apic.load(s.apic);
    this.hooks.load(s.hypervisor);
  }
}
