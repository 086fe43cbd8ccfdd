// The dispatch tables: one handler per opcode of the one-byte map and of the 0F map, filled
// from the family files. An opcode no family claims raises #UD; two families claiming one
// opcode is a bug caught when this module loads. test/cpu/instruction-forms.test.ts checks
// the tables against the instruction description in emulator/isa/.

import { UD } from './constants';
import type { Family, Handler } from './handler';
import { ARITH } from './arith';
import { BCD } from './bcd';
import { BIT_OPS } from './bit-ops';
import { CONTROL } from './control';
import { DATA_MOVE } from './data-move';
import { FLAGS_CONTROL } from './flags-control';
import { IO } from './io';
import { SHIFT_ROTATE } from './shift-rotate';
import { STACK } from './stack';
import { STRING } from './string';
import { SYSTEM_OPS } from './system-ops';
import { X87 } from './x87-ops';

export const FAMILIES: readonly Family[] = [
  ARITH, BCD, BIT_OPS, CONTROL, DATA_MOVE, FLAGS_CONTROL, IO, SHIFT_ROTATE, STACK, STRING, SYSTEM_OPS, X87,
];

/** The handler of every opcode nothing implements. */
export const undefinedOpcode: Handler = (cpu) => cpu.fault(UD);

/** Which family handles each opcode ('' for none): for the consistency test and the docs. */
export const ONE_BYTE_FAMILY: string[] = new Array<string>(256).fill('');
export const TWO_BYTE_FAMILY: string[] = new Array<string>(256).fill('');

function build(which: 'oneByte' | 'twoByte', owners: string[]): Handler[] {
  // Filled with one function from the start so the array stays packed (no holes to check).
  const table: Handler[] = Array.from({ length: 256 }, () => undefinedOpcode);
  for (const f of FAMILIES) {
    for (const [key, h] of Object.entries(f[which])) {
      const op = Number(key);
      if (owners[op] !== '') throw new Error(`opcode ${which === 'twoByte' ? '0F ' : ''}${op.toString(16)} claimed by ${owners[op]} and ${f.name}`);
      owners[op] = f.name;
      table[op] = h;
    }
  }
  return table;
}

export const ONE_BYTE: readonly Handler[] = build('oneByte', ONE_BYTE_FAMILY);
export const TWO_BYTE: readonly Handler[] = build('twoByte', TWO_BYTE_FAMILY);
