// How the analyzer knows the mode of a line (language-server/analyzer/bitness.ts), on the
// analyzer's documents: NASM and GAS directives, C architecture regions, the marker comment,
// the build's defines, 64-bit register names and file names, in the order bitness.ts gives.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnalyzedDocument } from '../../language-server/analyzer/document';
import { lintFiles } from '../../language-server/analyzer/lint';
import type { DefineSet } from '../../language-server/analyzer/preprocessor';

function modes(path: string, text: string, defines?: DefineSet): number[] {
  const d = AnalyzedDocument.create(path, text)!;
  return text.split('\n').map((_, i) => d.bitsAt(i, defines));
}

test('NASM: bits, [BITS], use16/32/64 and the marker switch the mode where they stand', () => {
  assert.deepEqual(modes('/k/a.asm', 'hlt\nbits 64\nhlt\n[BITS 16]\nhlt\nuse32\nhlt\n; paravirt: bits=64\nhlt'), [32, 64, 64, 16, 16, 32, 32, 64, 64]);
  assert.deepEqual(modes('/k/a.asm', 'section .text\n  BITS 64 ; long mode\n  hlt'), [32, 64, 64]);
  // A comment or a label named like a directive does not switch.
  assert.deepEqual(modes('/k/a.asm', '; bits 64 later\nhlt\nbits32:\nhlt'), [32, 32, 32, 32]);
});

test('GAS: .code64, .code32, .code16 and .code16gcc', () => {
  assert.deepEqual(modes('/k/a.S', '.code16gcc\nhlt\n.code32\nhlt\n.code64\nhlt\n.code16\nhlt'), [16, 16, 32, 32, 64, 64, 16, 16]);
});

test('no directive: 64-bit register names make the file 64-bit, else its name or folder, else 32', () => {
  assert.deepEqual(modes('/k/a.s', 'hlt\nmovq %rsp, %rbp'), [64, 64]);
  assert.deepEqual(modes('/k/a.asm', 'hlt\nmov r8d, 1'), [64, 64]);
  assert.deepEqual(modes('/k/a.asm', 'hlt\nmov eax, [rel x]'), [64, 64]);
  assert.deepEqual(modes('/k/a.asm', 'hlt\nmov eax, ebx ; the rax of it, in a comment, counts too'), [64, 64]);
  assert.deepEqual(modes('/k/a.asm', 'hlt\nmov eax, ebx'), [32, 32]);
  assert.deepEqual(modes('/k/a.asm', 'hlt\n; rip out the old table\nmov eax, ebx'), [32, 32, 32]);
  assert.deepEqual(modes('/k/a.asm', 'hlt\nmov eax, [rip + msg]'), [64, 64]);
  assert.deepEqual(modes('/k/a.s', 'hlt\nmovl msg(%rip), %eax'), [64, 64]);
  assert.deepEqual(modes('/k/entry_64.S', 'hlt'), [64]);
  assert.deepEqual(modes('/k/hvm64/boot.asm', 'hlt'), [64]);
  assert.deepEqual(modes('/k/x86_64/a.c', 'void f(void) { asm("hlt"); }'), [64]);
  assert.deepEqual(modes('/k/head_32.S', 'hlt'), [32]);
  // A directive wins over the name.
  assert.deepEqual(modes('/k/entry_64.S', '.code32\nhlt'), [32, 32]);
});

