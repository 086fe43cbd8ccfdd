// Over stdio, with documents long enough that an edit leaves most findings untouched: after
// every edit (one or several changes per didChange, and bursts of didChange the server
// coalesces), the published diagnostics must equal those of a from-scratch analysis of the
// same text, computed here in the test process and serialized with JSON.stringify. The
// server's incremental analysis, cached encoding and stdio writer are all on the path.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { AnalyzedDocument } from '../../language-server/analyzer/document';
import { analyze } from '../../language-server/analyzer/rules';
import { DEFAULT_SETTINGS } from '../../language-server/analyzer/settings';
import { toDiagnostic } from '../../language-server/diagnostics';
import { ensureServerBuilt, TestClient, uriOf } from './lsp-client';

const COUNT = Number(process.env.PARAVIRT_FUZZ_COUNT ?? 60);
const SEED = Number(process.env.PARAVIRT_FUZZ_SEED ?? 0x51d);

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

const POOL: Record<string, string[]> = {
  asm: ['    hlt', '    cli', '    mov cr3, eax', '    out dx, al', '    pushfd', '    invlpg [eax]', '    mov eax, 1', 'label:', '.l:',
    '%macro cli 0', '%endmacro', '; paravirt: target=hvm', '    hlt ; paravirt: ignore', '    ; hlt', 'db "sti"'],
  S: ['    hlt', '    cli; sti', '    movl %eax, %cr3', '    outb %al, %dx', '/*', '*/', '    pushfl', '# cli', '.intel_syntax noprefix', '.att_syntax',
    '    mov cr3, eax', '    movl $1, %eax'],
  c: ['void f(void) {', '}', '    asm volatile("hlt");', '    asm("cli\\n\\t"', '        "sti");', '    __asm__ __volatile__("movl %0, %%cr3" :: "r"(x));',
    '/*', '*/', '    x = "asm(\\"hlt\\")";', '    // asm("cli")', '    asm volatile("outb %%al, %%dx" :: "a"(v), "d"(p));'],
};

function posOf(text: string, offset: number): { line: number; character: number } {
  let line = 0, ls = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) { line++; ls = i + 1; }
  return { line, character: offset - ls };
}

function expected(path: string, text: string): string {
  const doc = AnalyzedDocument.create(path, text)!;
  return JSON.stringify(analyze(doc, DEFAULT_SETTINGS).map((h) => toDiagnostic(h.finding)));
}

describe('incremental diagnostics over stdio', () => {
  let c: TestClient;
  const dir = tmpdir();
  before(async () => { await ensureServerBuilt(); c = new TestClient({ root: dir }); await c.initialize(); });
  after(async () => { await c.close(); });

  for (const ext of ['asm', 'S', 'c']) {
    it(`.${ext}: after every edit the published diagnostics equal a fresh analysis of the text`, async () => {
      const r = rng(SEED ^ ext.charCodeAt(0));
      const pool = POOL[ext];
      const path = join(dir, `pv-incr-${process.pid}.${ext}`);
      const lines: string[] = [];
      for (let i = 0; i < 3000; i++) lines.push(r() < 0.7 ? '    mov eax, [ebp + 8]' : pool[Math.floor(r() * pool.length)]);
      let text = lines.join('\n') + '\n';
      await c.open(path, text, 'plaintext', 1);
      let version = 1;
      const edit = () => {
        const ls = [0];
        for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) ls.push(i + 1);
        const a = ls[Math.floor(r() * ls.length)] + (r() < 0.3 ? Math.floor(r() * 6) : 0);
        const at = Math.min(a, text.length);
        const u = r();
        const b = u < 0.4 ? at : Math.min(text.length, at + Math.floor(r() * (u < 0.7 ? 6 : 60)));
        const ins = u < 0.8 ? pool[Math.floor(r() * pool.length)] + (r() < 0.7 ? '\n' : '') : ['\n', '', 'x', ';', '"'][Math.floor(r() * 5)];
        const change = { range: { start: posOf(text, at), end: posOf(text, b) }, text: ins };
        text = text.slice(0, at) + ins + text.slice(b);
        return change;
      };
      for (let step = 0; step < COUNT; step++) {
        if (step % 5 === 4) {
          // A burst: several notifications before the server has published (it may coalesce).
          const burst = 2 + Math.floor(r() * 3);
          const last = version + burst;
          const done = c.nextDiagnostics(uriOf(path), last);
          for (let k = 0; k < burst; k++) {
            version++;
            await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri: uriOf(path), version }, contentChanges: [edit()] });
          }
          const p: PublishDiagnosticsParams = await done;
          assert.equal(JSON.stringify(p.diagnostics), expected(path, text), `${ext} burst at step ${step} (seed ${SEED})`);
          continue;
        }
        const changes = Array.from({ length: 1 + Math.floor(r() * 3) }, edit);
        version++;
        const ds = await c.change(path, version, changes);
        assert.equal(JSON.stringify(ds), expected(path, text), `${ext} step ${step} (seed ${SEED})`);
      }
      await c.conn.sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(path) } });
    });
  }
});
