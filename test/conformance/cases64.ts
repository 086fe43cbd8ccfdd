// Random 64-bit instruction sequences for the host-CPU comparison (exec64-oracle.c): integer
// and SSE forms taken from the opcode-form description (emulator/isa), with operand sizes
// 8/16/32/64 (66, REX.W), REX-extended registers, byte registers under REX, and memory
// operands in every 64-bit addressing shape (base, base + index * scale, RIP-relative,
// absolute disp32, 32-bit addressing under 67) into a data window below 2 GiB and one above
// 4 GiB; plus the shapes that need set-up (string instructions with REP, XLAT, moffs, bit
// strings in memory, PUSH/POP/CALL/RET/ENTER/LEAVE on a stack inside the window, forward
// branches, LOOP/JRCXZ). Every case records the flags the SDM leaves undefined at its end.
//
// The sequences must stay inside the windows on the host: R12 and R13 are window bases, R14
// a small index and RSP the stack, and no instruction is generated that writes them except
// the stack instructions themselves.

import { OPCODE_FORMS } from '../../emulator/isa/opcode-forms';
import type { OpcodeForm } from '../../emulator/isa/form-types';
import type { Rng } from './random';
import { AF, CF, OF, PF, SF, STATUS_FLAGS, ZF, FIXED_UNDEFINED } from './undefined-flags';

export const CODE_ADDR = 0x30000000;
export const NEAR_ADDR = 0x30010000;
export const FAR_ADDR = 0x7e0000000000;
export const WINDOW = 1024;
export const CODE_MAX = 512;
/** Data lives in the first half of each window; the near window's second half is the stack. */
const DATA = 512;
const STACK_TOP = NEAR_ADDR + 768;
const R12_OFF = 256;

export interface Case64 {
  names: string[];
  code: Uint8Array;
  lo: Int32Array;          // RAX..R15 low halves before
  hi: Int32Array;          // and high halves
  rflags: number;
  mxcsr: number;
  xmm: Uint8Array;         // 256 bytes
  near: Uint8Array;
  far: Uint8Array;
  undefinedFlags: number;  // status flags not compared at the end
}

const RESERVED = new Set([4, 12, 13, 14]);
const WRITABLE = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 15];
const ALIGNED_SSE = /^(movaps|movapd|movdqa|movntps|movntpd|movntdq)$/;

/** Flags each mnemonic reads (it may not run with undefined ones in force). */
const READS_FLAGS = /^(adc|sbb|rcl|rcr|j[a-z]+|set[a-z]+|cmov[a-z]+|loope|loopne|lahf|pushf.*|cmc)$/;

interface Gen {
  rng: Rng;
  out: number[];
  names: string[];
  undef: number;
  stack: number;            // bytes pushed below STACK_TOP (may go negative down to -200)
  rbpFrame: boolean;        // RBP points at an ENTER frame on the window stack
  enterStack: number;       // `stack` before that ENTER (what LEAVE returns to)
}

function le(v: number, n: number): number[] {
  const o: number[] = [];
  for (let i = 0; i < n; i++) o.push(Math.floor(v / 2 ** (8 * i)) & 0xff);
  return o;
}

const EDGES = [0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0xffffff80];

function randomImm(rng: Rng, bytes: number): number[] {
  if (rng.chance(0.3)) return le(rng.pick(EDGES), bytes);
  const o: number[] = [];
  for (let i = 0; i < bytes; i++) o.push(rng.byte());
  return o;
}

