// What completion, signature help and hover know about guest/: the hypercall wrappers (from
// the hypercall table), the one-for-one PV_* / pv_* replacements (from the instruction
// table), the helpers, and the ABI constants (values from Xen's public headers, identical to
// guest/paravirt.h; a test checks the two agree).

import { HYPERCALL_TABLE } from '../../emulator/pv/abi';
import { INSTRUCTION_TABLE } from '../../emulator/isa/instruction-table';
import type { Syntax } from './types';

export interface WrapperParam { name: string; doc: string; constants?: string }
export interface Wrapper { name: string; params: WrapperParam[]; doc: string; syntaxes: Syntax[] }

export const CONSTANTS: Readonly<Record<string, number>> = Object.freeze({
  SCHEDOP_yield: 0, SCHEDOP_block: 1, SCHEDOP_shutdown: 2, SCHEDOP_poll: 3, SCHEDOP_shutdown_code: 5,
  SHUTDOWN_poweroff: 0, SHUTDOWN_reboot: 1, SHUTDOWN_suspend: 2, SHUTDOWN_crash: 3, SHUTDOWN_watchdog: 4,
  CONSOLEIO_write: 0, CONSOLEIO_read: 1,
  XENVER_version: 0, XENVER_get_features: 6,
  MMU_NORMAL_PT_UPDATE: 0, MMU_MACHPHYS_UPDATE: 1, MMU_PT_UPDATE_PRESERVE_AD: 2,
  UVMF_NONE: 0, UVMF_TLB_FLUSH: 1, UVMF_INVLPG: 2, UVMF_ALL: 4,
  MMUEXT_PIN_L1_TABLE: 0, MMUEXT_PIN_L2_TABLE: 1, MMUEXT_PIN_L3_TABLE: 2, MMUEXT_PIN_L4_TABLE: 3, MMUEXT_UNPIN_TABLE: 4,
  MMUEXT_NEW_BASEPTR: 5, MMUEXT_TLB_FLUSH_LOCAL: 6, MMUEXT_INVLPG_LOCAL: 7, MMUEXT_TLB_FLUSH_MULTI: 8, MMUEXT_INVLPG_MULTI: 9,
  MMUEXT_TLB_FLUSH_ALL: 10, MMUEXT_INVLPG_ALL: 11, MMUEXT_FLUSH_CACHE: 12, MMUEXT_SET_LDT: 13, MMUEXT_NEW_USER_BASEPTR: 15,
  MMUEXT_CLEAR_PAGE: 16, MMUEXT_COPY_PAGE: 17,
  DOMID_SELF: 0x7ff0,
  VMASST_CMD_enable: 0, VMASST_CMD_disable: 1, VMASST_TYPE_writable_pagetables: 2, VMASST_TYPE_pae_extended_cr3: 3,
  EVTCHNOP_bind_interdomain: 0, EVTCHNOP_bind_virq: 1, EVTCHNOP_bind_pirq: 2, EVTCHNOP_close: 3, EVTCHNOP_send: 4,
  EVTCHNOP_status: 5, EVTCHNOP_alloc_unbound: 6, EVTCHNOP_bind_ipi: 7, EVTCHNOP_bind_vcpu: 8, EVTCHNOP_unmask: 9,
  VIRQ_TIMER: 0, VIRQ_DEBUG: 1, VIRQ_CONSOLE: 2,
  VCPUOP_initialise: 0, VCPUOP_up: 1, VCPUOP_down: 2, VCPUOP_is_up: 3, VCPUOP_register_runstate_memory_area: 5,
  VCPUOP_set_periodic_timer: 6, VCPUOP_stop_periodic_timer: 7, VCPUOP_set_singleshot_timer: 8, VCPUOP_stop_singleshot_timer: 9,
  VCPUOP_register_vcpu_info: 10,
  CALLBACKOP_register: 0, CALLBACKOP_unregister: 1,
  CALLBACKTYPE_event: 0, CALLBACKTYPE_failsafe: 1, CALLBACKTYPE_syscall: 2, CALLBACKTYPE_sysenter: 3, CALLBACKTYPE_nmi: 4,
  FLAT_RING1_CS: 0xe019, FLAT_RING1_DS: 0xe021, FLAT_RING1_SS: 0xe021, FLAT_RING3_CS: 0xe02b, FLAT_RING3_DS: 0xe033, FLAT_RING3_SS: 0xe033,
});

const PARAM_DOCS: Record<string, string> = {
  cmd: 'sub-command', arg: 'pointer to the argument structure (or 0)', count: 'number of entries',
  success_count: 'pointer receiving how many entries succeeded (or 0)', domid: 'DOMID_SELF for this domain',
  foreigndom: 'DOMID_SELF for this domain', va: 'virtual address', flags: 'UVMF_* flags',
  new_val_lo: 'PTE low 32 bits', new_val_hi: 'PTE high 32 bits (PAE)', new_val: 'the whole PTE (64-bit)', table: 'trap table (NULL clears)',
};

