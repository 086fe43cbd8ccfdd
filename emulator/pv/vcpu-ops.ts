// vcpu_op (vcpu.h) for a domain with one vCPU, as xen/common/domain.c and
// arch/x86/domain.c answer it: the singleshot and periodic timers, vcpu_info moved out of
// shared_info (register_vcpu_info), the runstate area the hypervisor keeps up to date on
// every change of state (with XEN_RUNSTATE_UPDATE around the rewrite once the guest enabled
// VMASST_TYPE_runstate_update_flag), a second copy of vcpu_time_info at a guest address
// (register_vcpu_time_memory_area), and is_up/up/down.

import { EEXIST, EINVAL, ENOENT, ENOSYS, ETIME, PAGE, VCPUOP, VCPU_SSHOTTMR_future } from './abi';
import { RUNSTATE, RUNSTATE_UPDATE_BIT, runstateLayout, VCPU_REGISTER_VCPU_INFO, VCPU_SET_SINGLESHOT_TIMER, VCPU_TIME_INFO, vcpuInfoLayout } from './layouts';
import { writeVcpuTime } from './pvclock';
import type { EventChannels } from './events';
import type { XenDomainServices } from './services';

/** VMASST_TYPE_runstate_update_flag. */
export const VMASST_TYPE_runstate_update_flag = 5;
/** Xen's lower bound on a periodic timer's period (1 ms). */
const MIN_PERIOD_NS = 1_000_000;
/** Periods at or above 2^62 ns would overflow Xen's s_time_t arithmetic (above STIME_DELTA_MAX, 2^62 - 1): the high half's limit. */
const MAX_PERIOD_HI = 0x40000000;

/** Xen's do_set_timer_op takes a timeout this far ahead (2^50 ns, about 13 days) as a wrapped one. */
const HUGE_TIMEOUT_NS = 2 ** 50;
/** ... and fires it after 100 ms instead. */
const HUGE_TIMEOUT_DELAY_NS = 100_000_000;

/**
 * When set_timer_op's timeout (an s_time_t, given as its halves: `hi` is signed) fires, as
 * Xen's do_set_timer_op decides: null for 0 (the timer stops); a negative timeout, or one
 * 2^50 ns or more ahead, in 100 ms (Xen's guard against Linux's wrapped jiffies); else at
 * that time. Taken by halves because the sign is the high half's and a 64-bit value need
 * not fit a double; a value that does not (2^53 and up) is far beyond now + 2^50 either way.
 */
export function timerOpDeadlineNs(lo: number, hi: number, nowNs: number): number | null {
  if (lo === 0 && hi === 0) return null;
  if ((hi | 0) < 0) return nowNs + HUGE_TIMEOUT_DELAY_NS;
  const at = (hi >>> 0) * 0x100000000 + (lo >>> 0);
  return at - nowNs >= HUGE_TIMEOUT_NS ? nowNs + HUGE_TIMEOUT_DELAY_NS : at;
}

export class VcpuState {
  /** Timers in machine ticks (Infinity = not armed). */
  singleshotAt = Infinity;
  periodicNs = 0;
  periodicAt = Infinity;
  /** Guest addresses of the registered runstate and secondary time areas (null = none). */
  runstateVa: number | null = null;
  timeVa: number | null = null;
  /** Runstate accounting: the state, when it was entered (system time), and time spent in each. */
  runstate: number = RUNSTATE.running;
  stateEntryNs = 0;
  readonly runstateNs = [0, 0, 0, 0];
  /** vcpu_info has been moved out of shared_info. */
  vcpuInfoRegistered = false;

  constructor(private readonly host: XenDomainServices, private readonly events: EventChannels) {}

  reset(): void {
    this.singleshotAt = Infinity; this.periodicNs = 0; this.periodicAt = Infinity;
    this.runstateVa = null; this.timeVa = null; this.runstate = RUNSTATE.running; this.stateEntryNs = 0;
    this.runstateNs.fill(0); this.vcpuInfoRegistered = false;
  }

  /** vcpu_runstate_change: account the time in the old state, enter the new one, rewrite the guest's area. */
  setRunstate(state: number, vmAssist: number): void {
    const now = this.host.clock.systemTimeNs();
    this.runstateNs[this.runstate]! += now - this.stateEntryNs;
    this.runstate = state;
    this.stateEntryNs = now;
    this.writeRunstateArea(vmAssist);
  }

  /** The runstate as the guest would read it now (time in the current state counted up to now). */
  runstateInfo(): { state: number; stateEntryNs: number; time: number[] } {
    const time = [...this.runstateNs];
    time[this.runstate]! += this.host.clock.systemTimeNs() - this.stateEntryNs;
    return { state: this.runstate, stateEntryNs: this.stateEntryNs, time };
  }

