// xen_version, console_io and physdev_op as Xen answers an unprivileged domain, for either
// width. The rules come from xen/common/kernel.c (do_xen_version), the dummy XSM policy
// (what a domU may ask: XENVER_commandline and build_id are the control domain's),
// drivers/char/console.c (console_io; writes are allowed as in a Xen built with verbose
// console) and arch/x86/physdev.c (a domU owns no physical IRQs).

import { EFAULT, EINVAL, ENOSYS, EPERM, EBUSY, PAGE, XENVER, XEN_EXTRAVERSION, XEN_MAJOR, XEN_MINOR } from './abi';
import { Continuation } from './continuation';
import type { ConsoleBackend } from './console';
import { wordBytes } from './layouts';
import type { XenDomainServices } from './services';

/** What this Xen can run, as a 64-bit Xen with 32-bit PV support lists it (XENVER_capabilities). */
export const XEN_CAPABILITIES_ALL = 'xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64';
/** HYPERVISOR_VIRT_START of each PV ABI (XENVER_platform_parameters). */
const VIRT_START_32 = 0xf5800000, VIRT_START_64 = -(2 ** 47); // 0xffff800000000000 as a signed canonical number

export const XENFEAT = {
  writable_page_tables: 0, writable_descriptor_tables: 1, auto_translated_physmap: 2, supervisor_mode_kernel: 3,
  pae_pgdir_above_4gb: 4, mmu_pt_update_preserve_ad: 5, highmem_assist: 6, gnttab_map_avail_bits: 7,
  hvm_callback_vector: 8, hvm_safe_pvclock: 9, hvm_pirqs: 10, dom0: 11, memory_op_vnode_supported: 13,
  linux_rsdp_unrestricted: 15, not_direct_mapped: 16, direct_mapped: 17,
} as const;

function writeString(g: XenDomainServices['guest'], at: number, s: string, size: number): void {
  g.checkWritable(at, size);
  for (let i = 0; i < size; i++) g.set8(at + i, i < s.length ? s.charCodeAt(i) : 0);
}

export function xenVersion(host: XenDomainServices, cmd: number, arg: number): number {
  const g = host.guest;
  switch (cmd) {
    case XENVER.version: return (XEN_MAJOR << 16) | XEN_MINOR;
    case XENVER.extraversion: writeString(g, arg, XEN_EXTRAVERSION, 16); return 0;
    case XENVER.compile_info:
      g.checkWritable(arg, 144);
      writeString(g, arg, 'paravirt', 64); writeString(g, arg + 64, 'paravirt', 16);
      writeString(g, arg + 80, 'localdomain', 32); writeString(g, arg + 112, '', 32);
      return 0;
    case XENVER.capabilities: writeString(g, arg, XEN_CAPABILITIES_ALL, 1024); return 0;
    case XENVER.changeset: writeString(g, arg, 'unavailable', 64); return 0;
    case XENVER.platform_parameters: {
      // A translated guest has no hypervisor hole in its address space.
      const start = host.autoTranslated ? 0 : host.width === 64 ? VIRT_START_64 : VIRT_START_32;
      g.checkWritable(arg, wordBytes(host.width));
      if (host.width === 64) g.set64(arg, start); else g.set32(arg, start);
      return 0;
    }
    case XENVER.get_features: {
      const idx = g.u32(arg);
      g.checkWritable(arg + 4, 4);
      if (idx !== 0) return -EINVAL; // XENFEAT_NR_SUBMAPS is 1
      g.set32(arg + 4, host.xenFeatures(idx));
      return 0;
    }
    case XENVER.pagesize: return PAGE;
    case XENVER.guest_handle: writeString(g, arg, '', 16); return 0;
    // The hypervisor's command line and build id are the control domain's to read.
    case XENVER.commandline: case XENVER.build_id: return -EPERM;
    default: return -ENOSYS;
  }
}

/** Xen's kernel.c get_features for the PV and HVM (PVH) cases. */
export function xenFeaturesFor(idx: number, o: { pv: boolean; paeExtendedCr3: boolean }): number {
  if (idx !== 0) return 0;
  let bits = 1 << XENFEAT.memory_op_vnode_supported;
  if (o.paeExtendedCr3) bits |= 1 << XENFEAT.pae_pgdir_above_4gb;
  if (o.pv) {
    // writable_page_tables is the translated guests' feature: a PV guest's L1 stores are emulated once
    // it turns that vm_assist on, whatever the feature says. A PV domain's memory is direct mapped.
    bits |= (1 << XENFEAT.mmu_pt_update_preserve_ad) | (1 << XENFEAT.highmem_assist) | (1 << XENFEAT.gnttab_map_avail_bits)
      | (1 << XENFEAT.direct_mapped);
  } else {
    bits |= (1 << XENFEAT.writable_page_tables) | (1 << XENFEAT.auto_translated_physmap) | (1 << XENFEAT.hvm_safe_pvclock)
      | (1 << XENFEAT.hvm_callback_vector) | (1 << XENFEAT.linux_rsdp_unrestricted);
  }
  return bits >>> 0;
}

