// Random SSE/SSE2/SSE3/SSSE3 cases for the host-CPU comparison: one instruction, drawn from the
// opcode-form description's SSE forms (so every form is exercised), with XMM0-XMM7, MXCSR,
// the general registers and a memory window chosen at random. Floating-point operands mix
// the special values (zeros, infinities, quiet and signalling NaNs, denormals, the integer
// conversion limits) with random values of moderate and extreme exponents; MXCSR varies the
// rounding mode, DAZ, FTZ, the exception masks and the sticky flags.

import { OPCODE_FORMS } from '../../emulator/isa';
import type { OpcodeForm } from '../../emulator/isa/form-types';
import { DATA_ADDR, WINDOW_ADDR, WINDOW_SIZE } from './alu-cases';
import type { Rng } from './random';

export type SseFamily = 'move' | 'integer' | 'arithmetic' | 'compare' | 'convert' | 'ssse3';
export const SSE_FAMILIES: readonly SseFamily[] = ['move', 'integer', 'arithmetic', 'compare', 'convert', 'ssse3'];

export interface SseCase {
  name: string;
  family: SseFamily;
  bytes: Uint8Array;
  xmm: Uint8Array;           // 128 bytes: XMM0..XMM7
  mxcsr: number;
  regs: Uint32Array;         // EAX..EDI (ESP not used)
  eflags: number;
  window: Uint8Array;
  /** XMM register whose result the SDM leaves to the implementation (RCPPS/RSQRTPS), or -1. */
  undefinedXmm: number;
}

/** The approximations: the SDM bounds their error (1.5 * 2^-12) and leaves the value to the implementation. */
const APPROXIMATE = new Set(['rcpps', 'rcpss', 'rsqrtps', 'rsqrtss']);
/** Not run here: FXSAVE/FXRSTOR and XSAVE/XRSTOR need 512+ bytes of memory (test/cpu/sse-state.test.ts checks them). */
const SKIPPED = new Set(['fxsave', 'fxrstor', 'xsave', 'xrstor']);

/** The form's name in 32-bit code (the oracle runs 32-bit code; MOVD's REX.W name is MOVQ). */
function name32(f: OpcodeForm): string {
  return typeof f.mnemonic === 'string' ? f.mnemonic : f.mnemonic[1];
}

function familyOf(f: OpcodeForm): SseFamily {
  const m = name32(f);
  if (f.family === 'sse-move') return 'move';
  if (f.family === 'sse-int') return 'integer';
  if (f.family === 'sse-ssse3') return 'ssse3';
  if (m.startsWith('cvt')) return 'convert';
  if (m.startsWith('cmp') || m.includes('comis')) return 'compare';
  return 'arithmetic';
}

export const SSE_CASE_FORMS: ReadonlyMap<SseFamily, readonly OpcodeForm[]> = (() => {
  const by = new Map<SseFamily, OpcodeForm[]>(SSE_FAMILIES.map((f) => [f, []]));
  for (const f of OPCODE_FORMS) {
    if (!f.family.startsWith('sse') || SKIPPED.has(name32(f))) continue;
    by.get(familyOf(f))!.push(f);
  }
  return by;
})();

const SINGLES = [
  0, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x3f000000, 0x40200000, 0xc0200000, 0x7f800000, 0xff800000,
  0x7fc00000, 0xffc00000, 0x7f800001, 0xffa00000, 0x7fbfffff, 0x00000001, 0x007fffff, 0x80000001, 0x00800000,
  0x80800000, 0x7f7fffff, 0xff7fffff, 0x4f000000, 0xcf000000, 0x4effffff, 0xcf000001, 0x33800000, 0x0c000000,
];
const DOUBLES: Array<[number, number]> = [
  [0, 0], [0x80000000, 0], [0x3ff00000, 0], [0xbff00000, 0], [0x3ff80000, 0], [0x40040000, 0], [0x7ff00000, 0], [0xfff00000, 0],
  [0x7ff80000, 0], [0xfff80000, 0], [0x7ff00000, 1], [0xfff40000, 0], [0, 1], [0x000fffff, 0xffffffff], [0x80000000, 1],
  [0x00100000, 0], [0x7fefffff, 0xffffffff], [0x41dfffff, 0xffc00000], [0xc1e00000, 0], [0x41e00000, 0], [0xc1e00000, 0x00200000],
  [0x3ca00000, 0], [0x01000000, 0], [0x41dfffff, 0xffe00000],
];

function randomSingle(rng: Rng): number {
  const roll = rng.below(10);
  if (roll < 3) return rng.pick(SINGLES);
  if (roll < 4) return rng.u32();
  // Moderate exponents mostly, the extremes (underflow, overflow) sometimes.
  const exp = roll < 8 ? 127 + rng.below(40) - 20 : rng.chance(0.5) ? rng.below(24) : 254 - rng.below(24);
  return ((rng.chance(0.5) ? 0x80000000 : 0) | (exp << 23) | (rng.u32() & 0x7fffff)) >>> 0;
}

function randomDouble(rng: Rng): [number, number] {
  const roll = rng.below(10);
  if (roll < 3) return rng.pick(DOUBLES);
  if (roll < 4) return [rng.u32(), rng.u32()];
  const exp = roll < 8 ? 1023 + rng.below(80) - 40 : rng.chance(0.5) ? rng.below(60) : 2046 - rng.below(60);
  // Integer-valued and half-integer values now and then, for the conversions' rounding.
  const lo = rng.chance(0.2) ? 0 : rng.u32();
  return [((rng.chance(0.5) ? 0x80000000 : 0) | (exp << 20) | (rng.u32() & 0xfffff)) >>> 0, lo];
}

