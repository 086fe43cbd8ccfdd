// Xen's pvclock as a guest reads it: vcpu_time_info in each vcpu_info (system_time at
// tsc_timestamp, and the scale that turns TSC counts since then into nanoseconds) and the
// wallclock in shared_info (wc_sec/wc_nsec: the time of day at system time 0). Both are
// rewritten with the version protocol: odd while the hypervisor writes, even when done, so a
// guest that reads the version before and after and finds them equal and even has a
// consistent copy. The numbers come from the machine's virtual time, so RDTSC, system time
// and timers agree to the nanosecond.

import type { PhysicalMemory } from '../memory/physical-memory';
import { sharedInfoLayout, VCPU_TIME_INFO, vcpuInfoLayout, type GuestWidth } from './layouts';
import type { XenClock } from './services';

/** The wallclock at system time 0: 2000-01-01, where the HVM machine's CMOS clock starts too, so guests agree on the date. */
export const XEN_WALLCLOCK_EPOCH_NS = Date.UTC(2000, 0, 1) * 1e6;
/** XEN_PVCLOCK_TSC_STABLE_BIT: one vCPU and one TSC, so the guest need not keep readings monotonic itself. */
export const PVCLOCK_TSC_STABLE = 1;

export function writeU64(m: PhysicalMemory, pa: number, v: number): void {
  m.store32(pa, (v % 0x100000000) | 0);
  m.store32(pa + 4, Math.floor(v / 0x100000000) | 0);
}

/** mul/shift with ns = ((tsc << shift) * mul) >> 32 for `nsPerTsc` (Xen's set_time_scale). */
export function tscScale(nsPerTsc: number): { mul: number; shift: number } {
  let shift = 0;
  let r = nsPerTsc;
  while (r >= 1 && shift > -31) { r /= 2; shift++; }
  while (r < 0.5 && shift < 31) { r *= 2; shift--; }
  return { mul: Math.min(0xffffffff, Math.round(r * 0x100000000)) >>> 0, shift };
}

/** Rewrites the vcpu_time_info at `pa` for now (version odd, fields, version even). */
export function writeVcpuTime(m: PhysicalMemory, pa: number, clock: XenClock): void {
  const ver = m.i32[(pa + VCPU_TIME_INFO.version) >>> 2];
  m.store32(pa + VCPU_TIME_INFO.version, ver | 1);
  writeU64(m, pa + VCPU_TIME_INFO.tscTimestamp, clock.tsc());
  writeU64(m, pa + VCPU_TIME_INFO.systemTime, clock.systemTimeNs());
  const { mul, shift } = tscScale(1 / clock.tscPerNs);
  m.store32(pa + VCPU_TIME_INFO.tscToSystemMul, mul | 0);
  m.store8(pa + VCPU_TIME_INFO.tscShift, shift & 0xff);
  m.store8(pa + VCPU_TIME_INFO.flags, PVCLOCK_TSC_STABLE);
  m.store32(pa + VCPU_TIME_INFO.version, ((ver | 1) + 1) | 0);
}

/** Writes shared_info's wallclock (wc_sec, wc_nsec, and wc_sec_hi where the width has it) with the version protocol. */
export function writeWallclock(m: PhysicalMemory, sharedPa: number, width: GuestWidth, epochNs: number): void {
  const lay = sharedInfoLayout(width);
  const ver = m.i32[(sharedPa + lay.wcVersion) >>> 2];
  m.store32(sharedPa + lay.wcVersion, ver | 1);
  const sec = Math.floor(epochNs / 1e9);
  m.store32(sharedPa + lay.wcSec, sec % 0x100000000 | 0);
  m.store32(sharedPa + lay.wcNsec, Math.round(epochNs - sec * 1e9) | 0);
  m.store32(sharedPa + lay.wcSecHi, Math.floor(sec / 0x100000000) | 0);
  m.store32(sharedPa + lay.wcVersion, ((ver | 1) + 1) | 0);
}

/**
 * shared_info at start of day, as Xen hands it to a new domain: every vcpu_info's events
 * masked, and the wallclock set (the page is otherwise zero).
 */
export function initSharedInfo(m: PhysicalMemory, sharedPa: number, width: GuestWidth, epochNs = XEN_WALLCLOCK_EPOCH_NS): void {
  const lay = sharedInfoLayout(width);
  for (let v = 0; v < lay.legacyMaxVcpus; v++) m.store8(sharedPa + lay.vcpuInfo + v * vcpuInfoLayout(width).SIZE + vcpuInfoLayout(width).upcallMask, 1);
  writeWallclock(m, sharedPa, width, epochNs);
}
