// Random integer-instruction cases for the host-CPU comparison: register and memory forms of the
// ALU, shift/rotate, bit, multiply/divide, BCD and exchange instructions in 8-, 16- and 32-bit
// operand sizes, for 32-bit code. Every case carries the flags (and registers) the SDM leaves
// undefined for it, computed from its actual operands.

import type { Rng } from './random';
import { CF, DF, doubleShiftUndefined, FIXED_UNDEFINED, shiftUndefined, type ShiftKind } from './undefined-flags';

export type Size = 8 | 16 | 32;

export interface AluCase {
  name: string;              // e.g. 'adc r/m16,imm8'
  bytes: Uint8Array;         // the instruction; never ESP, memory only inside the window
  regs: Uint32Array;         // EAX ECX EDX EBX ESP EBP ESI EDI before (ESP is not used)
  eflags: number;            // status flags (and DF) before
  undefinedFlags: number;    // status flags not compared
  undefinedRegs: number;     // bit i set: register i's result is undefined (not compared)
  window: Uint8Array;        // WINDOW_SIZE bytes of memory at WINDOW_ADDR before; memory operands point into it
  windowUndefined: boolean;  // the memory result is undefined (not compared)
  instructions?: number;     // a straight-line sequence of this many instructions (default: one)
  regMasks?: Uint32Array;    // per register, the bits compared (default: all)
}

/** Memory operands address DATA_ADDR (the middle of the window), the same address on host and guest. */
export const WINDOW_ADDR = 0x807c0;
export const WINDOW_SIZE = 128;
export const DATA_ADDR = WINDOW_ADDR + 64;

export const REG_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
const NO_ESP = [0, 1, 2, 3, 5, 6, 7] as const;
const ALU_OPS = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'] as const;
const SHIFTS: readonly ShiftKind[] = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];
const EDGES = [
  0, 1, 2, 7, 8, 9, 0x0f, 0x10, 0x1f, 0x20, 0x7f, 0x80, 0x81, 0x99, 0x9a, 0xfe, 0xff, 0x100,
  0x7fff, 0x8000, 0x8001, 0xfffe, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001,
  0xfffffffe, 0xffffffff, 0xffffff80, 0xffff8000, 0xffffff7f,
];

interface Builder {
  rng: Rng;
  regs: Uint32Array;
  window: Uint8Array;
  out: number[];
  name: string;
  undefinedFlags: number;
  undefinedRegs: number;
  wantMem: boolean;          // this case uses a memory operand where the form allows one
  usedMem: boolean;
  lockable: boolean;         // the form is a read-modify-write of its r/m operand
  baseReg: number;           // the register used as a memory base, or -1
  windowUndefined: boolean;
  usesDf: boolean;           // random DF for string instructions
}

/**
 * The ModRM (and displacement) bytes for an r/m operand: register `rm`, or, when the case
 * wants memory, [DATA_ADDR] as an absolute disp32 or as [base + disp8] with a base register
 * set to point at it.
 */
