// One PVH domain with one vCPU: what Xen keeps for it besides the HVM container itself. Its
// HVM parameters (set up by the toolstack: the console and xenstore pages and their event
// channels), the event-delivery route the guest chose (a per-vCPU upcall vector, or the
// domain's callback vector), where the guest put shared_info, the width its shared
// structures were latched at, and the way it stopped (sched_op shutdown).

import { RUNSTATE } from '../pv/layouts';
import type { Cpu } from '../cpu';
import type { PhysicalMemory } from '../memory/physical-memory';
import type { PvhBoot } from '../loader/boot-plan';
import { SPECIAL_PAGE, specialPfn, type PvhLayout } from '../loader/pvh-layout';
import type { PvStop } from '../pv/domain';
import { EINVAL, SHUTDOWN_NAMES, MAX_GRANT_FRAMES } from '../pv/abi';
import { INSTRUCTION_NS } from '../clock';
import { XenServices } from '../pv/xen-services';
import type { EventChannels } from '../pv/events';
import type { ConsoleBackend } from '../pv/console';
import type { XenstoreBackend } from '../pv/xenstore';
import type { XenDomainServices } from '../pv/services';
import { PvhGuestMemory } from './guest-memory';
import { HVM_NR_PARAMS, HVM_PARAM, HVM_PARAM_CALLBACK_TYPE } from './hvm-params';
import { moveFrame, pvhDomainServices } from './services-host';

