// Xen x86_32 hypercall numbers (xen/include/public/xen.h), with the argument names the
// wrappers in guest/paravirt.h use. Shared by the linter (completion, hovers) and the PV model.

export interface HypercallInfo {
  nr: number;
  name: string;
  /** Argument names in register order EBX, ECX, EDX, ESI, EDI. */
  args: readonly string[];
  summary: string;
}

export const HYPERCALLS: readonly HypercallInfo[] = Object.freeze([
  { nr: 0, name: 'set_trap_table', args: ['table'], summary: 'Register the guest trap table (virtual IDT).' },
  { nr: 1, name: 'mmu_update', args: ['req', 'count', 'success_count', 'foreigndom'], summary: 'Batch of validated page-table and machine-to-phys updates.' },
  { nr: 2, name: 'set_gdt', args: ['frame_list', 'entries'], summary: 'Install a GDT given as machine frames.' },
  { nr: 3, name: 'stack_switch', args: ['ss', 'esp'], summary: 'Set the kernel stack used on a ring 3 -> ring 1 transition.' },
  { nr: 4, name: 'set_callbacks', args: ['event_selector', 'event_address', 'failsafe_selector', 'failsafe_address'], summary: 'Register the event and failsafe callbacks.' },
  { nr: 5, name: 'fpu_taskswitch', args: ['set'], summary: 'Set (1) or clear (0) CR0.TS.' },
  { nr: 6, name: 'sched_op_compat', args: ['cmd', 'arg'], summary: 'Old scheduler operations.' },
  { nr: 7, name: 'platform_op', args: ['op'], summary: 'Platform operations (dom0).' },
  { nr: 8, name: 'set_debugreg', args: ['reg', 'value'], summary: 'Write a debug register.' },
  { nr: 9, name: 'get_debugreg', args: ['reg'], summary: 'Read a debug register.' },
  { nr: 10, name: 'update_descriptor', args: ['ma_lo', 'ma_hi', 'desc_lo', 'desc_hi'], summary: 'Write one GDT/LDT descriptor by machine address.' },
  { nr: 12, name: 'memory_op', args: ['cmd', 'arg'], summary: 'Reservation and memory map operations.' },
  { nr: 13, name: 'multicall', args: ['call_list', 'nr_calls'], summary: 'Run a batch of hypercalls.' },
  { nr: 14, name: 'update_va_mapping', args: ['va', 'new_val_lo', 'new_val_hi', 'flags'], summary: 'Write the PTE that maps a virtual address.' },
  { nr: 15, name: 'set_timer_op', args: ['timeout_lo', 'timeout_hi'], summary: 'One-shot timer at a system time (ns).' },
  { nr: 16, name: 'event_channel_op_compat', args: ['op'], summary: 'Old event channel interface.' },
  { nr: 17, name: 'xen_version', args: ['cmd', 'arg'], summary: 'Version and feature queries.' },
  { nr: 18, name: 'console_io', args: ['cmd', 'count', 'buffer'], summary: 'Write to or read from the hypervisor console.' },
  { nr: 19, name: 'physdev_op_compat', args: ['op'], summary: 'Old physical device interface.' },
  { nr: 20, name: 'grant_table_op', args: ['cmd', 'uop', 'count'], summary: 'Grant table operations.' },
  { nr: 21, name: 'vm_assist', args: ['cmd', 'type'], summary: 'Enable or disable a VM assist.' },
  { nr: 22, name: 'update_va_mapping_otherdomain', args: ['va', 'new_val_lo', 'new_val_hi', 'flags', 'domid'], summary: 'update_va_mapping for another domain.' },
  { nr: 23, name: 'iret', args: [], summary: 'Return from an exception or event (jumped to, not called).' },
  { nr: 24, name: 'vcpu_op', args: ['cmd', 'vcpuid', 'extra_args'], summary: 'Per-vCPU operations (timers, up/down, vcpu_info).' },
  { nr: 25, name: 'set_segment_base', args: ['which', 'base'], summary: 'Set FS/GS base (64-bit guests only).' },
  { nr: 26, name: 'mmuext_op', args: ['op', 'count', 'success_count', 'domid'], summary: 'Extended MMU operations: pin, new base pointer, TLB and cache flushes.' },
  { nr: 28, name: 'nmi_op', args: ['cmd', 'arg'], summary: 'NMI callback registration.' },
  { nr: 29, name: 'sched_op', args: ['cmd', 'arg'], summary: 'Yield, block, shutdown, poll.' },
  { nr: 30, name: 'callback_op', args: ['cmd', 'arg'], summary: 'Register or unregister callbacks.' },
  { nr: 32, name: 'event_channel_op', args: ['cmd', 'arg'], summary: 'Event channel operations.' },
  { nr: 33, name: 'physdev_op', args: ['cmd', 'arg'], summary: 'Physical device operations.' },
  { nr: 34, name: 'hvm_op', args: ['op', 'arg'], summary: 'HVM parameter operations.' },
]);

const byName = new Map(HYPERCALLS.map((h) => [h.name, h]));
const byNr = new Map(HYPERCALLS.map((h) => [h.nr, h]));
export function hypercallByName(name: string): HypercallInfo | undefined { return byName.get(name); }
export function hypercallByNumber(nr: number): HypercallInfo | undefined { return byNr.get(nr); }
