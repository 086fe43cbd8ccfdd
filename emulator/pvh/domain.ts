// One PVH domain with one vCPU: what Xen keeps for it besides the HVM container itself. Its
// HVM parameters (set up by the toolstack: the console and xenstore pages and their event
// channels), the event-delivery route the guest chose (a per-vCPU upcall vector, or the
// domain's callback vector), where the guest put shared_info, the width its shared
// structures were latched at, and the way it stopped (sched_op shutdown).

import type { Cpu } from '../cpu';
import type { PhysicalMemory } from '../memory/physical-memory';
import type { PvhBoot } from '../loader/boot-plan';
import { SPECIAL_PAGE, specialPfn, type PvhLayout } from '../loader/pvh-layout';
import type { PvStop } from '../pv/domain';
import { EINVAL, ENOSYS, EPERM, SHUTDOWN_NAMES } from '../pv/abi';
import { INSTRUCTION_NS } from '../clock';
import { PvhGuestMemory } from './guest-memory';
import { HVM_NR_PARAMS, HVM_PARAM, HVM_PARAM_CALLBACK_TYPE } from './hvm-params';
import type { HypercallArgs } from '../pv/hypercall-args';
import type { HypercallName } from '../pv/hypercall-table';
import { EventChannels } from '../pv/events';
import { ConsoleBackend } from '../pv/console';
import { XenstoreBackend } from '../pv/xenstore';
import { EVTCHNSTAT } from '../pv/abi';
import type { XenDomainServices } from '../pv/services';
import { initPvhSharedInfo, moveFrame, pvhDomainServices, updatePvhTime } from './services-host';

/** The event channels the toolstack allocates before the guest starts (store first, as libxl does). */
export const STORE_EVTCHN = 1, CONSOLE_EVTCHN = 2;
/** Our domain id: dom0 is the console and xenstore backend. */
export const PVH_DOMID = 1;

/** The services a PV domain also has (events, grants, vcpu_op, ...), answered elsewhere. */
export type ServiceCall = (name: HypercallName, args: HypercallArgs) => number | bigint;

export class PvhDomain {
  readonly guest: PvhGuestMemory;
  readonly domid = PVH_DOMID;
  readonly params = new BigUint64Array(HVM_NR_PARAMS);
  /** The vCPU's upcall vector (0 = none). */
  upcallVector = 0;
  /** Guest frame of shared_info once the guest mapped it (-1 before). */
  sharedInfoGpfn = -1;
  /** The width of shared_info and vcpu_info, latched by the caller's mode (hvm_latch_shinfo_size). */
  sharedWidth: 32 | 64 = 64;
  private boot: PvhBoot | null = null;
  private stop: PvStop | null = null;
  /** Called with each byte of console_io output. */
  consoleOut: (b: number) => void = () => {};
  /** What Xen's domU services see of this domain. */
  readonly host: XenDomainServices;
  readonly events: EventChannels;
  readonly console: ConsoleBackend;
  readonly xenstore: XenstoreBackend;
  /** Physical address of shared_info: the hypervisor's frame, or where the guest placed it. */
  sharedPa = 0;
  /** The vCPU is blocked in SCHEDOP_block until an event (or its timer). */
  blocked = false;
  /** Lines the hypervisor logged about the domain, newest last. */
  readonly hypervisorLog: string[] = [];
  /** Told when an event became deliverable (the hypervisor injects the upcall). */
  onUpcall: () => void = () => {};
  /** Where calls this domain does not answer itself go; -ENOSYS until services are attached. */
  services: ServiceCall = () => -ENOSYS;
  /** Whether the VMM models shadow paging (its exit controls intercept CR3 loads) rather than EPT. */
  shadowPaging: () => boolean = () => false;
  /** Told when event delivery may have changed (a new vector, shared_info moved). */
  onEventRoute: () => void = () => {};

  constructor(readonly cpu: Cpu, readonly mem: PhysicalMemory, serialOut: (b: number) => void) {
    this.guest = new PvhGuestMemory(cpu, mem);
    this.host = pvhDomainServices(cpu, mem, this.guest, () => this.boot?.layout ?? null, PVH_DOMID, {
      width: () => this.sharedWidth,
      raiseUpcall: () => this.kick(),
      log: (m) => { this.hypervisorLog.push(m); if (this.hypervisorLog.length > 256) this.hypervisorLog.shift(); },
    });
    this.events = new EventChannels(this.host);
    this.console = new ConsoleBackend(mem, this.events, serialOut);
    this.xenstore = new XenstoreBackend(mem, this.events);
    this.consoleOut = (b) => this.console.writeHypervisor(b);
  }

  /** Something became deliverable: a blocked vCPU wakes, and the upcall is injected. */
  kick(): void {
    if (this.blocked) { this.blocked = false; this.cpu.halted = false; }
    this.updateTime();
    this.onUpcall();
    this.cpu.irqPoll = true;
    this.cpu.attn = true;
  }

