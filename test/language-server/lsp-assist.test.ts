// Help while typing and navigation through the LSP client: hover, completion, signature
// help, document symbols, definitions and references across %include'd files, folding.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompletionItem, DocumentSymbol, FoldingRange, Hover, Location, SignatureHelp } from 'vscode-languageserver-protocol';
import { ensureServerBuilt, TestClient, uriOf } from './lsp-client';

const root = mkdtempSync(join(tmpdir(), 'pv-assist-'));
const DEFS = [
  '; shared definitions',
  '%define PORT_COM1 0x3f8',
  'KERNEL_CS equ 0x08',
  '%macro SAVE_REGS 0',
  '    pushad',
  '%endmacro',
  '%macro out 2           ; a macro named like an instruction',
  '    nop',
  '%endmacro',
  'helper:',
  '    ret',
  '',
].join('\n');
const MAIN = [
  '%include "defs.inc"',           // 0
  'section .text',                 // 1
  'first:',                        // 2
  '    SAVE_REGS',                 // 3
  '    mov dx, PORT_COM1',         // 4
  '.loop:',                        // 5
  '    call helper',               // 6
  '    jmp .loop',                 // 7
  '    out 0x80, al',              // 8  the included macro: no diagnostic
  'second:',                       // 9
  '.loop:',                        // 10
  '    jmp .loop',                 // 11
  '    hlt',                       // 12
  '    jmp KERNEL_CS:first',       // 13
  'section .data',                 // 14
  'value dd 0',                    // 15
  '',
].join('\n');

