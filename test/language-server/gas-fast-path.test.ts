// The GAS parser's shortcut for ordinary lines must never change a result: for generated
// lines in both syntaxes, with and without cpp, parseGasLine equals the full parse.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableMnemonics } from '../../emulator/isa';
import { INTEL, IN_COMMENT, parseGasLine, parseGasLineFull } from '../../language-server/analyzer/gas-line';

const WORDS = ['movl', 'mov', 'MOVL', 'pushl', 'push', 'addl', 'call', 'ret', 'jmp', 'x', '_y1', 'label', 'outb', 'inb', 'insl', 'outsw',
  'pushfl', 'popfw', 'iretl', 'lidtl', 'rep', 'lock', 'data16', '.text', '.set', '.macro', '.endm', '.include', '.intel_syntax',
  '%cr3', '%eax', '$1', '%ss', '%cs', '%db7', 'cr0', 'eax', ...tableMnemonics(), 'Hlt', 'CLI'];
const SEP = [' ', '  ', '\t', ', ', ',', ':', ': ', ' = ', '=', ' # paravirt: ignore', ' # x', ';', '; ', ' /* c */ ', ' /*', '*/', ' // x',
  ' "s;t"', '\r', '(%ebx)', '$', '#', '1:', ' 1f'];

test('ordinary-line shortcut agrees with the full GAS parse on 20,000 generated lines', () => {
  let seed = 777;
  const r = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296; };
  for (let n = 0; n < 20000; n++) {
    let line = r() < 0.5 ? '    ' : '';
    const parts = 1 + Math.floor(r() * 5);
    for (let k = 0; k < parts; k++) line += WORDS[Math.floor(r() * WORDS.length)] + SEP[Math.floor(r() * SEP.length)];
    const state = [0, INTEL, IN_COMMENT, INTEL | IN_COMMENT][Math.floor(r() * 4)];
    const cpp = r() < 0.5;
    assert.deepEqual(parseGasLine(line, state, cpp), parseGasLineFull(line, state, cpp), JSON.stringify([line, state, cpp]));
  }
});