function rmOp(b: Builder, regField: number, rm: number, avoid: readonly number[] = []): number[] {
  if (!b.wantMem) return [modrm(regField, rm)];
  b.usedMem = true;
  const base = NO_ESP.filter((r) => r !== 5 && !avoid.includes(r));
  if (b.rng.chance(0.5) || base.length === 0) return [(regField << 3) | 5, ...le32(DATA_ADDR)];
  const r = b.rng.pick(base), disp = b.rng.below(64) - 32;
  b.regs[r] = (DATA_ADDR - disp) >>> 0;
  b.baseReg = r;
  return [0x40 | (regField << 3) | r, disp & 0xff];
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** The value of an r/m operand: the register, or the bytes at DATA_ADDR. */
function readRm(b: Builder, size: Size, rm: number): number {
  if (!b.usedMem) return readOperand(b.regs, size, rm);
  const o = DATA_ADDR - WINDOW_ADDR, w = b.window;
  const v = w[o] | (w[o + 1] << 8) | (w[o + 2] << 16) | (w[o + 3] << 24);
  return size === 8 ? v & 0xff : size === 16 ? v & 0xffff : v >>> 0;
}

function writeRm(b: Builder, size: Size, rm: number, v: number): void {
  if (!b.usedMem) { writeOperand(b.regs, size, rm, v); return; }
  const o = DATA_ADDR - WINDOW_ADDR;
  for (let i = 0; i < size / 8; i++) b.window[o + i] = (v >>> (8 * i)) & 0xff;
}

function value(rng: Rng): number {
  const roll = rng.below(10);
  if (roll < 4) return rng.pick(EDGES) >>> 0;
  if (roll < 6) return ((rng.u32() & ~0xffff) | (rng.pick(EDGES) & 0xffff)) >>> 0;
  return rng.u32();
}

/** A shift or rotate count: mostly around the interesting boundaries, sometimes any byte. */
function count(rng: Rng): number {
  return rng.chance(0.7) ? rng.below(34) : rng.byte();
}

function reg(rng: Rng, size: Size): number {
  return size === 8 ? rng.below(8) : rng.pick(NO_ESP);
}

function modrm(regField: number, rm: number): number {
  return 0xc0 | (regField << 3) | rm;
}

function pushImm(out: number[], size: Size, v: number): void {
  out.push(v & 0xff);
  if (size >= 16) out.push((v >>> 8) & 0xff);
  if (size === 32) out.push((v >>> 16) & 0xff, (v >>> 24) & 0xff);
}

/** Reads an 8/16/32-bit register operand as the CPU sees it (AH..BH for 8-bit 4..7). */
export function readOperand(regs: Uint32Array, size: Size, r: number): number {
  if (size === 8) return r < 4 ? regs[r] & 0xff : (regs[r - 4] >>> 8) & 0xff;
  return size === 16 ? regs[r] & 0xffff : regs[r];
}

function writeOperand(regs: Uint32Array, size: Size, r: number, v: number): void {
  if (size === 8) {
    if (r < 4) regs[r] = (regs[r] & ~0xff) | (v & 0xff);
    else regs[r - 4] = (regs[r - 4] & ~0xff00) | ((v & 0xff) << 8);
  } else if (size === 16) {
    regs[r] = (regs[r] & ~0xffff) | (v & 0xffff);
  } else {
    regs[r] = v >>> 0;
  }
}

function opsize(b: Builder, size: Size): void {
  if (size === 16) b.out.push(0x66);
}

const pickSize = (rng: Rng): Size => rng.pick([8, 16, 32] as const);
const pickWide = (rng: Rng): 16 | 32 => rng.pick([16, 32] as const);

type Form = (b: Builder) => void;

const FORMS: Array<[number, Form]> = [
  [8, (b) => {                                                  // ADD OR ADC SBB AND SUB XOR CMP
    const { rng } = b;
    const op = rng.below(8), name = ALU_OPS[op], size = pickSize(rng);
    const w = size === 8 ? 0 : 1, dst = reg(rng, size), src = reg(rng, size);
    b.undefinedFlags = FIXED_UNDEFINED[name];
    opsize(b, size);
    switch (rng.below(size === 8 ? 4 : 5)) {
      case 0: b.name = `${name} r/m${size},r`; b.out.push(op * 8 + w, ...rmOp(b, src, dst)); b.lockable = op !== 7; break;
      case 1: b.name = `${name} r${size},r/m`; b.out.push(op * 8 + 2 + w, ...rmOp(b, dst, src)); break;
      case 2: b.name = `${name} acc${size},imm`; b.out.push(op * 8 + 4 + w); pushImm(b.out, size, value(rng)); break;
      case 3: b.name = `${name} r/m${size},imm`; b.out.push(0x80 + w, ...rmOp(b, op, dst)); pushImm(b.out, size, value(rng)); b.lockable = op !== 7; break;
      default: b.name = `${name} r/m${size},imm8`; b.out.push(0x83, ...rmOp(b, op, dst), value(rng) & 0xff); b.lockable = op !== 7; break;
    }
  }],
  [2, (b) => {                                                  // TEST
    const { rng } = b;
    const size = pickSize(rng), w = size === 8 ? 0 : 1;
    b.undefinedFlags = FIXED_UNDEFINED.test;
    opsize(b, size);
    switch (rng.below(3)) {
      case 0: b.name = `test r/m${size},r`; b.out.push(0x84 + w, ...rmOp(b, reg(rng, size), reg(rng, size))); break;
      case 1: b.name = `test acc${size},imm`; b.out.push(0xa8 + w); pushImm(b.out, size, value(rng)); break;
      default: b.name = `test r/m${size},imm`; b.out.push(0xf6 + w, ...rmOp(b, 0, reg(rng, size))); pushImm(b.out, size, value(rng)); break;
    }
  }],
  [3, (b) => {                                                  // INC DEC NOT NEG
    const { rng } = b;
    const size = pickSize(rng), w = size === 8 ? 0 : 1, r = reg(rng, size);
    const kind = rng.below(5);
    opsize(b, size);
    if (kind < 2) {
      const name = kind === 0 ? 'inc' : 'dec';
      if (size !== 8 && rng.chance(0.5)) { b.name = `${name} r${size} (short)`; b.out.push(0x40 + kind * 8 + r); }
      else { b.name = `${name} r/m${size}`; b.out.push(0xfe + w, ...rmOp(b, kind, r)); b.lockable = true; }
    } else {
      const name = kind === 2 ? 'not' : 'neg';
      b.name = `${name} r/m${size}`;
      b.out.push(0xf6 + w, ...rmOp(b, kind === 2 ? 2 : 3, r));
      b.lockable = true;
    }
  }],
  [5, (b) => {                                                  // MUL IMUL DIV IDIV (one operand)
    const { rng, regs } = b;
    const size = pickSize(rng), w = size === 8 ? 0 : 1, r = reg(rng, size);
    const n = 4 + rng.below(4), name = ['mul', 'imul', 'div', 'idiv'][n - 4];
    b.name = `${name} r/m${size}`;
    b.undefinedFlags = FIXED_UNDEFINED[name];
    opsize(b, size);
    b.out.push(0xf6 + w, ...rmOp(b, n, r, [0, 2]));
    if (n >= 6 && rng.chance(0.6)) {
      // Keep most divisions in range so results, not just #DE, get compared: the high half of
      // the dividend (AH, DX or EDX) becomes zero, or the sign extension of the low half for IDIV.
      const highReg = size === 8 ? 4 : 2;
      if (b.usedMem || r !== highReg) {
        const low = readOperand(regs, size, 0);
        const signBit = size === 8 ? 0x80 : size === 16 ? 0x8000 : 0x80000000;
        writeOperand(regs, size, highReg, n === 7 && (low & signBit) !== 0 ? 0xffffffff : 0);
      }
    }
  }],
  [3, (b) => {                                                  // IMUL two and three operands
    const { rng } = b;
    const size = pickWide(rng), dst = reg(rng, size), src = reg(rng, size);
    b.undefinedFlags = FIXED_UNDEFINED.imul;
    opsize(b, size);
    switch (rng.below(3)) {
      case 0: b.name = `imul r${size},r/m`; b.out.push(0x0f, 0xaf, ...rmOp(b, dst, src)); break;
      case 1: b.name = `imul r${size},r/m,imm`; b.out.push(0x69, ...rmOp(b, dst, src)); pushImm(b.out, size, value(rng)); break;
      default: b.name = `imul r${size},r/m,imm8`; b.out.push(0x6b, ...rmOp(b, dst, src), value(rng) & 0xff); break;
    }
  }],
  [10, (b) => {                                                 // ROL ROR RCL RCR SHL SHR SAL SAR
    const { rng, regs } = b;
    const size = pickSize(rng), w = size === 8 ? 0 : 1, r = reg(rng, size);
    const n = rng.below(8), kind = SHIFTS[n];
    opsize(b, size);
    let c: number;
    switch (rng.below(3)) {
      case 0: b.name = `${kind} r/m${size},1`; b.out.push(0xd0 + w, ...rmOp(b, n, r)); c = 1; break;
      case 1:
        b.name = `${kind} r/m${size},cl`;
        writeOperand(regs, 8, 1, count(rng));
        b.out.push(0xd2 + w, ...rmOp(b, n, r, [1]));
        c = regs[1] & 0xff;
        break;
      default: c = count(rng); b.name = `${kind} r/m${size},imm8`; b.out.push(0xc0 + w, ...rmOp(b, n, r), c); break;
    }
    b.undefinedFlags = shiftUndefined(kind, size, c);
  }],
  [4, (b) => {                                                  // SHLD SHRD
    const { rng, regs } = b;
    const size = pickWide(rng), dst = reg(rng, size), src = reg(rng, size);
    const right = rng.chance(0.5), base = right ? 0xac : 0xa4, name = right ? 'shrd' : 'shld';
    opsize(b, size);
    let c: number;
    if (rng.chance(0.5)) {
      c = count(rng);
      b.name = `${name} r/m${size},r,imm8`;
      b.out.push(0x0f, base, ...rmOp(b, src, dst), c);
    } else {
      writeOperand(regs, 8, 1, count(rng));
      c = regs[1] & 0xff;
      b.name = `${name} r/m${size},r,cl`;
      b.out.push(0x0f, base + 1, ...rmOp(b, src, dst, [1]));
    }
    const u = doubleShiftUndefined(size, c);
    b.undefinedFlags = u.flags;
    if (u.resultUndefined) {
      if (b.usedMem) b.windowUndefined = true;
      else b.undefinedRegs |= 1 << dst;
    }
  }],
  [4, (b) => {                                                  // BT BTS BTR BTC
    const { rng } = b;
    const size = pickWide(rng), dst = reg(rng, size), n = rng.below(4), name = ['bt', 'bts', 'btr', 'btc'][n];
    b.undefinedFlags = FIXED_UNDEFINED[name];
    opsize(b, size);
    b.lockable = n !== 0;
    if (rng.chance(0.5)) {
      const bit = reg(rng, size);
      b.name = `${name} r/m${size},r`;
      b.out.push(0x0f, 0xa3 + n * 8, ...rmOp(b, bit, dst, [bit]));
      // A register bit offset reaches outside a memory operand (a bit string): keep it in the window.
      if (b.usedMem) b.regs[bit] = (rng.below(512) - 256) >>> 0;
    } else {
      b.name = `${name} r/m${size},imm8`;
      b.out.push(0x0f, 0xba, ...rmOp(b, 4 + n, dst), rng.byte());
    }
  }],
  [3, (b) => {                                                  // BSF BSR
    const { rng, regs } = b;
    const size = pickWide(rng), dst = reg(rng, size), src = reg(rng, size), reverse = rng.chance(0.5);
    const name = reverse ? 'bsr' : 'bsf';
    b.name = `${name} r${size},r/m`;
    b.undefinedFlags = FIXED_UNDEFINED[name];
    opsize(b, size);
    b.out.push(0x0f, reverse ? 0xbd : 0xbc, ...rmOp(b, dst, src));
    if (rng.chance(0.15)) writeRm(b, size, src, 0);
    // A zero source leaves the destination undefined (Intel; AMD documents it unchanged).
    if (readRm(b, size, src) === 0) b.undefinedRegs |= 1 << dst;
  }],
  [5, (b) => {                                                  // DAA DAS AAA AAS AAM AAD
    const { rng } = b;
    const n = rng.below(6), name = ['daa', 'das', 'aaa', 'aas', 'aam', 'aad'][n];
    b.name = name;
    b.undefinedFlags = FIXED_UNDEFINED[name];
    if (n < 4) b.out.push([0x27, 0x2f, 0x37, 0x3f][n]);
    else {
      const base = rng.chance(0.6) ? 10 : rng.chance(0.1) ? 0 : rng.byte();
      b.name = `${name} ${base}`;
      b.out.push(n === 4 ? 0xd4 : 0xd5, base);
    }
  }],
  [3, (b) => {                                                  // CMPXCHG XADD
    const { rng, regs } = b;
    const size = pickSize(rng), w = size === 8 ? 0 : 1, dst = reg(rng, size), src = reg(rng, size);
    opsize(b, size);
    b.lockable = true;
    if (rng.chance(0.5)) {
      b.name = `cmpxchg r/m${size},r`;
      b.out.push(0x0f, 0xb0 + w, ...rmOp(b, src, dst, [0]));
      if (rng.chance(0.5)) writeRm(b, size, dst, readOperand(regs, size, 0));
    } else {
      b.name = `xadd r/m${size},r`;
      b.out.push(0x0f, 0xc0 + w, ...rmOp(b, src, dst));
    }
  }],
  [2, (b) => {                                                  // BSWAP SETcc CMOVcc
    const { rng } = b;
    switch (rng.below(3)) {
      case 0: b.name = 'bswap r32'; b.out.push(0x0f, 0xc8 + reg(rng, 32)); break;
      case 1: b.name = 'setcc r/m8'; b.out.push(0x0f, 0x90 + rng.below(16), ...rmOp(b, 0, reg(rng, 8))); break;
      default: {
        const size = pickWide(rng);
        b.name = `cmovcc r${size},r/m`;
        opsize(b, size);
        b.out.push(0x0f, 0x40 + rng.below(16), ...rmOp(b, reg(rng, size), reg(rng, size)));
      }
    }
  }],
  [1, (b) => {                                                  // CBW CWDE CWD CDQ LAHF SAHF CMC CLC STC
    const { rng } = b;
    const n = rng.below(9);
    b.name = ['cbw', 'cwde', 'cwd', 'cdq', 'lahf', 'sahf', 'cmc', 'clc', 'stc'][n];
    if (n === 0 || n === 2) b.out.push(0x66);
    b.out.push([0x98, 0x98, 0x99, 0x99, 0x9f, 0x9e, 0xf5, 0xf8, 0xf9][n]);
  }],
  [2, (b) => {                                                  // MOVZX MOVSX XCHG
    const { rng } = b;
    const n = rng.below(3);
    if (n < 2) {
      const size = pickWide(rng), from = rng.chance(0.5) ? 8 : 16, name = n === 0 ? 'movzx' : 'movsx';
      b.name = `${name} r${size},r/m${from}`;
      opsize(b, size);
      b.out.push(0x0f, (n === 0 ? 0xb6 : 0xbe) + (from === 16 ? 1 : 0), ...rmOp(b, reg(rng, size), reg(rng, from as Size)));
    } else {
      const size = pickSize(rng);
      b.name = `xchg r/m${size},r`;
      opsize(b, size);
      b.out.push(size === 8 ? 0x86 : 0x87, ...rmOp(b, reg(rng, size), reg(rng, size)));
    }
  }],
  [4, (b) => {                                                  // MOVS CMPS STOS LODS SCAS, with REP/REPE/REPNE, either direction
    const { rng, regs } = b;
    const size = pickSize(rng), w = size === 8 ? 0 : 1, n = rng.below(5);
    const name = ['movs', 'cmps', 'stos', 'lods', 'scas'][n];
    const rep = rng.pick([0, 0xf3, 0xf2] as const);
    b.name = `${rep === 0 ? '' : rep === 0xf3 ? 'rep ' : 'repne '}${name}${size === 8 ? 'b' : size === 16 ? 'w' : 'd'}`;
    if (rep) b.out.push(rep);
    opsize(b, size);
    b.out.push([0xa4, 0xa6, 0xaa, 0xac, 0xae][n] + w);
    // Source and destination inside the window, counts small enough to stay there either way.
    regs[6] = (WINDOW_ADDR + 32 + rng.below(64)) >>> 0;
    regs[7] = (WINDOW_ADDR + 32 + rng.below(64)) >>> 0;
    regs[1] = rng.below(32 / (size / 8) + 1);           // at most 32 bytes either way
    b.usesDf = true;
  }],
];

const TOTAL_WEIGHT = FORMS.reduce((s, [w]) => s + w, 0);

export function generateAluCase(rng: Rng): AluCase {
  const regs = new Uint32Array(8);
  for (let i = 0; i < 8; i++) regs[i] = value(rng);
  regs[4] = 0;
  const window = new Uint8Array(WINDOW_SIZE);
  rng.fill(window);
  const b: Builder = {
    rng, regs, window, out: [], name: '', undefinedFlags: 0, undefinedRegs: 0,
    wantMem: rng.chance(0.4), usedMem: false, lockable: false, baseReg: -1, windowUndefined: false, usesDf: false,
  };
  let roll = rng.below(TOTAL_WEIGHT);
  for (const [w, form] of FORMS) {
    if (roll < w) { form(b); break; }
    roll -= w;
  }
  if (b.usedMem) {
    // Locked read-modify-writes must behave as unlocked ones; a LOCK anywhere else is #UD on both.
    if (b.lockable && rng.chance(0.3)) { b.out.unshift(0xf0); b.name = `lock ${b.name}`; }
    b.name += ' (mem)';
  }
  // Random status flags, with CF and AF set often enough to steer ADC/SBB and the BCD ops.
  const eflags = (rng.u32() & 0x8d5) | (rng.chance(0.5) ? CF : 0) | (b.usesDf && rng.chance(0.5) ? DF : 0);
  return {
    name: b.name, bytes: Uint8Array.from(b.out), regs, eflags, undefinedFlags: b.undefinedFlags,
    undefinedRegs: b.undefinedRegs, window, windowUndefined: b.windowUndefined,
  };
}
