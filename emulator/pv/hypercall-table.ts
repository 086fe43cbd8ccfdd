// Xen's x86_32 hypercalls, one row each: the number (xen/include/public/xen.h), the name,
// the arguments in register order (EBX, ECX, EDX, ESI, EDI) with their kinds, what it does,
// and the estimated cycles of the hypervisor's handler. Everything else is derived from
// here: the dispatcher's handler map (hypercalls.ts, keyed by these names so the compiler
// refuses a row without a handler entry), the PV cost model's defaults, the names in records
// and reports, the debugger's hypercall conditions, the linter's completion and fixes, and
// the numbers and HYPERVISOR_* wrappers in guest/ (scripts/gen-guest-headers.ts).
// Data only: the language server reads it (through abi.ts) without the PV machinery.

/** What an argument holds; the editor's hovers and the debugger's displays read it. */
export type HypercallArgKind =
  | 'command'        // a sub-operation number (SCHEDOP_*, EVTCHNOP_* ...)
  | 'pointer'        // a guest virtual address of a structure or an array
  | 'count'          // a number of entries
  | 'address'        // a guest virtual address the call acts on (not read as a structure)
  | 'machine-address'
  | 'selector'
  | 'domain'         // a domain id (DOMID_SELF for this one)
  | 'flags'
  | 'value';

export interface HypercallArg {
  readonly name: string;
  readonly kind: HypercallArgKind;
  /** The prefix of the constants that fit this argument (completion offers them). */
  readonly constants?: string;
}

export interface HypercallRow<S extends string = string> {
  readonly nr: number;
  readonly name: S;
  readonly args: readonly HypercallArg[];
  /**
   * The x86_64 ABI's arguments where they differ from x86_32's (a 64-bit value in one
   * register instead of two halves, set_callbacks without selectors); absent: the same.
   */
  readonly args64?: readonly HypercallArg[];
  readonly summary: string;
  /** Whether guest/ offers a HYPERVISOR_<name> wrapper (iret is jumped to, never called). */
  readonly wrapper: boolean;
  /**
   * Estimated cycles of the handler's own work (the round trip is paid separately; see
   * pv-costs.ts for the model); absent = the model's default.
   */
  readonly cycles?: number;
}

const a = (name: string, kind: HypercallArgKind, constants?: string): HypercallArg =>
  (constants === undefined ? { name, kind } : { name, kind, constants });

function hc<S extends string>(nr: number, name: S, args: HypercallArg[], summary: string, cycles?: number, wrapper = true): HypercallRow<S> {
  return { nr, name, args, summary, wrapper, ...(cycles !== undefined ? { cycles } : {}) };
}

/** A row whose x86_64 arguments differ (xen-x86_64.h's conventions; Linux's asm/xen/hypercall.h). */
function x64<S extends string>(row: HypercallRow<S>, args64: HypercallArg[]): HypercallRow<S> {
  return { ...row, args64 };
}

