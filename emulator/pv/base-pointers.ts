// The page-table roots a PV vCPU runs on, where the two widths differ as they do in Xen's
// new_guest_cr3 and guest_get_eff_l1e: a PAE guest has one base pointer, an L3 whose four
// entries the CPU loads as PDPTEs when CR3 is written (and may refuse); a 64-bit guest has a
// kernel L4 (guest_table) and a user L4 (guest_table_user, MMUEXT_NEW_USER_BASEPTR), and CR3
// holds whichever of the two the running mode uses.

import { FAULT } from '../cpu';
import { EINVAL, PAGE } from './abi';
import type { PvDomain } from './domain';
import { T_L3, T_L4 } from './page-types';
import { PageTypes64 } from './page-types64';
import { loadRoot } from './vcpu64';

const P = 1, PSE = 0x80;

/** Switch CR3 to a validated L3; false (CR3 unchanged) if the CPU refuses its PDPTEs. */
export function loadBase(d: PvDomain, l3: number): boolean {
  const cpu = d.cpu, old = cpu.cr3;
  try { cpu.writeCr3(l3 * PAGE); return true; }
  catch (e) {
    if (e !== FAULT) throw e;
    cpu.cr3 = old; cpu.loadPdptes(); cpu.flushTlb();
    d.types.lastError = 'the CPU refused the L3 as PDPTEs';
    return false;
  }
}

/** new_guest_cr3 (MMUEXT_NEW_BASEPTR, MOV to CR3): the kernel's root becomes `mfn`, validated; 0 or -EINVAL. */
export function newBaseptr(d: PvDomain, mfn: number): number {
  const t = d.types;
  if (d.width === 64) {
    const v = d.v64;
    if (!t.getType(mfn, T_L4)) return -EINVAL;
    const old = v.kernelTable;
    v.kernelTable = mfn;
    if (v.kernelMode) loadRoot(d.cpu, mfn);
    if (old) t.putType(old);
    return 0;
  }
  const old = d.cpu.cr3 >>> 12;
  if (!t.getType(mfn, T_L3)) return -EINVAL;
  if (!loadBase(d, mfn)) { t.putType(mfn); return -EINVAL; }
  t.putType(old);
  return 0;
}

/** The guest's view of CR3 (read_cr(3)): its base pointer, for a 64-bit guest the kernel's L4 whatever mode runs. */
export function baseptrCr3(d: PvDomain): number { return d.width === 64 ? d.v64.kernelTable * PAGE : d.cpu.cr3 | 0; }

/** The frame a CR3 value the guest writes names (xen_cr3_to_pfn for a 64-bit guest). */
/**
 * The frame a CR3 value names, from its two halves: xen_cr3_to_pfn, all of bits 12-63 for a
 * 64-bit guest (so a set bit 63 or any bit above the machine's frames names no frame and the
 * MOV is refused), the low 32 bits' frame for a PAE guest. Exact: at most 2^52.
 */
export function cr3ToMfn(d: PvDomain, lo: number, hi = 0): number {
  return d.width === 64 ? (hi >>> 0) * 0x100000 + (lo >>> 12) : lo >>> 12;
}

/** MMUEXT_NEW_USER_BASEPTR: a 64-bit guest's user L4 (0 drops it); a PAE guest has none. */
export function newUserBaseptr(d: PvDomain, mfn: number): number {
  const t = d.types, v = d.v64;
  if (d.width !== 64) { t.lastError = 'no separate user base pointer for 32-bit guests'; return -EINVAL; }
  if (mfn !== 0 && !t.getType(mfn, T_L4)) return -EINVAL;
  const old = v.userTable;
  v.userTable = mfn;
  if (old) t.putType(old);
  return 0;
}

/** The machine address of the L1 entry that maps `va` in the running tables, or -1. */
export function l1EntryAddress(d: PvDomain, va: number): number {
  return d.width === 64 ? l1EntryAddress64(d, va) : l1EntryAddressPae(d, va);
}

/** PAE: the top level is the PDPTE registers the CPU loaded from the L3. */
function l1EntryAddressPae(d: PvDomain, va: number): number {
  const cpu = d.cpu, m = d.mem;
  const pdpte = cpu.pdpte[va >>> 30];
  if (!(pdpte & P)) return -1;
  const pdeAddr = (pdpte & 0xfffff000) + ((va >>> 21) & 511) * 8;
  if (pdeAddr >= m.ramBytes) return -1;
  const pde = m.i32[pdeAddr >>> 2];
  if (!(pde & P) || (pde & PSE)) return -1;
  const pte = (pde & 0xfffff000) + ((va >>> 12) & 511) * 8;
  return pte < m.ramBytes ? pte >>> 0 : -1;
}

/** x86_64: three table levels from the running root (CR3) down to the L1. */
function l1EntryAddress64(d: PvDomain, va: number): number {
  const m = d.mem;
  const lo = va | 0, hi = Math.floor(va / 0x100000000) | 0;
  const idx = [(hi >>> 7) & 0x1ff, ((hi & 0x7f) << 2) | (lo >>> 30), (lo >>> 21) & 0x1ff];
  let table = d.cpu.cr3 >>> 12;
  for (const i of idx) {
    const at = table * PAGE + i * 8;
    if (at + 8 > m.ramBytes) return -1;
    const eLo = m.i32[at >>> 2], eHi = m.i32[(at + 4) >>> 2];
    if (!(eLo & P) || (eLo & PSE)) return -1;
    table = PageTypes64.frameOf64(eLo, eHi);
  }
  const pte = table * PAGE + ((lo >>> 12) & 0x1ff) * 8;
  return pte + 8 <= m.ramBytes ? pte : -1;
}
