// The SSE, SSE2 and SSE3 forms of the 0F map and SSSE3's of the 0F 38 and 0F 3A maps:
// one opcode holds up to four instructions told apart by the mandatory prefix (none, 66, F3,
// F2). The MMX forms (no prefix on the integer opcodes, and CVTPI2PS & co.) are not
// modelled: MMX is not advertised, and they raise #UD.

import type { CpuFamily, CpuidBit, OpcodeForm } from './form-types';
import { M, op0f, op0f38, op0f3a, type FormOptions } from './form-builders';

const SSE: CpuidBit = { leaf: 1, reg: 'edx', bit: 25 };
const SSE2: CpuidBit = { leaf: 1, reg: 'edx', bit: 26 };
const SSE3: CpuidBit = { leaf: 1, reg: 'ecx', bit: 0 };
const SSSE3: CpuidBit = { leaf: 1, reg: 'ecx', bit: 9 };
/** CPUID.1:ECX.XSAVE: XSAVE/XRSTOR, XGETBV/XSETBV and CR4.OSXSAVE. */
export const XSAVE: CpuidBit = { leaf: 1, reg: 'ecx', bit: 26 };
const FXSR: CpuidBit = { leaf: 1, reg: 'edx', bit: 24 };

type Prefix = NonNullable<OpcodeForm['prefix']>;
const forms: OpcodeForm[] = [];

function f(op: number, prefix: Prefix, mnemonic: OpcodeForm['mnemonic'], operands: string, family: CpuFamily, cpuid: CpuidBit, o: FormOptions = {}): void {
  forms.push(op0f(op, mnemonic, operands, family, { ...M, prefix, cpuid, ...o }));
}
const MEM: FormOptions = { mod: 'mem' };
const REG: FormOptions = { mod: 'reg' };
const IB: FormOptions = { imm: 'b' };

/** The four forms of a floating-point operation: ps (SSE), pd (SSE2), ss (SSE), sd (SSE2). */
function quad(op: number, name: string, family: CpuFamily, o: FormOptions = {}): void {
  f(op, 'np', name + 'ps', 'Vps, Wps', family, SSE, o);
  f(op, '66', name + 'pd', 'Vpd, Wpd', family, SSE2, o);
  f(op, 'f3', name + 'ss', 'Vss, Wss', family, SSE, o);
  f(op, 'f2', name + 'sd', 'Vsd, Wsd', family, SSE2, o);
}

