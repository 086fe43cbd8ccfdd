// Instruction-table entries for the instructions of 64-bit kernels (PV050-PV059): SWAPGS,
// SYSCALL/SYSRET, the FSGSBASE instructions, MOV CR8 (the TPR) and WRMSR to the MSRs a
// 64-bit kernel sets at boot (FS/GS bases, the SYSCALL MSRs). Part of INSTRUCTION_TABLE
// (instruction-table.ts), in rule order. Facts: Intel SDM Vol. 2 (instruction pages), Vol. 3
// (chapter 26 and Appendix C for exits), Xen's public headers (xen-x86_64.h, callback.h) for
// the 64-bit PV interface, where the guest kernel runs in ring 3.
//
// An entry's `forms` are what the CPU executes (emulator/cpu/long-mode-ops.ts holds their
// semantics). MOV CR8 and the WRMSR cases refine entries whose forms they share (`refines`).

import type { IsaEntry, MsrName } from './types';
import { MSR_CSTAR, MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_LSTAR, MSR_SFMASK, MSR_STAR } from './msr-numbers';
import { CR_QUAL, EXIT, HCALL, entry } from './table-text';
import { END, M, ONLY64, op0f } from './form-builders';

/** CPUID.80000001H:EDX.SYSCALL (bit 11) and CPUID.(EAX=07H,ECX=0):EBX.FSGSBASE (bit 0). */
const SYSCALL_FEATURE = { leaf: 0x80000001, reg: 'edx', bit: 11 } as const;
const FSGSBASE_FEATURE = { leaf: 7, reg: 'ebx', bit: 0 } as const;
/** F3 0F AE /0-/3 with a register operand (the group-15 handler routes them to long-mode-ops.ts). */
const fsgs = (reg: number, mnemonic: string) =>
  op0f(0xae, mnemonic, 'Ry', 'sse-move', { ...M, reg, mod: 'reg', prefix: 'f3', ...ONLY64, cpuid: FSGSBASE_FEATURE });

/** Ring 3, not ring 1: the 64-bit PV kernel's privilege level. */
const GP_PV64 = 'raises #GP in ring 3, where a 64-bit PV kernel runs; Xen does not emulate it, so the kernel takes its own #GP handler or crashes';

export const MSR_SEGMENT_BASES: readonly MsrName[] = [
  { number: MSR_FS_BASE, name: 'IA32_FS_BASE' },
  { number: MSR_GS_BASE, name: 'IA32_GS_BASE' },
  { number: MSR_KERNEL_GS_BASE, name: 'IA32_KERNEL_GS_BASE' },
];
export const MSR_SYSCALL: readonly MsrName[] = [
  { number: MSR_STAR, name: 'IA32_STAR' },
  { number: MSR_LSTAR, name: 'IA32_LSTAR' },
  { number: MSR_CSTAR, name: 'IA32_CSTAR' },
  { number: MSR_SFMASK, name: 'IA32_FMASK' },
];

const NO_32BIT_SEGBASE = 'set_segment_base exists only for 64-bit PV guests; a 32-bit PV kernel changes a segment base by rewriting its descriptor with update_descriptor';