describe('assist and navigation', () => {
  let c: TestClient;
  const main = join(root, 'main.asm');
  const defs = join(root, 'defs.inc');
  const at = (line: number, character: number) => ({ textDocument: { uri: uriOf(main) }, position: { line, character } });
  before(async () => {
    writeFileSync(defs, DEFS);
    writeFileSync(main, MAIN);
    await ensureServerBuilt();
    c = new TestClient({ root });
    await c.initialize();
  });
  after(async () => { await c.close(); });

  it('a macro from an included file named like an instruction is not flagged', async () => {
    const ds = await c.open(main, MAIN, 'nasm');
    assert.deepEqual(ds.map((d) => [d.range.start.line, d.code]), [[12, 'PV001']]);
  });

  it('hover explains an instruction: class, exit reason, qualification, replacement, cost', async () => {
    const h = await c.request<Hover>('textDocument/hover', at(12, 5));
    const v = (h.contents as { value: string }).value;
    assert.match(v, /HLT/);
    assert.match(v, /PV001/);
    assert.match(v, /VM exit 12 HLT/);
    assert.match(v, /sched_op/);
    assert.match(v, /Estimated cost/);
    const io = await c.open(join(root, 'io.asm'), '    out dx, al\n', 'nasm');
    assert.equal(io.length, 1);
    const h2 = await c.request<Hover>('textDocument/hover', { textDocument: { uri: uriOf(join(root, 'io.asm')) }, position: { line: 0, character: 5 } });
    assert.match((h2.contents as { value: string }).value, /bit 3 direction \(1 = in\).*bits 31:16 port/);
  });

  it('hover on wrappers, constants and user symbols', async () => {
    const p = join(root, 'w.asm');
    await c.open(p, '    HYPERVISOR_sched_op SCHEDOP_block, 0\n    PV_HALT\n', 'nasm');
    const w = await c.request<Hover>('textDocument/hover', { textDocument: { uri: uriOf(p) }, position: { line: 0, character: 8 } });
    assert.match((w.contents as { value: string }).value, /HYPERVISOR_sched_op cmd, arg[\s\S]*hypercall 29/);
    const k = await c.request<Hover>('textDocument/hover', { textDocument: { uri: uriOf(p) }, position: { line: 0, character: 28 } });
    assert.match((k.contents as { value: string }).value, /SCHEDOP_block.*= 1/);
    const s = await c.request<Hover>('textDocument/hover', at(4, 15));
    assert.match((s.contents as { value: string }).value, /constant `PORT_COM1`[\s\S]*defs\.inc:2/);
  });

  it('completion offers wrappers at the mnemonic and the right constants for an argument', async () => {
    const p = join(root, 'comp.asm');
    await c.open(p, '    \n    HYPERVISOR_sched_op \n', 'nasm');
    const start = await c.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: uriOf(p) }, position: { line: 0, character: 4 } });
    const labels = start.map((i) => i.label);
    for (const want of ['PV_HALT', 'PV_WRITE_CR3', 'HYPERVISOR_sched_op', 'HYPERVISOR_mmuext_op']) assert.ok(labels.includes(want), want);
    assert.ok(!labels.includes('pv_halt'), 'C functions are not offered in NASM');
    const arg = await c.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: uriOf(p) }, position: { line: 1, character: 24 } });
    const first = [...arg].sort((a, b) => (a.sortText! < b.sortText! ? -1 : 1)).slice(0, 5).map((i) => i.label);
    assert.deepEqual(first.sort(), ['SCHEDOP_block', 'SCHEDOP_poll', 'SCHEDOP_shutdown', 'SCHEDOP_shutdown_code', 'SCHEDOP_yield']);
    assert.equal(arg.find((i) => i.label === 'SCHEDOP_block')!.detail, '= 1');
    const cp = join(root, 'comp.c');
    await c.open(cp, 'void f(void) { HYPERVISOR_console_io(; }\n', 'c');
    const cargs = await c.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: uriOf(cp) }, position: { line: 0, character: 37 } });
    assert.equal([...cargs].sort((a, b) => (a.sortText! < b.sortText! ? -1 : 1))[0].label.startsWith('CONSOLEIO_'), true);
    const cstart = await c.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: uriOf(cp) }, position: { line: 0, character: 15 } });
    assert.ok(cstart.some((i) => i.label === 'pv_halt') && cstart.some((i) => i.label === 'HYPERVISOR_sched_op'));
  });

  it('signature help tracks the active argument in C and in assembly', async () => {
    const cp = join(root, 'sig.c');
    await c.open(cp, 'void f(char *b) { HYPERVISOR_console_io(CONSOLEIO_write, 3, b); }\n', 'c');
    const s = await c.request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri: uriOf(cp) }, position: { line: 0, character: 58 } });
    assert.equal(s.signatures[0].label, 'HYPERVISOR_console_io(cmd, count, buffer)');
    assert.equal(s.activeParameter, 1);
    const ap = join(root, 'sig.asm');
    await c.open(ap, '    HYPERVISOR_mmuext_op ebx, 1, 0, \n', 'nasm');
    const a = await c.request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri: uriOf(ap) }, position: { line: 0, character: 36 } });
    assert.equal(a.signatures[0].label, 'HYPERVISOR_mmuext_op op, count, success_count, domid');
    assert.equal(a.activeParameter, 3);
    const none = await c.request<SignatureHelp | null>('textDocument/signatureHelp', { textDocument: { uri: uriOf(ap) }, position: { line: 0, character: 2 } });
    assert.equal(none, null);
  });

  it('document symbols: sections holding labels, local labels under their parent', async () => {
    const syms = await c.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: uriOf(main) } });
    const text = syms.find((s) => s.name === '.text')!;
    assert.deepEqual(text.children!.map((s) => s.name), ['first', 'second']);
    assert.deepEqual(text.children![0].children!.map((s) => s.name), ['.loop']);
    assert.deepEqual(syms.find((s) => s.name === '.data')!.children!.map((s) => s.name), ['value']);
    await c.open(defs, DEFS, 'nasm');
    const d = await c.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: uriOf(defs) } });
    assert.deepEqual(d.map((s) => `${s.name}/${s.detail}`), ['PORT_COM1/constant', 'KERNEL_CS/constant', 'SAVE_REGS/macro', 'out/macro', 'helper/label']);
  });

  it('definitions across %include: %define, equ, macro, label, the include path; local labels by scope', async () => {
    const def = async (line: number, ch: number) => (await c.request<Location[]>('textDocument/definition', at(line, ch))).map((l) => `${l.uri.slice(l.uri.lastIndexOf('/') + 1)}:${l.range.start.line}`);
    assert.deepEqual(await def(4, 15), ['defs.inc:1']);
    assert.deepEqual(await def(13, 10), ['defs.inc:2']);
    assert.deepEqual(await def(3, 6), ['defs.inc:3']);
    assert.deepEqual(await def(6, 10), ['defs.inc:9']);
    assert.deepEqual(await def(0, 12), ['defs.inc:0']);
    assert.deepEqual(await def(7, 10), ['main.asm:5']);
    assert.deepEqual(await def(11, 10), ['main.asm:10']);
    assert.deepEqual(await def(13, 20), ['main.asm:2']);
  });

  it('a .S file resolves #define constants from the C header it #includes', async () => {
    const h = join(root, 'layout.h');
    writeFileSync(h, '/* kernel layout */\n#define KSTACK 0x9000\n#define PUT(x) outb x\nstatic inline int f(void) { return 0; }\n');
    const s = join(root, 'entry.S');
    const text = '#include "layout.h"\n    movl $KSTACK, %esp\n    outb %al, $0x80\n';
    const ds = await c.open(s, text, 'gas');
    assert.deepEqual(ds.map((d) => d.code), ['PV007']); // a function-like cpp macro does not hide the instruction
    const locs = await c.request<Location[]>('textDocument/definition', { textDocument: { uri: uriOf(s) }, position: { line: 1, character: 12 } });
    assert.deepEqual(locs.map((l) => [l.uri.endsWith('/layout.h'), l.range.start.line]), [[true, 1]]);
    const refs = await c.request<Location[]>('textDocument/references', { textDocument: { uri: uriOf(s) }, position: { line: 1, character: 12 }, context: { includeDeclaration: true } });
    assert.deepEqual(refs.map((l) => `${l.uri.slice(l.uri.lastIndexOf('/') + 1)}:${l.range.start.line}:${l.range.start.character}`).sort(), ['entry.S:1:10', 'layout.h:1:8']);
  });

  it('references: across files for globals, within the scope for local labels', async () => {
    const refs = async (line: number, ch: number, decl = true) => (await c.request<Location[]>('textDocument/references', { ...at(line, ch), context: { includeDeclaration: decl } }))
      .map((l) => `${l.uri.slice(l.uri.lastIndexOf('/') + 1)}:${l.range.start.line}:${l.range.start.character}`).sort();
    assert.deepEqual(await refs(6, 10), ['defs.inc:9:0', 'main.asm:6:9']);
    assert.deepEqual(await refs(6, 10, false), ['main.asm:6:9']);
    assert.deepEqual(await refs(7, 9), ['main.asm:5:0', 'main.asm:7:8']);
    assert.deepEqual(await refs(4, 15), ['defs.inc:1:8', 'main.asm:4:12']);
  });

  it('folding: sections and macros', async () => {
    const f = await c.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: uriOf(main) } });
    assert.deepEqual(f.map((r) => [r.startLine, r.endLine]).sort((a, b) => a[0] - b[0]), [[1, 13], [14, 15]]);
    const g = await c.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: uriOf(defs) } });
    assert.deepEqual(g.map((r) => [r.startLine, r.endLine]).sort((a, b) => a[0] - b[0]), [[3, 5], [6, 8]]);
    const gp = join(root, 'fold.s');
    await c.open(gp, '.text\n.macro M a\n  nop\n.endm\n  nop\n.data\n  .long 1\n', 'gas');
    const h = await c.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: uriOf(gp) } });
    assert.deepEqual(h.map((r) => [r.startLine, r.endLine]).sort((a, b) => a[0] - b[0]), [[0, 4], [1, 3], [5, 6]]);
  });
});