// ---- moves ----------------------------------------------------------------------------------
for (const [op, ops] of [[0x10, 'Vx, Wx'], [0x11, 'Wx, Vx']] as const) {
  f(op, 'np', 'movups', ops, 'sse-move', SSE); f(op, '66', 'movupd', ops, 'sse-move', SSE2);
  f(op, 'f3', 'movss', ops, 'sse-move', SSE); f(op, 'f2', 'movsd', ops, 'sse-move', SSE2);
}
f(0x12, 'np', 'movlps', 'Vq, Mq', 'sse-move', SSE, MEM); f(0x12, 'np', 'movhlps', 'Vq, Uq', 'sse-move', SSE, REG);
f(0x12, '66', 'movlpd', 'Vq, Mq', 'sse-move', SSE2, MEM);
f(0x12, 'f3', 'movsldup', 'Vx, Wx', 'sse-move', SSE3); f(0x12, 'f2', 'movddup', 'Vx, Wq', 'sse-move', SSE3);
f(0x13, 'np', 'movlps', 'Mq, Vq', 'sse-move', SSE, MEM); f(0x13, '66', 'movlpd', 'Mq, Vq', 'sse-move', SSE2, MEM);
f(0x16, 'np', 'movhps', 'Vq, Mq', 'sse-move', SSE, MEM); f(0x16, 'np', 'movlhps', 'Vq, Uq', 'sse-move', SSE, REG);
f(0x16, '66', 'movhpd', 'Vq, Mq', 'sse-move', SSE2, MEM); f(0x16, 'f3', 'movshdup', 'Vx, Wx', 'sse-move', SSE3);
f(0x17, 'np', 'movhps', 'Mq, Vq', 'sse-move', SSE, MEM); f(0x17, '66', 'movhpd', 'Mq, Vq', 'sse-move', SSE2, MEM);
f(0x28, 'np', 'movaps', 'Vps, Wps', 'sse-move', SSE); f(0x28, '66', 'movapd', 'Vpd, Wpd', 'sse-move', SSE2);
f(0x29, 'np', 'movaps', 'Wps, Vps', 'sse-move', SSE); f(0x29, '66', 'movapd', 'Wpd, Vpd', 'sse-move', SSE2);
f(0x2b, 'np', 'movntps', 'Mps, Vps', 'sse-move', SSE, MEM); f(0x2b, '66', 'movntpd', 'Mpd, Vpd', 'sse-move', SSE2, MEM);
f(0x50, 'np', 'movmskps', 'Gd, Ups', 'sse-move', SSE, REG); f(0x50, '66', 'movmskpd', 'Gd, Upd', 'sse-move', SSE2, REG);
f(0x6e, '66', ['movd', 'movd', 'movq'], 'Vd, Ed', 'sse-move', SSE2);   // REX.W: MOVQ xmm, r/m64
f(0x6f, '66', 'movdqa', 'Vx, Wx', 'sse-move', SSE2); f(0x6f, 'f3', 'movdqu', 'Vx, Wx', 'sse-move', SSE2);
f(0x7e, '66', ['movd', 'movd', 'movq'], 'Ed, Vd', 'sse-move', SSE2); f(0x7e, 'f3', 'movq', 'Vq, Wq', 'sse-move', SSE2);
f(0x7f, '66', 'movdqa', 'Wx, Vx', 'sse-move', SSE2); f(0x7f, 'f3', 'movdqu', 'Wx, Vx', 'sse-move', SSE2);
f(0xc3, 'np', 'movnti', 'Md, Gd', 'sse-move', SSE2, MEM);
f(0xd6, '66', 'movq', 'Wq, Vq', 'sse-move', SSE2);
f(0xd7, '66', 'pmovmskb', 'Gd, Ux', 'sse-move', SSE2, REG);
f(0xe7, '66', 'movntdq', 'Mx, Vx', 'sse-move', SSE2, MEM);
f(0xf0, 'f2', 'lddqu', 'Vx, Mx', 'sse-move', SSE3, MEM);
f(0xf7, '66', 'maskmovdqu', 'Vx, Ux', 'sse-move', SSE2, REG);
// Group 15: the state saves and MXCSR by memory, the fences by register.
const NP_ONLY: FormOptions = { rep: 'none', fixedOperandSize: true };
f(0xae, 'np', ['fxsave', 'fxsave', 'fxsave64'], 'M', 'sse-move', FXSR, { ...MEM, reg: 0 });   // REX.W: the 64-bit layout
f(0xae, 'np', ['fxrstor', 'fxrstor', 'fxrstor64'], 'M', 'sse-move', FXSR, { ...MEM, reg: 1 });
f(0xae, 'np', 'ldmxcsr', 'Md', 'sse-move', SSE, { ...MEM, reg: 2 });
f(0xae, 'np', 'stmxcsr', 'Md', 'sse-move', SSE, { ...MEM, reg: 3 });
f(0xae, 'np', ['xsave', 'xsave', 'xsave64'], 'M', 'sse-move', XSAVE, { ...MEM, reg: 4 });
f(0xae, 'np', ['xrstor', 'xrstor', 'xrstor64'], 'M', 'sse-move', XSAVE, { ...MEM, reg: 5 });
(['lfence', 'mfence', 'sfence'] as const).forEach((m, i) => forms.push(op0f(0xae, m, '', 'sse-move', { ...M, reg: 5 + i, mod: 'reg', ...NP_ONLY })));

