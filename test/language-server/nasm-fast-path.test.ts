// The NASM parser's shortcut for ordinary lines must never change a result: for generated
// lines (instruction-like words in every case, labels, data, comments, strings, prefixes),
// parseNasmLine equals the full parse.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableMnemonics } from '../../emulator/isa';
import { parseNasmLine, parseNasmLineFull } from '../../language-server/analyzer/nasm-line';

const WORDS = ['mov', 'MOV', 'push', 'add', 'db', 'DB', 'dd', 'resb', 'equ', 'times', 'rep', 'lock', 'section', 'label', 'hlt_x', 'x1', '_y',
  'call', 'ret', 'jmp', 'dx', 'al', 'cr3', 'CR0', 'dr7', 'cs', 'ss', 'es', 'eax', 'incbin', 'global', 'bits', 'org', 'o16', 'out', 'in',
  ...tableMnemonics(), 'Hlt', 'CLI', 'Str', 'PuShFd'];
const SEP = [' ', '  ', '\t', ', ', ',', ':', ': ', ' ; paravirt: ignore', ' ; x', '; paravirt: target=hvm', ' "s;t"', " 'q'", ' [ebx+4]', ' 0x10', '\r', '.', '%%', '%', '$'];

test('ordinary-line shortcut agrees with the full NASM parse on 20,000 generated lines', () => {
  let seed = 12345;
  const r = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296; };
  for (let n = 0; n < 20000; n++) {
    let line = r() < 0.5 ? '    ' : '';
    const parts = 1 + Math.floor(r() * 5);
    for (let k = 0; k < parts; k++) line += WORDS[Math.floor(r() * WORDS.length)] + SEP[Math.floor(r() * SEP.length)];
    assert.deepEqual(parseNasmLine(line), parseNasmLineFull(line), JSON.stringify(line));
  }
});
