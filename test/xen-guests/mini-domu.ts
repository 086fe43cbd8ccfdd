// The Mini-OS stand-in (test/guests/mini-domu, built here from source against Xen's public
// headers) and what a boot of it must show: Mini-OS's start of day, each step printed with
// values the hypervisor gave, then the application entry, timers and a second of idle.
// Mini-OS's own source is not reachable from this machine's package sources (Debian's xen
// source package ships without extras/mini-os; no npm package carries it), so this kernel
// makes the same hypercalls in the same order.

import { buildDomu } from './build-domu';

/** Builds both flavours; a string saying why when Xen's headers cannot be fetched. */
export function buildMiniDomu(): { pv: string; pvh: string } | string { return buildDomu('test/guests/mini-domu', 'mini-domu'); }

/** The start-of-day lines in the order Mini-OS prints its own, for a flavour. */
export function startOfDay(flavour: 'pv' | 'pvh'): RegExp[] {
  return [
    ...(flavour === 'pvh' ? [/^Xen CPUID leaves at 0x400000[0-9a-f]{2}, Xen \d+\.\d+; [1-9]\d* hypercall page\(s\) through MSR 0x[0-9a-f]+$/m,
      /^hvm_start_info: version [01], flags 0x[0-9a-f]+, 0 modules, rsdp 0x[0-9a-f]+, command line 'mini-domu-test'$/m] : []),
    ...(flavour === 'pv' ? [/^start_info: xen-3\.0-x86_64, \d+ pages, shared_info at 0x[0-9a-f]+, pt_base 0x[0-9a-f]+ \(\d+ frames\), mfn_list 0x[0-9a-f]+, flags 0x0$/m,
      /^command line: 'mini-domu-test'$/m,
      // xen-x86_64.h: MACH2PHYS_VIRT_START/END and MACH2PHYS_NR_ENTRIES - 1.
      /^m2p: 0xffff800000000000-0xffff804000000000, max_mfn 0x7ffffffff$/m,
      // guest_efer() for a 64-bit PV guest: SCE | LME | LMA, and NXE when the CPU has NX.
      /^msr: FS_BASE by wrmsr\/rdmsr holds; EFER 0x[5d]01$/m,
      // pv_fixup_guest_cr4: FSGSBASE is the guest's to set (when CPUID offers it), PGE is dropped.
      /^cr4: 0x[0-9a-f]+ after setting FSGSBASE and PGE \(FSGSBASE (?:set, wrfsbase\/rdfsbase hold|not offered), PGE dropped\)$/m] : []),
    new RegExp(`^mini-domu: bootstrapping as a ${flavour === 'pv' ? '64-bit PV' : 'PVH'} guest$`, 'm'),
    /^xen: version \d+\.\d+, features 0x[0-9a-f]+$/m,
    flavour === 'pv'
      ? /^mm: bootstrap region maps pfn 0-\d+; built [1-9]\d* L1 tables, mapped [1-9]\d* more pages; M2P agrees with the p2m for all \d+$/m
      : /^mm: RAM up to 0x[0-9a-f]+, memory map agrees with hvm_start_info$/m,
    // A multicall of update_va_mapping, xen_version and an op Xen lacks: each result in its own entry.
    ...(flavour === 'pv' ? [/^multicall: 3 entries, results 0 0x[0-9a-f]+ -38$/m] : []),
    /^mm: \d+ pages, first free pfn \d+; reservation (\d+) pages of at most (\d+)$/m,
    /^time: VIRQ_TIMER on port \d+; system time \d+ ns; pvclock mul \d+ shift -?\d+; wallclock \d+\.\d{9}$/m,
    /^console: ring at 0x[0-9a-f]+, event channel \d+$/m,
    /^mini-domu: console ring up$/m,
    /^gnttab: version 1, [1-9]\d* of at most [1-9]\d* frames; granted ref 8 \(frame 0x[0-9a-f]+\) to dom0 and ended it$/m,
    /^sched: cooperative threads, idle by SCHEDOP_block$/m,
    /^xenbus: ring at 0x[0-9a-f]+, event channel \d+$/m,
    /^mini-domu: app_main reached$/m,
    /^xenbus: read domid -> '([1-9]\d*)'$/m,
    /^xenbus: read data\/mini-domu -> 'app_main'$/m,
    /^xenbus: directory data -> '(?:[^']*,)?mini-domu(?:,[^']*)?'$/m,
    /^xenbus: read data\/not-there -> error ENOENT$/m,
    /^sched: woke from msleep\(10\) #1 after \d+ us$/m,
    /^sched: woke from msleep\(10\) #3 after \d+ us$/m,
    /^mini-domu: idle for 1000 ms$/m,
    /^mini-domu: idle done: \d+ ms, \d+ blocks, \d+ upcalls, \d+ timer events, 0 unbound events$/m,
    /^mini-domu: shutting down$/m,
  ];
}

/** The hypercalls Mini-OS's start of day makes in each flavour (by the table's names). */
export const EXPECTED_HYPERCALLS = {
  pv: ['set_trap_table', 'callback_op', 'update_va_mapping', 'mmu_update', 'mmuext_op', 'memory_op', 'xen_version', 'console_io',
    'vcpu_op', 'event_channel_op', 'grant_table_op', 'set_timer_op', 'sched_op', 'iret'],
  pvh: ['hvm_op', 'memory_op', 'xen_version', 'console_io', 'vcpu_op', 'event_channel_op', 'grant_table_op', 'set_timer_op', 'sched_op'],
} as const;
