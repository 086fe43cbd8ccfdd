// Decoding by the opcode-form description: which form the bytes at hand encode, how long the
// instruction is and its mnemonic, or null for everything the CPU answers with #UD, in 16-,
// 32- or 64-bit code (REX, 64-bit operand and address sizes, the forms' 64-bit attributes). Used by
// the disassembly views, the exit log, PV privileged-op emulation and the CPU's 15-byte check;
// test/cpu/decode-info.test.ts and npm run conformance hold it to iced-x86.

import { OPCODE_FORMS } from './opcode-forms';
import type { CodeBits, OpcodeForm } from './form-types';

/** Forms by opcode, the ModR/M-byte-specific ones first so they win over reg forms. */
const ONE: OpcodeForm[][] = Array.from({ length: 256 }, () => []);
const TWO: OpcodeForm[][] = Array.from({ length: 256 }, () => []);
const T38: OpcodeForm[][] = Array.from({ length: 256 }, () => []);
const T3A: OpcodeForm[][] = Array.from({ length: 256 }, () => []);
const MAPS = { one: ONE, '0f': TWO, '0f38': T38, '0f3a': T3A } as const;
for (const f of OPCODE_FORMS) MAPS[f.map][f.opcode].push(f);
for (const list of [...ONE, ...TWO, ...T38, ...T3A]) list.sort((a, b) => (a.modrmByte === undefined ? 1 : 0) - (b.modrmByte === undefined ? 1 : 0));

const SEGMENT_PREFIX = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65]);

export interface DecodedForm {
  readonly form: OpcodeForm;
  readonly length: number;
  readonly mnemonic: string;
  /** Offset of the opcode byte (after the prefixes) and the ModR/M byte (0 when none). */
  readonly opcodeAt: number;
  readonly modrmByte: number;
  /** Operand size in bits after 66, REX.W and the form's 64-bit default. */
  readonly operandBits: 16 | 32 | 64;
  /** Address size in bits after 67. */
  readonly addressBits: 16 | 32 | 64;
  /** The REX prefix in force (0x40-0x4F), 0 when none or when a legacy prefix followed it. */
  readonly rex: number;
}

function repAllows(rule: OpcodeForm['rep'], rep: number): boolean {
  switch (rule) {
    case 'none': return rep === 0;
    case 'f3': return rep === 0xf3;
    case 'none-or-f2': return rep !== 0xf3;
    default: return true;
  }
}

/** A REX bit condition of a form against the REX byte (bit 8 W, 4 R, 1 B). */
function rexAllows(want: boolean | undefined, rex: number, bit: number): boolean {
  return want === undefined || want === ((rex & bit) !== 0);
}

function operandSize(form: OpcodeForm, bits: CodeBits, p66: boolean, rex: number): 16 | 32 | 64 {
  if (bits !== 64) return (bits === 32) !== p66 ? 32 : 16;
  if (form.size64 === 'fixed64' || (rex & 8) !== 0) return 64;
  if (p66) return 16;
  return form.size64 === 'default64' ? 64 : 32;
}

function sizedName(mn: OpcodeForm['mnemonic'], size: 16 | 32 | 64): string {
  if (typeof mn === 'string') return mn;
  if (size === 16) return mn[0];
  return size === 64 && mn.length === 3 ? mn[2] : mn[1];
}

/**
 * The form at bytes[0] (prefixes first), or null when the CPU raises #UD for it or it does
 * not fit in maxLength (15, the architectural limit) or in the buffer. `bits` is the code
 * size: 16 or 32 (real, protected and compatibility mode by CS.D) or 64 (64-bit mode); a
 * boolean means 32 (true) or 16 (false).
 */
