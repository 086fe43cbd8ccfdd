// x87 cases for the host-CPU comparison: short straight-line sequences (FNINIT, FLDCW, a load,
// one operation, a store, FNSTSW AX) on operands in the memory window, EBX pointing at them.
// The control word selects 53-bit precision so the host rounds exactly as IEEE doubles do;
// the emulator documents (emulator/cpu/FPU.md) that it keeps doubles, ignores precision
// control (but for 24-bit), rounds arithmetic to nearest, reports PE only for + - * / and
// FSQRT, and never UE/OE/DE. Those documented simplifications are the only status bits left
// out of the comparison, and the rounding control is exercised only where the emulator
// honours it (FISTP, FRNDINT).

import { DATA_ADDR, WINDOW_ADDR, WINDOW_SIZE, type AluCase } from './alu-cases';
import type { Rng } from './random';

/** Status word bits compared: C0 C2 C3, TOP, and the IE, ZE and SF exception flags. */
export const X87_STATUS_COMPARED = 0x4000 | 0x0400 | 0x0100 | 0x3800 | 0x0001 | 0x0004 | 0x0040;
/** PE (inexact) as well, for the operations FPU.md says report it. */
const SW_PE = 0x0020;
const REPORTS_PE = new Set(['fadd m64', 'fmul m64', 'fsub m64', 'fsubr m64', 'fdiv m64', 'fdivr m64', 'fadd m32', 'fdiv m32', 'fiadd m32', 'fimul m32', 'fsqrt']);

const SPECIALS = [
  0, -0, 1, -1, 0.5, 2, 3, 10, 1e300, -1e300, 1e-300, Infinity, -Infinity, NaN,
  2147483647, -2147483648, 2147483647.5, -2147483648.5, 2147483648, 4294967296, 1.5, 2.5, -1.5, -2.5,
  Number.MIN_VALUE, 2.2250738585072014e-308, Number.MAX_VALUE,
];

function operand(rng: Rng): number {
  const roll = rng.below(10);
  if (roll < 4) return rng.pick(SPECIALS);
  if (roll < 5) return (rng.u32() | 0) / (1 << rng.below(16));
  // A random double with a moderate exponent.
  const mant = 1 + rng.u32() / 4294967296 + rng.u32() / 4294967296 / 4294967296;
  return (rng.chance(0.5) ? -1 : 1) * mant * Math.pow(2, rng.below(120) - 60);
}

interface Op { name: string; load: 'm64' | 'm32int'; body: number[]; store: 'm64' | 'm32int' | 'm16trunc' | 'm32trunc' | 'm64trunc' | 'none' }

// ModRM forms below use [ebx], [ebx+8] (second operand) and [ebx+16] (result).
const OPS: Op[] = [
  { name: 'fadd m64', load: 'm64', body: [0xdc, 0x43, 0x08], store: 'm64' },
  { name: 'fmul m64', load: 'm64', body: [0xdc, 0x4b, 0x08], store: 'm64' },
  { name: 'fsub m64', load: 'm64', body: [0xdc, 0x63, 0x08], store: 'm64' },
  { name: 'fsubr m64', load: 'm64', body: [0xdc, 0x6b, 0x08], store: 'm64' },
  { name: 'fdiv m64', load: 'm64', body: [0xdc, 0x73, 0x08], store: 'm64' },
  { name: 'fdivr m64', load: 'm64', body: [0xdc, 0x7b, 0x08], store: 'm64' },
  { name: 'fadd m32', load: 'm64', body: [0xd8, 0x43, 0x08], store: 'm64' },
  { name: 'fdiv m32', load: 'm64', body: [0xd8, 0x73, 0x08], store: 'm64' },
  { name: 'fiadd m32', load: 'm64', body: [0xda, 0x43, 0x08], store: 'm64' },
  { name: 'fimul m32', load: 'm64', body: [0xda, 0x4b, 0x08], store: 'm64' },
  { name: 'fsqrt', load: 'm64', body: [0xd9, 0xfa], store: 'm64' },
  { name: 'fchs', load: 'm64', body: [0xd9, 0xe0], store: 'm64' },
  { name: 'fabs', load: 'm64', body: [0xd9, 0xe1], store: 'm64' },
  { name: 'frndint', load: 'm64', body: [0xd9, 0xfc], store: 'm64' },
  { name: 'fcom m64', load: 'm64', body: [0xdc, 0x53, 0x08], store: 'm64' },
  { name: 'fucom st1', load: 'm64', body: [0xdd, 0x43, 0x08, 0xdd, 0xe1], store: 'none' },   // fld [ebx+8]; fucom st1
  { name: 'ftst', load: 'm64', body: [0xd9, 0xe4], store: 'm64' },
  { name: 'fxam', load: 'm64', body: [0xd9, 0xe5], store: 'm64' },
  { name: 'fild m32', load: 'm32int', body: [], store: 'm64' },
  { name: 'fistp m32', load: 'm64', body: [], store: 'm32int' },
  { name: 'fisttp m16', load: 'm64', body: [], store: 'm16trunc' },
  { name: 'fisttp m32', load: 'm64', body: [], store: 'm32trunc' },
  { name: 'fisttp m64', load: 'm64', body: [], store: 'm64trunc' },
];
/** FISTTP (SSE3): DF /1, DB /1, DD /1 with [ebx+16]. */
const TRUNC_STORE: Record<string, number> = { m16trunc: 0xdf, m32trunc: 0xdb, m64trunc: 0xdd };