  private writeRunstate(at: number, updating: boolean): void {
    const g = this.host.guest, lay = runstateLayout(this.host.width);
    const info = this.runstateInfo();
    g.checkWritable(at, lay.SIZE);
    const hiFlag = updating ? 2 ** (RUNSTATE_UPDATE_BIT - 32) : 0;
    if (updating) g.set32(at + lay.stateEntryTime + 4, (Math.floor(info.stateEntryNs / 0x100000000) + hiFlag) | 0);
    g.set32(at + lay.state, info.state);
    for (let i = 0; i < 4; i++) g.set64(at + lay.time + i * 8, info.time[i]!);
    g.set64(at + lay.stateEntryTime, info.stateEntryNs);
  }

  /** Xen's update_runstate_area: failures to write (the area unmapped) are ignored, as there. */
  writeRunstateArea(vmAssist: number): void {
    if (this.runstateVa === null) return;
    const flag = ((vmAssist >>> VMASST_TYPE_runstate_update_flag) & 1) === 1;
    try { this.writeRunstate(this.runstateVa, flag); } catch { /* unmapped: Xen skips the update */ }
  }

  /** The secondary vcpu_time_info copy (register_vcpu_time_memory_area), rewritten with the primary. */
  writeTimeArea(): void {
    if (this.timeVa === null) return;
    const g = this.host.guest;
    try {
      const ver = g.u32(this.timeVa + VCPU_TIME_INFO.version);
      g.checkWritable(this.timeVa, VCPU_TIME_INFO.SIZE);
      // A copy of the primary (just rewritten), under the version protocol of its own.
      const src = this.events.vcpuPa + vcpuInfoLayout(this.host.width).time;
      g.set32(this.timeVa + VCPU_TIME_INFO.version, ver | 1);
      for (let i = 8; i < VCPU_TIME_INFO.SIZE; i++) g.set8(this.timeVa + i, this.host.mem.u8[src + i]!);
      g.set32(this.timeVa + VCPU_TIME_INFO.version, ((ver | 1) + 1) | 0);
    } catch { /* unmapped: skipped, as Xen's update_guest_memory_policy does */ }
  }

  /** Rewrites the primary vcpu_time_info and the secondary copy. */
  updateTime(): void {
    writeVcpuTime(this.host.mem, this.events.vcpuPa + vcpuInfoLayout(this.host.width).time, this.host.clock);
    this.writeTimeArea();
  }

  save(): unknown {
    return {
      singleshotAt: this.singleshotAt, periodicNs: this.periodicNs, periodicAt: this.periodicAt, runstateVa: this.runstateVa,
      timeVa: this.timeVa, runstate: this.runstate, stateEntryNs: this.stateEntryNs, runstateNs: [...this.runstateNs],
      vcpuInfoRegistered: this.vcpuInfoRegistered,
    };
  }

  load(s: ReturnType<VcpuState['save']>): void {
    const x = s as { singleshotAt: number; periodicNs: number; periodicAt: number; runstateVa: number | null; timeVa: number | null;
      runstate: number; stateEntryNs: number; runstateNs: number[]; vcpuInfoRegistered: boolean };
    this.singleshotAt = x.singleshotAt; this.periodicNs = x.periodicNs; this.periodicAt = x.periodicAt;
    this.runstateVa = x.runstateVa; this.timeVa = x.timeVa; this.runstate = x.runstate; this.stateEntryNs = x.stateEntryNs;
    this.runstateNs.splice(0, 4, ...x.runstateNs); this.vcpuInfoRegistered = x.vcpuInfoRegistered;
  }
}

/** What vcpu_op needs beyond the vCPU's state: the assists on, and the timer path. */
export interface VcpuOpContext {
  readonly vcpu: VcpuState;
  readonly events: EventChannels;
  readonly host: XenDomainServices;
  readonly vmAssist: number;
  /** Fire timers that are due now (a deadline in the past fires at once). */
  fireTimers(): void;
}

