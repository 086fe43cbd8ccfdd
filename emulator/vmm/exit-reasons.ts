// Intel's basic VM-exit reasons (SDM Vol. 3, Appendix C "VMX Basic Exit Reasons"), as data.
// The number is what a VT-x hypervisor reads from bits 15:0 of the exit-reason field; the
// short name is our stable identifier in JSON, the CLI and filters (upper case, Intel's
// wording shortened) and is the same as emulator/isa's table, which the linter uses (a test
// keeps the two in step); the title is the SDM's own description for humans.

export interface ExitReasonInfo {
  readonly reason: number;
  readonly name: string;
  readonly title: string;
}

const TABLE: ReadonlyArray<readonly [number, string, string]> = [
  [0, 'EXCEPTION_NMI', 'Exception or non-maskable interrupt (NMI)'],
  [1, 'EXTERNAL_INTERRUPT', 'External interrupt'],
  [2, 'TRIPLE_FAULT', 'Triple fault'],
  [3, 'INIT', 'INIT signal'],
  [4, 'SIPI', 'Start-up IPI (SIPI)'],
  [5, 'IO_SMI', 'I/O system-management interrupt (SMI)'],
  [6, 'OTHER_SMI', 'Other SMI'],
  [7, 'INTERRUPT_WINDOW', 'Interrupt window'],
  [8, 'NMI_WINDOW', 'NMI window'],
  [9, 'TASK_SWITCH', 'Task switch'],
  [10, 'CPUID', 'CPUID'],
  [11, 'GETSEC', 'GETSEC'],
  [12, 'HLT', 'HLT'],
  [13, 'INVD', 'INVD'],
  [14, 'INVLPG', 'INVLPG'],
  [15, 'RDPMC', 'RDPMC'],
  [16, 'RDTSC', 'RDTSC'],
  [17, 'RSM', 'RSM'],
  [18, 'VMCALL', 'VMCALL'],
  [19, 'VMCLEAR', 'VMCLEAR'],
  [20, 'VMLAUNCH', 'VMLAUNCH'],
  [21, 'VMPTRLD', 'VMPTRLD'],
  [22, 'VMPTRST', 'VMPTRST'],
  [23, 'VMREAD', 'VMREAD'],
  [24, 'VMRESUME', 'VMRESUME'],
  [25, 'VMWRITE', 'VMWRITE'],
  [26, 'VMXOFF', 'VMXOFF'],
  [27, 'VMXON', 'VMXON'],
  [28, 'CR_ACCESS', 'Control-register accesses'],
  [29, 'DR_ACCESS', 'MOV DR'],
  [30, 'IO_INSTRUCTION', 'I/O instruction'],
  [31, 'RDMSR', 'RDMSR'],
  [32, 'WRMSR', 'WRMSR'],
  [33, 'ENTRY_FAILURE_GUEST_STATE', 'VM-entry failure due to invalid guest state'],
  [34, 'ENTRY_FAILURE_MSR_LOADING', 'VM-entry failure due to MSR loading'],
  [36, 'MWAIT', 'MWAIT'],
  [37, 'MONITOR_TRAP_FLAG', 'Monitor trap flag'],
  [39, 'MONITOR', 'MONITOR'],
  [40, 'PAUSE', 'PAUSE'],
  [41, 'ENTRY_FAILURE_MACHINE_CHECK', 'VM-entry failure due to machine-check event'],
  [43, 'TPR_BELOW_THRESHOLD', 'TPR below threshold'],
  [44, 'APIC_ACCESS', 'APIC access'],
  [45, 'VIRTUALIZED_EOI', 'Virtualized EOI'],
  [46, 'GDTR_IDTR_ACCESS', 'Access to GDTR or IDTR'],
  [47, 'LDTR_TR_ACCESS', 'Access to LDTR or TR'],
  [48, 'EPT_VIOLATION', 'EPT violation'],
  [49, 'EPT_MISCONFIG', 'EPT misconfiguration'],
  [50, 'INVEPT', 'INVEPT'],
  [51, 'RDTSCP', 'RDTSCP'],
  [52, 'VMX_PREEMPTION_TIMER', 'VMX-preemption timer expired'],
  [53, 'INVVPID', 'INVVPID'],
  [54, 'WBINVD', 'WBINVD or WBNOINVD'],
  [55, 'XSETBV', 'XSETBV'],
  [56, 'APIC_WRITE', 'APIC write'],
  [57, 'RDRAND', 'RDRAND'],
  [58, 'INVPCID', 'INVPCID'],
  [59, 'VMFUNC', 'VMFUNC'],
  [60, 'ENCLS', 'ENCLS'],
  [61, 'RDSEED', 'RDSEED'],
  [62, 'PML_FULL', 'Page-modification log full'],
  [63, 'XSAVES', 'XSAVES'],
  [64, 'XRSTORS', 'XRSTORS'],
  [65, 'PCONFIG', 'PCONFIG'],
  [66, 'SPP_EVENT', 'SPP-related event'],
  [67, 'UMWAIT', 'UMWAIT'],
  [68, 'TPAUSE', 'TPAUSE'],
  [69, 'LOADIWKEY', 'LOADIWKEY'],
  [70, 'ENCLV', 'ENCLV'],
  [72, 'ENQCMD_PASID_FAIL', 'ENQCMD PASID translation failure'],
  [73, 'ENQCMDS_PASID_FAIL', 'ENQCMDS PASID translation failure'],
  [74, 'BUS_LOCK', 'Bus lock'],
  [75, 'INSTRUCTION_TIMEOUT', 'Instruction timeout'],
  [76, 'SEAMCALL', 'SEAMCALL'],
  [77, 'TDCALL', 'TDCALL'],
  [78, 'RDMSRLIST', 'RDMSRLIST'],
  [79, 'WRMSRLIST', 'WRMSRLIST'],
];