/** The forms the generic generator draws from (shapes needing set-up are in `special`). */
const GENERIC: OpcodeForm[] = OPCODE_FORMS.filter((f) => {
  if (f.mode64 === 'invalid' || f.isa !== undefined) return false;
  const fam = f.family;
  if (!['arith', 'data-move', 'bit-ops', 'shift-rotate', 'flags-control', 'sse-move', 'sse-float', 'sse-int', 'sse-ssse3', 'control'].includes(fam)) return false;
  const m = Array.isArray(f.mnemonic) ? f.mnemonic[1] : f.mnemonic as string;
  if (fam === 'control') return m === 'inc' || m === 'dec';          // FF /0 /1; branches are special
  // Set-up needed (special: moffs, XLAT, XCHG at 90, bit strings in memory, MASKMOVDQU on
  // RDI, PUSHF/POPF, CLD/STD, SAHF/LAHF), or not compared here: segment registers and far
  // pointers, privileged CLI/STI, the SSE state instructions (0F AE), CMPXCHG16B (the
  // system half's).
  if (f.map === 'one' && [0x8c, 0x8e, 0x90, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2, 0xa3, 0xd7, 0xfa, 0xfb, 0xfc, 0xfd].includes(f.opcode)) return false;
  if (f.map === '0f' && [0xa3, 0xab, 0xb3, 0xbb, 0xae, 0xb2, 0xb4, 0xb5, 0xf7].includes(f.opcode)) return false;
  if (m === 'cmpxchg16b') return false;
  // Approximations whose exact bits differ between implementations (the SDM bounds their
  // error only): the 32-bit SSE comparison checks them within that bound.
  if (/^(rcpps|rcpss|rsqrtps|rsqrtss)$/.test(m)) return false;
  return true;
});

type Operand = { kind: 'greg' | 'grm' | 'xreg' | 'xrm' | 'mem' | 'imm' | 'z' | 'fixed'; size: number };

/** Operand kinds from the form's operand text (SDM appendix A letters). */
function parseOperands(f: OpcodeForm, osize: number): Operand[] {
  if (f.operands === '') return [];
  return f.operands.split(', ').map((t): Operand => {
    const k = t[0], s = t.slice(1);
    const size = s === 'b' ? 8 : s === 'w' ? 16 : s === 'd' ? 32 : s === 'q' ? 64 : s === 'v' || s === 'z' || s === 'y' ? osize : 128;
    switch (k) {
      case 'G': return { kind: 'greg', size };
      case 'E': return { kind: 'grm', size };
      case 'V': return { kind: 'xreg', size };
      case 'W': return { kind: 'xrm', size };
      case 'U': return { kind: 'xrm', size };
      case 'M': return { kind: 'mem', size };
      case 'I': return { kind: 'imm', size };
      case 'Z': return { kind: 'z', size };
      default: return { kind: 'fixed', size };
    }
  });
}

/** A memory operand's ModR/M (reg field given), SIB, displacement, and its prefix needs. */
interface Mem { modrm: number; tail: number[]; rexX: number; rexB: number; a32: boolean; ripDispAt: number; target: number }

function memOperand(rng: Rng, reg: number, size: number, aligned: boolean): Mem {
  const align = aligned && rng.chance(0.9) ? 16 : 1;
  const maxOff = DATA - Math.max(size >> 3, 1) - 16;
  const pickOff = (lo: number, hi: number): number => {
    let o = lo + rng.below(Math.max(1, hi - lo));
    o -= o % align;
    return o;
  };
  const r = (reg & 7) << 3;
  switch (rng.below(6)) {
    case 0: { // [r12 + disp8]
      const off = pickOff(R12_OFF - 128, Math.min(R12_OFF + 127, maxOff));
      return { modrm: 0x44 | r, tail: [0x24, (off - R12_OFF) & 0xff], rexX: 0, rexB: 1, a32: false, ripDispAt: -1, target: NEAR_ADDR + off };
    }
    case 1: { // [r13 + disp8]: the far window
      const off = pickOff(R12_OFF - 128, Math.min(R12_OFF + 127, maxOff));
      return { modrm: 0x45 | r, tail: [(off - R12_OFF) & 0xff], rexX: 0, rexB: 1, a32: false, ripDispAt: -1, target: FAR_ADDR + off };
    }
    case 2: { // [r12 + r14 * scale + disp8]; R14 is 0..15
      const sc = rng.below(4);
      const off = pickOff(R12_OFF - 128, Math.min(R12_OFF + 127 - (15 << sc), maxOff - (15 << sc)));
      return { modrm: 0x44 | r, tail: [(sc << 6) | (6 << 3) | 4, (off - R12_OFF) & 0xff], rexX: 1, rexB: 1, a32: false, ripDispAt: -1, target: NaN };
    }
    case 3: { // [rip + disp32]: patched once the instruction's length is known
      const off = pickOff(0, maxOff);
      return { modrm: 0x05 | r, tail: [0, 0, 0, 0], rexX: 0, rexB: 0, a32: false, ripDispAt: 0, target: NEAR_ADDR + off };
    }
    case 4: { // [disp32] through a SIB without base or index
      const off = pickOff(0, maxOff);
      return { modrm: 0x04 | r, tail: [0x25, ...le(NEAR_ADDR + off, 4)], rexX: 0, rexB: 0, a32: false, ripDispAt: -1, target: NEAR_ADDR + off };
    }
    default: { // 67: [r12d + disp8] (R12's low half is the same near address)
      const off = pickOff(R12_OFF - 128, Math.min(R12_OFF + 127, maxOff));
      return { modrm: 0x44 | r, tail: [0x24, (off - R12_OFF) & 0xff], rexX: 0, rexB: 1, a32: true, ripDispAt: -1, target: NEAR_ADDR + off };
    }
  }
}

