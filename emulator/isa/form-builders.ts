// Shorthand for writing opcode forms (opcode-forms.ts, and the forms of the entries in
// instruction-table.ts): op1(0xf4, 'hlt', '', 'system', END) reads as the SDM's opcode maps do.

import type { CpuFamily, Immediate, OpcodeForm } from './form-types';

export type FormOptions = Partial<Omit<OpcodeForm, 'map' | 'opcode' | 'mnemonic' | 'operands' | 'family'>>;

function form(map: OpcodeForm['map'], opcode: number, mnemonic: OpcodeForm['mnemonic'], operands: string, family: CpuFamily, o: FormOptions): OpcodeForm {
  return Object.freeze({ map, opcode, mnemonic, operands, family, modrm: false, imm: 'none', ...o }) as OpcodeForm;
}

/** A one-byte-map form. */
export function op1(opcode: number, mnemonic: OpcodeForm['mnemonic'], operands: string, family: CpuFamily, o: FormOptions = {}): OpcodeForm {
  return form('one', opcode, mnemonic, operands, family, o);
}

/** A 0F-map form. */
export function op0f(opcode: number, mnemonic: OpcodeForm['mnemonic'], operands: string, family: CpuFamily, o: FormOptions = {}): OpcodeForm {
  return form('0f', opcode, mnemonic, operands, family, o);
}

/** A form of the three-byte maps 0F 38 and 0F 3A. */
export function op0f38(opcode: number, mnemonic: OpcodeForm['mnemonic'], operands: string, family: CpuFamily, o: FormOptions = {}): OpcodeForm {
  return form('0f38', opcode, mnemonic, operands, family, o);
}
export function op0f3a(opcode: number, mnemonic: OpcodeForm['mnemonic'], operands: string, family: CpuFamily, o: FormOptions = {}): OpcodeForm {
  return form('0f3a', opcode, mnemonic, operands, family, o);
}

/** A ModR/M byte follows. */
export const M = { modrm: true } as const;
/** A compiled block ends before it. */
export const END = { endsBlock: true } as const;
/** A compiled block ends right after it, which the interpreter runs from inside the block. */
export const END_AFTER = { endsBlock: 'after' } as const;
export const imm = (i: Immediate): FormOptions => ({ imm: i });
/** #UD in 64-bit mode (the opcode is gone or is something else there). */
export const NO64 = { mode64: 'invalid' } as const;
/** Exists only in 64-bit mode. */
export const ONLY64 = { mode64: 'only' } as const;
/** 64-bit operand size by default in 64-bit mode (66 makes it 16; REX.W changes nothing). */
export const D64 = { size64: 'default64' } as const;
/** 64-bit operand size whatever the prefixes in 64-bit mode. */
export const F64 = { size64: 'fixed64' } as const;
