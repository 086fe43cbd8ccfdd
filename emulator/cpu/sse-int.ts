// SSE2 integer operations on XMM registers (66-prefixed 0F 60-76, D1-FE), their shifts by an
// immediate (groups 12-14) and by a register, and the shuffles and unpacks of both the
// integer and the floating-point forms (UNPCKxPS/PD, SHUFPS/PD, PSHUFD/HW/LW, PINSRW,
// PEXTRW). Results are built in TEMP and committed once every operand has been read.

import type { ExecCpu, Family, Handler } from './handler';
import { sseInt64 } from './sse64';
import { TEMP, srcSlot, sseEnter } from './sse-state';

function enter(cpu: ExecCpu, op: number): number {
  return sseEnter(cpu, op);
}

function commit(cpu: ExecCpu, dest: number): void {
  const i = cpu.sse.i32;
  for (let k = 0; k < 4; k++) i[dest * 4 + k] = i[TEMP * 4 + k];
}

const sat8s = (v: number): number => (v > 127 ? 127 : v < -128 ? -128 : v);
const sat8u = (v: number): number => (v > 255 ? 255 : v < 0 ? 0 : v);
const sat16s = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
const sat16u = (v: number): number => (v > 65535 ? 65535 : v < 0 ? 0 : v);

/** Lane-wise operations: [lane bits, signed, function of the two lanes]. */
type Lane = readonly [8 | 16 | 32, boolean, (a: number, b: number) => number];
const LANES: Record<number, Lane> = {
  0x64: [8, true, (a, b) => (a > b ? -1 : 0)], 0x65: [16, true, (a, b) => (a > b ? -1 : 0)], 0x66: [32, true, (a, b) => (a > b ? -1 : 0)],
  0x74: [8, false, (a, b) => (a === b ? -1 : 0)], 0x75: [16, false, (a, b) => (a === b ? -1 : 0)], 0x76: [32, false, (a, b) => (a === b ? -1 : 0)],
  0xd5: [16, true, (a, b) => Math.imul(a, b)],
  0xd8: [8, false, (a, b) => sat8u(a - b)], 0xd9: [16, false, (a, b) => sat16u(a - b)],
  0xda: [8, false, (a, b) => Math.min(a, b)], 0xdc: [8, false, (a, b) => sat8u(a + b)], 0xdd: [16, false, (a, b) => sat16u(a + b)],
  0xde: [8, false, (a, b) => Math.max(a, b)],
  0xe0: [8, false, (a, b) => (a + b + 1) >> 1], 0xe3: [16, false, (a, b) => (a + b + 1) >> 1],
  0xe4: [16, false, (a, b) => (a * b) >>> 16], 0xe5: [16, true, (a, b) => (a * b) >> 16],
  0xe8: [8, true, (a, b) => sat8s(a - b)], 0xe9: [16, true, (a, b) => sat16s(a - b)], 0xea: [16, true, (a, b) => Math.min(a, b)],
  0xec: [8, true, (a, b) => sat8s(a + b)], 0xed: [16, true, (a, b) => sat16s(a + b)], 0xee: [16, true, (a, b) => Math.max(a, b)],
  0xf8: [8, false, (a, b) => a - b], 0xf9: [16, false, (a, b) => a - b], 0xfa: [32, false, (a, b) => a - b],
  0xfc: [8, false, (a, b) => a + b], 0xfd: [16, false, (a, b) => a + b], 0xfe: [32, false, (a, b) => a + b],
};

const lanes: Handler = (cpu, op) => {
  enter(cpu, op);
  const [bits, signed, fn] = LANES[op];
  const u = cpu.sse, s = srcSlot(cpu, 16), d = cpu.reg;
  const view = bits === 8 ? (signed ? u.i8 : u.u8) : bits === 16 ? (signed ? u.i16 : u.u16) : u.i32;
  const n = 128 / bits;
  for (let k = 0; k < n; k++) view[TEMP * n + k] = fn(view[d * n + k], view[s * n + k]);
  commit(cpu, d);
};

