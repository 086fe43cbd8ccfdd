// Shapes of the opcode-form description (opcode-forms.ts holds the data).

/** The CPU file that executes a form (emulator/cpu/<family>.ts, or system-ops.ts / x87-ops.ts). */
export type CpuFamily =
  | 'arith' | 'bcd' | 'bit-ops' | 'control' | 'data-move' | 'flags-control' | 'io' | 'shift-rotate' | 'stack'
  | 'string' | 'system' | 'x87' | 'sse-move' | 'sse-float' | 'sse-int' | 'sse-ssse3';

/**
 * Immediate after the opcode (and ModR/M): b = 8 bits, w = 16, v = 16/32 by operand size,
 * ptr = a far pointer (offset by operand size + selector), enter = ENTER's 16+8 bits,
 * moffs = an offset by address size (8 bytes in 64-bit mode without 67), jv = a relative target
 * by operand size (4 bytes in 64-bit mode), v64 = 16/32 by operand size and 64 under REX.W
 * (MOV r64, imm64 at B8+r: the one 8-byte immediate; 'v' stays 4 bytes under REX.W).
 */
export type Immediate = 'none' | 'b' | 'w' | 'v' | 'v64' | 'ptr' | 'enter' | 'moffs' | 'jv';

/** The code size the bytes are decoded in: 16/32-bit (real, protected, compatibility mode) or 64-bit mode. */
export type CodeBits = 16 | 32 | 64;

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
  /**
   * Lower-case mnemonic as iced-x86 names it; [16-bit, 32-bit] or [16-bit, 32-bit, 64-bit]
   * when the operand size names it (a pair names 64-bit operands by its 32-bit name, as
   * iced-x86 does for INSD/OUTSD under REX.W).
   */
  readonly mnemonic: string | readonly [string, string] | readonly [string, string, string];
  /** The sized names are chosen by the address size instead (JCXZ/JECXZ/JRCXZ). */
  readonly sizedBy?: 'address';
  /**
   * 64-bit mode (EFER.LMA with CS.L; compatibility mode decodes as 16/32-bit code):
   * 'invalid': #UD there (PUSH ES, DAA, BOUND, LES, INTO, PUSHA, 82, far direct CALL/JMP,
   * SALC, ARPL; 40-4F are REX prefixes there); 'only': #UD everywhere else (MOVSXD,
   * CMPXCHG16B, XCHG r8, rAX ...). Absent: the same form in every mode.
   */
  readonly mode64?: 'invalid' | 'only';
  /**
   * Operand size in 64-bit mode. Absent: 32, 64 under REX.W, 16 with 66 (REX.W wins).
   * 'default64': 64 without 66 and 16 with it; REX.W changes nothing (PUSH/POP, PUSHF/POPF,
   * ENTER/LEAVE, PUSH/POP FS/GS). 'fixed64': 64 whatever the prefixes (near branches, CALL,
   * RET, LOOP/JrCXZ, whose 66 Intel ignores; MOV CR/DR; the 10-byte LGDT/LIDT/SGDT/SIDT).
   */
  readonly size64?: 'default64' | 'fixed64';
  /**
   * Only with the REX bit set (true) or clear (false); absent: either. REX exists only in
   * 64-bit mode, so outside it every bit reads clear. W: CMPXCHG16B against CMPXCHG8B;
   * R: CR8 against CR0-CR4 (REX.R on a DR is #UD); B: XCHG r8, rAX against NOP at 90.
   */
  readonly rexW?: boolean;
  readonly rexR?: boolean;
  readonly rexB?: boolean;
  /** Operands in the SDM's opcode-map notation (Ev, Gv, Ib, ...). */
  readonly operands: string;
  readonly family: CpuFamily;
  /** LOCK may prefix it (with a memory destination). */
  readonly lock?: boolean;
  /** The block compiler emits it inline: always, or for register operands only. Absent: interpreted. */
  readonly compiled?: 'always' | 'register';
  /**
   * A compiled block ends before it (it may change CS, the mode or paging without moving EIP),
   * or, for 'after', right after it: the interpreter runs it from inside the block as the
   * block's last instruction (a transfer that always leaves: INT n, IRET, SYSENTER, SYSEXIT),
   * so the run loop can chain straight to the code it reached.
   */
  readonly endsBlock?: boolean | 'after';
  /** The CPUID feature bit that advertises it (identity.ts sets it because the form exists). */
  readonly cpuid?: CpuidBit;
  /** Id of its INSTRUCTION_TABLE entry: privilege class, VM exit, PV replacement, lint rule. */
  readonly isa?: string;
}