  /**
   * SCHEDOP_block (vcpu_block_enable_events): event delivery enabled, then the vCPU sleeps
   * unless an event is already pending; an event or its timer wakes it (kick()).
   */
  block(): number {
    this.events.upcallMask = false;
    if (this.events.upcallPending) return 0;
    this.blocked = true;
    this.cpu.halted = true;
    this.cpu.attn = true;
    return 0;
  }

  /** vcpu_time_info for now, as Xen writes it on every return to the guest. */
  updateTime(): void {
    if (this.boot) updatePvhTime(this.mem, this.events.vcpuPa, this.sharedWidth, this.host.clock);
  }

  /** Whether vcpu_info's evtchn_upcall_pending is set (what the callback vector's injection follows). */
  get upcallPending(): boolean { return this.boot !== null && this.events.upcallPending; }

  get layout(): PvhLayout {
    if (!this.boot) throw new Error('no PVH kernel is loaded');
    return this.boot.layout;
  }

  get loaded(): PvhBoot | null { return this.boot; }

  /** The domain as the toolstack leaves it before the first instruction. */
  reset(boot: PvhBoot | null): void {
    this.boot = boot;
    this.params.fill(0n);
    this.upcallVector = 0;
    this.sharedInfoGpfn = -1;
    this.sharedWidth = 64;
    this.stop = null;
    this.blocked = false;
    this.events.reset();
    this.console.reset();
    this.xenstore.reset(this.domid, 'paravirt-guest');
    this.guest.limit = boot ? boot.layout.xenBase : this.mem.ramBytes;
    if (boot) {
      const lay = boot.layout;
      const storePfn = specialPfn(lay, SPECIAL_PAGE.xenstore), consolePfn = specialPfn(lay, SPECIAL_PAGE.console);
      this.params[HVM_PARAM.STORE_PFN] = BigInt(storePfn);
      this.params[HVM_PARAM.CONSOLE_PFN] = BigInt(consolePfn);
      this.params[HVM_PARAM.STORE_EVTCHN] = BigInt(STORE_EVTCHN);
      this.params[HVM_PARAM.CONSOLE_EVTCHN] = BigInt(CONSOLE_EVTCHN);
      // shared_info starts in the hypervisor's first frame; vcpu_info[0] is at its start.
      this.sharedPa = lay.xenBase;
      initPvhSharedInfo(this.mem, this.sharedPa, this.sharedWidth);
      this.events.sharedPa = this.sharedPa;
      this.events.vcpuPa = this.sharedPa;
      // The toolstack's two channels, bound to the backends in dom0 before the guest runs.
      for (const [port, be] of [[STORE_EVTCHN, 'xenstore'], [CONSOLE_EVTCHN, 'console']] as const) {
        this.events.state[port] = EVTCHNSTAT.interdomain;
        this.events.remoteDom[port] = 0;
        this.events.remotePort[port] = port;
        this.events.backend[port] = be;
      }
      this.console.ringPa = consolePfn * 4096; this.console.port = CONSOLE_EVTCHN;
      this.xenstore.ringPa = storePfn * 4096; this.xenstore.port = STORE_EVTCHN;
      this.updateTime();
    }
  }

  /** A parameter the guest may set (hvm_set_param's checks for those). */
  setParam(index: number, value: bigint, callerWidth: 32 | 64): number {
    // hvm_set_callback_via takes any value (a vector below 0x10 is the guest's own mistake);
    // setting it latches the width of the shared structures, as add_to_physmap does.
    if (index === HVM_PARAM.CALLBACK_IRQ) this.sharedWidth = callerWidth;
    if (index === HVM_PARAM.X87_FIP_WIDTH && value !== 0n && value !== 4n && value !== 8n) return -EINVAL;
    this.params[index] = value;
    this.onEventRoute();
    return 0;
  }

  /** The domain's callback vector (HVM_PARAM_CALLBACK_IRQ of type vector), or -1. */
  get callbackVector(): number {
    const v = this.params[HVM_PARAM.CALLBACK_IRQ]!;
    return Number(v >> 56n) === HVM_PARAM_CALLBACK_TYPE.vector ? Number(v & 0xffn) : -1;
  }

  setUpcallVector(vector: number): void {
    this.upcallVector = vector;
    this.onEventRoute();
  }

  /**
   * XENMEM_add_to_physmap: shared_info (idx 0) appears at gpfn; grant-table frames are the
   * services'. Xen latches the shared structures' width from this call's caller.
   */
  addToPhysmap(space: number, idx: number, gpfn: number, callerWidth: 32 | 64): number {
    if (gpfn < 0 || gpfn >= this.layout.ramBytes / 4096) return -EINVAL;
    if (space === 0) {
      if (idx !== 0) return -EINVAL;
      if (gpfn * 4096 >= this.layout.xenBase) return -EINVAL;
      const movesVcpu = this.events.vcpuPa === this.sharedPa;
      this.sharedPa = moveFrame(this.mem, this.sharedPa, gpfn);
      this.events.sharedPa = this.sharedPa;
      if (movesVcpu) this.events.vcpuPa = this.sharedPa;
      this.sharedInfoGpfn = gpfn;
      this.sharedWidth = callerWidth;
      this.updateTime();
      this.onEventRoute();
      return 0;
    }
    return -EPERM;
  }