/** PAND, PANDN, POR, PXOR, PADDQ, PSUBQ, PMULUDQ, PMADDWD, PSADBW: whole-word and 64-bit forms. */
const wide: Handler = (cpu, op) => {
  enter(cpu, op);
  const u = cpu.sse, s = srcSlot(cpu, 16), d = cpu.reg, i = u.i32, t = TEMP * 4;
  switch (op) {
    case 0xdb: case 0xdf: case 0xeb: case 0xef:
      for (let k = 0; k < 4; k++) {
        const a = i[d * 4 + k], b = i[s * 4 + k];
        i[t + k] = op === 0xdb ? a & b : op === 0xdf ? ~a & b : op === 0xeb ? a | b : a ^ b;
      }
      break;
    case 0xd4: case 0xfb:
      for (let k = 0; k < 2; k++) u.i64[TEMP * 2 + k] = BigInt.asIntN(64, op === 0xd4 ? u.i64[d * 2 + k] + u.i64[s * 2 + k] : u.i64[d * 2 + k] - u.i64[s * 2 + k]);
      break;
    case 0xf4:
      for (let k = 0; k < 2; k++) u.i64[TEMP * 2 + k] = BigInt.asIntN(64, BigInt(u.u32[d * 4 + 2 * k]) * BigInt(u.u32[s * 4 + 2 * k]));
      break;
    case 0xf5:
      for (let k = 0; k < 4; k++) {
        i[t + k] = (Math.imul(u.i16[d * 8 + 2 * k], u.i16[s * 8 + 2 * k]) + Math.imul(u.i16[d * 8 + 2 * k + 1], u.i16[s * 8 + 2 * k + 1])) | 0;
      }
      break;
    default:   // 0xf6 PSADBW
      for (let h = 0; h < 2; h++) {
        let sum = 0;
        for (let k = 0; k < 8; k++) sum += Math.abs(u.u8[d * 16 + h * 8 + k] - u.u8[s * 16 + h * 8 + k]);
        i[t + h * 2] = sum; i[t + h * 2 + 1] = 0;
      }
  }
  commit(cpu, d);
};

/** Shifts of every lane by a count (a register's low 64 bits, or an immediate). */
function shiftLanes(cpu: ExecCpu, d: number, bits: number, kind: 'l' | 'r' | 'a', count: number): void {
  const u = cpu.sse, t = TEMP;
  if (bits === 64) {
    for (let k = 0; k < 2; k++) {
      const v = BigInt.asUintN(64, u.i64[d * 2 + k]);
      u.i64[t * 2 + k] = count > 63 ? 0n : BigInt.asIntN(64, kind === 'l' ? v << BigInt(count) : v >> BigInt(count));
    }
  } else {
    const n = 128 / bits;
    const view = bits === 16 ? (kind === 'a' ? u.i16 : u.u16) : (kind === 'a' ? u.i32 : u.u32);
    for (let k = 0; k < n; k++) {
      const v = view[d * n + k];
      if (kind === 'a') view[t * n + k] = count >= bits ? (v < 0 ? -1 : 0) : v >> count;
      else if (count >= bits) view[t * n + k] = 0;
      else view[t * n + k] = kind === 'l' ? v << count : v >>> count;
    }
  }
  commit(cpu, d);
}

const SHIFT_BY_REG: Record<number, [number, 'l' | 'r' | 'a']> = {
  0xd1: [16, 'r'], 0xd2: [32, 'r'], 0xd3: [64, 'r'], 0xe1: [16, 'a'], 0xe2: [32, 'a'],
  0xf1: [16, 'l'], 0xf2: [32, 'l'], 0xf3: [64, 'l'],
};

const shiftReg: Handler = (cpu, op) => {
  enter(cpu, op);
  const s = srcSlot(cpu, 16), i = cpu.sse.i32;
  // Counts of 2^32 and more are as large as any count above the lane width.
  const count = i[s * 4 + 1] !== 0 ? 255 : Math.min(i[s * 4] >>> 0, 255);
  const [bits, kind] = SHIFT_BY_REG[op];
  shiftLanes(cpu, cpu.reg, bits, kind, count);
};

/** 66 0F 71/72/73: shifts by an immediate; PSRLDQ/PSLLDQ shift the whole register by bytes. */
const shiftImm: Handler = (cpu, op) => {
  enter(cpu, op);
  const count = cpu.fetch8(), d = cpu.rm, r = cpu.reg;
  if (op === 0x73 && (r === 3 || r === 7)) {
    const b = cpu.sse.u8, n = Math.min(count, 16);
    for (let k = 0; k < 16; k++) {
      const from = r === 3 ? k + n : k - n;
      b[TEMP * 16 + k] = from >= 0 && from < 16 ? b[d * 16 + from] : 0;
    }
    commit(cpu, d);
    return;
  }
  const bits = op === 0x71 ? 16 : op === 0x72 ? 32 : 64;
  shiftLanes(cpu, d, bits, r === 2 ? 'r' : r === 4 ? 'a' : 'l', count);
};

/** PACKSSWB, PACKUSWB, PACKSSDW. */
const pack: Handler = (cpu, op) => {
  enter(cpu, op);
  const u = cpu.sse, s = srcSlot(cpu, 16), d = cpu.reg;
  if (op === 0x6b) {
    for (let k = 0; k < 4; k++) { u.i16[TEMP * 8 + k] = sat16s(u.i32[d * 4 + k]); u.i16[TEMP * 8 + 4 + k] = sat16s(u.i32[s * 4 + k]); }
  } else {
    const f = op === 0x63 ? sat8s : sat8u;
    for (let k = 0; k < 8; k++) { u.u8[TEMP * 16 + k] = f(u.i16[d * 8 + k]) & 0xff; u.u8[TEMP * 16 + 8 + k] = f(u.i16[s * 8 + k]) & 0xff; }
  }
  commit(cpu, d);
};