// ---- floating point -------------------------------------------------------------------------
quad(0x51, 'sqrt', 'sse-float');
f(0x52, 'np', 'rsqrtps', 'Vps, Wps', 'sse-float', SSE); f(0x52, 'f3', 'rsqrtss', 'Vss, Wss', 'sse-float', SSE);
f(0x53, 'np', 'rcpps', 'Vps, Wps', 'sse-float', SSE); f(0x53, 'f3', 'rcpss', 'Vss, Wss', 'sse-float', SSE);
for (const [op, name] of [[0x54, 'and'], [0x55, 'andn'], [0x56, 'or'], [0x57, 'xor']] as const) {
  f(op, 'np', name + 'ps', 'Vps, Wps', 'sse-float', SSE); f(op, '66', name + 'pd', 'Vpd, Wpd', 'sse-float', SSE2);
}
for (const [op, name] of [[0x58, 'add'], [0x59, 'mul'], [0x5c, 'sub'], [0x5d, 'min'], [0x5e, 'div'], [0x5f, 'max']] as const) quad(op, name, 'sse-float');
f(0x5a, 'np', 'cvtps2pd', 'Vpd, Wq', 'sse-float', SSE2); f(0x5a, '66', 'cvtpd2ps', 'Vps, Wpd', 'sse-float', SSE2);
f(0x5a, 'f3', 'cvtss2sd', 'Vsd, Wss', 'sse-float', SSE2); f(0x5a, 'f2', 'cvtsd2ss', 'Vss, Wsd', 'sse-float', SSE2);
f(0x5b, 'np', 'cvtdq2ps', 'Vps, Wx', 'sse-float', SSE2); f(0x5b, '66', 'cvtps2dq', 'Vx, Wps', 'sse-float', SSE2);
f(0x5b, 'f3', 'cvttps2dq', 'Vx, Wps', 'sse-float', SSE2);
f(0x2a, 'f3', 'cvtsi2ss', 'Vss, Ed', 'sse-float', SSE); f(0x2a, 'f2', 'cvtsi2sd', 'Vsd, Ed', 'sse-float', SSE2);
f(0x2c, 'f3', 'cvttss2si', 'Gd, Wss', 'sse-float', SSE); f(0x2c, 'f2', 'cvttsd2si', 'Gd, Wsd', 'sse-float', SSE2);
f(0x2d, 'f3', 'cvtss2si', 'Gd, Wss', 'sse-float', SSE); f(0x2d, 'f2', 'cvtsd2si', 'Gd, Wsd', 'sse-float', SSE2);
f(0x2e, 'np', 'ucomiss', 'Vss, Wss', 'sse-float', SSE); f(0x2e, '66', 'ucomisd', 'Vsd, Wsd', 'sse-float', SSE2);
f(0x2f, 'np', 'comiss', 'Vss, Wss', 'sse-float', SSE); f(0x2f, '66', 'comisd', 'Vsd, Wsd', 'sse-float', SSE2);
quad(0xc2, 'cmp', 'sse-float', IB);
f(0xe6, '66', 'cvttpd2dq', 'Vx, Wpd', 'sse-float', SSE2); f(0xe6, 'f3', 'cvtdq2pd', 'Vx, Wq', 'sse-float', SSE2);
f(0xe6, 'f2', 'cvtpd2dq', 'Vx, Wpd', 'sse-float', SSE2);
f(0x7c, '66', 'haddpd', 'Vpd, Wpd', 'sse-float', SSE3); f(0x7c, 'f2', 'haddps', 'Vps, Wps', 'sse-float', SSE3);
f(0x7d, '66', 'hsubpd', 'Vpd, Wpd', 'sse-float', SSE3); f(0x7d, 'f2', 'hsubps', 'Vps, Wps', 'sse-float', SSE3);
f(0xd0, '66', 'addsubpd', 'Vpd, Wpd', 'sse-float', SSE3); f(0xd0, 'f2', 'addsubps', 'Vps, Wps', 'sse-float', SSE3);

