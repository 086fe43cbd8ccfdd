// C/C++ navigation through the LSP client over stdio: the outline (functions, types,
// namespaces, #define macros, labels defined inside asm templates), go-to-definition and
// references across #include'd headers (our own guest/paravirt.h among them), folding, and
// that edits keep the outline current.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentSymbol, FoldingRange, Location } from 'vscode-languageserver-protocol';
import { ensureServerBuilt, REPO, TestClient, uriOf } from './lsp-client';

const root = mkdtempSync(join(tmpdir(), 'pv-cnav-'));

const HEADER = [
  '#ifndef DEVICE_H',             // 0
  '#define DEVICE_H',             // 1
  '#define COM1 0x3f8',           // 2
  'struct device { int port; };', // 3
  'static inline int dev_port(const struct device *d) { return d->port; }', // 4
  '#endif',                       // 5
  '',
].join('\n');

const MAIN = [
  '#include "device.h"',                                   // 0
  '#include "paravirt.h"',                                 // 1
  '/* void not_a_function(void) { } */',                   // 2
  'static const char *msg = "int fake(void) { }";',        // 3
  'void isr_entry(void)',                                   // 4
  '{',                                                      // 5
  '    asm volatile("isr_common:\\n\\t"',                  // 6
  '                 "pusha\\n\\t"',                         // 7
  '                 "jmp isr_common");',                   // 8
  '}',                                                      // 9
  'static int probe(struct device *d) {',                   // 10
  '    if (dev_port(d) == COM1) { pv_halt(); }',            // 11
  '    return dev_port(d);',                                // 12
  '}',                                                      // 13
  'namespace drv { class Uart { public: void put(char c) { (void)c; } }; }', // 14
  '',
].join('\n');

describe('C navigation', () => {
  let c: TestClient;
  const main = join(root, 'main.c');
  const header = join(root, 'device.h');
  const at = (line: number, character: number) => ({ textDocument: { uri: uriOf(main) }, position: { line, character } });
  before(async () => {
    writeFileSync(header, HEADER);
    writeFileSync(main, MAIN);
    copyFileSync(join(REPO, 'guest', 'paravirt.h'), join(root, 'paravirt.h'));
    await ensureServerBuilt();
    c = new TestClient({ root });
    await c.initialize();
    await c.open(main, MAIN, 'c');
  });
  after(async () => { await c.close(); });

  it('document symbols: functions (with the labels their asm defines), types, namespaces; nothing from comments or strings', async () => {
    const syms = await c.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: uriOf(main) } });
    const tree = (xs: DocumentSymbol[]): unknown[] => xs.map((s) => (s.children?.length ? [s.name, tree(s.children)] : s.name));
    assert.deepEqual(tree(syms), [['isr_entry', ['isr_common']], 'probe', ['drv', [['Uart', ['put']]]]]);
    const isr = syms[0];
    assert.deepEqual(isr.selectionRange, { start: { line: 4, character: 5 }, end: { line: 4, character: 14 } });
    assert.deepEqual([isr.range.start.line, isr.range.end.line], [4, 9]);
    assert.deepEqual(isr.children![0].selectionRange, { start: { line: 6, character: 18 }, end: { line: 6, character: 28 } });
  });

  it('document symbols of a header: #define macros, a struct and an inline function', async () => {
    await c.open(header, HEADER, 'c');
    const syms = await c.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: uriOf(header) } });
    assert.deepEqual(syms.map((s) => [s.name, s.detail]), [['DEVICE_H', '#define'], ['COM1', '#define'], ['device', 'struct'], ['dev_port', 'function']]);
  });

  it('definition: a function, a constant and a struct in an #included header, a wrapper in paravirt.h, an asm label', async () => {
    const where = async (line: number, ch: number) => (await c.request<Location[]>('textDocument/definition', at(line, ch)))
      .map((l) => `${l.uri.split('/').pop()}:${l.range.start.line}:${l.range.start.character}`);
    assert.deepEqual(await where(12, 12), ['device.h:4:18']);
    assert.deepEqual(await where(11, 24), ['device.h:2:8']);
    assert.deepEqual(await where(10, 26), ['device.h:3:7']);
    const halt = await where(11, 33);
    assert.equal(halt.length, 1);
    assert.match(halt[0], /^paravirt\.h:\d+:\d+$/);
    assert.deepEqual(await where(8, 27), ['main.c:6:18']);
    assert.deepEqual(await where(2, 10), [], 'a name in a comment has no definition');
  });

  it('references: uses in code across the file and its headers, not in comments or strings', async () => {
    const refs = await c.request<Location[]>('textDocument/references', { ...at(12, 12), context: { includeDeclaration: true } });
    assert.deepEqual(refs.map((l) => `${l.uri.split('/').pop()}:${l.range.start.line}:${l.range.start.character}`).sort(),
      ['device.h:4:18', 'main.c:11:8', 'main.c:12:11']);
    const noDecl = await c.request<Location[]>('textDocument/references', { ...at(12, 12), context: { includeDeclaration: false } });
    assert.equal(noDecl.length, 2);
    const com = await c.request<Location[]>('textDocument/references', { ...at(11, 24), context: { includeDeclaration: true } });
    assert.deepEqual(com.map((l) => `${l.uri.split('/').pop()}:${l.range.start.line}`).sort(), ['device.h:2', 'main.c:11']);
  });

  it('folding: function bodies, types, namespaces and multi-line asm statements', async () => {
    const folds = await c.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: uriOf(main) } });
    const spans = folds.map((f) => `${f.startLine}-${f.endLine}`);
    for (const want of ['4-9', '6-8', '10-13']) assert.ok(spans.includes(want), `${want} in ${spans.join(' ')}`);
  });

  it('an edit updates the outline: a new function appears, a removed one goes', async () => {
    await c.change(main, 2, [{ range: { start: { line: 10, character: 11 }, end: { line: 10, character: 16 } }, text: 'detect' }]);
    await c.change(main, 3, [{ range: { start: { line: 14, character: 0 }, end: { line: 14, character: 0 } }, text: 'void late(void) { asm("late_label: hlt"); }\n' }]);
    const syms = await c.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: uriOf(main) } });
    const names = syms.map((s) => s.name);
    assert.deepEqual(names, ['isr_entry', 'detect', 'late', 'drv']);
    assert.deepEqual(syms[2].children!.map((s) => s.name), ['late_label']);
  });
});