export const CONSOLEIO_write = 0, CONSOLEIO_read = 1;

export function consoleIo(host: XenDomainServices, console: ConsoleBackend, cmd: number, count: number, buf: number, nested: boolean): number {
  if (cmd === CONSOLEIO_write) {
    if (count > 0x7fffffff) return -EINVAL;
    const chunk = Math.min(count, 4096);
    if (nested && chunk < count) return -EINVAL;
    const bytes = host.guest.read(buf, chunk);
    for (const b of bytes) console.writeHypervisor(b);
    if (chunk < count) throw new Continuation([cmd, count - chunk, buf + chunk]);
    return 0;
  }
  // Reading Xen's console is the console domain's (a verbose build lets a domU write, not read).
  if (cmd === CONSOLEIO_read) return -EPERM;
  return -ENOSYS;
}

export const PHYSDEVOP = {
  irq_status_query: 5, set_iopl: 6, set_iobitmap: 7, apic_read: 8, apic_write: 9, alloc_irq_vector: 10, free_irq_vector: 11,
  eoi: 12, map_pirq: 13, unmap_pirq: 14, manage_pci_add: 15, manage_pci_remove: 16, pirq_eoi_gmfn_v1: 17, restore_msi: 19,
  manage_pci_add_ext: 20, setup_gsi: 21, get_free_pirq: 23, pci_mmcfg_reserved: 24, pci_device_add: 25, pci_device_remove: 26,
  restore_msi_ext: 27, pirq_eoi_gmfn_v2: 28, dbgp_op: 29, prepare_msix: 30, release_msix: 31,
} as const;
/** A domU's PIRQ space: the GSIs of one IO-APIC plus Xen's extra_domU_irqs (32); none is bound. */
export const DOMU_NR_PIRQS = 24 + 32;

/** The physdev state a domU can change: its virtual IOPL and I/O bitmap (PV), its PIRQ EOI page. */
export interface PhysdevState { iopl: number; iobitmap: { va: number; nrPorts: number } | null; eoiGmfn: number | null }

export function physdevOp(host: XenDomainServices, st: PhysdevState, cmd: number, arg: number): number {
  const g = host.guest;
  switch (cmd) {
    case PHYSDEVOP.set_iopl: {
      const iopl = g.u32(arg);
      if (iopl > 3) return -EINVAL;
      st.iopl = iopl;
      return 0;
    }
    case PHYSDEVOP.set_iobitmap: {
      // struct physdev_set_iobitmap {handle bitmap; uint32_t nr_ports}: the handle is a pointer of the width.
      const wb = wordBytes(host.width);
      const va = wb === 8 ? (g.u32(arg + 4) | 0) * 0x100000000 + g.u32(arg) : g.u32(arg);
      const nrPorts = g.u32(arg + wb);
      if (host.autoTranslated) return -EINVAL; // an HVM container has a real I/O bitmap of Xen's
      if (nrPorts > 65536) return -EINVAL;
      st.iobitmap = { va, nrPorts };
      return 0;
    }
    case PHYSDEVOP.irq_status_query: {
      const irq = g.u32(arg);
      g.checkWritable(arg + 4, 4);
      if (irq >= DOMU_NR_PIRQS) return -EINVAL;
      g.set32(arg + 4, 0); // not shared, needs no EOI: nothing is bound to it
      return 0;
    }
    case PHYSDEVOP.eoi: {
      g.u32(arg);
      return -EINVAL; // no PIRQ of a domU is bound, so there is nothing to EOI
    }
    case PHYSDEVOP.pirq_eoi_gmfn_v1: case PHYSDEVOP.pirq_eoi_gmfn_v2: {
      const wb = wordBytes(host.width);
      const gmfn = wb === 8 ? g.u64(arg) : g.u32(arg);
      if (host.frameAddress(gmfn) < 0) return -EINVAL;
      if (st.eoiGmfn !== null) return -EBUSY;
      st.eoiGmfn = gmfn;
      return 0;
    }
    // Physical interrupts, vectors, MSI, PCI and the IO-APIC are the hardware domain's.
    case PHYSDEVOP.apic_read: case PHYSDEVOP.apic_write: case PHYSDEVOP.alloc_irq_vector: case PHYSDEVOP.free_irq_vector:
    case PHYSDEVOP.map_pirq: case PHYSDEVOP.unmap_pirq: case PHYSDEVOP.manage_pci_add: case PHYSDEVOP.manage_pci_remove:
    case PHYSDEVOP.manage_pci_add_ext: case PHYSDEVOP.restore_msi: case PHYSDEVOP.restore_msi_ext: case PHYSDEVOP.setup_gsi:
    case PHYSDEVOP.get_free_pirq: case PHYSDEVOP.pci_mmcfg_reserved: case PHYSDEVOP.pci_device_add: case PHYSDEVOP.pci_device_remove:
    case PHYSDEVOP.dbgp_op: case PHYSDEVOP.prepare_msix: case PHYSDEVOP.release_msix:
      return -EPERM;
    default: return -ENOSYS;
  }
}

export { EFAULT };