// ---- shuffles, unpacks and integers -----------------------------------------------------------
f(0x14, 'np', 'unpcklps', 'Vps, Wps', 'sse-int', SSE); f(0x14, '66', 'unpcklpd', 'Vpd, Wpd', 'sse-int', SSE2);
f(0x15, 'np', 'unpckhps', 'Vps, Wps', 'sse-int', SSE); f(0x15, '66', 'unpckhpd', 'Vpd, Wpd', 'sse-int', SSE2);
f(0xc6, 'np', 'shufps', 'Vps, Wps, Ib', 'sse-int', SSE, IB); f(0xc6, '66', 'shufpd', 'Vpd, Wpd, Ib', 'sse-int', SSE2, IB);
f(0x70, '66', 'pshufd', 'Vx, Wx, Ib', 'sse-int', SSE2, IB); f(0x70, 'f3', 'pshufhw', 'Vx, Wx, Ib', 'sse-int', SSE2, IB);
f(0x70, 'f2', 'pshuflw', 'Vx, Wx, Ib', 'sse-int', SSE2, IB);
f(0xc4, '66', 'pinsrw', 'Vx, Ew, Ib', 'sse-int', SSE2, IB); f(0xc5, '66', 'pextrw', 'Gd, Ux, Ib', 'sse-int', SSE2, { ...REG, ...IB });
const SHIFT_GROUPS: Record<number, Record<number, string>> = {
  0x71: { 2: 'psrlw', 4: 'psraw', 6: 'psllw' },
  0x72: { 2: 'psrld', 4: 'psrad', 6: 'pslld' },
  0x73: { 2: 'psrlq', 3: 'psrldq', 6: 'psllq', 7: 'pslldq' },
};
for (const [op, g] of Object.entries(SHIFT_GROUPS)) {
  for (const [r, m] of Object.entries(g)) f(Number(op), '66', m, 'Ux, Ib', 'sse-int', SSE2, { ...REG, ...IB, reg: Number(r) });
}
/** The 66-prefixed integer operations of 0F 60-6D, 74-76 and D1-FE, by opcode. */
const INT_OPS: Record<number, string> = {
  0x60: 'punpcklbw', 0x61: 'punpcklwd', 0x62: 'punpckldq', 0x63: 'packsswb', 0x64: 'pcmpgtb', 0x65: 'pcmpgtw',
  0x66: 'pcmpgtd', 0x67: 'packuswb', 0x68: 'punpckhbw', 0x69: 'punpckhwd', 0x6a: 'punpckhdq', 0x6b: 'packssdw',
  0x6c: 'punpcklqdq', 0x6d: 'punpckhqdq', 0x74: 'pcmpeqb', 0x75: 'pcmpeqw', 0x76: 'pcmpeqd',
  0xd1: 'psrlw', 0xd2: 'psrld', 0xd3: 'psrlq', 0xd4: 'paddq', 0xd5: 'pmullw', 0xd8: 'psubusb', 0xd9: 'psubusw',
  0xda: 'pminub', 0xdb: 'pand', 0xdc: 'paddusb', 0xdd: 'paddusw', 0xde: 'pmaxub', 0xdf: 'pandn',
  0xe0: 'pavgb', 0xe1: 'psraw', 0xe2: 'psrad', 0xe3: 'pavgw', 0xe4: 'pmulhuw', 0xe5: 'pmulhw',
  0xe8: 'psubsb', 0xe9: 'psubsw', 0xea: 'pminsw', 0xeb: 'por', 0xec: 'paddsb', 0xed: 'paddsw', 0xee: 'pmaxsw', 0xef: 'pxor',
  0xf1: 'psllw', 0xf2: 'pslld', 0xf3: 'psllq', 0xf4: 'pmuludq', 0xf5: 'pmaddwd', 0xf6: 'psadbw',
  0xf8: 'psubb', 0xf9: 'psubw', 0xfa: 'psubd', 0xfb: 'psubq', 0xfc: 'paddb', 0xfd: 'paddw', 0xfe: 'paddd',
};
for (const [op, m] of Object.entries(INT_OPS)) f(Number(op), '66', m, 'Vx, Wx', 'sse-int', SSE2);

// ---- SSSE3 (66-prefixed; the unprefixed forms are MMX) -----------------------------------------
const SSSE3_OPS: Record<number, string> = {
  0x00: 'pshufb', 0x01: 'phaddw', 0x02: 'phaddd', 0x03: 'phaddsw', 0x04: 'pmaddubsw', 0x05: 'phsubw', 0x06: 'phsubd',
  0x07: 'phsubsw', 0x08: 'psignb', 0x09: 'psignw', 0x0a: 'psignd', 0x0b: 'pmulhrsw', 0x1c: 'pabsb', 0x1d: 'pabsw', 0x1e: 'pabsd',
};
for (const [op, m] of Object.entries(SSSE3_OPS)) forms.push(op0f38(Number(op), m, 'Vx, Wx', 'sse-ssse3', { ...M, prefix: '66', cpuid: SSSE3 }));
forms.push(op0f3a(0x0f, 'palignr', 'Vx, Wx, Ib', 'sse-ssse3', { ...M, prefix: '66', cpuid: SSSE3, imm: 'b' }));

export const SSE_FORMS: readonly OpcodeForm[] = forms;