/** The HYPERVISOR_* wrappers of one width: the 64-bit headers take the x86_64 arguments (args64). */
function hypercallWrappers(bits: 32 | 64): Wrapper[] {
  const regs = bits === 64 ? 'RDI, RSI, RDX, R10, R8; result in RAX' : 'EBX, ECX, EDX, ESI, EDI; result in EAX';
  return HYPERCALL_TABLE.filter((h) => h.wrapper).map((h) => ({
    name: `HYPERVISOR_${h.name}`,
    params: (bits === 64 ? h.args64 ?? h.args : h.args).map((a) => ({ name: a.name, doc: PARAM_DOCS[a.name] ?? a.name, constants: a.constants })),
    doc: `Xen hypercall ${h.nr} (${h.name}): ${h.summary} Calls hypercall_page + ${h.nr}*32; arguments in ${regs} (negative errno on failure).`,
    syntaxes: ['nasm', 'gas', 'c'],
  }));
}

const ASM_ONLY: Syntax[] = ['nasm', 'gas'];
const C_ONLY: Syntax[] = ['c'];

/**
 * The one-for-one replacements, from the instruction table: each entry's NASM/GAS macro and C
 * function, documented by what the entry says a PV kernel uses instead.
 */
function instructionWrappers(): Wrapper[] {
  const out: Wrapper[] = [];
  const seen = new Set<string>();
  // The 32-bit wrappers, then those only the 64-bit headers have (PV_WRFSBASE, PV_WRMSR, ...).
  const rows = [
    ...INSTRUCTION_TABLE.map((e) => ({ e, w: e.wrappers, replacement: e.pvReplacement })),
    ...INSTRUCTION_TABLE.filter((e) => e.long?.wrappers).map((e) => ({ e, w: e.long!.wrappers!, replacement: e.long!.pvReplacement ?? e.pvReplacement })),
  ];
  for (const { e, w: all, replacement } of rows) {
    const w = { ...all };
    for (const k of ['nasm', 'gas', 'c'] as const) { const n = w[k]; if (n && seen.has(`${k}:${n}`)) delete w[k]; else if (n) seen.add(`${k}:${n}`); }
    const doc = `Replaces ${e.title.split(':')[0]}: ${replacement}.`;
    const asmParams = (w.asmParams ?? []).map((p) => ({ name: p.name, doc: p.doc }));
    if (w.nasm && w.nasm === w.gas) out.push({ name: w.nasm, params: asmParams, doc, syntaxes: ASM_ONLY });
    else {
      if (w.nasm) out.push({ name: w.nasm, params: asmParams, doc, syntaxes: ['nasm'] });
      if (w.gas) out.push({ name: w.gas, params: asmParams, doc, syntaxes: ['gas'] });
    }
    if (w.c) out.push({ name: w.c, params: (w.cParams ?? []).map((p) => ({ name: p.name, doc: p.doc })), doc, syntaxes: C_ONLY });
  }
  return out;
}

/** Helpers in guest/ that replace more than one instruction or none (interrupt-state save, console, shutdown). */
const HELPERS: Wrapper[] = [
  { name: 'PV_IRQ_SAVE', params: [{ name: 'reg', doc: 'receives the previous mask (1 = events were masked)' }], doc: 'Replaces pushf; cli: saves the event mask and masks events.', syntaxes: ASM_ONLY },
  { name: 'PV_IRQ_RESTORE', params: [{ name: 'reg', doc: 'a value from PV_IRQ_SAVE' }], doc: 'Replaces popf: restores the event mask saved by PV_IRQ_SAVE.', syntaxes: ASM_ONLY },
  { name: 'pv_irq_save', params: [], doc: 'Saves and masks the event mask; returns the previous mask.', syntaxes: C_ONLY },
  { name: 'pv_irq_restore', params: [{ name: 'masked', doc: 'value from pv_irq_save()' }], doc: 'Restores the event mask.', syntaxes: C_ONLY },
  { name: 'pv_console_write', params: [{ name: 'buf', doc: 'text' }, { name: 'len', doc: 'length in bytes' }], doc: 'console_io(CONSOLEIO_write, len, buf).', syntaxes: C_ONLY },
  { name: 'pv_shutdown', params: [{ name: 'reason', doc: 'SHUTDOWN_* reason', constants: 'SHUTDOWN_' }], doc: 'sched_op(SCHEDOP_shutdown, {reason}).', syntaxes: C_ONLY },
];

export const WRAPPERS: readonly Wrapper[] = Object.freeze([...hypercallWrappers(32), ...instructionWrappers(), ...HELPERS]);
/** The same for 64-bit code: the hypercall wrappers with the x86_64 arguments. */
const WRAPPERS_64: readonly Wrapper[] = Object.freeze([...hypercallWrappers(64), ...instructionWrappers(), ...HELPERS]);
const byName = new Map(WRAPPERS.map((w) => [w.name, w]));
const byName64 = new Map(WRAPPERS_64.map((w) => [w.name, w]));

export function wrapperByName(name: string, bits: 16 | 32 | 64 = 32): Wrapper | undefined { return (bits === 64 ? byName64 : byName).get(name); }

export function wrappersFor(syntax: Syntax, bits: 16 | 32 | 64 = 32): Wrapper[] { return (bits === 64 ? WRAPPERS_64 : WRAPPERS).filter((w) => w.syntaxes.includes(syntax)); }

export function constantsWithPrefix(prefix: string): [string, number][] {
  return Object.entries(CONSTANTS).filter(([k]) => k.startsWith(prefix));
}

/** `HYPERVISOR_sched_op(cmd, arg)` / `HYPERVISOR_sched_op cmd, arg` */
export function signatureLabel(w: Wrapper, syntax: Syntax): string {
  const names = w.params.map((p) => p.name).join(', ');
  return syntax === 'c' ? `${w.name}(${names})` : `${w.name}${names ? ' ' + names : ''}`;
}
