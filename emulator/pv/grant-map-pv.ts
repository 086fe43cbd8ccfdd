// GNTTABOP_map_grant_ref's host mapping for a PV guest, as Xen's create_grant_va_mapping
// makes it: the PTE that maps the guest virtual address `host_addr` is pointed at the
// granted frame (present, accessed, dirty; writable unless GNTMAP_readonly; user for
// GNTMAP_application_map, and always for a 64-bit guest, whose kernel runs in ring 3), by the
// same validated path as update_va_mapping; unmapping clears it. GNTMAP_contains_pte (the
// host address naming a PTE's machine address) is not offered.

import { UVMF_INVLPG } from './abi';
import type { PvDomain } from './domain';
import { GNTMAP, GNTST } from './grant-table';
import { updateVaMapping } from './mmu-ops';

const P = 1, RW = 2, US = 4, A = 0x20, D = 0x40;

export function pvGrantMapper(d: PvDomain): { mapGrant(va: number, pa: number, flags: number): number; unmapGrant(va: number, pa: number, flags: number): number } {
  return {
    mapGrant: (va, pa, flags) => {
      if (flags & GNTMAP.contains_pte) return GNTST.general_error;
      const bits = P | A | D | ((flags & GNTMAP.readonly) ? 0 : RW) | ((flags & GNTMAP.application_map) || d.width === 64 ? US : 0);
      const lo = ((pa % 0x100000000) & ~0xfff) | bits, hi = Math.floor(pa / 0x100000000);
      return updateVaMapping(d, va, lo | 0, hi, UVMF_INVLPG) === 0 ? GNTST.okay : GNTST.bad_virt_addr;
    },
    unmapGrant: (va) => (updateVaMapping(d, va, 0, 0, UVMF_INVLPG) === 0 ? GNTST.okay : GNTST.general_error),
  };
}