/** 16 bytes: four binary32, two binary64, or integers (random or small or extreme lanes). */
function fill16(rng: Rng, out: Uint8Array, at: number, kind: number): void {
  const v = new DataView(out.buffer, out.byteOffset);
  if (kind === 0) for (let k = 0; k < 4; k++) v.setUint32(at + k * 4, randomSingle(rng), true);
  else if (kind === 1) for (let k = 0; k < 2; k++) { const [hi, lo] = randomDouble(rng); v.setUint32(at + k * 8, lo, true); v.setUint32(at + k * 8 + 4, hi, true); }
  else {
    const style = rng.below(3);
    for (let k = 0; k < 16; k++) out[at + k] = style === 0 ? rng.byte() : style === 1 ? rng.pick([0, 1, 0x7f, 0x80, 0xff, 0xfe]) : rng.below(4);
  }
}

function kindFor(f: OpcodeForm): number {
  const m = name32(f);
  if (/(ps|ss)$/.test(m) || m === 'cvtss2sd' || m === 'cvttss2si' || m === 'cvtss2si' || m.endsWith('ps2pd') || m.endsWith('ps2dq')) return 0;
  if (/(pd|sd)$/.test(m) || m.startsWith('cvtsd') || m.startsWith('cvttsd') || m.includes('pd2')) return 1;
  return 2;
}

/** Random MXCSR: all masked and round-to-nearest most often; the rest of the space too. */
function randomMxcsr(rng: Rng): number {
  let m = 0x1f80;
  if (rng.chance(0.5)) m = (m & ~0x6000) | (rng.below(4) << 13);
  if (rng.chance(0.1)) m |= 0x40;                    // DAZ
  if (rng.chance(0.1)) m |= 0x8000;                  // FTZ
  if (rng.chance(0.15)) m &= ~(rng.below(64) << 7);  // unmask some exceptions
  if (rng.chance(0.2)) m |= rng.below(64);           // sticky flags already set
  return m;
}

const GPR_OPERAND = /\b(E[dw]|G[d]|Md)\b/;

export function generateSseCase(rng: Rng, family: SseFamily): SseCase {
  const f = rng.pick(SSE_CASE_FORMS.get(family)!);
  const m = name32(f);
  const kind = kindFor(f);
  const xmm = new Uint8Array(128);
  for (let r = 0; r < 8; r++) fill16(rng, xmm, r * 16, rng.chance(0.75) ? kind : rng.below(3));
  const window = new Uint8Array(WINDOW_SIZE);
  rng.fill(window);
  const d = DATA_ADDR - WINDOW_ADDR;
  // Memory operands sit at DATA_ADDR (16-aligned) or, sometimes, at a misaligned address.
  const misalign = rng.chance(0.05) ? rng.pick([4, 8, 1]) : 0;
  fill16(rng, window, d + misalign, rng.chance(0.75) ? kind : rng.below(3));
  const regs = new Uint32Array(8);
  for (let i = 0; i < 8; i++) regs[i] = rng.chance(0.5) ? rng.u32() : rng.below(64);
  regs[4] = 0;
  let mxcsr = randomMxcsr(rng);
  if (m === 'ldmxcsr') {
    const v = rng.chance(0.9) ? randomMxcsr(rng) : rng.u32();
    new DataView(window.buffer).setUint32(d + misalign, v, true);
  }
  if (m === 'maskmovdqu') regs[7] = DATA_ADDR + rng.below(32) - 16;

  const usesGpr = GPR_OPERAND.test(f.operands);
  const pickReg = (): number => { let r = rng.below(8); while (usesGpr && r === 4) r = rng.below(8); return r; };
  const reg = f.reg ?? pickReg();
  const memory = f.mod === 'mem' || (f.mod !== 'reg' && rng.chance(0.5));
  const bytes: number[] = [];
  if (f.prefix === '66') bytes.push(0x66); else if (f.prefix === 'f3') bytes.push(0xf3); else if (f.prefix === 'f2') bytes.push(0xf2);
  bytes.push(0x0f);
  if (f.map === '0f38') bytes.push(0x38); else if (f.map === '0f3a') bytes.push(0x3a);
  bytes.push(f.opcode);
  if (memory) {
    if (rng.chance(0.5)) bytes.push((reg << 3) | 5, ...le32(DATA_ADDR + misalign));
    else {
      let base = rng.below(8);
      while (base === 4 || base === 5 || (usesGpr && base === reg) || (m === 'maskmovdqu' && base === 7)) base = rng.below(8);
      const disp = rng.below(64) - 32;
      regs[base] = (DATA_ADDR + misalign - disp) >>> 0;
      bytes.push(0x40 | (reg << 3) | base, disp & 0xff);
    }
  } else bytes.push(0xc0 | (reg << 3) | pickReg());
  if (f.imm === 'b') bytes.push(rng.chance(0.7) ? rng.byte() : rng.below(8));
  if (m === 'ldmxcsr' || m === 'stmxcsr') mxcsr = randomMxcsr(rng);
  return {
    name: `${m} ${memory ? 'mem' : 'reg'}`, family, bytes: Uint8Array.from(bytes), xmm, mxcsr, regs,
    eflags: rng.u32() & 0x8d5, window, undefinedXmm: APPROXIMATE.has(m) ? reg : -1,
  };
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