export function decodeForm(bytes: Uint8Array, bits: CodeBits | boolean, maxLength = 15): DecodedForm | null {
  const mode: CodeBits = bits === true ? 32 : bits === false ? 16 : bits;
  const long = mode === 64;
  let i = 0;
  let p66 = false, p67 = false, rep = 0, lock = false, rex = 0;
  const n = Math.min(bytes.length, maxLength);
  let b: number;
  for (;;) {
    if (i >= n) return null;
    b = bytes[i++];
    // In 64-bit mode 40-4F are REX: the last one counts, and only right before the opcode.
    if (long && (b & 0xf0) === 0x40) { rex = b; continue; }
    if (b === 0x66) p66 = true;
    else if (b === 0x67) p67 = true;
    else if (b === 0xf2 || b === 0xf3) rep = b;
    else if (b === 0xf0) lock = true;
    else if (!SEGMENT_PREFIX.has(b)) break;
    rex = 0;
  }
  const opcodeAt = i - 1;
  let list: OpcodeForm[];
  if (b === 0x0f) {
    if (i >= n) return null;
    b = bytes[i++];
    if (b === 0x38 || b === 0x3a) {
      const three = b === 0x38 ? T38 : T3A;
      if (i >= n) return null;
      b = bytes[i++];
      list = three[b];
    } else list = TWO[b];
  } else list = ONE[b];
  if (list.length === 0) return null;
  let m = 0, mod = 3, reg = 0;
  const hasModrm = list[0].modrm;
  if (hasModrm) {
    if (i >= n) return null;
    m = bytes[i++];
    mod = m >> 6; reg = (m >> 3) & 7;
  }
  let form: OpcodeForm | null = null;
  const mandatory = rep === 0xf3 ? 'f3' : rep === 0xf2 ? 'f2' : p66 ? '66' : 'np';
  for (const f of list) {
    if (f.mode64 !== undefined && (f.mode64 === 'only') !== long) continue;
    if (f.prefix !== undefined && f.prefix !== mandatory) continue;
    if (f.modrmByte !== undefined ? f.modrmByte !== m : f.reg !== undefined && f.reg !== reg) continue;
    if (f.modrmByte === undefined && !f.registerOnly && ((f.mod === 'mem' && mod === 3) || (f.mod === 'reg' && mod !== 3))) continue;
    if (!repAllows(f.rep, rep)) continue;
    if (f.fixedOperandSize && p66) continue;
    if (!rexAllows(f.rexW, rex, 8) || !rexAllows(f.rexR, rex, 4) || !rexAllows(f.rexB, rex, 1)) continue;
    form = f;
    break;
  }
  if (form === null) return null;
  if (lock && !(form.lock && hasModrm && mod !== 3)) return null;
  const o = operandSize(form, mode, p66, rex);
  const a: 16 | 32 | 64 = long ? (p67 ? 32 : 64) : (mode === 32) !== p67 ? 32 : 16;
  if (hasModrm && mod !== 3 && !form.registerOnly) {
    const rm = m & 7;
    // 32- and 64-bit addressing have the same layout; mod 00 r/m 101 is RIP-relative in 64-bit mode, still disp32.
    if (a !== 16) {
      if (rm === 4) {
        if (i >= n) return null;
        const sib = bytes[i++];
        if ((sib & 7) === 5 && mod === 0) i += 4;
      } else if (rm === 5 && mod === 0) i += 4;
      if (mod === 1) i += 1; else if (mod === 2) i += 4;
    } else {
      if (rm === 6 && mod === 0) i += 2;
      if (mod === 1) i += 1; else if (mod === 2) i += 2;
    }
  }
  switch (form.imm) {
    case 'b': i += 1; break;
    case 'w': i += 2; break;
    case 'v': case 'jv': i += o === 16 ? 2 : 4; break;
    case 'v64': i += o === 64 ? 8 : o === 32 ? 4 : 2; break;
    case 'ptr': i += o === 16 ? 4 : 6; break;
    case 'enter': i += 3; break;
    case 'moffs': i += a === 64 ? 8 : a === 32 ? 4 : 2; break;
  }
  if (i > n) return null;
  const mnemonic = sizedName(form.mnemonic, form.sizedBy === 'address' ? a : o);
  return { form, length: i, mnemonic, opcodeAt, modrmByte: m, operandBits: o, addressBits: a, rex };
}

/**
 * Length and base mnemonic (iced-x86's lowercase naming) of the instruction at bytes[0],
 * or null if the CPU raises #UD for it (or it does not fit in 15 bytes / the buffer).
 */
export function decodeInfo(bytes: Uint8Array, bits: CodeBits | boolean, maxLength = 15): { length: number; mnemonic: string } | null {
  const d = decodeForm(bytes, bits, maxLength);
  return d === null ? null : { length: d.length, mnemonic: d.mnemonic };
}

/** Every form of an opcode (for the CPU's tables and the consistency tests). */
export function formsOf(map: OpcodeForm['map'], opcode: number): readonly OpcodeForm[] {
  return MAPS[map][opcode];
}
