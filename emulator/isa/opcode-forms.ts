// Every opcode form the CPU executes, described once (the privileged and sensitive ones with
// their entry in instruction-table.ts, the rest here): where it sits in the opcode maps
// (opcode, ModR/M.reg or the whole ModR/M byte, which REP/operand-size prefixes make it
// another instruction), its operands and immediate, its mnemonic (iced-x86's lower-case
// naming), which CPU family file executes it, whether LOCK may prefix it, whether the block
// compiler emits it inline or must end a block before it, and, for the instructions a
// hypervisor cares about, the INSTRUCTION_TABLE entry holding the privilege class, VM exit,
// PV replacement and lint rule. An encoding with no form here raises #UD.
//
// Derived from it: the disassembly metadata (decode.ts), the CPU's LOCK tables and the
// block compiler's block ends (read at load), and checks that the CPU's dispatch tables, the
// block compiler and the PV privileged-op emulation agree with it (test/cpu/instruction-forms).

import type { OpcodeForm, RepRule } from './form-types';
import { D64, F64, M, NO64, ONLY64, imm, op0f, op1 } from './form-builders';
import { INSTRUCTION_TABLE } from './instruction-table';
import { SSE_FORMS } from './sse-forms';

const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'] as const;
const SHIFTS = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'] as const;
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'] as const;
const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;
/** CPUID.1:EDX.FPU: the x87 is on the chip. */
const FPU = { leaf: 1, reg: 'edx', bit: 0 } as const;

const forms: OpcodeForm[] = [];
const one = (...a: Parameters<typeof op1>): void => { forms.push(op1(...a)); };
const two = (...a: Parameters<typeof op0f>): void => { forms.push(op0f(...a)); };
const NO_REP: RepRule = 'none-or-f2';

// ---- one-byte map --------------------------------------------------------------------------

