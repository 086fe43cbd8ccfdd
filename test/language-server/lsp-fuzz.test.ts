// Fuzzing the server over stdio with a seeded generator: random documents, random edit
// sequences and random requests at random positions. The server must stay up, answer every
// request without an error, and (the oracle) the diagnostics after incremental edits must
// equal those of a fresh open of the same final text. PARAVIRT_FUZZ_COUNT scales the run.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { ensureServerBuilt, TestClient, uriOf } from './lsp-client';

const COUNT = Number(process.env.PARAVIRT_FUZZ_COUNT ?? 60);
const SEED = Number(process.env.PARAVIRT_FUZZ_SEED ?? 0x5eed);

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'hlt', 'cli', 'sti', 'mov cr3, eax', 'movl %eax, %cr3', 'mov eax, cr2', 'out dx, al', 'outb %al, $0x80', 'in al, 0x60', 'pushfd', 'popfl',
  'invlpg [eax]', 'invlpg (%ebx)', 'mov dr7, eax', 'cpuid', 'rdtsc', 'iret', 'push cs', 'mov ax, ss', 'rep outsb', 'times 3 hlt', 'lgdt [g]',
  'mov eax, 1', 'add eax, ebx', 'call hlt', 'jmp .l', 'ret', 'nop', 'push eax', 'pop ebx',
  'label:', '.l:', 'hlt:', '%macro out 2', '%endmacro', '.macro cli', '.endm', '%define X 1', 'X equ 2', '.set Y, 3', '%include "x.inc"',
  '.include "y.inc"', 'section .text', '.data', '.intel_syntax noprefix', '.att_syntax', 'db "hlt; cli"', '.ascii "sti"',
  '; comment hlt', '# comment cli', '// c++ comment', '/*', '*/', '/* hlt */', '"', "'", '`', ';', ',', ':', '%', '%%', '\\', '(', ')', '[', ']',
  'asm volatile("hlt");', '__asm__ __volatile__("movl %0, %%cr3" :: "r"(x));', 'asm("cli\\n\\t" "sti");', 'asm goto("jmp %l0" :::: out);',
  'asm volatile(', '"invlpg (%0)"', ':: "r"(p)', ': "=r"(v)', ')', '#include "paravirt.h"', '#define H() asm("hlt")',
  'paravirt: target=hvm', 'paravirt: ignore', '\t', '    ', '\n', '\n', '\n', '\r\n', '\u00e9', '\u{1F600}', '\u0000',
];

function piece(r: () => number): string {
  if (r() < 0.08) { let s = ''; const n = 1 + Math.floor(r() * 12); for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 0x3000)); return s; }
  return PIECES[Math.floor(r() * PIECES.length)];
}

function randomText(r: () => number, parts: number): string {
  let s = '';
  for (let i = 0; i < parts; i++) s += piece(r) + (r() < 0.5 ? '\n' : ' ');
  return s;
}

function posOf(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

const key = (ds: Diagnostic[]) => ds.map((d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.code} ${d.severity} ${d.message}`).sort();

describe('fuzz', () => {
  let c: TestClient;
  const dir = tmpdir();
  before(async () => { await ensureServerBuilt(); c = new TestClient({ root: dir }); await c.initialize(); });
  after(async () => {
    const alive = c.exited === null;
    await c.close();
    assert.ok(alive, `server exited: ${c.stderr}`);
    assert.doesNotMatch(c.stderr, /Error/);
  });

  for (const ext of ['asm', 'S', 'c']) {
    it(`random edit sequences on .${ext} keep incremental diagnostics equal to a fresh analysis`, async () => {
      const r = rng(SEED ^ ext.charCodeAt(0));
      const path = join(dir, `pv-fuzz-${process.pid}.${ext}`);
      let text = randomText(r, 40);
      await c.open(path, text, 'plaintext', 1);
      let version = 1;
      for (let i = 0; i < COUNT; i++) {
        const a = Math.floor(r() * (text.length + 1));
        const b = Math.min(text.length, a + Math.floor(r() * 20));
        const ins = r() < 0.3 ? '' : randomText(r, 1 + Math.floor(r() * 3));
        const range = { start: posOf(text, a), end: posOf(text, b) };
        text = text.slice(0, a) + ins + text.slice(b);
        version++;
        const ds = await c.change(path, version, [{ range, text: ins }]);
        if (i % 10 === 9 || i === COUNT - 1) {
          const fresh = join(dir, `pv-fuzz-${process.pid}-fresh-${i}.${ext}`);
          const want = await c.open(fresh, text, 'plaintext', 1);
          const norm = (xs: string[]) => xs.map((x) => x.replace(/file:\S+/g, ''));
          assert.deepEqual(norm(key(ds)), norm(key(want)), `after edit ${i} (seed ${SEED})`);
          await c.conn.sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(fresh) } });
        }
      }
    });
  }

  it('random documents and random requests at random positions never fail', async () => {
    const r = rng(SEED + 1);
    const methods = ['textDocument/hover', 'textDocument/completion', 'textDocument/signatureHelp', 'textDocument/definition',
      'textDocument/references', 'textDocument/codeAction', 'textDocument/documentSymbol', 'textDocument/foldingRange', 'textDocument/codeLens'];
    for (let i = 0; i < Math.max(6, COUNT / 4); i++) {
      const ext = ['asm', 'nasm', 'inc', 's', 'S', 'c', 'cpp', 'h'][i % 8];
      const path = join(dir, `pv-fuzz-doc-${process.pid}-${i}.${ext}`);
      const text = randomText(r, 10 + Math.floor(r() * 60));
      await c.open(path, text, 'plaintext', 1);
      for (let k = 0; k < 12; k++) {
        const position = { line: Math.floor(r() * 70) - 2, character: Math.floor(r() * 90) - 2 };
        const m = methods[Math.floor(r() * methods.length)];
        const range = { start: position, end: { line: position.line + Math.floor(r() * 3), character: position.character } };
        await c.request(m, {
          textDocument: { uri: uriOf(path) }, position, range,
          context: { includeDeclaration: true, diagnostics: [], only: r() < 0.5 ? ['source.fixAll.paravirt'] : undefined },
        });
      }
      await c.conn.sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(path) } });
    }
    const stats = await c.request<{ rssMB: number }>('paravirt/stats', {});
    assert.ok(stats.rssMB > 0);
  });
});