export function vcpuOp(x: VcpuOpContext, cmd: number, vcpuId: number, arg: number): number {
  const g = x.host.guest, v = x.vcpu, clock = x.host.clock;
  if (vcpuId !== 0) return -ENOENT;
  switch (cmd) {
    case VCPUOP.initialise: return -EEXIST;
    case VCPUOP.up: return 0;
    case VCPUOP.is_up: return 1;
    // The last online vCPU going down shuts the domain down (poweroff), as Xen's VCPUOP_down does.
    case VCPUOP.down:
      if (!x.host.shutdown) return -EINVAL;
      x.host.shutdown(0);
      return 0;
    case VCPUOP.set_periodic_timer: {
      // Checked by halves: 2^62 - 1 and 2^62 are one double, and Xen takes the first, refuses the second.
      const lo = g.u32(arg), hi = g.u32(arg + 4);
      if ((hi === 0 && lo < MIN_PERIOD_NS) || hi >= MAX_PERIOD_HI) return -EINVAL;
      const period = hi * 0x100000000 + lo; // at most 2^62: rounding by < 1 us is nothing to a timer of 146 years
      v.periodicNs = period;
      v.periodicAt = clock.ticks() + clock.nsToTicks(period);
      return 0;
    }
    case VCPUOP.stop_periodic_timer: v.periodicNs = 0; v.periodicAt = Infinity; return 0;
    case VCPUOP.set_singleshot_timer: {
      const lo = g.u32(arg + VCPU_SET_SINGLESHOT_TIMER.timeoutAbsNs), hi = g.u32(arg + VCPU_SET_SINGLESHOT_TIMER.timeoutAbsNs + 4);
      const flags = g.u32(arg + VCPU_SET_SINGLESHOT_TIMER.flags);
      // Xen compares the uint64_t with NOW() unsigned (so with bit 63 set it is never in the
      // past), then arms an s_time_t timer with it: negative, a time already gone, it fires at
      // once. Read by halves: the sign is the high half's, and a double would round the value.
      const past = (hi | 0) < 0;
      const at = past ? 0 : hi * 0x100000000 + lo; // below 2^63: rounds only far beyond any reachable time
      if (!past && (flags & VCPU_SSHOTTMR_future) && at < clock.systemTimeNs()) return -ETIME;
      v.singleshotAt = Math.max(clock.nsToTicks(at), clock.ticks());
      if (v.singleshotAt <= clock.ticks()) x.fireTimers();
      return 0;
    }
    case VCPUOP.stop_singleshot_timer: v.singleshotAt = Infinity; return 0;
    case VCPUOP.register_vcpu_info: {
      const frame = g.u64(arg + VCPU_REGISTER_VCPU_INFO.mfn), offset = g.u32(arg + VCPU_REGISTER_VCPU_INFO.offset);
      const size = vcpuInfoLayout(x.host.width).SIZE;
      if (offset > PAGE - size) return -EINVAL;
      if (v.vcpuInfoRegistered) return -EINVAL;
      const base = x.host.frameAddress(frame);
      if (base < 0) return -EINVAL;
      const newPa = base + offset, m = x.host.mem, old = x.events.vcpuPa;
      m.u8.copyWithin(newPa, old, old + size);
      m.markWritten(newPa, size);
      x.events.vcpuPa = newPa;
      v.vcpuInfoRegistered = true;
      // As Xen's map_vcpu_info: with 2-level events every selector bit is set so the guest rescans its ports.
      const lay = vcpuInfoLayout(x.host.width);
      m.store8(newPa + lay.upcallPending, 1);
      if (!x.events.fifo) for (let i = 0; i < x.host.width / 8; i++) m.store8(newPa + lay.pendingSel + i, 0xff);
      v.updateTime();
      x.host.raiseUpcall();
      return 0;
    }
    case VCPUOP.register_runstate_memory_area: {
      // The handle is a guest virtual address (64-bit: all 8 bytes; a 32-bit guest's pointer is the low 4).
      const va = x.host.width === 64 ? signed64(g.u32(arg), g.u32(arg + 4)) : g.u32(arg);
      if (va === 0) { v.runstateVa = null; return 0; }
      v.runstateVa = va;
      v.writeRunstateArea(x.vmAssist);
      return 0;
    }
    case VCPUOP.get_runstate_info: {
      const lay = runstateLayout(x.host.width), info = v.runstateInfo();
      g.checkWritable(arg, lay.SIZE);
      g.set32(arg + lay.state, info.state);
      g.set64(arg + lay.stateEntryTime, info.stateEntryNs);
      for (let i = 0; i < 4; i++) g.set64(arg + lay.time + i * 8, info.time[i]!);
      return 0;
    }
    case VCPUOP.register_vcpu_time_memory_area: {
      const va = x.host.width === 64 ? signed64(g.u32(arg), g.u32(arg + 4)) : g.u32(arg);
      if (va === 0) { v.timeVa = null; return 0; }
      v.timeVa = va;
      v.writeTimeArea();
      return 0;
    }
    // get_physid is for the hardware domain's pinned vCPUs only.
    case VCPUOP.get_physid: return -EINVAL;
    default: return -ENOSYS;
  }
}

function signed64(lo: number, hi: number): number { return (hi | 0) * 0x100000000 + (lo >>> 0); }
