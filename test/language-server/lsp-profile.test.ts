// The exit profile in the editor: .paravirt/last-run.json becomes code lenses and inlay
// hints on the lines that caused exits, they follow their lines through edits, and a
// rewritten profile is picked up (the server asks the client to refresh) after
// workspace/didChangeWatchedFiles.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CodeLens, InlayHint } from 'vscode-languageserver-protocol';
import { parseProfile } from '../../language-server/analyzer/profile';
import { ensureServerBuilt, TestClient, uriOf } from './lsp-client';

const root = mkdtempSync(join(tmpdir(), 'pv-prof-'));
const src = join(root, 'src', 'boot.asm');

function writeProfile(lines: unknown[]): void {
  writeFileSync(join(root, '.paravirt', 'last-run.json'), JSON.stringify({ version: 1, program: 'build/kernel.elf', mode: 'hvm', lines }));
}

describe('profile lenses', () => {
  let c: TestClient;
  before(async () => {
    mkdirSync(join(root, 'src'), { recursive: true });
    mkdirSync(join(root, '.paravirt'), { recursive: true });
    writeFileSync(src, 'start:\n    out dx, al\n    hlt\n    jmp start\n');
    writeProfile([
      { file: 'src/boot.asm', line: 2, exits: 1000, cycles: 2000000, byReason: { IO_INSTRUCTION: 1000 } },
      { file: 'src/boot.asm', line: 3, exits: 4, cycles: 4800, byReason: { HLT: 4 } },
      { file: 'src/other.asm', line: 1, exits: 9, cycles: 9, byReason: {} },
    ]);
    await ensureServerBuilt();
    c = new TestClient({ root });
    await c.initialize();
    await c.open(src, 'start:\n    out dx, al\n    hlt\n    jmp start\n', 'nasm');
  });
  after(async () => { await c.close(); });

  const lenses = async () => (await c.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uriOf(src) } }))
    .map((l) => [l.range.start.line, l.command!.title]);

  it('code lenses and inlay hints show exits and estimated cycles per line', async () => {
    assert.deepEqual(await lenses(), [
      [1, '1000 exits, ~2,000,000 cycles (estimated) — IO_INSTRUCTION 1000'],
      [2, '4 exits, ~4,800 cycles (estimated) — HLT 4'],
    ]);
    const hints = await c.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri: uriOf(src) }, range: { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } } });
    assert.deepEqual(hints.map((h) => [h.position.line, h.position.character, h.label]), [[1, 14, '1000 exits, ~2,000,000 cyc'], [2, 7, '4 exits, ~4,800 cyc']]);
  });

  it('edits move the annotations with their lines; a deleted line loses its annotation', async () => {
    const text = 'start:\n    out dx, al\n    hlt\n    jmp start\n';
    const at = (line: number, character: number) => ({ line, character });
    await c.change(src, 2, [{ range: { start: at(0, 0), end: at(0, 0) }, text: '; header\n; more\n' }]);
    assert.deepEqual((await lenses()).map((l) => l[0]), [3, 4]);
    await c.change(src, 3, [{ range: { start: at(4, 4), end: at(4, 4) }, text: '\n' }]); // Enter before `hlt`
    await c.change(src, 4, [{ range: { start: at(3, 14), end: at(3, 14) }, text: '\n' }]); // Enter after `out dx, al`
    await c.change(src, 5, [{ range: { start: at(6, 0), end: at(6, 3) }, text: 'hlt' }]); // typing within a line
    assert.deepEqual((await lenses()).map((l) => l[0]), [3, 6]);
    const hints = await c.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri: uriOf(src) }, range: { start: at(0, 0), end: at(9, 0) } });
    assert.deepEqual(hints.map((h) => h.position.line), [3, 6]);
    await c.change(src, 6, [{ range: { start: at(3, 0), end: at(4, 0) }, text: '' }]); // delete the `out` line
    assert.deepEqual(await lenses(), [[5, '4 exits, ~4,800 cycles (estimated) — HLT 4']]);
    await c.change(src, 7, [{ text }]);
    assert.deepEqual((await lenses()).map((l) => l[0]), [1, 2], 'a whole-text change starts over');
  });

  it('a rewritten profile is re-read and the client is asked to refresh', async () => {
    const before = c.refreshRequests;
    writeProfile([{ file: join(root, 'src', 'boot.asm'), line: 4, exits: 1, cycles: 1200, byReason: { EXTERNAL_INTERRUPT: 1 } }]);
    await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(join(root, '.paravirt', 'last-run.json')), type: 2 }] });
    const deadline = Date.now() + 5000;
    while (c.refreshRequests === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(c.refreshRequests > before, 'workspace/codeLens/refresh was sent');
    assert.deepEqual(await lenses(), [[3, '1 exit, ~1,200 cycles (estimated) — EXTERNAL_INTERRUPT 1']]);
  });

  it('a malformed profile shows nothing and breaks nothing', async () => {
    writeFileSync(join(root, '.paravirt', 'last-run.json'), '{"version": 1, "lines": [ {"file": 3}, null, {"file": "src/boot.asm", "line": -1} ');
    await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(join(root, '.paravirt', 'last-run.json')), type: 2 }] });
    assert.deepEqual(await lenses(), []);
  });
});

it('profile parser: validates entries, accepts per-address entries that carry file and line', () => {
  assert.equal(parseProfile('not json'), null);
  assert.equal(parseProfile('{"version": 2, "lines": []}'), null);
  const p = parseProfile(JSON.stringify({
    version: 1, program: 'k.elf', mode: 'pv',
    lines: [{ file: 'a.asm', line: 3, exits: 2, cycles: 10, byReason: { HLT: 2, bad: 'x' } }, { file: 'a.asm', line: 0 }],
    exitsByAddress: { '0x00100000': { exits: 5, cycles: 50, byReason: {}, file: 'b.asm', line: 7 }, '0x00100004': { exits: 1, cycles: 1, byReason: {} } },
  }))!;
  assert.deepEqual(p.lines.map((l) => [l.file, l.line, l.exits, l.byReason]), [['a.asm', 3, 2, { HLT: 2 }], ['b.asm', 7, 5, {}]]);
});

it('without client file events, a file watcher notices a profile created after start-up', async () => {
  const fresh = mkdtempSync(join(tmpdir(), 'pv-prof-watch-'));
  const file = join(fresh, 'k.asm');
  writeFileSync(file, '    hlt\n');
  await ensureServerBuilt();
  const c = new TestClient({ root: fresh });
  await c.initialize();
  try {
    await c.open(file, '    hlt\n', 'nasm');
    const lens = async () => (await c.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uriOf(file) } })).map((l) => l.command!.title);
    assert.deepEqual(await lens(), []);
    const before = c.refreshRequests;
    mkdirSync(join(fresh, '.paravirt'));
    writeFileSync(join(fresh, '.paravirt', 'last-run.json'), JSON.stringify({ version: 1, program: 'k', mode: 'hvm', lines: [{ file: 'k.asm', line: 1, exits: 7, cycles: 8400, byReason: { HLT: 7 } }] }));
    const deadline = Date.now() + 8000;
    while (c.refreshRequests === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    assert.ok(c.refreshRequests > before, 'the server asked the client to refresh');
    assert.deepEqual(await lens(), ['7 exits, ~8,400 cycles (estimated) — HLT 7']);
  } finally { await c.close(); }
});
