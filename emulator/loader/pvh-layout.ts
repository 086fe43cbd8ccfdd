// The guest-physical layout of a PVH domain, in one place for the loader (the memory map in
// hvm_start_info), the firmware (where the ACPI tables go) and the PVH hypervisor (the
// console and xenstore pages it hands out through HVM params).
//
// Xen's toolstack puts the ACPI tables at 0xFC000000 and eight "special pages" (xenstore,
// console, ...) just below 0xFF000000, inside the MMIO hole under 4 GiB, both outside the
// RAM it reports. Our guest-physical space is RAM from 0 up (nothing backs pages in the hole),
// so the same regions sit at the top of RAM instead, in the same order and with the same
// memory-map types: RAM, then the ACPI tables (type ACPI), then the special pages (reserved).
// Above them, the hypervisor's own frames for this domain (shared_info, grant-table frames:
// Xen heap pages in Xen, which the guest sees only where it maps them with add_to_physmap)
// are in no memory-map entry at all. No VGA hole below 1 MiB: a PVH domain has no legacy
// devices and its RAM starts at 0.

import { ImageError } from './image-error';

export const PVH_PAGE = 4096;
/** X86_HVM_NR_SPECIAL_PAGES in Xen's domain builder. */
export const PVH_SPECIAL_PAGES = 8;
/** The special pages by index (SPECIALPAGE_* in Xen's domain builder). */
export const SPECIAL_PAGE = { paging: 0, access: 1, sharing: 2, bufioreq: 3, xenstore: 4, ioreq: 5, identPt: 6, console: 7 } as const;
/** Pages for the ACPI tables (libxl reserves 16 for them, plus one for its own info page). */
export const PVH_ACPI_PAGES = 16;
/** Hypervisor frames: shared_info first, then the grant-table frames. */
export const PVH_XEN_PAGES = 8;

/** hvm_memmap_table_entry types (arch-x86/hvm/start_info.h), the E820 numbers. */
export const XEN_HVM_MEMMAP_TYPE = { ram: 1, reserved: 2, acpi: 3, nvs: 4, unusable: 5, disabled: 6, pmem: 7 } as const;

export interface PvhMemmapEntry { addr: number; size: number; type: number }

export interface PvhLayout {
  ramBytes: number;
  /** End of the RAM the guest may use: [0, usableEnd). */
  usableEnd: number;
  /** [acpiBase, specialBase): the ACPI tables, RSDP first. */
  acpiBase: number;
  /** [specialBase, xenBase): the special pages. */
  specialBase: number;
  /** [xenBase, ramBytes): the hypervisor's frames, outside the memory map. */
  xenBase: number;
  memmap: PvhMemmapEntry[];
}

/** Room the layout needs besides the kernel: the ACPI area, the special pages and 1 MiB. */
const MIN_RAM = (PVH_ACPI_PAGES + PVH_SPECIAL_PAGES + PVH_XEN_PAGES) * PVH_PAGE + 0x100000;

export function pvhLayout(ramBytes: number): PvhLayout {
  if (!Number.isSafeInteger(ramBytes) || ramBytes % PVH_PAGE !== 0 || ramBytes < MIN_RAM || ramBytes > 0x100000000) {
    throw new ImageError(`a PVH domain needs a whole number of pages of RAM, at least ${MIN_RAM} bytes and at most 4 GiB; got ${ramBytes}`, { field: 'ramBytes' });
  }
  const xenBase = ramBytes - PVH_XEN_PAGES * PVH_PAGE;
  const specialBase = xenBase - PVH_SPECIAL_PAGES * PVH_PAGE;
  const acpiBase = specialBase - PVH_ACPI_PAGES * PVH_PAGE;
  return {
    ramBytes, usableEnd: acpiBase, acpiBase, specialBase, xenBase,
    memmap: [
      { addr: 0, size: acpiBase, type: XEN_HVM_MEMMAP_TYPE.ram },
      { addr: acpiBase, size: specialBase - acpiBase, type: XEN_HVM_MEMMAP_TYPE.acpi },
      { addr: specialBase, size: xenBase - specialBase, type: XEN_HVM_MEMMAP_TYPE.reserved },
    ],
  };
}

/** The guest frame number of special page `index` (SPECIAL_PAGE.console, ...). */
export function specialPfn(layout: PvhLayout, index: number): number {
  return layout.specialBase / PVH_PAGE + index;
}
