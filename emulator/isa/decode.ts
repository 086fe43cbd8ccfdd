// Decoding by the opcode-form description: which form the bytes at hand encode, how long the
// instruction is and its mnemonic, or null for everything the CPU answers with #UD. Used by
// the disassembly views, the exit log, PV privileged-op emulation and the CPU's 15-byte check;
// test/cpu/decode-info.test.ts and npm run conformance hold it to iced-x86.

import { OPCODE_FORMS } from './opcode-forms';
import type { OpcodeForm } from './form-types';

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
  /** Operand size in bits (16 or 32) after any 66 prefix. */
  readonly operandBits: 16 | 32;
}

function repAllows(rule: OpcodeForm['rep'], rep: number): boolean {
  switch (rule) {
    case 'none': return rep === 0;
    case 'f3': return rep === 0xf3;
    case 'none-or-f2': return rep !== 0xf3;
    default: return true;
  }
}

/**
 * The form at bytes[0] (prefixes first), or null when the CPU raises #UD for it or it does
 * not fit in maxLength (15, the architectural limit) or in the buffer.
 */
export function decodeForm(bytes: Uint8Array, is32: boolean, maxLength = 15): DecodedForm | null {
  let i = 0;
  let o32 = is32, a32 = is32, rep = 0, lock = false;
  const n = Math.min(bytes.length, maxLength);
  let b: number;
  for (;;) {
    if (i >= n) return null;
    b = bytes[i++];
    if (b === 0x66) o32 = !is32;
    else if (b === 0x67) a32 = !is32;
    else if (b === 0xf2 || b === 0xf3) rep = b;
    else if (b === 0xf0) lock = true;
    else if (!SEGMENT_PREFIX.has(b)) break;
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
  const mandatory = rep === 0xf3 ? 'f3' : rep === 0xf2 ? 'f2' : o32 !== is32 ? '66' : 'np';
  for (const f of list) {
    if (f.prefix !== undefined && f.prefix !== mandatory) continue;
    if (f.modrmByte !== undefined ? f.modrmByte !== m : f.reg !== undefined && f.reg !== reg) continue;
    if (f.modrmByte === undefined && !f.registerOnly && ((f.mod === 'mem' && mod === 3) || (f.mod === 'reg' && mod !== 3))) continue;
    if (!repAllows(f.rep, rep)) continue;
    if (f.fixedOperandSize && o32 !== is32) continue;
    form = f;
    break;
  }
  if (form === null) return null;
  if (lock && !(form.lock && hasModrm && mod !== 3)) return null;
  if (hasModrm && mod !== 3 && !form.registerOnly) {
    const rm = m & 7;
    if (a32) {
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
    case 'v': case 'jv': i += o32 ? 4 : 2; break;
    case 'ptr': i += o32 ? 6 : 4; break;
    case 'enter': i += 3; break;
    case 'moffs': i += a32 ? 4 : 2; break;
  }
  if (i > n) return null;
  const mn = form.mnemonic;
  const wide = form.sizedBy === 'address' ? a32 : o32;
  const mnemonic = typeof mn === 'string' ? mn : mn[wide ? 1 : 0];
  return { form, length: i, mnemonic, opcodeAt, modrmByte: m, operandBits: o32 ? 32 : 16 };
}

/**
 * Length and base mnemonic (iced-x86's lowercase naming) of the instruction at bytes[0],
 * or null if the CPU raises #UD for it (or it does not fit in 15 bytes / the buffer).
 */
export function decodeInfo(bytes: Uint8Array, is32: boolean, maxLength = 15): { length: number; mnemonic: string } | null {
  const d = decodeForm(bytes, is32, maxLength);
  return d === null ? null : { length: d.length, mnemonic: d.mnemonic };
}

/** Every form of an opcode (for the CPU's tables and the consistency tests). */
export function formsOf(map: OpcodeForm['map'], opcode: number): readonly OpcodeForm[] {
  return MAPS[map][opcode];
}
