// The dispatch tables: one handler per opcode of the one-byte map and of the 0F map, built
// from the opcode-form description in emulator/isa (which family executes each opcode) and
// the handlers the family files export. A disagreement between the two fails at load;
// test/cpu/instruction-forms.test.ts checks the same from the test side.

import * as K from './constants';
import { OPCODE_FORMS } from '../isa/opcode-forms';
import type { Family, Handler } from './handler';
import { ARITH } from './arith';
import { BCD } from './bcd';
import { BIT_OPS } from './bit-ops';
import { CONTROL } from './control';
import { DATA_MOVE } from './data-move';
import { FLAGS_CONTROL } from './flags-control';
import { IO } from './io';
import { SHIFT_ROTATE } from './shift-rotate';
import { SSE_FLOAT } from './sse-float';
import { SSE_INT } from './sse-int';
import { SSE_MOVE } from './sse-move';
import { SSE_SSSE3 } from './sse-ssse3';
import { STACK } from './stack';
import { STRING } from './string';
import { SYSTEM_OPS } from './system-ops';
import { X87 } from './x87-ops';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { UD } = K;

export const FAMILIES: readonly Family[] = [
  ARITH, BCD, BIT_OPS, CONTROL, DATA_MOVE, FLAGS_CONTROL, IO, SHIFT_ROTATE, STACK, STRING, SYSTEM_OPS, X87,
  SSE_MOVE, SSE_FLOAT, SSE_INT, SSE_SSSE3,
];

/** The handler of every opcode nothing implements. */
export const undefinedOpcode: Handler = (cpu) => cpu.fault(UD);

/** Which family handles each opcode ('' for none): for the consistency test and the docs. */
export const ONE_BYTE_FAMILY: string[] = new Array<string>(256).fill('');
export const TWO_BYTE_FAMILY: string[] = new Array<string>(256).fill('');
export const MAP_0F38_FAMILY: string[] = new Array<string>(256).fill('');
export const MAP_0F3A_FAMILY: string[] = new Array<string>(256).fill('');

/**
 * The table for one opcode map, driven by the opcode-form description: an opcode with forms
 * gets the handler of the family its forms name (all of one opcode's forms must name the same
 * family, which must export a handler for it); an opcode without forms is #UD, and so is a
 * handler a family exports for an opcode the description does not have (which the load
 * refuses, so that nothing runs that the decoder and the disassembly do not know).
 */
function build(map: 'one' | '0f' | '0f38' | '0f3a', owners: string[]): Handler[] {
  const which = map === 'one' ? 'oneByte' : map === '0f' ? 'twoByte' : map === '0f38' ? 'map0f38' : 'map0f3a';
  // Filled with one function from the start so the array stays packed (no holes to check).
  const table: Handler[] = Array.from({ length: 256 }, () => undefinedOpcode);
  const byName = new Map(FAMILIES.map((f) => [f.name, f]));
  const name = (op: number): string => `${map === 'one' ? '' : map === '0f' ? '0F ' : map === '0f38' ? '0F 38 ' : '0F 3A '}${op.toString(16).padStart(2, '0')}`;
  for (const f of OPCODE_FORMS) {
    // Forms of 64-bit mode alone (MOVSXD at ARPL's 63, XCHG r8 at NOP's 90) belong to the
    // 64-bit tables, not to these (legacy and compatibility mode).
    if (f.map !== map || f.mode64 === 'only') continue;
    const op = f.opcode;
    if (owners[op] !== '' && owners[op] !== f.family) throw new Error(`opcode ${name(op)}: forms name families ${owners[op]} and ${f.family}`);
    const h = byName.get(f.family)?.[which]?.[op];
    if (h === undefined) throw new Error(`opcode ${name(op)} (${String(f.mnemonic)}): family ${f.family} has no handler for it`);
    owners[op] = f.family;
    table[op] = h;
  }
  for (const fam of FAMILIES) {
    for (const key of Object.keys(fam[which] ?? {})) {
      if (owners[Number(key)] !== fam.name) throw new Error(`opcode ${name(Number(key))}: ${fam.name} has a handler the opcode forms do not give it`);
    }
  }
  return table;
}