/** Assembles prefixes, REX, opcode bytes, ModR/M tail and immediate; patches a RIP-relative displacement. */
function assemble(g: Gen, pre: number[], rex: number, opBytes: number[], modrm: number[], mem: Mem | null, imm: number[]): void {
  const bytes = [...pre, ...(mem?.a32 ? [0x67] : []), ...(rex ? [rex] : []), ...opBytes, ...modrm, ...imm];
  if (mem && mem.ripDispAt >= 0) {
    const at = pre.length + (rex ? 1 : 0) + opBytes.length + 1;     // the disp32 after the ModR/M
    const end = CODE_ADDR + g.out.length + bytes.length;
    const d = mem.target - end;
    bytes.splice(at, 4, ...le(d >>> 0, 4));
  }
  g.out.push(...bytes);
}

/** Defines every status flag (CMP r64, r64) when a flag reader comes with undefined flags in force. */
function defineFlags(g: Gen): void {
  if (g.undef === 0) return;
  const a = g.rng.below(16), b = g.rng.below(16);
  g.out.push(0x48 | (b >= 8 ? 4 : 0) | (a >= 8 ? 1 : 0), 0x39, 0xc0 | ((b & 7) << 3) | (a & 7));
  g.names.push('cmp (flags)');
  g.undef = 0;
}

function mnemonicOf(f: OpcodeForm, osize: number): string {
  const m = f.mnemonic;
  if (!Array.isArray(m)) return m as string;
  return osize === 16 ? m[0] : osize === 64 && m.length > 2 ? m[2] : m[1];
}

/**
 * Flags one instruction leaves undefined (`set`) and the flags it writes at all (`writes`,
 * null: by mnemonic), given its size and, for shifts by an immediate, the count.
 */
function undefinedAfter(m: string, size: number, count: number | null): { set: number; writes: number | null } {
  const mask = size === 64 ? 0x3f : 0x1f;
  if (/^(rol|ror|rcl|rcr|shl|shr|sal|sar|shld|shrd)$/.test(m)) {
    if (count === null) return { set: STATUS_FLAGS, writes: STATUS_FLAGS };      // by CL: any count
    const c = count & mask;
    if (c === 0) return { set: 0, writes: 0 };                                   // a zero count changes nothing
    let u = c === 1 ? 0 : OF;
    if (!/^(rol|ror|rcl|rcr)$/.test(m)) u |= AF;
    if (/^(shl|shr|sal)$/.test(m) && c >= size) u |= CF;
    return { set: u, writes: null };
  }
  return { set: FIXED_UNDEFINED[m] ?? 0, writes: null };
}

/** Status flags each mnemonic writes (defined or not): the rest keep their state. */
function writesFlags(m: string): number {
  if (/^(inc|dec)$/.test(m)) return STATUS_FLAGS & ~CF;
  if (/^(bt|bts|btr|btc)$/.test(m)) return STATUS_FLAGS & ~ZF;
  if (/^(rol|ror|rcl|rcr)$/.test(m)) return CF | OF;
  if (m === 'popf') return STATUS_FLAGS;
  if (m === 'cmpxchg8b') return ZF;
  if (m === 'sahf') return STATUS_FLAGS & ~OF;
  if (/^(bsf|bsr|add|adc|sub|sbb|cmp|and|or|xor|test|neg|mul|imul|div|idiv|shl|shr|sal|sar|shld|shrd|cmpxchg|xadd|comiss|comisd|ucomiss|ucomisd)$/.test(m)) return STATUS_FLAGS;
  if (/^(stc|clc|cmc)$/.test(m)) return CF;
  return 0;
}

