// The Guest Screen's text rendering: code page 437 against Python's cp437 codec, and the
// 16 text-mode colours and cursor against hand-built screens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp437, parseVgaBody, screenToHtml, VGA_PALETTE } from '../../extension/vga-text';

test('bytes 0x21-0xFE decode as code page 437 (Python cp437 as the reference)', (t) => {
  const py = spawnSync('python3', ['-c', 'import sys; sys.stdout.write(bytes(range(0x21, 0xff)).decode("cp437"))'], { encoding: 'utf8' });
  if (py.status !== 0) { t.skip('python3 is not available'); return; }
  const want = [...py.stdout];
  assert.equal(want.length, 0xff - 0x21);
  for (let b = 0x21; b < 0xff; b++) {
    if (b === 0x7f) continue; // Python decodes DEL as a control character; the glyph is ⌂
    assert.equal(cp437(b), want[b - 0x21], `byte 0x${b.toString(16)}`);
  }
  assert.equal(cp437(0x7f), '\u2302');
});

test('attributes map to the foreground/background palette; the cursor cell is marked', () => {
  const cells = new Uint16Array(4 * 2).fill(0x0720);
  cells[0] = 0x1f00 | 'H'.charCodeAt(0); // white on blue
  cells[1] = 0x1f00 | 'i'.charCodeAt(0);
  cells[5] = 0xce00 | '<'.charCodeAt(0); // yellow on red, blink
  const html = screenToHtml({ cols: 4, rows: 2, cells, cursor: { row: 1, col: 2, visible: true } });
  assert.equal((html.match(/<div class="row">/g) ?? []).length, 2);
  assert.match(html, /<span class="f15 b1">Hi<\/span>/, 'one span for a run of equal attributes');
  assert.match(html, /<span class="f14 b4 blink">&lt;<\/span>/, 'escaped, blink bit separate from the background');
  assert.match(html, /<span class="f7 b0 cursor">\u00a0<\/span>/, 'cursor on row 1 col 2');
  assert.equal(VGA_PALETTE[1], '#0000aa');
  assert.equal(VGA_PALETTE[14], '#ffff55');
});

test('a paravirt.vgaText body (base64 little-endian cells) parses; junk is refused', () => {
  const bytes = Buffer.from([0x41, 0x07, 0x42, 0x70]);
  const s = parseVgaBody({ cols: 2, rows: 1, cells: bytes.toString('base64'), cursor: { row: 0, col: 1, visible: false } });
  assert.ok(s);
  assert.deepEqual([...(s.cells as Uint16Array)], [0x0741, 0x7042]);
  assert.deepEqual(s.cursor, { row: 0, col: 1, visible: false });
  assert.equal(parseVgaBody(null), null);
  assert.equal(parseVgaBody({ cols: -1, rows: 25, cells: [] }), null);
  assert.equal(parseVgaBody({ cols: 80, rows: 25 }), null);
});