/** PUNPCKL/H BW, WD, DQ, QDQ and UNPCKL/H PS/PD: interleave the low or high halves. */
const UNPACK: Record<number, [number, boolean]> = {
  0x60: [1, false], 0x61: [2, false], 0x62: [4, false], 0x68: [1, true], 0x69: [2, true], 0x6a: [4, true],
  0x6c: [8, false], 0x6d: [8, true],
};
const unpack: Handler = (cpu, op) => {
  const p = enter(cpu, op);
  const [size, high] = op === 0x14 || op === 0x15 ? [p === 0x66 ? 8 : 4, op === 0x15] as const : UNPACK[op];
  const b = cpu.sse.u8, s = srcSlot(cpu, 16) * 16, d = cpu.reg * 16, t = TEMP * 16;
  const base = high ? 8 : 0;
  for (let k = 0; k < 8 / size; k++) {
    for (let j = 0; j < size; j++) {
      b[t + 2 * k * size + j] = b[d + base + k * size + j];
      b[t + (2 * k + 1) * size + j] = b[s + base + k * size + j];
    }
  }
  commit(cpu, cpu.reg);
};

/** SHUFPS / SHUFPD: the low half from the destination, the high half from the source. */
const shuf: Handler = (cpu, op) => {
  const p = enter(cpu, op);
  const s = srcSlot(cpu, 16), imm = cpu.fetch8(), i = cpu.sse.i32, d = cpu.reg, t = TEMP * 4;
  if (p === 0x66) {
    const lo = imm & 1, hi = (imm >> 1) & 1;
    i[t] = i[d * 4 + lo * 2]; i[t + 1] = i[d * 4 + lo * 2 + 1];
    i[t + 2] = i[s * 4 + hi * 2]; i[t + 3] = i[s * 4 + hi * 2 + 1];
  } else {
    i[t] = i[d * 4 + (imm & 3)]; i[t + 1] = i[d * 4 + ((imm >> 2) & 3)];
    i[t + 2] = i[s * 4 + ((imm >> 4) & 3)]; i[t + 3] = i[s * 4 + ((imm >> 6) & 3)];
  }
  commit(cpu, d);
};

/** PSHUFD (66), PSHUFHW (F3), PSHUFLW (F2). */
const pshuf: Handler = (cpu, op) => {
  const p = enter(cpu, op);
  const s = srcSlot(cpu, 16), imm = cpu.fetch8(), u = cpu.sse, t = TEMP;
  if (p === 0x66) {
    for (let k = 0; k < 4; k++) u.i32[t * 4 + k] = u.i32[s * 4 + ((imm >> (2 * k)) & 3)];
  } else {
    const keep = p === 0xf3 ? 0 : 4, moved = p === 0xf3 ? 4 : 0;
    for (let k = 0; k < 4; k++) u.u16[t * 8 + keep + k] = u.u16[s * 8 + keep + k];
    for (let k = 0; k < 4; k++) u.u16[t * 8 + moved + k] = u.u16[s * 8 + moved + ((imm >> (2 * k)) & 3)];
  }
  commit(cpu, cpu.reg);
};

/** 66 0F C4: PINSRW xmm, r32/m16, imm8. */
const pinsrw: Handler = (cpu, op) => {
  enter(cpu, op);
  const v = cpu.mod === 3 ? cpu.regs[cpu.rm] : cpu.rd16(cpu.eaLin(2, false));
  const imm = cpu.fetch8();
  cpu.sse.u16[cpu.reg * 8 + (imm & 7)] = v;
};

/** 66 0F C5: PEXTRW r32, xmm, imm8. */
const pextrw: Handler = (cpu, op) => {
  enter(cpu, op);
  const imm = cpu.fetch8();
  cpu.regs[cpu.reg] = cpu.sse.u16[cpu.rm * 8 + (imm & 7)];
};

const twoByte: Record<number, Handler> = {
  0x14: unpack, 0x15: unpack, 0x63: pack, 0x67: pack, 0x6b: pack, 0x70: pshuf, 0x71: shiftImm, 0x72: shiftImm, 0x73: shiftImm,
  0xc4: pinsrw, 0xc5: pextrw, 0xc6: shuf,
  0xd4: wide, 0xdb: wide, 0xdf: wide, 0xeb: wide, 0xef: wide, 0xf4: wide, 0xf5: wide, 0xf6: wide, 0xfb: wide,
};
for (const op of Object.keys(LANES)) twoByte[Number(op)] = lanes;
for (const op of Object.keys(UNPACK)) twoByte[Number(op)] = unpack;
for (const op of Object.keys(SHIFT_BY_REG)) twoByte[Number(op)] = shiftReg;

export const SSE_INT: Family = { name: 'sse-int', oneByte: {}, twoByte, twoByte64: sseInt64(twoByte) };