// Cycles: simple bookkeeping 40-60; a table walk or a few guest words 150-200; page-table
// validation and descriptor checks 150-400 (plus perPageTableEntry in pv-costs); the console
// and scheduler paths 300-400 (a copy out of the guest, or a vCPU block and wake).
const ROWS = [
  hc(0, 'set_trap_table', [a('table', 'pointer')], 'Register the guest trap table (virtual IDT).', 300),
  hc(1, 'mmu_update', [a('req', 'pointer'), a('count', 'count'), a('success_count', 'pointer'), a('foreigndom', 'domain', 'DOMID_')],
    'Batch of validated page-table and machine-to-phys updates.', 150),
  hc(2, 'set_gdt', [a('frame_list', 'pointer'), a('entries', 'count')], 'Install a GDT given as machine frames.', 400),
  hc(3, 'stack_switch', [a('ss', 'selector', 'FLAT_'), a('esp', 'address')], 'Set the kernel stack used on a ring 3 -> ring 1 transition.', 50),
  x64(hc(4, 'set_callbacks', [a('event_selector', 'selector', 'FLAT_'), a('event_address', 'address'), a('failsafe_selector', 'selector', 'FLAT_'), a('failsafe_address', 'address')],
    'Register the event and failsafe callbacks.', 50), [a('event_address', 'address'), a('failsafe_address', 'address'), a('syscall_address', 'address')]),
  hc(5, 'fpu_taskswitch', [a('set', 'value')], 'Set (1) or clear (0) CR0.TS.', 40),
  hc(6, 'sched_op_compat', [a('cmd', 'command', 'SCHEDOP_'), a('arg', 'value')], 'Old scheduler operations.'),
  hc(7, 'platform_op', [a('op', 'pointer')], 'Platform operations (dom0).'),
  hc(8, 'set_debugreg', [a('reg', 'value'), a('value', 'value')], 'Write a debug register.'),
  hc(9, 'get_debugreg', [a('reg', 'value')], 'Read a debug register.'),
  x64(hc(10, 'update_descriptor', [a('ma_lo', 'machine-address'), a('ma_hi', 'machine-address'), a('desc_lo', 'value'), a('desc_hi', 'value')],
    'Write one GDT/LDT descriptor by machine address.', 150), [a('ma', 'machine-address'), a('desc', 'value')]),
  hc(12, 'memory_op', [a('cmd', 'command'), a('arg', 'pointer')], 'Reservation and memory map operations.', 200),
  hc(13, 'multicall', [a('call_list', 'pointer'), a('nr_calls', 'count')], 'Run a batch of hypercalls.', 100),
  x64(hc(14, 'update_va_mapping', [a('va', 'address'), a('new_val_lo', 'value'), a('new_val_hi', 'value'), a('flags', 'flags', 'UVMF_')],
    'Write the PTE that maps a virtual address.', 200), [a('va', 'address'), a('new_val', 'value'), a('flags', 'flags', 'UVMF_')]),
  hc(15, 'set_timer_op', [a('timeout_lo', 'value'), a('timeout_hi', 'value')], 'One-shot timer at a system time (ns).', 150),
  hc(16, 'event_channel_op_compat', [a('op', 'pointer')], 'Old event channel interface.'),
  hc(17, 'xen_version', [a('cmd', 'command', 'XENVER_'), a('arg', 'pointer')], 'Version and feature queries.', 50),
  hc(18, 'console_io', [a('cmd', 'command', 'CONSOLEIO_'), a('count', 'count'), a('buffer', 'pointer')], 'Write to or read from the hypervisor console.', 400),
  hc(19, 'physdev_op_compat', [a('op', 'pointer')], 'Old physical device interface.'),
  hc(20, 'grant_table_op', [a('cmd', 'command'), a('uop', 'pointer'), a('count', 'count')], 'Grant table operations.', 300),
  hc(21, 'vm_assist', [a('cmd', 'command', 'VMASST_CMD_'), a('type', 'value', 'VMASST_TYPE_')], 'Enable or disable a VM assist.', 40),
  x64(hc(22, 'update_va_mapping_otherdomain', [a('va', 'address'), a('new_val_lo', 'value'), a('new_val_hi', 'value'), a('flags', 'flags', 'UVMF_'), a('domid', 'domain')],
    'update_va_mapping for another domain.'), [a('va', 'address'), a('new_val', 'value'), a('flags', 'flags', 'UVMF_'), a('domid', 'domain')]),
  hc(23, 'iret', [], 'Return from an exception or event (jumped to, not called).', 100, false),
  hc(24, 'vcpu_op', [a('cmd', 'command', 'VCPUOP_'), a('vcpuid', 'value'), a('extra_args', 'pointer')], 'Per-vCPU operations (timers, up/down, vcpu_info).', 150),
  hc(25, 'set_segment_base', [a('which', 'command'), a('base', 'address')], 'Set FS/GS base (64-bit guests only).'),
  hc(26, 'mmuext_op', [a('op', 'pointer'), a('count', 'count'), a('success_count', 'pointer'), a('domid', 'domain', 'DOMID_')],
    'Extended MMU operations: pin, new base pointer, TLB and cache flushes.', 200),
  hc(27, 'xsm_op', [a('op', 'pointer')], 'Security module operations.', undefined, false),
  hc(28, 'nmi_op', [a('cmd', 'command'), a('arg', 'pointer')], 'NMI callback registration.'),
  hc(29, 'sched_op', [a('cmd', 'command', 'SCHEDOP_'), a('arg', 'pointer')], 'Yield, block, shutdown, poll.', 300),
  hc(30, 'callback_op', [a('cmd', 'command', 'CALLBACKOP_'), a('arg', 'pointer')], 'Register or unregister callbacks.', 60),
  hc(31, 'xenoprof_op', [a('op', 'command'), a('arg', 'pointer')], 'Profiling (xenoprof).', undefined, false),
  hc(32, 'event_channel_op', [a('cmd', 'command', 'EVTCHNOP_'), a('arg', 'pointer')], 'Event channel operations.', 150),
  hc(33, 'physdev_op', [a('cmd', 'command'), a('arg', 'pointer')], 'Physical device operations.', 80),
  hc(34, 'hvm_op', [a('op', 'command'), a('arg', 'pointer')], 'HVM parameter operations.'),
  hc(35, 'sysctl', [a('u_sysctl', 'pointer')], 'System control (the control domain).', undefined, false),
  hc(36, 'domctl', [a('u_domctl', 'pointer')], 'Domain control (the control domain).', undefined, false),
  hc(37, 'kexec_op', [a('op', 'command'), a('arg', 'pointer')], 'Load and run a crash kernel (the control domain).', undefined, false),
  hc(38, 'tmem_op', [a('ops', 'pointer')], 'Transcendent memory (removed from Xen; always fails).', undefined, false),
  hc(39, 'argo_op', [a('cmd', 'command'), a('arg1', 'pointer'), a('arg2', 'pointer'), a('arg3', 'value'), a('arg4', 'value')],
    'Argo inter-domain messages.', undefined, false),
  hc(40, 'xenpmu_op', [a('op', 'command'), a('arg', 'pointer')], 'Performance monitoring unit.', undefined, false),
  hc(41, 'dm_op', [a('domid', 'domain'), a('nr_bufs', 'count'), a('bufs', 'pointer')], 'Device model operations on an HVM domain.', undefined, false),
  hc(42, 'hypfs_op', [a('cmd', 'command'), a('arg1', 'pointer'), a('arg2', 'value'), a('arg3', 'pointer'), a('arg4', 'value')],
    'Hypervisor file system.', undefined, false),
] as const;

