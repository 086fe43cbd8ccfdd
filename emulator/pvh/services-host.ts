// What a PVH domain gives Xen's domU services (emulator/pv/services.ts): guest memory through
// the guest's page tables, guest frames (GFNs: a PVH guest is translated) as physical
// addresses, the clock, and the wake-up path. And the pages the services share with it:
// shared_info lives in a hypervisor frame (outside the memory map) until the guest places it
// with XENMEM_add_to_physmap, then at the frame it chose; the console and xenstore rings are
// the special pages the toolstack named in the HVM params; vcpu_time_info is rewritten after
// each hypercall and before each event is delivered, as Xen does on the way back to a guest.

import type { Cpu } from '../cpu';
import type { PhysicalMemory } from '../memory/physical-memory';
import type { PvhLayout } from '../loader/pvh-layout';
import type { XenClock, XenDomainServices } from '../pv/services';
import { XEN_WALLCLOCK_EPOCH_NS } from '../pv/pvclock';
import type { GuestWidth } from '../pv/layouts';
import { INSTRUCTION_NS, TSC_PER_TICK } from '../clock';
import { xenFeaturesFor } from '../pv/version-ops';
import type { PvhGuestMemory } from './guest-memory';

const PAGE = 4096;

export interface PvhServiceHooks {
  /** The width shared_info was latched at (hvm_latch_shinfo_size). */
  width(): GuestWidth;
  /** An event became deliverable: wake a blocked vCPU, inject the upcall. */
  raiseUpcall(): void;
  log(message: string): void;
  /** add_to_physmap: the hypervisor page at `pa` appears at guest frame `gpfn` (0 or -errno). */
  placeFrame(gpfn: number, pa: number): number;
  /** The domain shuts down (the last vCPU went down). */
  shutdown(reason: number): void;
}

export function pvhClock(cpu: Cpu): XenClock {
  return {
    ticks: () => cpu.ticks,
    systemTimeNs: () => cpu.ticks * INSTRUCTION_NS,
    tsc: () => cpu.ticks * TSC_PER_TICK + cpu.tscOffset,
    tscPerNs: TSC_PER_TICK / INSTRUCTION_NS,
    nsToTicks: (ns) => Math.ceil(ns / INSTRUCTION_NS),
    bootEpochNs: XEN_WALLCLOCK_EPOCH_NS,
  };
}

/** The services' view of a PVH domain. `layout()` is the loaded domain's (frames beyond its RAM are refused). */
export function pvhDomainServices(cpu: Cpu, mem: PhysicalMemory, guest: PvhGuestMemory, layout: () => PvhLayout | null,
  domid: number, hooks: PvhServiceHooks): XenDomainServices {
  return {
    get width() { return hooks.width(); },
    domid,
    guest,
    mem,
    // A translated guest names its own frames; any page of its RAM, the ACPI area or the special
    // pages is its own (they are populated in Xen too). The hypervisor's frames are not.
    frameAddress: (frame) => {
      const lay = layout();
      return lay !== null && Number.isInteger(frame) && frame >= 0 && frame * PAGE < lay.xenBase ? frame * PAGE : -1;
    },
    raiseUpcall: () => hooks.raiseUpcall(),
    clock: pvhClock(cpu),
    log: (m) => hooks.log(m),
    // A PVH guest is translated; its memory is the layout's, all populated from the start (RAM,
    // ACPI tables, special pages: everything below the hypervisor's frames).
    autoTranslated: true,
    memory: {
      currentPages: () => (layout()?.xenBase ?? 0) / PAGE,
      maxPages: () => (layout()?.xenBase ?? 0) / PAGE,
      maximumGpfn: () => (layout()?.xenBase ?? PAGE) / PAGE - 1,
      maxRamPage: () => mem.ramBytes / PAGE - 1,
      memoryMap: () => layout()?.memmap.map((e) => ({ ...e })) ?? [],
      release: () => false,
      populate: () => -1,
      placeFrame: (gpfn, pa) => hooks.placeFrame(gpfn, pa),
    },
    shutdown: (reason) => hooks.shutdown(reason),
    xenFeatures: (idx) => xenFeaturesFor(idx, { pv: false, paeExtendedCr3: false }),
    frameNumber: (pa) => Math.floor(pa / PAGE),
  };
}

/** A hypervisor page's contents moved to guest frame `gpfn` (add_to_physmap); its new address. */
export function moveFrame(mem: PhysicalMemory, fromPa: number, gpfn: number): number {
  const to = gpfn * PAGE;
  if (to === fromPa) return to;
  mem.u8.copyWithin(to, fromPa, fromPa + PAGE);
  mem.markWritten(to, PAGE);
  mem.onCodeWrite?.(to, PAGE);
  return to;
}