for (let i = 0; i < 8; i++) {
  const lock = i !== 7;
  // The block compiler inlines the 32-bit ALU forms except ADC/SBB (whose carry-in it does not track).
  const fast = i !== 2 && i !== 3 ? { compiled: 'always' as const } : {};
  // Byte CMP only: its flags go straight to the CPU's lazy state (block-emitter flags8).
  const cmp8 = i === 7 ? { compiled: 'always' as const } : {};
  one(i * 8, ALU[i], 'Eb, Gb', 'arith', { ...M, lock, ...cmp8 });
  one(i * 8 + 1, ALU[i], 'Ev, Gv', 'arith', { ...M, lock, ...fast });
  one(i * 8 + 2, ALU[i], 'Gb, Eb', 'arith', { ...M, ...cmp8 });
  one(i * 8 + 3, ALU[i], 'Gv, Ev', 'arith', { ...M, ...fast });
  one(i * 8 + 4, ALU[i], 'AL, Ib', 'arith', { ...imm('b'), ...cmp8 });
  one(i * 8 + 5, ALU[i], 'eAX, Iz', 'arith', { ...imm('v'), ...fast });
}
one(0x06, 'push', 'ES', 'stack', NO64); one(0x07, 'pop', 'ES', 'stack', NO64);
one(0x17, 'pop', 'SS', 'stack', NO64);
one(0x1e, 'push', 'DS', 'stack', NO64); one(0x1f, 'pop', 'DS', 'stack', NO64);
one(0x27, 'daa', '', 'bcd', NO64); one(0x2f, 'das', '', 'bcd', NO64); one(0x37, 'aaa', '', 'bcd', NO64); one(0x3f, 'aas', '', 'bcd', NO64);
for (let r = 0; r < 8; r++) {
  // 40-4F are the REX prefixes in 64-bit mode.
  one(0x40 + r, 'inc', 'Zv', 'arith', { compiled: 'always', ...NO64 });
  one(0x48 + r, 'dec', 'Zv', 'arith', { compiled: 'always', ...NO64 });
  one(0x50 + r, 'push', 'Zv', 'stack', { compiled: 'always', ...D64 });
  one(0x58 + r, 'pop', 'Zv', 'stack', { compiled: 'always', ...D64 });
  one(0xb0 + r, 'mov', 'Zb, Ib', 'data-move', { ...imm('b'), compiled: 'always' });
  one(0xb8 + r, 'mov', 'Zv, Iv', 'data-move', { ...imm('v64'), compiled: 'always' });
  if (r > 0) one(0x90 + r, 'xchg', 'eAX, Zv', 'data-move');
}
one(0x60, ['pusha', 'pushad'], '', 'stack', { ...NO64, compiled: 'always' }); one(0x61, ['popa', 'popad'], '', 'stack', { ...NO64, compiled: 'always' });
one(0x62, 'bound', 'Gv, Ma', 'control', { ...M, mod: 'mem', ...NO64 });   // 62 is EVEX in 64-bit mode
one(0x63, 'arpl', 'Ew, Gw', 'system', { ...M, ...NO64 });
// MOVSXD takes ARPL's opcode in 64-bit mode (without REX.W it moves 32 or 16 bits, as iced-x86 and the SDM name it too).
one(0x63, 'movsxd', 'Gv, Ed', 'data-move', { ...M, ...ONLY64 });
one(0x68, 'push', 'Iz', 'stack', { ...imm('v'), compiled: 'always', ...D64 });
one(0x69, 'imul', 'Gv, Ev, Iz', 'arith', { ...M, ...imm('v'), compiled: 'always' });
one(0x6a, 'push', 'Ib', 'stack', { ...imm('b'), compiled: 'always', ...D64 });
one(0x6b, 'imul', 'Gv, Ev, Ib', 'arith', { ...M, ...imm('b'), compiled: 'always' });
for (let cc = 0; cc < 16; cc++) one(0x70 + cc, 'j' + CC[cc], 'Jb', 'control', { ...imm('b'), compiled: 'always', ...F64 });
/** Group 1 in the block compiler: 32-bit forms (ADC/SBB on registers only, through the CPU's alu), byte CMP. */
function compiledGroup1(op: number, r: number): { compiled?: 'always' | 'register' } {
  if (op === 0x81 || op === 0x83) return { compiled: r === 2 || r === 3 ? 'register' : 'always' };
  return op === 0x80 && r === 7 ? { compiled: 'always' } : {};
}
for (const [op, ops, im] of [[0x80, 'Eb, Ib', 'b'], [0x81, 'Ev, Iz', 'v'], [0x82, 'Eb, Ib', 'b'], [0x83, 'Ev, Ib', 'b']] as const) {
  for (let r = 0; r < 8; r++) {
    one(op, ALU[r], ops, 'arith', { ...M, reg: r, imm: im, lock: r !== 7, ...compiledGroup1(op, r), ...(op === 0x82 ? NO64 : {}) });
  }
}
one(0x84, 'test', 'Eb, Gb', 'arith', { ...M, compiled: 'always' }); one(0x85, 'test', 'Ev, Gv', 'arith', { ...M, compiled: 'always' });
one(0x86, 'xchg', 'Eb, Gb', 'data-move', { ...M, lock: true }); one(0x87, 'xchg', 'Ev, Gv', 'data-move', { ...M, lock: true });
one(0x88, 'mov', 'Eb, Gb', 'data-move', { ...M, compiled: 'always' }); one(0x89, 'mov', 'Ev, Gv', 'data-move', { ...M, compiled: 'always' });
one(0x8a, 'mov', 'Gb, Eb', 'data-move', { ...M, compiled: 'always' }); one(0x8b, 'mov', 'Gv, Ev', 'data-move', { ...M, compiled: 'always' });
for (const s of [0, 3, 4, 5]) one(0x8c, 'mov', `Ev, ${SREG[s].toUpperCase()}`, 'data-move', { ...M, reg: s });
one(0x8d, 'lea', 'Gv, M', 'data-move', { ...M, mod: 'mem', compiled: 'always' });
for (const s of [0, 2, 3, 4, 5]) one(0x8e, 'mov', `${SREG[s].toUpperCase()}, Ew`, 'data-move', { ...M, reg: s });
one(0x8f, 'pop', 'Ev', 'stack', { ...M, reg: 0, ...D64 });
one(0x90, 'nop', '', 'system', { rep: NO_REP, compiled: 'always', rexB: false });
// With REX.B, 90 exchanges R8 with rAX.
one(0x90, 'xchg', 'eAX, Zv', 'data-move', { rep: NO_REP, rexB: true, ...ONLY64 });
one(0x98, ['cbw', 'cwde', 'cdqe'], '', 'data-move', { compiled: 'always' }); one(0x99, ['cwd', 'cdq', 'cqo'], '', 'data-move', { compiled: 'always' });
one(0x9a, 'call', 'Ap', 'control', { ...imm('ptr'), endsBlock: true, ...NO64 });
one(0x9b, 'wait', '', 'x87', { cpuid: FPU });
one(0x9e, 'sahf', '', 'flags-control'); one(0x9f, 'lahf', '', 'flags-control');
one(0xa0, 'mov', 'AL, Ob', 'data-move', { ...imm('moffs'), compiled: 'always' }); one(0xa1, 'mov', 'eAX, Ov', 'data-move', { ...imm('moffs'), compiled: 'always' });
one(0xa2, 'mov', 'Ob, AL', 'data-move', { ...imm('moffs'), compiled: 'always' }); one(0xa3, 'mov', 'Ov, eAX', 'data-move', { ...imm('moffs'), compiled: 'always' });
// MOVS, STOS and LODS without REP are compiled (block-strings.ts); with a prefix they are not.
one(0xa4, 'movsb', 'Yb, Xb', 'string', { compiled: 'always' }); one(0xa5, ['movsw', 'movsd', 'movsq'], 'Yv, Xv', 'string', { compiled: 'always' });
one(0xa6, 'cmpsb', 'Xb, Yb', 'string'); one(0xa7, ['cmpsw', 'cmpsd', 'cmpsq'], 'Xv, Yv', 'string');
one(0xa8, 'test', 'AL, Ib', 'arith', { ...imm('b'), compiled: 'always' }); one(0xa9, 'test', 'eAX, Iz', 'arith', { ...imm('v'), compiled: 'always' });
one(0xaa, 'stosb', 'Yb, AL', 'string', { compiled: 'always' }); one(0xab, ['stosw', 'stosd', 'stosq'], 'Yv, eAX', 'string', { compiled: 'always' });
one(0xac, 'lodsb', 'AL, Xb', 'string', { compiled: 'always' }); one(0xad, ['lodsw', 'lodsd', 'lodsq'], 'eAX, Xv', 'string', { compiled: 'always' });
one(0xae, 'scasb', 'AL, Yb', 'string'); one(0xaf, ['scasw', 'scasd', 'scasq'], 'eAX, Yv', 'string');
for (const [op, ops, im] of [[0xc0, 'Eb, Ib', 'b'], [0xc1, 'Ev, Ib', 'b'], [0xd0, 'Eb, 1', 'none'], [0xd1, 'Ev, 1', 'none'], [0xd2, 'Eb, CL', 'none'], [0xd3, 'Ev, CL', 'none']] as const) {
  for (let r = 0; r < 8; r++) {
    // RCL/RCR (carry through) are left to the interpreter; the others by a constant compile.
    const compiled = (op === 0xc1 || op === 0xd1) && r !== 2 && r !== 3 ? { compiled: 'register' as const } : {};
    one(op, SHIFTS[r], ops, 'shift-rotate', { ...M, reg: r, imm: im, ...compiled });
  }
}
one(0xc2, 'ret', 'Iw', 'control', { ...imm('w'), ...F64 }); one(0xc3, 'ret', '', 'control', { compiled: 'always', ...F64 });
// C4/C5 are the VEX prefixes in 64-bit mode (and with a register ModR/M elsewhere).
one(0xc4, 'les', 'Gz, Mp', 'data-move', { ...M, mod: 'mem', ...NO64 }); one(0xc5, 'lds', 'Gz, Mp', 'data-move', { ...M, mod: 'mem', ...NO64 });
one(0xc6, 'mov', 'Eb, Ib', 'data-move', { ...M, reg: 0, ...imm('b'), compiled: 'always' });
one(0xc7, 'mov', 'Ev, Iz', 'data-move', { ...M, reg: 0, ...imm('v'), compiled: 'always' });
one(0xc8, 'enter', 'Iw, Ib', 'stack', { ...imm('enter'), ...D64 }); one(0xc9, 'leave', '', 'stack', D64);
one(0xca, 'retf', 'Iw', 'control', { ...imm('w'), endsBlock: true }); one(0xcb, 'retf', '', 'control', { endsBlock: true });
one(0xd4, 'aam', 'Ib', 'bcd', { ...imm('b'), ...NO64 }); one(0xd5, 'aad', 'Ib', 'bcd', { ...imm('b'), ...NO64 });
one(0xd6, 'salc', '', 'flags-control', NO64); one(0xd7, 'xlatb', '', 'data-move');
one(0xe0, 'loopne', 'Jb', 'control', { ...imm('b'), ...F64 }); one(0xe1, 'loope', 'Jb', 'control', { ...imm('b'), ...F64 });
one(0xe2, 'loop', 'Jb', 'control', { ...imm('b'), ...F64 });
one(0xe3, ['jcxz', 'jecxz', 'jrcxz'], 'Jb', 'control', { ...imm('b'), sizedBy: 'address', ...F64 });
one(0xe8, 'call', 'Jz', 'control', { ...imm('jv'), compiled: 'always', ...F64 });
one(0xe9, 'jmp', 'Jz', 'control', { ...imm('jv'), compiled: 'always', ...F64 });
one(0xea, 'jmp', 'Ap', 'control', { ...imm('ptr'), endsBlock: true, ...NO64 });
one(0xeb, 'jmp', 'Jb', 'control', { ...imm('b'), compiled: 'always', ...F64 });
one(0xf5, 'cmc', '', 'flags-control');
const GROUP3 = ['test', 'test', 'not', 'neg', 'mul', 'imul', 'div', 'idiv'] as const;
for (let r = 0; r < 8; r++) {
  const lock = r === 2 || r === 3;
  // Compiled (block-group3.ts): TEST with an immediate; NOT, NEG and MUL of a 32-bit register.
  const g3 = r < 2 ? { compiled: 'always' as const } : {};
  const g3v = r < 2 ? { compiled: 'always' as const } : r <= 4 ? { compiled: 'register' as const } : {};
  one(0xf6, GROUP3[r], r < 2 ? 'Eb, Ib' : 'Eb', 'arith', { ...M, reg: r, lock, imm: r < 2 ? 'b' : 'none', ...g3 });
  one(0xf7, GROUP3[r], r < 2 ? 'Ev, Iz' : 'Ev', 'arith', { ...M, reg: r, lock, imm: r < 2 ? 'v' : 'none', ...g3v });
}
one(0xf8, 'clc', '', 'flags-control'); one(0xf9, 'stc', '', 'flags-control');
one(0xfc, 'cld', '', 'flags-control'); one(0xfd, 'std', '', 'flags-control');
one(0xfe, 'inc', 'Eb', 'arith', { ...M, reg: 0, lock: true }); one(0xfe, 'dec', 'Eb', 'arith', { ...M, reg: 1, lock: true });
one(0xff, 'inc', 'Ev', 'control', { ...M, reg: 0, lock: true }); one(0xff, 'dec', 'Ev', 'control', { ...M, reg: 1, lock: true });
one(0xff, 'call', 'Ev', 'control', { ...M, reg: 2, ...F64 }); one(0xff, 'call', 'Mp', 'control', { ...M, reg: 3, mod: 'mem', endsBlock: true });
one(0xff, 'jmp', 'Ev', 'control', { ...M, reg: 4, ...F64 }); one(0xff, 'jmp', 'Mp', 'control', { ...M, reg: 5, mod: 'mem', endsBlock: true });
one(0xff, 'push', 'Ev', 'control', { ...M, reg: 6, ...D64 });

