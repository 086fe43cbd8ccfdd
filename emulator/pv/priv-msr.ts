// RDMSR, WRMSR and RDTSC from a ring-1 kernel under `--pv-privileged xen`, as Xen emulates
// them for an unprivileged 32-bit PV domU with one vCPU (xen/arch/x86/pv/emul-priv-op.c
// read_msr/write_msr, xen/arch/x86/msr.c guest_rdmsr/guest_wrmsr, guest_{rd,wr}msr_xen).
// Our CPU stands in for the host: where Xen reads the real MSR, we read the CPU's.
// Since Xen 4.15 an MSR that Xen does not handle raises #GP (unless the toolstack set
// msr_relaxed), for reads and writes alike; the older "read the host value, ignore the
// write" fallback is gone, so everything not listed here is #GP, except the faked read
// for kernels without a #GP handler (fakeRead).
// Vendor-dependent cases follow the Intel branch: our CPU reports GenuineIntel.

import { readTsc } from '../cpu';
import { PAGE } from './abi';
import type { PvDomain } from './domain';
import { widthBuilder } from './domain-builder';
import { T_NONE } from './page-types';

export const MSR_TSC = 0x10, MSR_PLATFORM_ID = 0x17, MSR_APIC_BASE = 0x1b, MSR_UCODE_REV = 0x8b;
export const MSR_PLATFORM_INFO = 0xce, MSR_MISC_FEATURES_ENABLES = 0x140, MSR_MISC_ENABLE = 0x1a0;
export const MSR_PAT = 0x277, MSR_PERF_CAPABILITIES = 0x345, MSR_EFER = 0xc0000080;
export const MSR_XEN_HYPERCALL_PAGE = 0x40000000;
const MSR_MTRRCAP = 0xfe;

/** Xen's own PAT (XEN_MSR_PAT), which read_msr returns: WB, WT, UC-, UC, WC, WP, UC, UC. */
export const XEN_MSR_PAT: readonly [number, number] = [0x00070406, 0x00000501];
/** APIC_DEFAULT_PHYS_BASE | APIC_BASE_ENABLE | APIC_BASE_BSP: what read_msr gives vCPU 0. */
export const PV_APIC_BASE = 0xfee00000 | 0x800 | 0x100;
/**
 * guest_efer(): Xen's EFER (SCE, LME, LMA on a 64-bit host; NXE only with NX, which our CPU
 * lacks) with LME and LMA hidden from a 32-bit guest, and SCE too on Intel: nothing is left.
 */
export const PV_EFER = 0;

// guest_misc_enable(): PERF_AVAIL (7) and MONITOR_ENABLE (18) hidden; BTS_UNAVAIL (11),
// PEBS_UNAVAIL (12) and XTPR_DISABLE (23) shown.
const MISC_ENABLE_CLEAR = (1 << 7) | (1 << 18);
const MISC_ENABLE_SET = (1 << 11) | (1 << 12) | (1 << 23);

/** Intel P6 and architectural performance-counter MSRs: with the vPMU off (Xen's default) reads are 0, writes dropped. */
function isPerfCounter(msr: number): boolean {
  return (msr >= 0xc1 && msr <= 0xc8) || (msr >= 0x186 && msr <= 0x189) ||
    (msr >= 0x309 && msr <= 0x30b) || (msr >= 0x38d && msr <= 0x390);
}

/**
 * write_msr's Intel cases that a domain neither the hardware domain nor the cpufreq
 * controller gets dropped: MPERF, APERF, THERM_CONTROL, ENERGY_PERF_BIAS; and MISC_ENABLE,
 * where a value other than the one shown is only logged (the `invalid` label).
 */
function isIgnoredWrite(msr: number): boolean {
  return msr === 0xe7 || msr === 0xe8 || msr === 0x19a || msr === 0x1b0 || msr === MSR_MISC_ENABLE;
}

/** rdmsr_safe() on the host: does our CPU have this MSR? */
function hostHas(d: PvDomain, msr: number): boolean {
  return msr === MSR_TSC || msr === MSR_MTRRCAP || d.cpu.msrs.has(msr);
}

