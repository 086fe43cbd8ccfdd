// The services one domU gets from Xen, bundled for a domain of any kind (32-bit PV, 64-bit
// PV, PVH): event channels, the grant table, the vCPU's timers/runstate/vcpu_info, the
// console and xenstore backends (the "dom0" this machine models), the physdev state, and the
// hypercalls that reach them. A domain makes one from its XenDomainServices and routes its
// hypercalls here; nothing in this file or the services knows which kind of domain it is.

import { EFAULT, EVTCHNSTAT, PAGE, VIRQ_TIMER } from './abi';
import { ConsoleBackend } from './console';
import { eventChannelOp } from './event-ops';
import { EventChannels } from './events';
import { FifoEvents } from './event-fifo';
import { GNTTAB_RESERVED_CONSOLE, GNTTAB_RESERVED_XENSTORE, GrantTable, GTF } from './grant-table';
import { grantTableOp } from './grant-ops';
import { GuestFault } from './guest-access';
import { memoryOp } from './memory-ops';
import { initSharedInfo } from './pvclock';
import type { XenDomainServices } from './services';
import { consoleIo, physdevOp, xenVersion, type PhysdevState } from './version-ops';
import { VcpuState, vcpuOp } from './vcpu-ops';
import { XenstoreBackend } from './xenstore';

/** Start-of-day placement of the shared pages (physical addresses) and the ports the toolstack binds. */
export interface XenServicesLayout {
  sharedInfoPa: number;
  grantPas: number[];
  grantStatusPas: number[];
  consolePa: number; consolePort: number;
  xenstorePa: number; xenstorePort: number;
  /** The frame numbers the guest is told for the two rings (start_info / HVM params): seeded in grant entries 0 and 1. */
  consoleFrame: number; xenstoreFrame: number;
  /** The domain's name in xenstore. */
  name: string;
  /** The reservation the toolstack gave (max_pages), for xenstore's memory nodes. */
  maxPages: number;
}

export class XenServices {
  readonly events: EventChannels;
  readonly grants: GrantTable;
  readonly vcpu: VcpuState;
  readonly console: ConsoleBackend;
  readonly xenstore: XenstoreBackend;
  readonly physdev: PhysdevState = { iopl: 0, iobitmap: null, eoiGmfn: null };
  /** Guest assists in force (VMASST_TYPE_* bits); the domain keeps it current. */
  vmAssist = 0;
  sharedInfoPa = 0;
  /** Set by the domain: fires due timers (a deadline in the past fires at once). */
  fireTimers: () => void = () => {};

  constructor(readonly host: XenDomainServices, serialOut: (b: number) => void) {
    this.events = new EventChannels(host);
    this.grants = new GrantTable(host.mem);
    this.vcpu = new VcpuState(host, this.events);
    this.console = new ConsoleBackend(host.mem, this.events, serialOut);
    this.xenstore = new XenstoreBackend(host.mem, this.events, () => host.clock.ticks());
  }

  /** Back to before any domain was built. */
  reset(): void {
    this.events.reset();
    this.grants.reset([], []);
    this.vcpu.reset();
    this.console.reset();
    this.xenstore.reset(this.host.domid, 'paravirt-guest');
    this.physdev.iopl = 0; this.physdev.iobitmap = null; this.physdev.eoiGmfn = null;
    this.vmAssist = 0;
    this.sharedInfoPa = 0;
  }

  /**
   * Start of day, as the toolstack leaves a domU: shared_info initialised, vcpu_info in it,
   * the console and xenstore rings bound to ports of the backend domain, their grant
   * entries seeded (GNTTAB_RESERVED_CONSOLE/XENSTORE), the xenstore tree written.
   */
  build(lay: XenServicesLayout): void {
    const width = this.host.width, ev = this.events;
    this.sharedInfoPa = lay.sharedInfoPa;
    ev.sharedPa = lay.sharedInfoPa;
    ev.vcpuPa = lay.sharedInfoPa;
    initSharedInfo(this.host.mem, lay.sharedInfoPa, width);
    for (const [port, be] of [[lay.xenstorePort, 'xenstore'], [lay.consolePort, 'console']] as const) {
      ev.state[port] = EVTCHNSTAT.interdomain;
      ev.remoteDom[port] = 0;
      ev.remotePort[port] = port;
      ev.backend[port] = be;
    }
    this.console.ringPa = lay.consolePa; this.console.port = lay.consolePort;
    this.xenstore.ringPa = lay.xenstorePa; this.xenstore.port = lay.xenstorePort;
    this.grants.reset(lay.grantPas, lay.grantStatusPas);
    if (lay.grantPas.length > 0) {
      this.grants.grow(1);
      this.grants.writeEntry(GNTTAB_RESERVED_CONSOLE, GTF.permit_access, 0, lay.consoleFrame);
      this.grants.writeEntry(GNTTAB_RESERVED_XENSTORE, GTF.permit_access, 0, lay.xenstoreFrame);
      // The backends (xenconsoled, xenstored) keep both mapped for the domain's life.
      this.grants.acquire(GNTTAB_RESERVED_CONSOLE, 0, false);
      this.grants.acquire(GNTTAB_RESERVED_XENSTORE, 0, false);
    }
    this.xenstore.seedDomain({ name: lay.name, consoleRingRef: lay.consoleFrame, consolePort: lay.consolePort,
      storeRingRef: lay.xenstoreFrame, storePort: lay.xenstorePort, memoryKiB: lay.maxPages * (PAGE / 1024) });
  }