// x87 (D8-DF): memory forms by ModR/M.reg, register forms by reg or by the whole ModR/M byte.
const X87_MEM: Record<number, ReadonlyArray<string | null>> = {
  0xd8: ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'],
  0xd9: ['fld', null, 'fst', 'fstp', 'fldenv', 'fldcw', 'fnstenv', 'fnstcw'],
  0xda: ['fiadd', 'fimul', 'ficom', 'ficomp', 'fisub', 'fisubr', 'fidiv', 'fidivr'],
  0xdb: ['fild', null, 'fist', 'fistp', null, 'fld', null, 'fstp'],
  0xdc: ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'],
  0xdd: ['fld', null, 'fst', 'fstp', 'frstor', null, 'fnsave', 'fnstsw'],
  0xde: ['fiadd', 'fimul', 'ficom', 'ficomp', 'fisub', 'fisubr', 'fidiv', 'fidivr'],
  0xdf: ['fild', null, 'fist', 'fistp', 'fbld', 'fild', 'fbstp', 'fistp'],
};
const X87_REG: Record<number, ReadonlyArray<string | null>> = {
  0xd8: ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'],
  0xd9: ['fld', 'fxch', null, null, null, null, null, null],
  0xda: ['fcmovb', 'fcmove', 'fcmovbe', 'fcmovu', null, null, null, null],
  0xdb: ['fcmovnb', 'fcmovne', 'fcmovnbe', 'fcmovnu', null, 'fucomi', 'fcomi', null],
  0xdc: ['fadd', 'fmul', 'fcom', 'fcomp', 'fsubr', 'fsub', 'fdivr', 'fdiv'],
  0xdd: ['ffree', 'fxch', 'fst', 'fstp', 'fucom', 'fucomp', null, null],
  0xde: ['faddp', 'fmulp', 'fcomp', null, 'fsubrp', 'fsubp', 'fdivrp', 'fdivp'],
  0xdf: ['ffreep', 'fxch', 'fstp', 'fstp', null, 'fucomip', 'fcomip', null],
};
const X87_EXACT: Record<number, Record<number, string>> = {
  0xd9: {
    0xd0: 'fnop', 0xe0: 'fchs', 0xe1: 'fabs', 0xe4: 'ftst', 0xe5: 'fxam', 0xe8: 'fld1', 0xe9: 'fldl2t', 0xea: 'fldl2e',
    0xeb: 'fldpi', 0xec: 'fldlg2', 0xed: 'fldln2', 0xee: 'fldz', 0xf0: 'f2xm1', 0xf1: 'fyl2x', 0xf2: 'fptan', 0xf3: 'fpatan',
    0xf4: 'fxtract', 0xf5: 'fprem1', 0xf6: 'fdecstp', 0xf7: 'fincstp', 0xf8: 'fprem', 0xf9: 'fyl2xp1', 0xfa: 'fsqrt',
    0xfb: 'fsincos', 0xfc: 'frndint', 0xfd: 'fscale', 0xfe: 'fsin', 0xff: 'fcos',
  },
  0xda: { 0xe9: 'fucompp' },
  0xdb: { 0xe2: 'fnclex', 0xe3: 'fninit' },
  0xde: { 0xd9: 'fcompp' },
  0xdf: { 0xe0: 'fnstsw' },
};
/** CPUID.1:ECX.SSE3 brings FISTTP (DB /1, DD /1, DF /1 with memory). */
const SSE3 = { leaf: 1, reg: 'ecx', bit: 0 } as const;
for (const op of [0xdb, 0xdd, 0xdf]) one(op, 'fisttp', 'M', 'x87', { ...M, reg: 1, mod: 'mem', cpuid: SSE3 });
for (let op = 0xd8; op <= 0xdf; op++) {
  X87_MEM[op].forEach((m, r) => { if (m !== null) one(op, m, 'M', 'x87', { ...M, reg: r, mod: 'mem', cpuid: FPU }); });
  X87_REG[op].forEach((m, r) => { if (m !== null) one(op, m, 'ST(i)', 'x87', { ...M, reg: r, mod: 'reg', cpuid: FPU }); });
  for (const [byte, m] of Object.entries(X87_EXACT[op] ?? {})) one(op, m, '', 'x87', { ...M, modrmByte: Number(byte), cpuid: FPU });
}