export type HypercallName = (typeof ROWS)[number]['name'];

/** Every hypercall Xen's x86_32 ABI numbers, in number order. */
export const HYPERCALL_TABLE: readonly HypercallRow<HypercallName>[] = ROWS;

/** One past the highest hypercall number; per-number arrays have this length. */
export const HYPERCALL_LIMIT = ROWS[ROWS.length - 1].nr + 1;

/** Numbers by name: `HC.console_io` is 18. */
export const HC = Object.freeze(Object.fromEntries(ROWS.map((r) => [r.name, r.nr]))) as { readonly [K in HypercallName]: number };

const BY_NR: Array<HypercallRow<HypercallName> | undefined> = new Array(HYPERCALL_LIMIT).fill(undefined);
const BY_NAME = new Map<string, HypercallRow<HypercallName>>();
for (const r of ROWS) { BY_NR[r.nr] = r; BY_NAME.set(r.name, r); }

export function hypercallByNumber(nr: number): HypercallRow<HypercallName> | undefined {
  return nr >= 0 && nr < HYPERCALL_LIMIT ? BY_NR[nr] : undefined;
}

export function hypercallByName(name: string): HypercallRow<HypercallName> | undefined { return BY_NAME.get(name); }

/** The name reports use for a number: the table's, or hypercall_<nr> for a number Xen does not define. */
export function hypercallName(nr: number): string { return hypercallByNumber(nr)?.name ?? `hypercall_${nr}`; }
