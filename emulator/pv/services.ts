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

/** An e820 entry of the guest's memory map (XENMEM_memory_map). */
export interface MemoryMapEntry { addr: number; size: number; type: number }

/** What memory_op asks of the domain's memory (Xen's tot_pages, max_pages, p2m). */
export interface DomainMemoryModel {
  /** tot_pages: the frames the domain holds now. */
  currentPages(): number;
  /** max_pages: what the toolstack allows (the reservation's ceiling). */
  maxPages(): number;
  /** The highest guest frame number in use (domain_get_maximum_gpfn). */
  maximumGpfn(): number;
  /** max_page: one past the machine's highest frame (XENMEM_maximum_ram_page). */
  maxRamPage(): number;
  /** The memory map the toolstack gave the guest. */
  memoryMap(): MemoryMapEntry[];
  /** decrease_reservation: give frame `frame` (MFN for PV, GFN for PVH) back; false if it is not the guest's to give. */
  release(frame: number): boolean;
  /**
   * increase_reservation / populate_physmap: a new frame for the guest (at `gpfn` for a
   * translated guest), its number as the guest must be told (PV: the MFN), or -1 once the
   * domain holds max_pages.
   */
  populate(gpfn: number): number;
  /** XENMEM_add_to_physmap for a translated guest: put the hypervisor page at `pa` at frame `gpfn`; 0 or -errno. */
  placeFrame?(gpfn: number, pa: number): number;
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
  /** PVH (and HVM) guests are translated: they name guest frames (GFNs), map hypervisor pages with add_to_physmap. */
  readonly autoTranslated: boolean;
  readonly memory: DomainMemoryModel;
  /** XENVER_get_features submap `index` as Xen computes it for this domain (assists it enabled, its type). */
  xenFeatures(index: number): number;
  /** The frame number the guest knows a hypervisor page by (PV: its MFN; PVH: the GFN it was placed at, if any). */
  frameNumber(pa: number): number;
  /**
   * GNTTABOP_map_grant_ref's host mapping: make `hostAddr` (PV: a virtual address, or with
   * containsPte the machine address of a PTE; PVH: a guest-physical address) map the page at
   * physical address `framePa`. Returns a GNTST_* code. Absent: such mappings are refused.
   */
  mapGrant?(hostAddr: number, framePa: number, flags: number): number;
  unmapGrant?(hostAddr: number, framePa: number, flags: number): number;
  /** domain_shutdown(reason) (SHUTDOWN_* of sched.h), as Xen does when the last vCPU goes down. */
  shutdown?(reason: number): void;
  /** A line for the hypervisor's log (what `xl dmesg` would show about this domain). */
  log(message: string): void;
}
