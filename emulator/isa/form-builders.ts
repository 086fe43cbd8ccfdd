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
export const imm = (i: Immediate): FormOptions => ({ imm: i });
