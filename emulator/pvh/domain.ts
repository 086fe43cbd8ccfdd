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
import { GuestMemory } from './guest-memory';
import { HVM_NR_PARAMS, HVM_PARAM, HVM_PARAM_CALLBACK_TYPE } from './hvm-params';
import type { VmcallArgs } from './vmcall-args';
import type { HypercallName } from '../pv/hypercall-table';

/** The event channels the toolstack allocates before the guest starts (store first, as libxl does). */
export const STORE_EVTCHN = 1, CONSOLE_EVTCHN = 2;
/** Our domain id: dom0 is the console and xenstore backend. */
export const PVH_DOMID = 1;

/** The services a PV domain also has (events, grants, vcpu_op, ...), answered elsewhere. */
export type ServiceCall = (name: HypercallName, args: VmcallArgs) => number | bigint;

export class PvhDomain {
  readonly guest: GuestMemory;
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
  /** Where calls this domain does not answer itself go; -ENOSYS until services are attached. */
  services: ServiceCall = () => -ENOSYS;
  /** Told when event delivery may have changed (a new vector, shared_info moved). */
  onEventRoute: () => void = () => {};

  constructor(readonly cpu: Cpu, readonly mem: PhysicalMemory) {
    this.guest = new GuestMemory(cpu, mem);
  }

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
    if (boot) {
      this.params[HVM_PARAM.STORE_PFN] = BigInt(specialPfn(boot.layout, SPECIAL_PAGE.xenstore));
      this.params[HVM_PARAM.CONSOLE_PFN] = BigInt(specialPfn(boot.layout, SPECIAL_PAGE.console));
      this.params[HVM_PARAM.STORE_EVTCHN] = BigInt(STORE_EVTCHN);
      this.params[HVM_PARAM.CONSOLE_EVTCHN] = BigInt(CONSOLE_EVTCHN);
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
      this.sharedInfoGpfn = gpfn;
      this.sharedWidth = callerWidth;
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

  save(): unknown {
    return { params: this.params.slice(), upcallVector: this.upcallVector, sharedInfoGpfn: this.sharedInfoGpfn, sharedWidth: this.sharedWidth, boot: this.boot, stop: this.stop };
  }

  load(state: unknown): void {
    const s = state as { params: BigUint64Array; upcallVector: number; sharedInfoGpfn: number; sharedWidth: 32 | 64; boot: PvhBoot | null; stop: PvStop | null };
    if (!s || !(s.params instanceof BigUint64Array)) throw new Error('PVH domain loadState: not a PVH snapshot');
    this.params.set(s.params);
    this.upcallVector = s.upcallVector; this.sharedInfoGpfn = s.sharedInfoGpfn; this.sharedWidth = s.sharedWidth;
    this.boot = s.boot; this.stop = s.stop;
  }
}