  // ---- the hypercalls the services answer (arguments already read by the dispatcher) ------

  /** Any GuestFault is the hypercall's -EFAULT (a continuation passes through). */
  private guarded(f: () => number): number {
    try { return f(); } catch (e) { if (e instanceof GuestFault) return -EFAULT; throw e; }
  }

  eventChannelOp(cmd: number, arg: number): number { return this.guarded(() => eventChannelOp(this, cmd, arg)); }
  grantTableOp(cmd: number, uop: number, count: number): number { return this.guarded(() => grantTableOp(this, cmd, uop, count)); }
  vcpuOp(cmd: number, vcpuId: number, arg: number): number { return this.guarded(() => vcpuOp(this, cmd, vcpuId, arg)); }
  /** null: a memory_op the domain kind answers itself (the PV M2P queries). */
  memoryOp(cmd: number, arg: number): number | null {
    try { return memoryOp(this, cmd, arg); } catch (e) { if (e instanceof GuestFault) return -EFAULT; throw e; }
  }
  xenVersion(cmd: number, arg: number): number { return this.guarded(() => xenVersion(this.host, cmd, arg)); }
  consoleIo(cmd: number, count: number, buf: number, nested: boolean): number { return this.guarded(() => consoleIo(this.host, this.console, cmd, count, buf, nested)); }
  physdevOp(cmd: number, arg: number): number { return this.guarded(() => physdevOp(this.host, this.physdev, cmd, arg)); }

  // ---- time ---------------------------------------------------------------------------

  /** Rewrites vcpu_time_info (and its registered copy) for now. */
  updateTime(): void { this.vcpu.updateTime(); }

  /** Earliest armed vCPU timer, or xenstored's next look at its ring, in ticks (Infinity if none). */
  nextTimer(): number { return Math.min(this.vcpu.singleshotAt, this.vcpu.periodicAt, this.xenstore.retryAt); }

  /** Fire the vCPU timers due at tick `now`: each raises VIRQ_TIMER. */
  fireDueTimers(now: number): void {
    const v = this.vcpu;
    if (this.xenstore.retryAt <= now) { this.xenstore.retryAt = Infinity; this.xenstore.kick(); }
    if (v.singleshotAt <= now) { v.singleshotAt = Infinity; this.events.sendVirq(VIRQ_TIMER); }
    if (v.periodicAt <= now) {
      const period = this.host.clock.nsToTicks(v.periodicNs);
      while (v.periodicAt <= now) v.periodicAt += period;
      this.events.sendVirq(VIRQ_TIMER);
    }
  }

  vmAssistValue(): number { return this.vmAssist; }

  // ---- snapshots ----------------------------------------------------------------------

  save(): unknown {
    const ev = this.events;
    return {
      events: {
        state: ev.state.slice(), virq: ev.virq.slice(), remoteDom: ev.remoteDom.slice(), remotePort: ev.remotePort.slice(),
        backend: [...ev.backend], virqPort: ev.virqPort.slice(), sharedPa: ev.sharedPa, vcpuPa: ev.vcpuPa,
        polling: ev.polling ? [...ev.polling] : null, notifyVcpu: ev.notifyVcpu.slice(), fifo: ev.fifo?.save() ?? null,
      },
      grants: this.grants.save(), vcpu: this.vcpu.save(), physdev: { ...this.physdev, iobitmap: this.physdev.iobitmap ? { ...this.physdev.iobitmap } : null },
      vmAssist: this.vmAssist, sharedInfoPa: this.sharedInfoPa,
      console: { ringPa: this.console.ringPa, port: this.console.port, bytesOut: this.console.bytesOut, ringBytesOut: this.console.ringBytesOut, input: this.console.pendingInput() },
      xenstore: this.xenstore.save(),
    };
  }

  load(state: unknown): void {
    const s = state as ReturnType<XenServices['save']> & Record<string, any>; // a structured clone of save()
    const ev = this.events, e = s.events;
    ev.state.set(e.state); ev.virq.set(e.virq); ev.remoteDom.set(e.remoteDom); ev.remotePort.set(e.remotePort);
    e.backend.forEach((b: typeof ev.backend[number], i: number) => { ev.backend[i] = b; });
    ev.virqPort.set(e.virqPort); ev.sharedPa = e.sharedPa; ev.vcpuPa = e.vcpuPa; ev.polling = e.polling ? new Set(e.polling) : null;
    if (e.notifyVcpu) ev.notifyVcpu.set(e.notifyVcpu);
    ev.fifo = null;
    if (e.fifo) { ev.fifo = new FifoEvents(this.host, ev, ev.state.length); ev.fifo.load(e.fifo); }
    if (s.grants) this.grants.load(s.grants);
    if (s.vcpu) this.vcpu.load(s.vcpu);
    if (s.physdev) Object.assign(this.physdev, s.physdev);
    this.vmAssist = s.vmAssist ?? 0; this.sharedInfoPa = s.sharedInfoPa ?? e.sharedPa;
    const c = this.console;
    c.ringPa = s.console.ringPa; c.port = s.console.port; c.bytesOut = s.console.bytesOut; c.ringBytesOut = s.console.ringBytesOut ?? 0;
    c.setPendingInput(s.console.input);
    this.xenstore.load(s.xenstore);
  }
}