/** One generic instruction from the forms. */
function generic(g: Gen): void {
  const rng = g.rng;
  const f = rng.pick(GENERIC);
  const sse = f.family.startsWith('sse');
  const mnem0 = mnemonicOf(f, 32);
  // Operand size: 66 / none / REX.W (SSE forms: 66 is their mandatory prefix when they have one).
  const sizable = !sse && /[vzy]/.test(f.operands);
  let osize = 32;
  if (sizable || (!sse && f.operands === '')) osize = rng.pick([16, 32, 64, 64]);
  if (f.fixedOperandSize) osize = 32;
  const pre: number[] = [];
  if (osize === 16) pre.push(0x66);
  if (f.prefix === '66') pre.push(0x66); else if (f.prefix === 'f3') pre.push(0xf3); else if (f.prefix === 'f2') pre.push(0xf2);
  let w = osize === 64 ? 1 : 0;
  if (sse && (f.operands.includes('E') || f.operands.includes('G')) && rng.chance(0.5)) w = 1;   // MOVQ, CVTSI2SD r64 ...
  if (sse && rng.chance(0.1)) w = 1;                      // REX.W where it means nothing
  const ops = parseOperands(f, osize === 64 || w ? 64 : osize);
  const m = sse ? mnemonicOf(f, w ? 64 : 32) : mnemonicOf(f, osize);
  if (READS_FLAGS.test(m)) defineFlags(g);
  // Registers: the first operand is the destination (never a reserved register).
  let reg = f.reg ?? -1, rm = -1, rexR = 0, rexB = 0, rexX = 0, forceRex = false;
  let mem: Mem | null = null;
  const wantMem = f.mod === 'mem' || (f.mod !== 'reg' && rng.chance(0.4));
  const byteRegs = ops.some((o) => (o.kind === 'greg' || o.kind === 'grm') && o.size === 8);
  const pickGpr = (dest: boolean): number => {
    const r = dest ? rng.pick(WRITABLE) : rng.below(16);
    return r;
  };
  let zReg = -1;
  ops.forEach((o, i) => {
    const dest = i === 0 || /^(xchg|xadd|cmpxchg)$/.test(m);
    if (o.kind === 'greg') { reg = pickGpr(dest); if (reg >= 8) rexR = 1; }
    else if (o.kind === 'xreg') { reg = rng.below(16); if (reg >= 8) rexR = 1; }
    else if ((o.kind === 'grm' || o.kind === 'xrm') && !wantMem) { rm = o.kind === 'grm' ? pickGpr(dest) : rng.below(16); if (rm >= 8) rexB = 1; }
    else if (o.kind === 'z') { zReg = pickGpr(true); if (zReg >= 8) rexB = 1; }
  });
  // Byte registers: under REX 4-7 are SPL..DIL (SPL would move the stack); without REX AH..BH.
  if (byteRegs) {
    if (rng.chance(0.3)) forceRex = true;
    const rexOn = forceRex || rexR || rexB || w;
    const fix = (r: number): number => (rexOn && (r === 4 || r === 12 || r === 13 || r === 14) ? 3 : r);
    if (reg >= 0 && f.reg === undefined) reg = fix(reg);
    if (rm >= 0) rm = fix(rm);
  }
  const needsModrm = f.modrm;
  if (needsModrm && reg < 0) reg = rng.below(8);
  const modrmBytes: number[] = [];
  if (needsModrm) {
    if (wantMem) {
      const memSize = ops.find((o) => o.kind === 'grm' || o.kind === 'xrm' || o.kind === 'mem')?.size ?? 64;
      mem = memOperand(rng, reg, memSize, ALIGNED_SSE.test(m) || (sse && /p[sd]$|^p|dq/.test(m) && !/^(movu|lddqu|movq|movd|movh|movl|movss|movsd)/.test(m)));
      rexX = mem.rexX; rexB = mem.rexB;
      modrmBytes.push(mem.modrm, ...mem.tail);
    } else {
      if (rm < 0) rm = rng.below(8);
      modrmBytes.push(0xc0 | ((reg & 7) << 3) | (rm & 7));
    }
  }
  // LOCK on the lockable forms with a memory destination (and now and then where it is #UD).
  if (f.lock && wantMem && rng.chance(0.3)) pre.unshift(0xf0);
  else if (rng.chance(0.01)) pre.unshift(0xf0);
  const rex = (w || rexR || rexB || rexX || forceRex || rng.chance(0.05)) ? 0x40 | (w << 3) | (rexR << 2) | (rexX << 1) | rexB : 0;
  const opBytes = f.map === 'one' ? [f.opcode] : f.map === '0f' ? [0x0f, f.opcode] : f.map === '0f38' ? [0x0f, 0x38, f.opcode] : [0x0f, 0x3a, f.opcode];
  if (zReg >= 0) opBytes[opBytes.length - 1] = (f.opcode & ~7) | (zReg & 7);
  let count: number | null = null;
  const immBytes: number[] = [];
  const immKind = f.imm;
  if (immKind === 'b') immBytes.push(...randomImm(rng, 1));
  else if (immKind === 'w') immBytes.push(...randomImm(rng, 2));
  else if (immKind === 'v') immBytes.push(...randomImm(rng, osize === 16 ? 2 : 4));
  else if (immKind === 'v64') immBytes.push(...randomImm(rng, osize === 16 ? 2 : osize === 64 ? 8 : 4));
  if (/^(rol|ror|rcl|rcr|shl|shr|sal|sar|shld|shrd)$/.test(m)) {
    if (f.operands.endsWith('CL')) count = null;
    else if (f.operands.endsWith(', 1')) count = 1;
    else { immBytes[0] = rng.chance(0.5) ? rng.below(8) : rng.byte(); count = immBytes[0]; }
    if (/^(shld|shrd)$/.test(m) && osize === 16 && (count === null || (count & 31) > 16)) return;   // undefined result
  }
  if (/^(div|idiv)$/.test(m) && rng.chance(0.5)) g.out.push(0x31, 0xd2);                              // xor edx, edx: fewer #DE
  assemble(g, pre, rex, opBytes, modrmBytes, mem, immBytes);
  g.names.push(`${m}${sse ? '' : osize}${mem ? ' mem' : ''}`);
  if (reg === 5 || rm === 5 || zReg === 5) g.rbpFrame = false;
  const u = undefinedAfter(m, osize === 64 || w ? 64 : osize, count);
  // What the instruction writes is now defined or undefined by it; the rest stays as it was.
  g.undef = (g.undef & ~(u.writes ?? writesFlags(m))) | u.set;
  if (/^(bsf|bsr)$/.test(m)) g.undef |= CF | OF | SF | AF | PF;
  if (/^(mul|imul)$/.test(m)) g.undef = (g.undef & ~(CF | OF)) | SF | ZF | AF | PF;
}