export const ONE_BYTE: readonly Handler[] = build('one', ONE_BYTE_FAMILY);
export const MAP_0F38: readonly Handler[] = build('0f38', MAP_0F38_FAMILY);
export const MAP_0F3A: readonly Handler[] = build('0f3a', MAP_0F3A_FAMILY);
/** 0F 38 and 0F 3A are escapes: the next byte indexes the three-byte map. */
const escape38: Handler = (cpu) => { const b = cpu.fetch8(); MAP_0F38[b](cpu, b); };
const escape3a: Handler = (cpu) => { const b = cpu.fetch8(); MAP_0F3A[b](cpu, b); };
export const TWO_BYTE: readonly Handler[] = (() => {
  const t = build('0f', TWO_BYTE_FAMILY);
  if (TWO_BYTE_FAMILY[0x38] !== '' || TWO_BYTE_FAMILY[0x3a] !== '') throw new Error('0F 38 and 0F 3A are the three-byte escapes, not opcodes');
  t[0x38] = escape38; t[0x3a] = escape3a;
  return t;
})();

/**
 * The 64-bit mode tables: an opcode all of whose forms are invalid in 64-bit mode is #UD; one
 * with a 64-bit handler from a family its 64-bit-valid forms name gets it (so MOVSXD takes
 * ARPL's 63, and XCHG r8, rAX shares 90 with NOP through one handler); the rest run their
 * legacy handler. Fails at load: a 64-bit handler for an opcode whose 64-bit forms do not name
 * its family, two 64-bit handlers for one opcode, and an opcode with 64-bit forms but no
 * handler, or whose legacy handler belongs to another family than its 64-bit forms.
 */
function build64(map: 'one' | '0f', legacy: readonly Handler[], owners: readonly string[]): Handler[] {
  const which = map === 'one' ? 'oneByte64' : 'twoByte64';
  const name = (op: number): string => `${map === 'one' ? '' : '0F '}${op.toString(16).padStart(2, '0')}`;
  const table = legacy.slice();
  const families = Array.from({ length: 256 }, () => new Set<string>());
  const any = new Uint8Array(256);
  const only = new Uint8Array(256);
  const own = new Uint8Array(256);
  for (const f of OPCODE_FORMS) {
    if (f.map !== map) continue;
    any[f.opcode] = 1;
    if (f.mode64 === 'invalid') continue;
    if (f.mode64 === 'only') only[f.opcode] = 1;
    families[f.opcode].add(f.family);
  }
  for (let op = 0; op < 256; op++) if (any[op] && families[op].size === 0) table[op] = undefinedOpcode;
  for (const fam of FAMILIES) {
    for (const [key, h] of Object.entries(fam[which] ?? {})) {
      const op = Number(key);
      if (!families[op].has(fam.name)) throw new Error(`opcode ${name(op)}: ${fam.name} has a 64-bit handler the 64-bit forms do not give it`);
      if (own[op]) throw new Error(`opcode ${name(op)}: two 64-bit handlers`);
      own[op] = 1;
      table[op] = h;
    }
  }
  for (let op = 0; op < 256; op++) {
    if (own[op] || families[op].size === 0) continue;
    // Without a 64-bit handler the legacy one runs: it must exist and be the family of the
    // 64-bit forms (it then decodes the 64-bit-only forms itself, as group 7 does SWAPGS).
    if (table[op] === undefinedOpcode) throw new Error(`opcode ${name(op)}: ${only[op] ? 'a form only of 64-bit mode' : 'a 64-bit form'} without a handler`);
    if (families[op].size > 1 || !families[op].has(owners[op])) throw new Error(`opcode ${name(op)}: 64-bit forms of ${[...families[op]].join(' and ')} need a 64-bit handler`);
  }
  return table;
}

export const ONE_BYTE64: readonly Handler[] = build64('one', ONE_BYTE, ONE_BYTE_FAMILY);
export const TWO_BYTE64: readonly Handler[] = build64('0f', TWO_BYTE, TWO_BYTE_FAMILY);
