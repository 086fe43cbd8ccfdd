// Shapes of the instruction-knowledge table (see instruction-table.ts for the data).

import type { OpcodeForm } from './form-types';

/**
 * - privileged: runs only at CPL 0; a ring-1 PV kernel gets #GP.
 * - iopl-sensitive: runs only when CPL <= IOPL (I/O also through the TSS bitmap).
 * - sensitive: runs at any CPL but behaves differently or leaks host state when deprivileged.
 * - exit-only: harmless when deprivileged but intercepted by a VT-x hypervisor.
 */
export type InstrClass = 'privileged' | 'iopl-sensitive' | 'sensitive' | 'exit-only';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/**
 * Operand shapes that decide whether a generic mnemonic (mov, push) is the sensitive form.
 * Operands are given in Intel order (destination first).
 */
export type OperandForm =
  | 'to-cr'       // mov crN, reg
  | 'from-cr'     // mov reg, crN
  | 'to-dr'       // mov drN, reg
  | 'from-dr'     // mov reg, drN
  | 'to-cr8'      // mov cr8, reg (the TPR; 64-bit mode, or AMD's LOCK MOV CR0)
  | 'from-cr8'    // mov reg, cr8
  | 'read-cs-ss'; // push cs / push ss / mov reg, cs|ss

export interface HvmExit {
  /** Intel basic exit reason number. */
  reason: number;
  /** SDM name, e.g. HLT, IO_INSTRUCTION. */
  name: string;
  /** always: exits under every VT-x configuration; conditional: only with the named control. */
  when: 'always' | 'conditional';
  /** The control or situation that makes it exit (for conditional exits). */
  condition?: string;
  /** How the exit qualification is encoded, when the SDM defines one. */
  qualification?: string;
}

/** A parameter of a replacement wrapper, as completion and signature help show it. */
export interface ReplacementParam {
  readonly name: string;
  readonly doc: string;
}

export interface PvReplacementNames {
  /** NASM macro from guest/paravirt.inc, used as `NAME operands`. */
  nasm?: string;
  /** GAS macro from guest/paravirt-gas.inc. */
  gas?: string;
  /** C function from guest/paravirt.h that replaces a one-instruction asm statement. */
  c?: string;
  /** C string macro from guest/paravirt.h that replaces the asm template, keeping operands. */
  cTemplate?: string;
  /** Parameters of the NASM/GAS macro and of the C function (none when absent). */
  asmParams?: readonly ReplacementParam[];
  cParams?: readonly ReplacementParam[];
}

export interface Cost {
  /** Approximate cycles on bare metal (ring 0). */
  native: number;
  /** Approximate cycles for the VM exit round trip plus a typical handler, when it exits. */
  hvmExit?: number;
  /** Approximate cycles for the PV replacement (hypercall or shared-memory write). */
  pv?: number;
  note: string;
}

/**
 * What differs for 64-bit code. A 64-bit Xen PV kernel runs in ring 3 beside its own user
 * space (Xen keeps rings 0-2 to itself), makes hypercalls through the SYSCALL stubs of its
 * hypercall page, and includes the 64-bit wrappers (same names, 64-bit bodies). A field left
 * out is the 32-bit one, its "ring 1" read as "ring 3" (longModeView in lookup.ts).
 */
export interface LongModeFacts {
  readonly pvBehaviour?: string;
  readonly pvSeverity?: Severity | null;
  readonly pvReplacement?: string;
  readonly hypercalls?: readonly string[];
  readonly wrappers?: PvReplacementNames;
  readonly refusal?: string;
  readonly hvm?: HvmExit | null;
}

/**
 * What differs for a PVH kernel: it runs at ring 0 in an HVM container that Xen runs with
 * EPT (HAP) and no legacy devices, so an instruction exits as under HVM and the question is
 * what Xen does with the exit. Absent: the HVM facts (an exit is information, no exit is
 * silence; pvhView in lookup.ts).
 */
export interface PvhFacts {
  /** What Xen does when a PVH kernel executes it. */
  readonly behaviour: string;
  readonly severity: Severity | null;
  /** What a PVH kernel uses instead, when it should use something else. */
  readonly replacement?: string;
  readonly hypercalls?: readonly string[];
}

/** An MSR that a RDMSR/WRMSR entry is about (the number goes in ECX). */
export interface MsrName {
  readonly number: number;
  /** The SDM's name, e.g. IA32_FS_BASE. */
  readonly name: string;
}

export interface IsaEntry {
  /** Stable identifier, e.g. `hlt`, `mov-to-cr`. */
  id: string;
  /** Stable diagnostic code (documented in docs/rules.md). */
  rule: string;
  /** Intel mnemonics (lower case) this entry covers; GAS size suffixes are stripped before lookup. */
  mnemonics: readonly string[];
  /** How assemblers that lack the mnemonic spell it (raw bytes), for the docs. */
  alsoWritten?: string;
  /** Required operand shape for generic mnemonics. */
  operandForm?: OperandForm;
  /**
   * A case of another entry (its id) told apart by an operand (MOV CR8) or by the MSR in ECX
   * (WRMSR to IA32_FS_BASE): it executes through that entry's forms and has none of its own.
   */
  refines?: string;
  /** RDMSR/WRMSR cases: the MSRs (ECX) this entry is about. */
  msrs?: readonly MsrName[];
  /** Exists only in 64-bit mode (#UD in legacy and compatibility mode). */
  longModeOnly?: boolean;
  /** 64-bit code: the facts that differ (absent: the 32-bit facts, ring 1 read as ring 3). */
  long?: LongModeFacts;
  /** A PVH kernel (ring 0 in Xen's HVM container, no legacy devices): absent, the HVM facts. */
  pvh?: PvhFacts;
  /** One-line name shown in hovers and lists. */
  title: string;
  class: InstrClass;
  /** The opcode forms the CPU executes for it (none: the CPU answers #UD). */
  forms: readonly OpcodeForm[];
  /** What the instruction does on bare metal. */
  semantics: string;
  /** What happens to a ring-1 Xen PV kernel that executes it. */
  pvBehaviour: string;
  /** Diagnostic severity under target=pv; null = no diagnostic. */
  pvSeverity: Severity | null;
  /** The VT-x exit it causes under HVM, or null. */
  hvm: HvmExit | null;
  /** What a PV kernel uses instead (prose). */
  pvReplacement: string;
  /** Hypercall(s) involved, by Xen name. */
  hypercalls: readonly string[];
  /** Wrapper names for an automatic rewrite; absent when no faithful replacement exists. */
  wrappers: PvReplacementNames;
  /** Why no automatic rewrite is offered (when `wrappers` is empty or partial). */
  refusal?: string;
  cost: Cost;
  /** Anchor in docs/rules.md (lower-case rule code). */
  docsAnchor: string;
}