test('C: __x86_64__ / __i386__ / CONFIG_X86_64 regions, #else, #ifndef, nesting; the marker and the defines outside them', () => {
  const text = [
    'void f(void) {',               // 0  default
    '#ifdef __x86_64__',            // 1
    '  asm("swapgs");',             // 2  64
    '#else',                        // 3
    '  asm("hlt");',                // 4  32
    '#endif',                       // 5
    '#if defined(CONFIG_X86_32)',   // 6
    '  asm("hlt");',                // 7  32
    '# ifdef DEBUG',                // 8
    '  asm("hlt");',                // 9  32 (inherited)
    '# endif',                      // 10
    '#elif defined(__x86_64__)',    // 11
    '  asm("hlt");',                // 12 64
    '#endif',                       // 13
    '#ifndef __x86_64__',           // 14
    '  asm("hlt");',                // 15 32
    '#endif',                       // 16
    '#if defined(__x86_64__) && defined(DEBUG)', // 17: not only about the mode
    '  asm("hlt");',                // 18 default
    '#endif',                       // 19
    '}',
  ].join('\n');
  const m = modes('/k/a.c', text);
  assert.deepEqual([m[0], m[2], m[4], m[7], m[9], m[12], m[15], m[18]], [32, 64, 32, 32, 32, 64, 32, 32]);
  const withDefines = modes('/k/a.c', text, { macros: new Map([['__x86_64__', '1']]), complete: true, source: 'compile_commands.json' });
  assert.deepEqual([withDefines[0], withDefines[4], withDefines[18]], [64, 32, 64]);
  const marked = modes('/k/a.c', '/* paravirt: bits=64 */\n' + text);
  assert.deepEqual([marked[1], marked[5]], [64, 32]);
});

test('edits keep the mode up to date (directive lines and register counts follow the text)', () => {
  const d = AnalyzedDocument.create('/k/a.asm', 'hlt\nhlt\nhlt')!;
  assert.equal(d.bitsAt(2), 32);
  d.applyChange({ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 3 } }, text: 'bits 64' });
  assert.deepEqual([d.bitsAt(0), d.bitsAt(2)], [32, 64]);
  d.applyChange({ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 7 } }, text: 'mov rax, 1' });
  assert.deepEqual([d.bitsAt(0), d.bitsAt(2)], [64, 64]);
  d.applyChange({ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 10 } }, text: 'nop' });
  assert.deepEqual([d.bitsAt(0), d.bitsAt(2)], [32, 32]);
});

test('C: the build decides where the file says nothing (compile_commands.json: -m32 or not; -D __x86_64__)', () => {
  const ring = (command: string | null, define: string[] = []): string[] => {
    const root = mkdtempSync(join(tmpdir(), 'pv-bits-'));
    writeFileSync(join(root, 'k.c'), 'void idle(void) { __asm__ volatile("hlt"); }\n');
    if (command) writeFileSync(join(root, 'compile_commands.json'), JSON.stringify([{ directory: root, file: 'k.c', command }]));
    const r = lintFiles([root], { cwd: root, define });
    return r.results.flatMap((x) => x.findings.map((f) => /ring (\d)/.exec(f.message)![1]));
  };
  assert.deepEqual(ring(null), ['1']);
  assert.deepEqual(ring('gcc -O2 -c k.c'), ['3']);
  assert.deepEqual(ring('gcc -m32 -O2 -c k.c'), ['1']);
  assert.deepEqual(ring(null, ['__x86_64__']), ['3']);
});

test('a preprocessed .S file takes the build\'s mode from the defines too; a NASM file does not', () => {
  const defs: DefineSet = { macros: new Map([['__x86_64__', '1']]), complete: false, source: "the project's defines" };
  assert.deepEqual(modes('/k/a.S', 'hlt', defs), [64]);
  assert.deepEqual(modes('/k/a.asm', 'hlt', defs), [32]);
  assert.deepEqual(modes('/k/a.S', '.code32\nhlt', defs), [32, 32]);
});

test('the target marker may carry the mode: target=pv64, target=hvm32', () => {
  const d = AnalyzedDocument.create('/k/a.asm', '; paravirt: target=pv64\nhlt')!;
  assert.equal(d.targetOverride(), 'pv');
  assert.deepEqual([d.bitsAt(0), d.bitsAt(1)], [64, 64]);
  const c = AnalyzedDocument.create('/k/a.c', '/* paravirt: target=hvm64 */\nvoid f(void) { asm("hlt"); }')!;
  assert.equal(c.targetOverride(), 'hvm');
  assert.equal(c.bitsAt(1), 64);
  assert.deepEqual(modes('/k/a.S', '# paravirt: target=pv32\nmovq %rax, %rbx\nhlt'), [32, 32, 32]);
});
