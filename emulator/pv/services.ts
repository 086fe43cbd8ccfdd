// What Xen's domU services (event channels, grant tables, vcpu_op, pvclock, memory_op
// queries, xenstore, the console ring, multicall) need from the domain they serve. A 32-bit
// PV, 64-bit PV or PVH domain implements this once; the services are written against it and
// never against a domain class, so one implementation serves all three.

import type { PhysicalMemory } from '../memory/physical-memory';
import type { GuestWidth } from './layouts';

/**
 * Guest memory by guest (linear) address with the guest kernel's rights: the numbers are the
 * CPU's (HypercallArgs.addr), so a 64-bit address is its canonical signed value. Any access
 * that cannot be made throws GuestFault (guest-access.ts), which a hypercall returns as
 * -EFAULT. checkWritable/checkReadable test a whole range first, so a structure is written
 * completely or not at all.
 */
export interface GuestMemory {
  u8(va: number): number;
  u16(va: number): number;
  u32(va: number): number;
  /** A 64-bit field as a number (exact below 2^53: frame numbers, times, sizes). */
  u64(va: number): number;
  set8(va: number, v: number): void;
  set16(va: number, v: number): void;
  set32(va: number, v: number): void;
  set64(va: number, v: number): void;
  checkReadable(va: number, len: number): void;
  checkWritable(va: number, len: number): void;
  read(va: number, len: number): Uint8Array;
  write(va: number, bytes: Uint8Array): void;
}

/** The domain's clock: Xen system time and the vCPU's TSC, both from the machine's virtual time. */
export interface XenClock {
  /** The machine's virtual time, in ticks (timer deadlines are kept in ticks). */
  ticks(): number;
  /** Xen system time: nanoseconds since the domain started. */
  systemTimeNs(): number;
  /** The TSC the guest reads with RDTSC now. */
  tsc(): number;
  /** TSC counts per nanosecond (the CPU's fixed rate). */
  readonly tscPerNs: number;
  nsToTicks(ns: number): number;
  /** Wall-clock seconds (Unix epoch) at system time 0, for shared_info's wallclock. */
  readonly bootEpochNs: number;
}

export interface XenDomainServices {
  /** The guest's width at this moment (a PVH vCPU's follows its mode at each hypercall). */
  readonly width: GuestWidth;
  /** This domain's id as other domains see it (DOMID_SELF names it too). */
  readonly domid: number;
  readonly guest: GuestMemory;
  /** Machine memory, for pages shared with the hypervisor (shared_info, vcpu_info, rings, grant frames). */
  readonly mem: PhysicalMemory;
  /**
   * Physical address of a frame the guest names in a hypercall (an MFN for PV, a GFN for
   * PVH) if it is the guest's own ordinary RAM and may be shared with the hypervisor
   * (vcpu_info, the FIFO control block, event arrays), else -1.
   */
  frameAddress(frame: number): number;
  /** An event became deliverable or a polled port fired: wake a blocked vCPU and look for an upcall. */
  raiseUpcall(): void;
  readonly clock: XenClock;
  /** A line for the hypervisor's log (what `xl dmesg` would show about this domain). */
  log(message: string): void;
}
