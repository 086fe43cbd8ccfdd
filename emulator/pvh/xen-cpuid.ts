// The CPUID leaves Xen shows an HVM or PVH guest (xen/arch/x86/traps.c cpuid_hypervisor_leaves,
// public arch-x86/cpuid.h), at base 0x40000000 (no Viridian, so no shift to 0x40000100):
//   0x40000000  EAX = the highest Xen leaf (base + XEN_CPUID_MAX_NUM_LEAVES), EBX:ECX:EDX
//               = "XenVMMXenVMM"
//   0x40000001  EAX = version (major << 16 | minor)
//   0x40000002  EAX = number of hypercall pages (1), EBX = the MSR that places them
//   0x40000003  TSC: EAX = flags (0: no vtsc), EBX = tsc_mode (0, default), ECX = guest TSC kHz
//   0x40000004  HVM: EAX = feature flags (vCPU id in EBX, domain id in ECX, per-vCPU upcall
//               vectors), EBX = vCPU id, ECX = domain id
//   0x40000005  PV-specific: nothing to report for an HVM container (all zero)
// and leaf 1's ECX bit 31, "hypervisor present". Everything else is the CPU's.

import { TSC_PER_TICK, INSTRUCTION_NS } from '../clock';
import { XEN_MAJOR, XEN_MINOR } from '../pv/abi';

export const XEN_CPUID_BASE = 0x40000000;
export const XEN_CPUID_MAX_NUM_LEAVES = 5;
export const MSR_XEN_HYPERCALL_PAGE = 0x40000000;
export const XEN_HVM_CPUID_VCPU_ID_PRESENT = 1 << 3;
export const XEN_HVM_CPUID_DOMID_PRESENT = 1 << 4;
export const XEN_HVM_CPUID_UPCALL_VECTOR = 1 << 6;
const CPUID1_ECX_HYPERVISOR = 1 << 31;

/** The guest's TSC frequency in kHz: TSC_PER_TICK ticks every INSTRUCTION_NS nanoseconds. */
const TSC_KHZ = Math.round((TSC_PER_TICK / INSTRUCTION_NS) * 1e6);

function sig(s: string, i: number): number {
  return s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);
}

/** Adjust the CPU's answer in `r` (EAX ECX EDX EBX, encoding order) for `leaf` as Xen does. */
export function xenCpuid(leaf: number, subleaf: number, r: Int32Array, ids: { domid: number; vcpu: number }): void {
  if (leaf === 1) { r[1] = r[1]! | CPUID1_ECX_HYPERVISOR; return; }
  if (leaf < XEN_CPUID_BASE || leaf > XEN_CPUID_BASE + 0xff) return;
  let a = 0, b = 0, c = 0, d = 0;
  switch (leaf - XEN_CPUID_BASE) {
    case 0: a = XEN_CPUID_BASE + XEN_CPUID_MAX_NUM_LEAVES; b = sig('XenVMMXenVMM', 0); c = sig('XenVMMXenVMM', 4); d = sig('XenVMMXenVMM', 8); break;
    case 1: a = (XEN_MAJOR << 16) | XEN_MINOR; break;
    case 2: a = 1; b = MSR_XEN_HYPERCALL_PAGE; break;
    case 3: if (subleaf === 0) c = TSC_KHZ; break;
    case 4:
      a = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT | XEN_HVM_CPUID_UPCALL_VECTOR;
      b = ids.vcpu; c = ids.domid;
      break;
    default: break;
  }
  r[0] = a; r[3] = b; r[1] = c; r[2] = d;
}
