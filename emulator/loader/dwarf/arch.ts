// The two register numberings DWARF uses on x86: the i386 psABI's (EM_386) and the x86-64
// psABI's (EM_X86_64, "DWARF Register Number Mapping"). They differ in order, not only in
// width (x86-64 swaps RCX/RDX and RSI/RDI/RBP/RSP around), so everything that names a DWARF
// register number goes through one of these tables.
//
// Values are JavaScript numbers. In a 64-bit image an address is the signed value of its 64
// bits (0xffffffff80000000 is -0x80000000): every canonical address (|a| < 2^47) is then exact,
// sorts consistently, and needs no BigInt outside the expression evaluator. Wider or
// non-canonical register contents are exact through `FrameState.regBytes`, not through numbers.

export interface DwarfArch {
  readonly name: 'i386' | 'x86-64';
  readonly addrSize: 4 | 8;
  /** Register names by DWARF number; '' for numbers with no register. */
  readonly regs: readonly string[];
  /** Names of the program counter, stack pointer and frame pointer in `regs`. */
  readonly pc: string;
  readonly sp: string;
  readonly fp: string;
  readonly spReg: number;
  readonly fpReg: number;
  /** The return-address column gcc's CIEs name (i386: 8, EIP; x86-64: 16, RIP). */
  readonly raReg: number;
  /** Registers a call may change (psABI): without a CFI rule their caller values are unknown. */
  readonly callClobbered: ReadonlySet<number>;
  /** Registers a callee preserves, besides the stack and frame pointers. */
  readonly calleeSaved: readonly string[];
  /** Width of the general registers and of a pushed word, in bytes. */
  readonly wordSize: 4 | 8;
}

const I386_REGS = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags'] as const;

export const I386: DwarfArch = {
  name: 'i386', addrSize: 4, regs: I386_REGS, pc: 'eip', sp: 'esp', fp: 'ebp', spReg: 4, fpReg: 5, raReg: 8,
  callClobbered: new Set([0, 1, 2]), calleeSaved: ['ebx', 'esi', 'edi', 'ebp'], wordSize: 4,
};

function x8664Regs(): string[] {
  const r = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp'];
  for (let i = 8; i <= 15; i++) r.push(`r${i}`);
  r.push('rip');                                             // 16: the return address column
  for (let i = 0; i <= 15; i++) r.push(`xmm${i}`);           // 17-32
  for (let i = 0; i <= 7; i++) r.push(`st${i}`);             // 33-40
  for (let i = 0; i <= 7; i++) r.push(`mm${i}`);             // 41-48
  r.push('rflags', 'es', 'cs', 'ss', 'ds', 'fs', 'gs', '', '', 'fs.base', 'gs.base'); // 49-59
  return r;
}

export const X86_64: DwarfArch = {
  name: 'x86-64', addrSize: 8, regs: x8664Regs(), pc: 'rip', sp: 'rsp', fp: 'rbp', spReg: 7, fpReg: 6, raReg: 16,
  // RAX, RDX, RCX, RSI, RDI, R8-R11 and every XMM register are call-clobbered in the SysV ABI.
  callClobbered: new Set([0, 1, 2, 4, 5, 8, 9, 10, 11, ...Array.from({ length: 16 }, (_, i) => 17 + i)]),
  calleeSaved: ['rbx', 'rbp', 'r12', 'r13', 'r14', 'r15'], wordSize: 8,
};

/** The numbering of an ELF machine (e_machine): 62 is x86-64, anything else reads as i386. */
export function archForMachine(machine: number): DwarfArch {
  return machine === 62 ? X86_64 : I386;
}

/** The arch whose addresses are `addrSize` bytes wide (a unit's or CIE's address_size). */
export function archForAddrSize(addrSize: number): DwarfArch {
  return addrSize === 8 ? X86_64 : I386;
}

/** A number of this arch as an address: i386 unsigned 32-bit, x86-64 the signed 64-bit value. */
export function normalizeAddress(arch: DwarfArch, v: number): number {
  if (arch.addrSize === 4) return v >>> 0;
  return Number(BigInt.asIntN(64, BigInt(Math.trunc(v))));
}

/** An address as gdb prints it: 64-bit ones as their unsigned 64-bit value. */
export function addressHex(v: number): string {
  if (v >= 0) return '0x' + v.toString(16);
  return '0x' + BigInt.asUintN(64, BigInt(Math.trunc(v))).toString(16);
}
