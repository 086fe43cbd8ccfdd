// Shapes of the opcode-form description (opcode-forms.ts holds the data).

/** The CPU file that executes a form (emulator/cpu/<family>.ts, or system-ops.ts / x87-ops.ts). */
export type CpuFamily =
  | 'arith' | 'bcd' | 'bit-ops' | 'control' | 'data-move' | 'flags-control' | 'io' | 'shift-rotate' | 'stack'
  | 'string' | 'system' | 'x87' | 'sse-move' | 'sse-float' | 'sse-int' | 'sse-ssse3';

/**
 * Immediate after the opcode (and ModR/M): b = 8 bits, w = 16, v = 16/32 by operand size,
 * ptr = a far pointer (offset by operand size + selector), enter = ENTER's 16+8 bits,
 * moffs = an offset by address size, jv = a relative target by operand size.
 */
export type Immediate = 'none' | 'b' | 'w' | 'v' | 'ptr' | 'enter' | 'moffs' | 'jv';

/** Which REP prefixes leave the encoding this form: any, none, only F3, or none/F2 (F3 makes another instruction). */
export type RepRule = 'any' | 'none' | 'f3' | 'none-or-f2';

/**
 * How a hypervisor sees a form (Popek and Goldberg's classes, with VT-x's exits):
 * - privileged: CPL 0 only; a ring-1 PV kernel gets #GP;
 * - iopl-sensitive: only when CPL <= IOPL (I/O also through the TSS bitmap);
 * - sensitive: runs at any CPL but behaves differently or leaks host state when deprivileged;
 * - exit-causing: harmless when deprivileged but intercepted by a VT-x hypervisor;
 * - unprivileged: none of these.
 */
export type PrivilegeClass = 'privileged' | 'iopl-sensitive' | 'sensitive' | 'exit-causing' | 'unprivileged';

export interface CpuidBit {
  readonly leaf: number;
  readonly reg: 'ebx' | 'ecx' | 'edx';
  readonly bit: number;
}

export interface OpcodeForm {
  /** The opcode map: one-byte, 0F, or the three-byte maps 0F 38 and 0F 3A. */
  readonly map: 'one' | '0f' | '0f38' | '0f3a';
  readonly opcode: number;
  /** A ModR/M byte follows the opcode. */
  readonly modrm: boolean;
  /** Only this ModR/M.reg value (group forms). */
  readonly reg?: number;
  /** Only this whole ModR/M byte (forms such as VMCALL, 0F 01 C1); such forms win over reg forms. */
  readonly modrmByte?: number;
  /** Only memory operands ('mem') or only register operands ('reg'); both when absent. */
  readonly mod?: 'mem' | 'reg';
  /** ModR/M always names registers, whatever its mod bits (MOV to/from CR and DR). */
  readonly registerOnly?: boolean;
  readonly imm: Immediate;
  /** REP prefixes that keep this form (any when absent). */
  readonly rep?: RepRule;
  /**
   * The mandatory prefix that selects this form among the SSE forms of one opcode: none
   * ('np'), 66, F3 or F2 (the last F2/F3 wins, and either wins over 66, as the SDM decodes).
   */
  readonly prefix?: 'np' | '66' | 'f3' | 'f2';
  /** An operand-size prefix makes it another instruction. */
  readonly fixedOperandSize?: boolean;
  /** Lower-case mnemonic as iced-x86 names it; a pair [16-bit, 32-bit] when the size names it. */
  readonly mnemonic: string | readonly [string, string];
  /** The pair is chosen by the address size instead (JCXZ/JECXZ). */
  readonly sizedBy?: 'address';
  /** Operands in the SDM's opcode-map notation (Ev, Gv, Ib, ...). */
  readonly operands: string;
  readonly family: CpuFamily;
  /** LOCK may prefix it (with a memory destination). */
  readonly lock?: boolean;
  /** The block compiler emits it inline: always, or for register operands only. Absent: interpreted. */
  readonly compiled?: 'always' | 'register';
  /** A compiled block ends before it (it may change CS, the mode or paging without moving EIP). */
  readonly endsBlock?: boolean;
  /** The CPUID feature bit that advertises it (identity.ts sets it because the form exists). */
  readonly cpuid?: CpuidBit;
  /** Id of its INSTRUCTION_TABLE entry: privilege class, VM exit, PV replacement, lint rule. */
  readonly isa?: string;
}