/** Ops whose result depends on the rounding control in a way the emulator models. */
// FISTTP ignores RC: a random RC checks that it does.
const ROUNDING = new Set(['frndint', 'fistp m32', 'fisttp m16', 'fisttp m32', 'fisttp m64']);

const MIN_NORMAL = 2.2250738585072014e-308;
const isDenormal = (v: number): boolean => v !== 0 && Math.abs(v) < MIN_NORMAL;

/**
 * The IEEE double result of the arithmetic ops, used only to recognise a denormal result:
 * hardware rounds to 53 bits with the extended exponent range and rounds again when storing
 * a denormal to m64, while the emulator (FPU.md: 53-bit values) rounds once. That documented
 * difference is not compared.
 */
function doubleResult(name: string, a: number, b: number): number {
  switch (name) {
    case 'fadd m64': case 'fadd m32': case 'fiadd m32': return a + b;
    case 'fsub m64': return a - b;
    case 'fsubr m64': return b - a;
    case 'fmul m64': case 'fimul m32': return a * b;
    case 'fdiv m64': case 'fdiv m32': return a / b;
    case 'fdivr m64': return b / a;
    default: return NaN;
  }
}

function put64(w: Uint8Array, at: number, v: number): void {
  new DataView(w.buffer, w.byteOffset).setFloat64(at, v, true);
}

export function generateX87Case(rng: Rng): AluCase {
  const op = rng.pick(OPS);
  const window = new Uint8Array(WINDOW_SIZE);
  rng.fill(window);
  const d = DATA_ADDR - WINDOW_ADDR;
  let a = operand(rng);
  // FXAM of a double denormal: the hardware sees a normal extended value, the emulator
  // (FPU.md: "denormal operands behave as IEEE doubles do") a denormal. Not compared.
  while (op.name === 'fxam' && isDenormal(a)) a = operand(rng);
  put64(window, d, a);
  let b = operand(rng);
  const view = new DataView(window.buffer);
  if (op.body[0] === 0xd8) { view.setFloat32(d + 8, b, true); b = view.getFloat32(d + 8, true); }
  else if (op.body[0] === 0xda) { b = rng.chance(0.5) ? rng.u32() | 0 : rng.below(2001) - 1000; view.setInt32(d + 8, b, true); }
  else put64(window, d + 8, b);
  const windowUndefined = isDenormal(doubleResult(op.name, a, b));
  if (op.load === 'm32int') view.setInt32(d, rng.u32() | 0, true);
  const rc = ROUNDING.has(op.name) ? rng.below(4) : 0;
  const cw = 0x027f | (rc << 10);                      // all exceptions masked, 53-bit precision
  window[d + 24] = cw & 0xff;
  window[d + 25] = cw >> 8;

  const bytes = [0xdb, 0xe3, 0xd9, 0x6b, 0x18];        // fninit; fldcw [ebx+24]
  bytes.push(...(op.load === 'm64' ? [0xdd, 0x03] : [0xdb, 0x03]));   // fld qword [ebx] / fild dword [ebx]
  bytes.push(...op.body);
  if (op.store === 'm64') bytes.push(0xdd, 0x5b, 0x10);               // fstp qword [ebx+16]
  else if (op.store === 'm32int') bytes.push(0xdb, 0x5b, 0x10);       // fistp dword [ebx+16]
  else if (op.store in TRUNC_STORE) bytes.push(TRUNC_STORE[op.store], 0x4b, 0x10);   // fisttp [ebx+16]
  bytes.push(0xdf, 0xe0);                                             // fnstsw ax
  if (bytes.length > 15) throw new Error(`x87 case '${op.name}' is ${bytes.length} bytes`);
  const bodyInstructions = op.body.length === 0 ? 0 : op.name === 'fucom st1' ? 2 : 1;
  const instructions = 4 + bodyInstructions + (op.store === 'none' ? 0 : 1);   // fninit, fldcw, load, body, store, fnstsw

  const regs = new Uint32Array(8);
  for (let i = 0; i < 8; i++) regs[i] = rng.u32();
  regs[3] = DATA_ADDR;
  regs[4] = 0;
  const regMasks = new Uint32Array(8).fill(0xffffffff);
  // PE after an overflow or a denormal result belongs with OE/UE, which are not modelled,
  // and DE (a denormal operand) with it: compared only for normal operands and results.
  const r = op.name === 'fsqrt' ? Math.sqrt(a) : doubleResult(op.name, a, b);
  const normal = (v: number): boolean => Number.isFinite(v) && !isDenormal(v);
  const exact = normal(a) && normal(b) && normal(r);
  regMasks[0] = 0xffff0000 | X87_STATUS_COMPARED | (REPORTS_PE.has(op.name) && exact ? SW_PE : 0);
  return {
    name: `${op.name}${rc ? ` rc${rc}` : ''}`, bytes: Uint8Array.from(bytes), regs, eflags: rng.u32() & 0x8d5,
    undefinedFlags: 0, undefinedRegs: 0, window, windowUndefined, instructions, regMasks,
  };
}