/** The event channels the toolstack allocates before the guest starts (store first, as libxl does). */
export const STORE_EVTCHN = 1, CONSOLE_EVTCHN = 2;
/** Our domain id: dom0 is the console and xenstore backend. */
export const PVH_DOMID = 1;
const PAGE = 4096;
/** Grant-table status frames (v2) among the hypervisor's frames, after shared_info and the grant frames. */
const STATUS_FRAMES = 3;
/** Guest-physical pages the CPU can address (MAXPHYADDR 36, CPUID 0x80000008). */
const GUEST_PHYS_PAGES = 1 << 24;

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
  /** What Xen's domU services see of this domain, and the services themselves. */
  readonly host: XenDomainServices;
  readonly xen: XenServices;
  /** The vCPU is blocked in SCHEDOP_block until an event (or its timer). */
  blocked = false;
  /** Lines the hypervisor logged about the domain, newest last. */
  readonly hypervisorLog: string[] = [];
  /** Told when an event became deliverable (the hypervisor injects the upcall). */
  onUpcall: () => void = () => {};
  /** Whether the VMM models shadow paging (its exit controls intercept CR3 loads) rather than EPT. */
  shadowPaging: () => boolean = () => false;
  /** Told when event delivery may have changed (a new vector, shared_info moved). */
  onEventRoute: () => void = () => {};
  /** The caller's width during a hypercall (add_to_physmap latches shared_info's from it). */
  callerWidth: 32 | 64 = 64;
  /** A hypercall is being answered (the services then read structures in the caller's width). */
  inHypercall = false;

  constructor(readonly cpu: Cpu, readonly mem: PhysicalMemory, serialOut: (b: number) => void) {
    this.guest = new PvhGuestMemory(cpu, mem);
    this.host = pvhDomainServices(cpu, mem, this.guest, () => this.boot?.layout ?? null, PVH_DOMID, {
      // During a hypercall its arguments are read in the caller's width (Xen's hcall_compat);
      // otherwise (an event raised by a timer) the shared structures' latched width.
      width: () => (this.inHypercall ? this.callerWidth : this.sharedWidth),
      raiseUpcall: () => this.kick(),
      log: (m) => { this.hypervisorLog.push(m); if (this.hypervisorLog.length > 256) this.hypervisorLog.shift(); },
      placeFrame: (gpfn, pa) => this.placeFrame(gpfn, pa),
      shutdown: (reason) => this.shutdown(reason),
    });
    this.xen = new XenServices(this.host, serialOut);
    this.xen.fireTimers = () => this.xen.fireDueTimers(this.cpu.ticks);
  }

  get events(): EventChannels { return this.xen.events; }
  get console(): ConsoleBackend { return this.xen.console; }
  get xenstore(): XenstoreBackend { return this.xen.xenstore; }
  /** Physical address of shared_info: the hypervisor's frame, or where the guest placed it. */
  get sharedPa(): number { return this.xen.sharedInfoPa; }

  /** Something became deliverable: a blocked vCPU wakes, and the upcall is injected. */
  kick(): void {
    if (this.blocked) { this.blocked = false; this.cpu.halted = false; this.xen.vcpu.setRunstate(RUNSTATE.running, this.xen.vmAssist); }
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
    this.xen.vcpu.setRunstate(RUNSTATE.blocked, this.xen.vmAssist);
    this.cpu.halted = true;
    this.cpu.attn = true;
    return 0;
  }

  /** vcpu_time_info for now, as Xen writes it on every return to the guest. */
  updateTime(): void {
    if (this.boot) this.xen.updateTime();
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
    this.xen.reset();
    this.mem.clearFrames();
    this.guest.limit = boot ? boot.layout.xenBase : this.mem.ramBytes;
    this.hideHypervisorFrames();
    if (!boot) return;
    const lay = boot.layout;
    const storePfn = specialPfn(lay, SPECIAL_PAGE.xenstore), consolePfn = specialPfn(lay, SPECIAL_PAGE.console);
    this.params[HVM_PARAM.STORE_PFN] = BigInt(storePfn);
    this.params[HVM_PARAM.CONSOLE_PFN] = BigInt(consolePfn);
    this.params[HVM_PARAM.STORE_EVTCHN] = BigInt(STORE_EVTCHN);
    this.params[HVM_PARAM.CONSOLE_EVTCHN] = BigInt(CONSOLE_EVTCHN);
    // The hypervisor's frames: shared_info, the grant frames, the v2 status frames. The guest
    // sees each only where it places it with add_to_physmap.
    const frame = (i: number) => lay.xenBase + i * PAGE;
    const grants = Array.from({ length: MAX_GRANT_FRAMES }, (_, i) => frame(1 + i));
    const status = Array.from({ length: STATUS_FRAMES }, (_, i) => frame(1 + MAX_GRANT_FRAMES + i));
    this.mem.u8.fill(0, lay.xenBase, lay.ramBytes);
    this.mem.markWritten(lay.xenBase, lay.ramBytes - lay.xenBase);
    this.xen.build({
      sharedInfoPa: frame(0), grantPas: grants, grantStatusPas: status,
      consolePa: consolePfn * PAGE, consolePort: CONSOLE_EVTCHN, xenstorePa: storePfn * PAGE, xenstorePort: STORE_EVTCHN,
      consoleFrame: consolePfn, xenstoreFrame: storePfn, name: 'paravirt-guest', maxPages: lay.ramBytes / PAGE,
    });
    this.updateTime();
  }

  /**
   * Xen's own frames (shared_info, grant and status frames) are no gfn of the domain's: its p2m
   * has no entry for them until add_to_physmap places one. Here they are the last RAM pages,
   * kept from the guest: an access there is an EPT violation Xen's null handler completes
   * (reads all ones, writes dropped; the domain runs on), as for any gfn its p2m lacks.
   */
  private hideHypervisorFrames(): void {
    const lay = this.boot?.layout;
    if (lay) this.mem.hideRam(lay.xenBase / PAGE, (lay.ramBytes - lay.xenBase) / PAGE);
    else this.mem.hideRam(0, 0);
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
   * XENMEM_add_to_physmap's "put the hypervisor page at pa at gpfn" (the services check the
   * space and index); Xen's xenmem_add_to_physmap_one takes any gpfn the p2m can hold, in RAM
   * or not. Above the domain's memory (where Linux puts its grant frames: unpopulated space it
   * allocated for them) the frame is mapped there as Xen's p2m maps it, without moving: the page
   * shows the hypervisor's frame and stays plain memory (no exit). In RAM, nothing can remap
   * guest-physical memory here, so the page's contents move to gpfn and the services follow
   * it: what the guest sees is the same (the frame at gpfn is that page; its old RAM contents
   * are gone). Either way the frame leaves the place it was mapped before, as in Xen. Placing
   * shared_info latches the width of the shared structures from the caller's mode
   * (hvm_latch_shinfo_size).
   */
  private placeFrame(gpfn: number, pa: number): number {
    const lay = this.layout;
    if (!Number.isInteger(gpfn) || gpfn < 0) return -EINVAL;
    const above = gpfn * PAGE >= lay.ramBytes;
    // Xen's p2m takes a gfn within the guest's physical address width (ept_set_entry: -EINVAL
    // beyond). The hypervisor's own frames [xenBase, ramBytes) are host pages here, not a hole.
    if (gpfn >= GUEST_PHYS_PAGES) return -EINVAL;
    if (!above && gpfn * PAGE >= lay.xenBase) return -EINVAL;
    for (const [page, ram] of this.mem.mappedFrames()) if (ram * PAGE === pa) this.mem.unmapFrame(page);
    let to = pa;
    if (above) this.mem.mapFrame(gpfn, pa / PAGE);
    else to = moveFrame(this.mem, pa, gpfn);
    const x = this.xen, ev = this.events, t = x.grants;
    if (pa === x.sharedInfoPa) {
      x.sharedInfoPa = to;
      ev.sharedPa = to;
      if (ev.vcpuPa >= pa && ev.vcpuPa < pa + PAGE) ev.vcpuPa = to + (ev.vcpuPa - pa);
      this.sharedInfoGpfn = gpfn;
      this.sharedWidth = this.callerWidth;
      this.updateTime();
      this.onEventRoute();
      return 0;
    }
    const gi = t.sharedPas.indexOf(pa);
    if (gi >= 0) { t.sharedPas[gi] = to; return 0; }
    const si = t.statusPas.indexOf(pa);
    if (si >= 0) { t.statusPas[si] = to; return 0; }
    return -EINVAL;
  }

  /** Xen's system time: nanoseconds since the domain started (virtual time). */
  systemTimeNs(): number { return this.cpu.ticks * INSTRUCTION_NS; }

  /**
   * SCHEDOP_shutdown, as for a PV domain: poweroff (and suspend, watchdog) stop the machine with
   * the reason as the code; reboot is a reset request; crash is a domain crash.
   */
  shutdown(code: number, cause = 'sched_op shutdown'): void {
    if (this.stop) return;
    const what = `${cause}: ${SHUTDOWN_NAMES[code] ?? `reason ${code}`}`;
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
    return {
      params: this.params.slice(), upcallVector: this.upcallVector, sharedInfoGpfn: this.sharedInfoGpfn, sharedWidth: this.sharedWidth,
      blocked: this.blocked, boot: this.boot, stop: this.stop, xen: this.xen.save(), frames: this.mem.mappedFrames(),
    };
  }

  load(state: unknown): void {
    const s = state as { params: BigUint64Array; upcallVector: number; sharedInfoGpfn: number; sharedWidth: 32 | 64; blocked: boolean;
      boot: PvhBoot | null; stop: PvStop | null; xen: unknown; frames?: Array<[number, number]> };
    if (!s || !(s.params instanceof BigUint64Array) || s.xen === undefined) throw new Error('PVH domain loadState: not a PVH snapshot');
    this.params.set(s.params);
    this.upcallVector = s.upcallVector; this.sharedInfoGpfn = s.sharedInfoGpfn; this.sharedWidth = s.sharedWidth;
    this.blocked = s.blocked; this.boot = s.boot; this.stop = s.stop;
    this.guest.limit = this.boot ? this.boot.layout.xenBase : this.mem.ramBytes;
    this.hideHypervisorFrames();
    this.mem.clearFrames();
    for (const [page, ram] of s.frames ?? []) this.mem.mapFrame(page, ram);
    this.xen.load(s.xen);
  }
}