// ---- 0F map ----------------------------------------------------------------------------------

// The hint space 0F 18-1F (but 1A/1B) runs as NOP; the disassembly names the hints it holds.
const PREFETCH = ['prefetchnta', 'prefetcht0', 'prefetcht1', 'prefetcht2', 'nop', 'nop', 'prefetchit1', 'prefetchit0'] as const;
PREFETCH.forEach((m, r) => two(0x18, m, 'M', 'system', { ...M, reg: r, mod: 'mem' }));
two(0x18, 'nop', 'Ev', 'system', { ...M, mod: 'reg' });
two(0x1c, 'cldemote', 'Mb', 'system', { ...M, reg: 0, mod: 'mem', rep: 'none', fixedOperandSize: true });
two(0x1c, 'nop', 'Ev', 'system', M);
for (const op of [0x19, 0x1d, 0x1f]) two(op, 'nop', 'Ev', 'system', M);
two(0x1e, 'nop', 'Ev', 'system', { ...M, rep: NO_REP });   // F3 0F 1E is ENDBR and friends
// ENDBR32/ENDBR64 are NOPs where CET is absent (it is not advertised): compilers put one at
// every function entry (-fcf-protection, Linux's IBT), so they decode as what they are.
two(0x1e, 'endbr64', '', 'system', { ...M, modrmByte: 0xfa, rep: 'f3' });
two(0x1e, 'endbr32', '', 'system', { ...M, modrmByte: 0xfb, rep: 'f3' });
for (let cc = 0; cc < 16; cc++) {
  two(0x40 + cc, 'cmov' + CC[cc], 'Gv, Ev', 'data-move', { ...M, cpuid: { leaf: 1, reg: 'edx', bit: 15 }, compiled: 'always' });
  two(0x80 + cc, 'j' + CC[cc], 'Jz', 'control', { ...imm('jv'), compiled: 'always', ...F64 });
  two(0x90 + cc, 'set' + CC[cc], 'Eb', 'bit-ops', { ...M, compiled: 'always' });
}
// XGETBV (0F 01 D0) reads XCR0; XSETBV, privileged, is in the instruction table.
two(0x01, 'xgetbv', '', 'system', { ...M, modrmByte: 0xd0, rep: 'none', fixedOperandSize: true, cpuid: { leaf: 1, reg: 'ecx', bit: 26 } });
two(0xa0, 'push', 'FS', 'stack', D64); two(0xa1, 'pop', 'FS', 'stack', D64);
two(0xa8, 'push', 'GS', 'stack', D64); two(0xa9, 'pop', 'GS', 'stack', D64);
two(0xa3, 'bt', 'Ev, Gv', 'bit-ops', M);
two(0xab, 'bts', 'Ev, Gv', 'bit-ops', { ...M, lock: true });
two(0xb3, 'btr', 'Ev, Gv', 'bit-ops', { ...M, lock: true });
two(0xbb, 'btc', 'Ev, Gv', 'bit-ops', { ...M, lock: true });
two(0xa4, 'shld', 'Ev, Gv, Ib', 'shift-rotate', { ...M, ...imm('b') }); two(0xa5, 'shld', 'Ev, Gv, CL', 'shift-rotate', M);
two(0xac, 'shrd', 'Ev, Gv, Ib', 'shift-rotate', { ...M, ...imm('b') }); two(0xad, 'shrd', 'Ev, Gv, CL', 'shift-rotate', M);
two(0xaf, 'imul', 'Gv, Ev', 'arith', { ...M, compiled: 'always' });
two(0xb0, 'cmpxchg', 'Eb, Gb', 'arith', { ...M, lock: true }); two(0xb1, 'cmpxchg', 'Ev, Gv', 'arith', { ...M, lock: true });
two(0xb2, 'lss', 'Gz, Mp', 'data-move', { ...M, mod: 'mem' });
two(0xb4, 'lfs', 'Gz, Mp', 'data-move', { ...M, mod: 'mem' }); two(0xb5, 'lgs', 'Gz, Mp', 'data-move', { ...M, mod: 'mem' });
two(0xb6, 'movzx', 'Gv, Eb', 'data-move', { ...M, compiled: 'always' }); two(0xb7, 'movzx', 'Gv, Ew', 'data-move', { ...M, compiled: 'always' });
two(0xbe, 'movsx', 'Gv, Eb', 'data-move', { ...M, compiled: 'always' }); two(0xbf, 'movsx', 'Gv, Ew', 'data-move', { ...M, compiled: 'always' });
(['bt', 'bts', 'btr', 'btc'] as const).forEach((m, i) => two(0xba, m, 'Ev, Ib', 'bit-ops', { ...M, reg: 4 + i, imm: 'b', lock: i > 0 }));
// F3 0F BC/BD are TZCNT/LZCNT where BMI1/LZCNT exist; without them (not advertised) they run as
// BSF/BSR, which gcc's `rep bsf` for __builtin_ctz counts on (SDM, TZCNT and LZCNT).
two(0xbc, 'bsf', 'Gv, Ev', 'bit-ops', M); two(0xbd, 'bsr', 'Gv, Ev', 'bit-ops', M);
two(0xc0, 'xadd', 'Eb, Gb', 'arith', { ...M, lock: true }); two(0xc1, 'xadd', 'Ev, Gv', 'arith', { ...M, lock: true });
two(0xc7, 'cmpxchg8b', 'Mq', 'arith', { ...M, reg: 1, mod: 'mem', lock: true, rexW: false, cpuid: { leaf: 1, reg: 'edx', bit: 8 } });
// CMPXCHG16B carries no CPUID bit yet: CPUID.1:ECX.CX16 (bit 13) goes on with its execution in 64-bit mode.
two(0xc7, 'cmpxchg16b', 'Mdq', 'arith', { ...M, reg: 1, mod: 'mem', lock: true, rexW: true, ...ONLY64, cpuid: { leaf: 1, reg: 'ecx', bit: 13 } });
for (let r = 0; r < 8; r++) two(0xc8 + r, 'bswap', 'Zd', 'bit-ops');

/**
 * Every form: the ones above, and those of the instruction-table entries (the instructions a
 * hypervisor cares about), which carry the entry's id.
 */
export const OPCODE_FORMS: readonly OpcodeForm[] = Object.freeze([
  ...forms,
  ...SSE_FORMS,
  ...INSTRUCTION_TABLE.flatMap((e) => e.forms.map((f) => Object.freeze({ ...f, isa: e.id }))),
]);