/** REX byte for a register in ModR/M.rm (or opcode) and one in ModR/M.reg, with W. */
function rexFor(w: number, regField: number, rmField: number): number {
  const r = (w << 3) | (regField >= 8 ? 4 : 0) | (rmField >= 8 ? 1 : 0);
  return r ? 0x40 | r : 0;
}

/** LEA r64, [r12 + d] (d in -128..127): points a register into the near window. */
function leaNear(g: Gen, r: number, off: number): void {
  // REX.W and REX.B (R12 as the SIB base), REX.R for R8-R15; mod 10: disp32.
  g.out.push(0x49 | (r >= 8 ? 4 : 0), 0x8d, 0x84 | ((r & 7) << 3), 0x24, ...le((off - R12_OFF) >>> 0, 4));
}

function movImm32(g: Gen, r: number, v: number): void {
  if (r >= 8) g.out.push(0x41);
  g.out.push(0xb8 | (r & 7), ...le(v >>> 0, 4));
}

const STRING_OPS = [0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf];

/** The shapes that need their registers set up first, or that move RIP or RSP. */
function special(g: Gen): void {
  const rng = g.rng;
  switch (rng.below(15)) {
    case 0: case 1: { // string instruction, maybe REP, on RSI/RDI/RCX set up in the window
      const op = rng.pick(STRING_OPS);
      const osize = rng.pick([16, 32, 64]);
      const n = rng.below(9);
      leaNear(g, 6, 72 + rng.below(368));
      if (rng.chance(0.3)) g.out.push(0x49, 0x8d, 0x7d, (0x40 + rng.below(64)) & 0xff); else leaNear(g, 7, 72 + rng.below(368));   // lea rdi, [r13 + d]: far
      movImm32(g, 1, n);
      const cmpOrScas = op === 0xa6 || op === 0xa7 || op === 0xae || op === 0xaf;
      if (cmpOrScas) defineFlags(g);
      const pre: number[] = [];
      if (rng.chance(0.6)) pre.push(cmpOrScas ? rng.pick([0xf3, 0xf2]) : 0xf3);
      if (op & 1 && osize === 16) pre.push(0x66);
      if (rng.chance(0.2)) pre.push(0x67);                   // ESI/EDI/ECX: the same low halves
      g.out.push(...pre, ...(op & 1 && osize === 64 ? [0x48] : []), op);
      g.names.push(`string ${op.toString(16)}${pre.includes(0xf3) || pre.includes(0xf2) ? ' rep' : ''}`);
      return;
    }
    case 2: { // XLAT
      leaNear(g, 3, 64 + rng.below(128));
      g.out.push(0xd7);
      g.names.push('xlat');
      return;
    }
    case 3: { // MOV AL/rAX <-> moffs64 (near or far) or moffs32 under 67
      const op = 0xa0 + rng.below(4);
      const osize = rng.pick([8, 16, 32, 64]);
      const far = rng.chance(0.5);
      const addr = (far ? FAR_ADDR : NEAR_ADDR) + rng.below(DATA - 8);
      const pre = osize === 16 && op & 1 ? [0x66] : [];
      const rex = osize === 64 && op & 1 ? [0x48] : [];
      const o = op & 1 ? op : (op & ~1);
      if (!far && rng.chance(0.3)) g.out.push(...pre, 0x67, ...rex, o, ...le(addr, 4));
      else g.out.push(...pre, ...rex, o, ...le(addr, 8));
      g.names.push('mov moffs');
      return;
    }
    case 4: { // BT/BTS/BTR/BTC m, r with a bounded bit offset
      const op = rng.pick([0xa3, 0xab, 0xb3, 0xbb]);
      const osize = rng.pick([16, 32, 64]);
      const r = rng.pick([0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 15]);
      movImm32(g, r, rng.below(256) - 64);
      if (osize === 64) g.out.push(0x48 | (r >= 8 ? 4 : 0), 0x63, 0xc0 | ((r & 7) << 3) | (r & 7));      // movsxd r, r32
      const mem = memOperand(rng, r, osize, false);
      const pre = osize === 16 ? [0x66] : [];
      const rex = 0x40 | (osize === 64 ? 8 : 0) | (r >= 8 ? 4 : 0) | (mem.rexX << 1) | mem.rexB;
      // Keep the bit string inside the window: the operand sits at least 40 bytes from its edges.
      assemble(g, pre, rex === 0x40 ? 0 : rex, [0x0f, op], [mem.modrm, ...mem.tail], mem, []);
      g.names.push(`bt* mem,r${osize}`);
      g.undef = (g.undef & ~(STATUS_FLAGS & ~ZF)) | OF | SF | AF | PF;
      return;
    }
    case 5: { // PUSH / POP of registers, immediates and memory
      if (g.stack < 200 && rng.chance(0.6)) {
        const k = rng.below(4);
        if (k === 0) { const r = rng.below(16); if (r >= 8) g.out.push(0x41); g.out.push(0x50 | (r & 7)); }
        else if (k === 1) g.out.push(0x6a, rng.byte());
        else if (k === 2) g.out.push(0x68, ...randomImm(rng, 4));
        else { const mem = memOperand(rng, 6, 64, false); assemble(g, [], mem.rexB || mem.rexX ? 0x40 | (mem.rexX << 1) | mem.rexB : 0, [0xff], [mem.modrm, ...mem.tail], mem, []); }
        g.stack += 8;
        g.names.push('push');
      } else if (g.stack > -200) {
        const k = rng.below(2);
        if (k === 0) { const r = rng.pick(WRITABLE); if (r >= 8) g.out.push(0x41); g.out.push(0x58 | (r & 7)); if (r === 5) g.rbpFrame = false; }
        else { const mem = memOperand(rng, 0, 64, false); assemble(g, [], mem.rexB || mem.rexX ? 0x40 | (mem.rexX << 1) | mem.rexB : 0, [0x8f], [mem.modrm, ...mem.tail], mem, []); }
        g.stack -= 8;
        g.names.push('pop');
      }
      return;
    }
    case 6: { // PUSHF, and PUSH imm / POPF with only status flags and DF
      if (rng.chance(0.5)) { defineFlags(g); g.out.push(0x9c); g.stack += 8; g.names.push('pushf'); return; }
      // IF stays set: the host runs in ring 3, where POPF cannot clear it.
      g.out.push(0x68, ...le((rng.u32() & 0xcd5) | 0x202, 4), 0x9d);
      g.undef = 0;
      g.names.push('popf');
      return;
    }
    case 7: { // CALL to the next instruction (pushes RIP); RET through a pushed address
      if (g.stack > 180) return;
      if (rng.chance(0.5)) { g.out.push(0xe8, 0, 0, 0, 0); g.stack += 8; g.names.push('call'); return; }
      const imm = rng.chance(0.5);
      if (imm) { g.out.push(0x50); }                                           // push rax: RET 8 drops it
      const tail = imm ? 4 : 2;                                                // push rax; ret [8]
      g.out.push(0x48, 0x8d, 0x05, ...le(tail, 4), 0x50, ...(imm ? [0xc2, 8, 0] : [0xc3]));
      g.names.push(imm ? 'ret imm' : 'ret');
      return;
    }
    case 8: { // Jcc / JMP short / LOOP / JRCXZ over the next instruction
      const kind = rng.below(4);
      const save = g.out.length;
      if (kind !== 1) defineFlags(g);
      const before = g.out.length, undefBefore = g.undef;
      generic(g);
      // The skipped instruction may or may not have run: what either way leaves undefined is.
      g.undef |= undefBefore;
      const body = g.out.splice(before);
      if (body.length > 127) { g.out.length = save; return; }
      if (kind === 0) g.out.push(0x70 | rng.below(16), body.length);
      else if (kind === 1) g.out.push(0xeb, body.length);
      else if (kind === 2) { movImm32(g, 1, rng.below(3)); g.out.push(rng.pick([0xe0, 0xe1, 0xe2]), body.length); }
      else g.out.push(0xe3, body.length);
      g.out.push(...body);
      g.names.push(['jcc', 'jmp', 'loop', 'jrcxz'][kind]);
      return;
    }
    case 9: { // ENTER (levels 0-1), LEAVE after it
      if (g.rbpFrame && rng.chance(0.6)) { g.out.push(0xc9); g.rbpFrame = false; g.stack = g.enterStack; g.names.push('leave'); return; }
      if (g.stack > 120) return;
      const size = rng.below(48) & ~7, level = rng.below(2);
      g.enterStack = g.stack;
      g.out.push(0xc8, size, 0, level);
      g.stack += 8 + level * 8 + size;
      g.rbpFrame = true;
      g.names.push('enter');
      return;
    }
    case 10: { // XCHG r, rAX with REX.B (90+r), and NOP
      const r = rng.pick(WRITABLE);
      const w = rng.chance(0.5) ? 8 : 0;
      if (r >= 8 || w) g.out.push(0x40 | w | (r >= 8 ? 1 : 0));
      g.out.push(0x90 | (r & 7));
      g.names.push('xchg rax');
      return;
    }
    case 11: { // CLD / STD / CLC / STC / CMC / SAHF / LAHF
      const k = rng.below(7);
      if (k === 6) defineFlags(g);
      if (k === 4) defineFlags(g);
      g.out.push([0xfc, 0xfd, 0xf8, 0xf9, 0xf5, 0x9e, 0x9f][k]);
      if (k === 5) g.undef &= ~(SF | ZF | AF | PF | CF);
      if (k === 2 || k === 3) g.undef &= ~CF;
      g.names.push(['cld', 'std', 'clc', 'stc', 'cmc', 'sahf', 'lahf'][k]);
      return;
    }
    case 13: { // an opcode 64-bit mode removed: #UD on both (not 40-4F, C4/C5, 62: REX, VEX, EVEX there)
      const op = rng.pick([0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61, 0x82, 0x9a, 0xce, 0xd4, 0xd5, 0xd6, 0xea]);
      g.out.push(op, ...(op === 0x82 ? [0xc0, 1] : op === 0x9a || op === 0xea ? [0, 0, 0, 0, 8, 0] : op === 0xd4 || op === 0xd5 ? [10] : []));
      g.names.push(`invalid ${op.toString(16)}`);
      return;
    }
    case 12: { // MASKMOVDQU to [RDI]
      leaNear(g, 7, 64 + rng.below(320));
      const a = rng.below(16), b = rng.below(16);
      const rex = rexFor(0, a, b);
      g.out.push(0x66, ...(rex ? [rex] : []), 0x0f, 0xf7, 0xc0 | ((a & 7) << 3) | (b & 7));
      g.names.push('maskmovdqu');
      return;
    }
    default: { // JMP/CALL near through a register holding the next instruction's address
      const r = rng.pick([0, 1, 2, 3, 6, 7]);
      const call = rng.chance(0.5) && g.stack < 200;
      // lea r, [rip + 3]; call/jmp r (3 bytes with the REX-less form)
      g.out.push(0x48, 0x8d, 0x05 | (r << 3), ...le(2, 4), 0xff, (call ? 0xd0 : 0xe0) | r);
      if (call) g.stack += 8;
      g.names.push(call ? 'call r' : 'jmp r');
    }
  }
}