export const LONG_MODE_ENTRIES: readonly IsaEntry[] = [
  entry({
    id: 'swapgs', rule: 'PV050', mnemonics: ['swapgs'], title: 'SWAPGS: swap the GS base with IA32_KERNEL_GS_BASE',
    class: 'privileged', forms: [op0f(0x01, 'swapgs', '', 'system', { ...M, modrmByte: 0xf8, ...ONLY64 })], longModeOnly: true,
    semantics: 'Exchanges the GS base with the IA32_KERNEL_GS_BASE MSR (CPL 0, 64-bit mode only), so a kernel entered from user space finds its per-CPU data through GS.',
    pvBehaviour: GP_PV64 + '; Xen already switches between the kernel\'s and the user\'s GS base on every kernel entry and exit',
    pvSeverity: 'error',
    hvm: null,
    pvReplacement: 'nothing at the instruction: set the two bases once with set_segment_base(SEGBASE_GS_KERNEL, base) and set_segment_base(SEGBASE_GS_USER, base), and Xen swaps them (Linux patches SWAPGS out under Xen PV)',
    hypercalls: ['set_segment_base'],
    wrappers: {},
    refusal: 'the PV form is to delete the SWAPGS once both GS bases are registered with set_segment_base, and whether they are is not visible at the instruction',
    cost: { native: 20, note: 'no exit; GS switching is part of Xen\'s entry path under PV' },
  }),
  entry({
    id: 'syscall', rule: 'PV051', mnemonics: ['syscall'], title: 'SYSCALL: fast system call',
    class: 'sensitive', forms: [op0f(0x05, 'syscall', '', 'system', { ...END, cpuid: SYSCALL_FEATURE })],
    semantics: 'Saves RIP in RCX and RFLAGS in R11, masks RFLAGS with IA32_FMASK and enters CPL 0 at IA32_LSTAR (IA32_CSTAR from compatibility mode, on AMD; Intel CPUs make it #UD outside 64-bit mode), CS and SS from IA32_STAR.',
    pvBehaviour: 'from a 64-bit PV kernel, SYSCALL enters Xen and is a hypercall (number in RAX): it is what the hypercall page\'s stubs execute; from user space Xen bounces it to the callback registered with callback_op(CALLBACKTYPE_syscall, or syscall32 from 32-bit code)',
    pvSeverity: 'warning',
    hvm: null,
    pvReplacement: 'in the kernel, call hypercall_page + nr*32 instead of a bare SYSCALL; a kernel\'s system-call entry is registered with callback_op(CALLBACKOP_register, {CALLBACKTYPE_syscall, ...}) instead of IA32_LSTAR',
    hypercalls: ['callback_op'],
    wrappers: {},
    refusal: 'user code may keep SYSCALL; in a PV kernel a bare SYSCALL is a hypercall whose number is whatever RAX holds, which must be chosen by hand',
    cost: { native: 70, pv: HCALL, note: 'under PV a user SYSCALL is a bounce through Xen' },
  }),
  entry({
    id: 'sysret', rule: 'PV052', mnemonics: ['sysret', 'sysretd', 'sysretq'], title: 'SYSRET: return from a fast system call',
    class: 'privileged', forms: [op0f(0x07, ['sysret', 'sysret', 'sysretq'], '', 'system', { ...END, cpuid: SYSCALL_FEATURE })], longModeOnly: true,
    semantics: 'Returns to CPL 3 at RCX with RFLAGS from R11, CS and SS from IA32_STAR[63:48] (+16/+8 for 64-bit, +0/+8 for 32-bit code with SYSRETD); #GP if CPL is not 0 or RCX is not canonical.',
    pvBehaviour: GP_PV64 + '; returning to user space needs Xen, which switches to the user page tables and GS base',
    pvSeverity: 'error',
    hvm: null,
    pvReplacement: 'the iret hypercall with VGCF_in_syscall: on the kernel stack push SS, RSP, RFLAGS (R11), CS, RIP (RCX) and VGCF_in_syscall, then jmp hypercall_page + 23*32',
    hypercalls: ['iret'],
    wrappers: {},
    refusal: 'at SYSRET, RSP already holds the user stack; the iret hypercall\'s frame must be built on the kernel stack (writing below the user RSP would destroy its red zone), and which stack is the kernel\'s is not visible at the instruction',
    cost: { native: 70, pv: HCALL, note: '' },
  }),
  entry({
    id: 'rdfsbase', rule: 'PV053', mnemonics: ['rdfsbase', 'rdgsbase'], title: 'RDFSBASE/RDGSBASE: read a segment base',
    class: 'sensitive', forms: [fsgs(0, 'rdfsbase'), fsgs(1, 'rdgsbase')], longModeOnly: true,
    semantics: 'Reads the FS or GS base into a register at any CPL (64-bit mode); #UD unless CR4.FSGSBASE is set.',
    pvBehaviour: 'a PV kernel cannot set CR4.FSGSBASE itself, so whether it is #UD is Xen\'s choice; when it runs, RDGSBASE in the kernel reads the kernel\'s GS base (Xen swaps in the user\'s on return)',
    pvSeverity: 'warning',
    hvm: null,
    pvReplacement: 'keep a copy of each base given to set_segment_base',
    hypercalls: [],
    wrappers: {},
    refusal: 'no hypercall reads a segment base back; the value lives in the kernel\'s own copy, which the linter cannot locate',
    cost: { native: 10, note: 'no exit' },
  }),
  entry({
    id: 'wrfsbase', rule: 'PV054', mnemonics: ['wrfsbase'], title: 'WRFSBASE: write the FS base',
    class: 'sensitive', forms: [fsgs(2, 'wrfsbase')], longModeOnly: true,
    semantics: 'Writes the FS base from a register at any CPL (64-bit mode); #UD unless CR4.FSGSBASE is set, #GP if the address is not canonical.',
    pvBehaviour: 'a PV kernel cannot set CR4.FSGSBASE itself, so it may be #UD; and a base written this way is not the one Xen restores when it next switches to this vCPU',
    pvSeverity: 'warning',
    hvm: null,
    pvReplacement: 'set_segment_base(SEGBASE_FS, base)',
    hypercalls: ['set_segment_base'],
    wrappers: {},
    refusal: NO_32BIT_SEGBASE,
    long: {
      wrappers: { nasm: 'PV_WRFSBASE', gas: 'PV_WRFSBASE', c: 'pv_wrfsbase', asmParams: [{ name: 'reg', doc: 'the new base (a 64-bit register)' }], cParams: [{ name: 'base', doc: 'the new base' }] },
      refusal: 'the operand must be a 64-bit register',
    },
    cost: { native: 10, pv: HCALL, note: '' },
  }),
  entry({
    id: 'wrgsbase', rule: 'PV055', mnemonics: ['wrgsbase'], title: 'WRGSBASE: write the GS base',
    class: 'sensitive', forms: [fsgs(3, 'wrgsbase')], longModeOnly: true,
    semantics: 'Writes the GS base in force from a register at any CPL (64-bit mode); #UD unless CR4.FSGSBASE is set. In a kernel between SWAPGSs that is the kernel\'s per-CPU base.',
    pvBehaviour: 'a PV kernel cannot set CR4.FSGSBASE itself, so it may be #UD; and Xen reloads the kernel\'s GS base (the one given to set_segment_base) on every kernel entry',
    pvSeverity: 'warning',
    hvm: null,
    pvReplacement: 'set_segment_base(SEGBASE_GS_KERNEL, base) for the kernel\'s GS (kernel code runs with it); SEGBASE_GS_USER for the user\'s',
    hypercalls: ['set_segment_base'],
    wrappers: {},
    refusal: NO_32BIT_SEGBASE,
    long: {
      wrappers: { nasm: 'PV_WRGSBASE', gas: 'PV_WRGSBASE', c: 'pv_wrgsbase', asmParams: [{ name: 'reg', doc: 'the new base (a 64-bit register)' }], cParams: [{ name: 'base', doc: 'the new base' }] },
      refusal: 'the operand must be a 64-bit register',
    },
    cost: { native: 10, pv: HCALL, note: '' },
  }),
  entry({
    id: 'mov-to-cr8', rule: 'PV056', mnemonics: ['mov'], operandForm: 'to-cr8', refines: 'mov-to-cr', title: 'MOV CR8, reg: write the task-priority register',
    class: 'privileged', forms: [],
    semantics: 'Writes the local APIC\'s task-priority class (TPR bits 7:4) from bits 3:0 of a register: interrupts of that priority class and below are held back. 64-bit mode (REX.R with CR0\'s encoding).',
    pvBehaviour: GP_PV64 + '; a PV guest has no local APIC',
    pvSeverity: 'error',
    hvm: { reason: 28, name: 'CR_ACCESS', when: 'conditional', condition: 'CR8-load exiting without the TPR shadow; with the TPR shadow the write stays in the virtual-APIC page and exits (43 TPR_BELOW_THRESHOLD) only when it drops below the TPR threshold', qualification: CR_QUAL + ' (CR number 8)' },
    pvReplacement: 'mask events (vcpu_info.evtchn_upcall_mask) around the section instead of raising the priority; 2-level event channels have no priority classes',
    hypercalls: [],
    wrappers: {},
    refusal: 'a priority class has no PV counterpart: masking all events is a different (stronger) guarantee, chosen by hand',
    cost: { native: 20, hvmExit: EXIT, note: 'with the TPR shadow (every modern hypervisor) most writes cost no exit' },
  }),
  entry({
    id: 'mov-from-cr8', rule: 'PV057', mnemonics: ['mov'], operandForm: 'from-cr8', refines: 'mov-from-cr', title: 'MOV reg, CR8: read the task-priority register',
    class: 'privileged', forms: [],
    semantics: 'Reads the local APIC\'s task-priority class (TPR bits 7:4) into bits 3:0 of a register.',
    pvBehaviour: GP_PV64 + '; a PV guest has no local APIC',
    pvSeverity: 'error',
    hvm: { reason: 28, name: 'CR_ACCESS', when: 'conditional', condition: 'CR8-store exiting without the TPR shadow; with it the read is answered from the virtual-APIC page', qualification: CR_QUAL + ' (CR number 8)' },
    pvReplacement: 'read the event mask (vcpu_info.evtchn_upcall_mask) if the question is whether events are held back',
    hypercalls: [],
    wrappers: {},
    refusal: 'a priority class has no PV counterpart',
    cost: { native: 10, hvmExit: EXIT, note: 'with the TPR shadow, no exit' },
  }),
  entry({
    id: 'wrmsr-segment-base', rule: 'PV058', mnemonics: ['wrmsr'], refines: 'wrmsr', msrs: MSR_SEGMENT_BASES,
    title: 'WRMSR to IA32_FS_BASE, IA32_GS_BASE or IA32_KERNEL_GS_BASE: set a segment base',
    class: 'privileged', forms: [],
    semantics: 'Writes EDX:EAX as the FS base, the GS base or the GS base SWAPGS swaps in (the number in ECX: 0xC0000100-0xC0000102).',
    pvBehaviour: 'raises #GP in ring 3; Xen emulates these three MSRs for a 64-bit PV kernel (a costly trap) as the set_segment_base it should have called',
    pvSeverity: 'error',
    hvm: { reason: 32, name: 'WRMSR', when: 'conditional', condition: 'per the MSR bitmap; KVM and Xen pass the three base MSRs through (the VMCS switches them), so they normally do not exit', qualification: 'none; the MSR number is in ECX' },
    pvReplacement: 'set_segment_base(SEGBASE_FS, base) for IA32_FS_BASE, (SEGBASE_GS_KERNEL, base) for IA32_GS_BASE, (SEGBASE_GS_USER, base) for IA32_KERNEL_GS_BASE',
    hypercalls: ['set_segment_base'],
    wrappers: {},
    refusal: NO_32BIT_SEGBASE,
    long: {
      wrappers: { nasm: 'PV_WRMSR', gas: 'PV_WRMSR', c: 'pv_wrmsr', cParams: [{ name: 'msr', doc: 'MSR number' }, { name: 'value', doc: '64-bit value' }] },
      refusal: 'in C, the asm statement must pass the MSR, the low and the high half as "c", "a" and "d" inputs',
    },
    cost: { native: 150, hvmExit: EXIT + 300, pv: HCALL, note: 'passed through by KVM and Xen HVM: no exit in practice' },
  }),
  entry({
    id: 'wrmsr-syscall', rule: 'PV059', mnemonics: ['wrmsr'], refines: 'wrmsr', msrs: MSR_SYSCALL,
    title: 'WRMSR to IA32_STAR, IA32_LSTAR, IA32_CSTAR or IA32_FMASK: set up SYSCALL',
    class: 'privileged', forms: [],
    semantics: 'Writes the SYSCALL target (LSTAR for 64-bit callers, CSTAR for compatibility mode), the kernel and user selectors (STAR) or the RFLAGS bits SYSCALL clears (FMASK).',
    pvBehaviour: 'raises #GP in ring 3; Xen owns these MSRs (SYSCALL from user space enters Xen, which bounces it to the kernel\'s registered callback) and ignores or refuses the write',
    pvSeverity: 'error',
    hvm: { reason: 32, name: 'WRMSR', when: 'conditional', condition: 'per the MSR bitmap (KVM passes them through on 64-bit hosts)', qualification: 'none; the MSR number is in ECX' },
    pvReplacement: 'callback_op(CALLBACKOP_register, {CALLBACKTYPE_syscall, CALLBACKF_mask_events, entry}) for LSTAR, CALLBACKTYPE_syscall32 for CSTAR; STAR and FMASK are Xen\'s (drop the writes)',
    hypercalls: ['callback_op'],
    wrappers: {},
    refusal: 'the SYSCALL MSRs exist for 64-bit kernels; a 32-bit PV kernel registers CALLBACKTYPE_sysenter or int 0x80 through set_trap_table',
    long: {
      wrappers: { nasm: 'PV_WRMSR', gas: 'PV_WRMSR', c: 'pv_wrmsr', cParams: [{ name: 'msr', doc: 'MSR number' }, { name: 'value', doc: '64-bit value' }] },
      refusal: 'in C, the asm statement must pass the MSR, the low and the high half as "c", "a" and "d" inputs',
    },
    cost: { native: 150, hvmExit: EXIT + 300, pv: HCALL, note: 'set once at boot' },
  }),
];