/** One past the highest reason number we know; per-reason typed arrays use this length. */
export const EXIT_REASON_LIMIT = 80;

export const EXIT_REASONS: readonly ExitReasonInfo[] = TABLE.map(([reason, name, title]) => ({ reason, name, title }));

const NAME_BY_NUMBER: string[] = new Array(EXIT_REASON_LIMIT).fill('');
const NUMBER_BY_NAME = new Map<string, number>();
for (const r of EXIT_REASONS) {
  NAME_BY_NUMBER[r.reason] = r.name;
  NUMBER_BY_NAME.set(r.name, r.reason);
}

/** Named constants for the reasons the emulator raises, so code reads `ExitReason.HLT`. */
export const ExitReason = {
  EXCEPTION_NMI: 0,
  EXTERNAL_INTERRUPT: 1,
  TRIPLE_FAULT: 2,
  INIT: 3,
  SIPI: 4,
  INTERRUPT_WINDOW: 7,
  NMI_WINDOW: 8,
  TASK_SWITCH: 9,
  CPUID: 10,
  HLT: 12,
  INVD: 13,
  INVLPG: 14,
  RDPMC: 15,
  RDTSC: 16,
  RSM: 17,
  VMCALL: 18,
  CR_ACCESS: 28,
  DR_ACCESS: 29,
  IO_INSTRUCTION: 30,
  RDMSR: 31,
  WRMSR: 32,
  MWAIT: 36,
  MONITOR_TRAP_FLAG: 37,
  MONITOR: 39,
  PAUSE: 40,
  APIC_ACCESS: 44,
  GDTR_IDTR_ACCESS: 46,
  LDTR_TR_ACCESS: 47,
  EPT_VIOLATION: 48,
  EPT_MISCONFIG: 49,
  RDTSCP: 51,
  WBINVD: 54,
  XSETBV: 55,
  RDRAND: 57,
  RDSEED: 61,
} as const;

/** Short name of a reason number; unknown numbers get 'EXIT_<n>' so nothing is ever lost. */
export function exitReasonName(reason: number): string {
  const n = reason >= 0 && reason < EXIT_REASON_LIMIT ? NAME_BY_NUMBER[reason] : '';
  return n || `EXIT_${reason}`;
}

/** Reason number of a short name (case-insensitive; 'EXIT_<n>' and plain numbers accepted). */
export function exitReasonNumber(name: string): number | undefined {
  const upper = name.trim().toUpperCase();
  const known = NUMBER_BY_NAME.get(upper);
  if (known !== undefined) return known;
  const m = /^(?:EXIT_)?(\d+)$/.exec(upper);
  return m ? Number(m[1]) : undefined;
}

export function exitReasonInfo(reason: number): ExitReasonInfo | undefined {
  return EXIT_REASONS.find((r) => r.reason === reason);
}