  /** Xen's system time: nanoseconds since the domain started (virtual time). */
  systemTimeNs(): number { return this.cpu.ticks * INSTRUCTION_NS; }

  consoleWrite(b: number): void { this.consoleOut(b & 0xff); }

  /**
   * SCHEDOP_shutdown, as for a PV domain: poweroff (and suspend, watchdog) stop the machine with
   * the reason as the code; reboot is a reset request; crash is a domain crash.
   */
  shutdown(code: number): void {
    if (this.stop) return;
    const what = `sched_op shutdown: ${SHUTDOWN_NAMES[code] ?? `reason ${code}`}`;
    if (code === 1) this.stop = { kind: 'reset', via: what };
    else if (code === 3) this.stop = { kind: 'domain-crash', detail: `the guest asked to crash (${what})` };
    else this.stop = { kind: 'shutdown', code, reason: what };
    this.cpu.requestPending = true;
    this.cpu.attn = true;
  }

  /** Why the domain stopped, or null while it runs. Stays set: a stopped domain does not run again. */
  takeStop(): PvStop | null {
    if (this.stop) this.cpu.requestPending = false;
    return this.stop;
  }

  get stopped(): boolean { return this.stop !== null; }

  /** Everything the hypervisor keeps for the domain, for Machine.snapshot() (structured-clone-able). */
  save(): unknown {
    const ev = this.events, c = this.console;
    return {
      params: this.params.slice(), upcallVector: this.upcallVector, sharedInfoGpfn: this.sharedInfoGpfn, sharedWidth: this.sharedWidth,
      sharedPa: this.sharedPa, blocked: this.blocked, boot: this.boot, stop: this.stop,
      events: {
        state: ev.state.slice(), virq: ev.virq.slice(), remoteDom: ev.remoteDom.slice(), remotePort: ev.remotePort.slice(),
        backend: [...ev.backend], virqPort: ev.virqPort.slice(), sharedPa: ev.sharedPa, vcpuPa: ev.vcpuPa,
        polling: ev.polling ? [...ev.polling] : null, notifyVcpu: ev.notifyVcpu.slice(),
      },
      console: { ringPa: c.ringPa, port: c.port, bytesOut: c.bytesOut, ringBytesOut: c.ringBytesOut, input: c.pendingInput() },
      xenstore: this.xenstore.save(),
    };
  }

  load(state: unknown): void {
    type Saved = { params: BigUint64Array; upcallVector: number; sharedInfoGpfn: number; sharedWidth: 32 | 64; sharedPa: number; blocked: boolean;
      boot: PvhBoot | null; stop: PvStop | null; events: { state: Uint8Array; virq: Int16Array; remoteDom: Uint16Array; remotePort: Uint32Array;
        backend: Array<'console' | 'xenstore' | null>; virqPort: Int32Array; sharedPa: number; vcpuPa: number; polling: number[] | null; notifyVcpu: Uint8Array };
      console: { ringPa: number; port: number; bytesOut: number; ringBytesOut: number; input: number[] }; xenstore: unknown };
    const s = state as Saved;
    if (!s || !(s.params instanceof BigUint64Array) || !s.events) throw new Error('PVH domain loadState: not a PVH snapshot');
    this.params.set(s.params);
    this.upcallVector = s.upcallVector; this.sharedInfoGpfn = s.sharedInfoGpfn; this.sharedWidth = s.sharedWidth;
    this.sharedPa = s.sharedPa; this.blocked = s.blocked; this.boot = s.boot; this.stop = s.stop;
    this.guest.limit = this.boot ? this.boot.layout.xenBase : this.mem.ramBytes;
    const ev = this.events, e = s.events;
    ev.state.set(e.state); ev.virq.set(e.virq); ev.remoteDom.set(e.remoteDom); ev.remotePort.set(e.remotePort);
    e.backend.forEach((b, i) => { ev.backend[i] = b; });
    ev.virqPort.set(e.virqPort); ev.sharedPa = e.sharedPa; ev.vcpuPa = e.vcpuPa; ev.notifyVcpu.set(e.notifyVcpu);
    ev.polling = e.polling ? new Set(e.polling) : null;
    ev.fifo = null;
    const c = this.console;
    c.ringPa = s.console.ringPa; c.port = s.console.port; c.bytesOut = s.console.bytesOut; c.ringBytesOut = s.console.ringBytesOut;
    c.setPendingInput(s.console.input);
    this.xenstore.load(s.xenstore);
  }
}