const F64_SPECIALS = [0, 0x8000000000000000n, 0x3ff0000000000000n, 0x7ff0000000000000n, 0xfff8000000000000n, 0x0000000000000001n, 0x7ff4000000000000n, 0x43e0000000000000n, 0xc3e0000000000000n];

function randomXmm(rng: Rng): Uint8Array {
  const x = new Uint8Array(256);
  rng.fill(x);
  const v = new DataView(x.buffer);
  for (let i = 0; i < 32; i++) {
    if (rng.chance(0.25)) v.setBigUint64(i * 8, BigInt(rng.pick(F64_SPECIALS)), true);
    else if (rng.chance(0.2)) { v.setFloat32(i * 8, (rng.u32() % 2000) / 8 - 100, true); v.setFloat32(i * 8 + 4, rng.u32() % 77, true); }
    else if (rng.chance(0.2)) v.setFloat64(i * 8, (rng.u32() % 100000) / 16 - 3000, true);
  }
  return x;
}

/** One case: a random sequence of 1-8 instructions. */
export function generateCase64(rng: Rng): Case64 {
  const g: Gen = { rng, out: [], names: [], undef: 0, stack: 0, rbpFrame: false, enterStack: 0 };
  const n = 1 + rng.below(8);
  for (let i = 0; i < n && g.out.length < CODE_MAX - 64; i++) {
    if (rng.chance(0.25)) special(g); else generic(g);
  }
  const lo = new Int32Array(16), hi = new Int32Array(16);
  for (let r = 0; r < 16; r++) {
    lo[r] = rng.chance(0.2) ? rng.pick(EDGES) | 0 : rng.u32() | 0;
    hi[r] = rng.chance(0.3) ? (rng.chance(0.5) ? 0 : -1) : rng.u32() | 0;
  }
  lo[4] = STACK_TOP; hi[4] = 0;
  lo[12] = NEAR_ADDR + R12_OFF; hi[12] = 0;
  lo[13] = (FAR_ADDR + R12_OFF) % 2 ** 32 | 0; hi[13] = Math.floor(FAR_ADDR / 2 ** 32);
  lo[14] = rng.below(16); hi[14] = 0;
  const near = new Uint8Array(WINDOW), far = new Uint8Array(WINDOW);
  rng.fill(near); rng.fill(far);
  const rflags = (rng.u32() & 0xcd5) | 2;
  let mxcsr = 0x1f80 | (rng.below(4) << 13);
  if (rng.chance(0.2)) mxcsr |= 0x8000;                       // FTZ
  if (rng.chance(0.2)) mxcsr |= 0x40;                         // DAZ
  if (rng.chance(0.1)) mxcsr &= ~(rng.below(64) << 7);        // some exceptions unmasked
  return {
    names: g.names, code: Uint8Array.from(g.out), lo, hi, rflags, mxcsr, xmm: randomXmm(rng), near, far,
    undefinedFlags: g.undef & STATUS_FLAGS,
  };
}