function hostLo(d: PvDomain, msr: number): number { return d.cpu.msrs.get(msr)?.[0] ?? 0; }
function hostHi(d: PvDomain, msr: number): number { return d.cpu.msrs.get(msr)?.[1] ?? 0; }

/** RDMSR: EDX:EAX set and true, or false for #GP. */
export function pvRdmsr(d: PvDomain, msr: number): boolean {
  const cpu = d.cpu, r = cpu.regs;
  let lo = 0, hi = 0;
  switch (msr) {
    case MSR_TSC: [lo, hi] = readTsc(cpu); break;               // host TSC (vtsc off by default)
    case MSR_PLATFORM_ID: case MSR_UCODE_REV:                   // guest_rdmsr: the host's value
      if (!hostHas(d, msr)) return fakeRead(d, msr);
      lo = hostLo(d, msr); hi = hostHi(d, msr);
      break;
    case MSR_PLATFORM_INFO: case MSR_MISC_FEATURES_ENABLES:     // no CPUID faulting to offer: 0
    case MSR_PERF_CAPABILITIES: case MSR_EFER: case MSR_XEN_HYPERCALL_PAGE:
      break;
    case MSR_APIC_BASE: lo = PV_APIC_BASE; break;
    case MSR_MISC_ENABLE:
      if (!hostHas(d, msr)) return fakeRead(d, msr);
      lo = (hostLo(d, msr) & ~MISC_ENABLE_CLEAR) | MISC_ENABLE_SET; hi = hostHi(d, msr);
      break;
    case MSR_PAT: lo = XEN_MSR_PAT[0]; hi = XEN_MSR_PAT[1]; break;
    default:
      if (!isPerfCounter(msr)) return fakeRead(d, msr);
  }
  r[0] = lo | 0; r[2] = hi | 0;
  return true;
}

/**
 * read_msr's `done` path: a read Xen refuses still gives 0 to a kernel that has no #GP
 * handler registered, when the host has the MSR (Xen's own range 0x4000xxxx excepted).
 */
function fakeRead(d: PvDomain, msr: number): boolean {
  if (d.trapEip[13] !== 0 || (msr >>> 16) === 0x4000 || !hostHas(d, msr)) return false;
  d.cpu.regs[0] = 0; d.cpu.regs[2] = 0;
  return true;
}

/** WRMSR of EDX:EAX: true when done or dropped, false for #GP. */
export function pvWrmsr(d: PvDomain, msr: number): boolean {
  const lo = d.cpu.regs[0] >>> 0, hi = d.cpu.regs[2] >>> 0;
  switch (msr) {
    case MSR_XEN_HYPERCALL_PAGE: return writeHypercallPage(d, lo, hi);
    case MSR_UCODE_REV: return lo === 0 && hi === 0;           // Intel's "write 0, CPUID, read" sequence
    case MSR_MISC_FEATURES_ENABLES: return lo === 0 && hi === 0; // no CPUID faulting bit to set
    case MSR_EFER: return lo === PV_EFER && hi === 0;           // Linux writes back what it read
    default: return isIgnoredWrite(msr) || isPerfCounter(msr);
  }
}

/** guest_wrmsr_xen: fill the hypercall page for the domain's ABI at the frame written; page index 0 only, a writable frame of the domain. */
function writeHypercallPage(d: PvDomain, lo: number, hi: number): boolean {
  if (lo & (PAGE - 1)) return false;
  const mfn = (hi >>> 0) * 0x100000 + (lo >>> 12);            // a frame the domain does not own is #GP
  if (!d.types.ownedByGuest(mfn) || d.types.type[mfn] !== T_NONE) return false;
  widthBuilder(d.width).fillHypercallPage(d.mem, mfn * PAGE);
  return true;
}

/** RDTSC in ring 1 faults only with CR4.TSD; Xen then returns the host TSC (vtsc off). */
export function pvRdtsc(d: PvDomain): void {
  const [lo, hi] = readTsc(d.cpu);
  d.cpu.regs[0] = lo; d.cpu.regs[2] = hi;
}
