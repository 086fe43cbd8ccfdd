// Diagnostics through a real LSP client over stdio: severity by target, the per-file target
// comment, settings pulled from the client, exact ranges (also inside C string literals),
// false positives, incremental edits, the line cap, and the server's command line.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver-protocol';
import { ensureServerBuilt, messageText, SERVER, TestClient, uriOf } from './lsp-client';

const dir = tmpdir();
let n = 0;
const file = (ext: string) => join(dir, `pv-diag-${process.pid}-${n++}.${ext}`);
const byLine = (ds: Diagnostic[]) => ds.map((d) => `${d.range.start.line}:${d.code}:${d.severity}`).sort();

describe('diagnostics', () => {
  let c: TestClient;
  before(async () => { await ensureServerBuilt(); c = new TestClient({ root: dir }); await c.initialize(); });
  after(async () => { await c.close(); });

  it('PV target: privileged -> error, sensitive -> warning, with source, code and docs link', async () => {
    const ds = await c.open(file('asm'), 'start:\n    hlt ; wait\n    pushfd\n    cpuid\n    mov eax, 1\n', 'nasm');
    assert.deepEqual(byLine(ds), ['1:PV001:1', '2:PV004:2', '3:PV031:2']);
    const hlt = ds.find((d) => d.code === 'PV001')!;
    assert.equal(hlt.source, 'paravirt');
    assert.deepEqual(hlt.range, { start: { line: 1, character: 4 }, end: { line: 1, character: 7 } });
    assert.equal(hlt.codeDescription?.href, 'https://github.com/paravirt/paravirt/blob/main/docs/rules.md#pv001');
    assert.match(messageText(hlt.message), /PV: raises #GP in ring 1/);
    assert.match(messageText(hlt.message), /HVM: VM exit 12 HLT/);
    assert.match(messageText(hlt.message), /Use instead: sched_op\(SCHEDOP_block, NULL\)/);
    assert.match(messageText(hlt.message), /Quick fix: PV_HALT/);
  });

  it('a `paravirt: target=hvm` comment switches the file to HVM: exits become information naming the reason', async () => {
    const ds = await c.open(file('asm'), '; paravirt: target=hvm\n    hlt\n    cli\n    pushfd\n    out dx, al\n    cpuid\n', 'nasm');
    assert.deepEqual(byLine(ds), ['1:PV001:3', '4:PV007:3', '5:PV031:3']);
    assert.match(messageText(ds.find((d) => d.code === 'PV007')!.message), /^OUT.*HVM: VM exit 30 IO_INSTRUCTION/);
    const c2 = await c.open(file('c'), '// paravirt: target=hvm\nvoid f(void){ asm volatile("hlt"); }\n', 'c');
    assert.equal(c2.length, 1);
    assert.equal(c2[0].severity, DiagnosticSeverity.Information);
  });

  it('ranges are exact: GAS statements sharing a line, C templates inside string literals', async () => {
    const s = await c.open(file('s'), '  cli; outb %al, $0x80 # x\n', 'gas');
    assert.deepEqual(s.map((d) => [d.code, d.range.start.character, d.range.end.character]).sort(), [['PV002', 2, 5], ['PV007', 7, 22]]);
    const text = 'void f(unsigned long p) {\n  asm volatile("nop\\n\\t"\n               "movl %0, %%cr3" :: "r"(p));\n}\n';
    const cd = await c.open(file('c'), text, 'c');
    assert.equal(cd.length, 1);
    const line2 = text.split('\n')[2];
    const col = line2.indexOf('movl');
    assert.deepEqual(cd[0].range, { start: { line: 2, character: col }, end: { line: 2, character: col + 'movl %0, %%cr3'.length } });
  });

  it('ordinary code gets no diagnostic (false positives)', async () => {
    const nasm = [
      'section .text', 'global hlt', 'hlt:', '    mov eax, ebx', '    add eax, 4', '    call hlt', '    jmp out', 'out: ret',
      '    push eax', '    pop ebx', '    push dword [cs_value]', '    mov eax, [cr3_shadow]', '; cli sti hlt in a comment',
      'msg db "hlt; cli; out dx, al", 0', "msg2 db 'in al, dx'", 'cli_count dd 0', '%macro out 2', '    nop', '%endmacro',
      '    out 0x80, al', '%define hlt_delay 5', '    mov ecx, hlt_delay', 'str_label:', '    lea esi, [str_label]', '    int 0x82',
    ].join('\n');
    assert.deepEqual(await c.open(file('asm'), nasm, 'nasm'), []);
    const gas = ['.text', 'hlt:', '    movl %eax, %ebx', '    call hlt', '    pushl %eax', '    popl %eax', '# hlt', '/* cli */',
      '    .ascii "cli; hlt"', '.macro cli', '    nop', '.endm', '    cli', '    movl cr3_copy, %eax'].join('\n');
    assert.deepEqual(await c.open(file('s'), gas, 'gas'), []);
    const cc = ['// asm("hlt");', '/* __asm__("cli"); */', 'const char *s = "asm(\\"hlt\\")";', 'int hlt(void) { return 0; }',
      'void f(void) { asm volatile("nop; mov %eax, %ebx" ::: "eax", "ebx"); hlt(); }', 'int asm_count;'].join('\n');
    assert.deepEqual(await c.open(file('c'), cc, 'c'), []);
  });

  it('incremental edits re-analyse only what changed and match a fresh open', async () => {
    const p = file('s');
    await c.open(p, '    nop\n    nop\n    nop\n', 'gas');
    let ds = await c.change(p, 2, [{ range: { start: { line: 1, character: 4 }, end: { line: 1, character: 7 } }, text: 'hlt' }]);
    assert.deepEqual(byLine(ds), ['1:PV001:1']);
    // Opening a block comment above hides it; closing it reveals it again.
    ds = await c.change(p, 3, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '/*\n' }]);
    assert.deepEqual(ds, []);
    ds = await c.change(p, 4, [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: '*/ ' }]);
    assert.deepEqual(byLine(ds), ['2:PV001:1']);
    // Multi-line replace and a full-text change.
    ds = await c.change(p, 5, [{ range: { start: { line: 2, character: 0 }, end: { line: 3, character: 7 } }, text: '  cli\n  sti\n  nop' }]);
    assert.deepEqual(byLine(ds), ['2:PV002:1', '3:PV003:1']);
    ds = await c.change(p, 6, [{ text: 'wbinvd\n' }]);
    assert.deepEqual(byLine(ds), ['0:PV025:1']);
  });

  it('giant files: analysis stops at maxLines with one notice (no hang)', async () => {
    const c2 = new TestClient({ root: dir, settings: { maxLines: 50 } });
    await c2.initialize();
    try {
      const ds = await c2.open(file('asm'), Array.from({ length: 100 }, () => '    hlt').join('\n'), 'nasm');
      assert.equal(ds.filter((d) => d.code === 'PV001').length, 50);
      assert.equal(ds.filter((d) => d.code === 'PV000').length, 1);
    } finally { await c2.close(); }
  });

  it('unknown languages and binary junk are ignored without crashing', async () => {
    const p = file('txt');
    await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(p), languageId: 'plaintext', version: 1, text: 'hlt' } });
    const stats = await c.request<{ documents: number }>('paravirt/stats', {});
    assert.ok(stats.documents >= 1);
    const junk = await c.open(file('asm'), '\u0000\u0001\uffff%%%[[[;;"\'`\n\t\t:::\n%macro\n%include\n.\n', 'nasm');
    assert.ok(Array.isArray(junk));
  });
});

describe('settings from the client', () => {
  it('target, severity overrides and changes through workspace/configuration', async () => {
    await ensureServerBuilt();
    const c = new TestClient({ root: dir, pullConfig: true, settings: { target: 'hvm', severity: { PV001: 'warning' } } });
    await c.initialize();
    try {
      const p = file('asm');
      const ds = await c.open(p, '    hlt\n    rdtsc\n    cli\n', 'nasm');
      assert.deepEqual(byLine(ds), ['0:PV001:2', '1:PV028:3']);
      c.settings = { target: 'pv', severity: { PV028: 'off' } };
      await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
      const want = ['0:PV001:1', '2:PV002:1'];
      const got = await c.waitForDiagnostics(uriOf(p), (d) => JSON.stringify(byLine(d)) === JSON.stringify(want));
      assert.deepEqual(byLine(got), want);
    } finally { await c.close(); }
  });
});

it('the server refuses to start without a transport argument', () => {
  const r = spawnSync(process.execPath, [SERVER], { encoding: 'utf8', timeout: 10000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--stdio/);
});
