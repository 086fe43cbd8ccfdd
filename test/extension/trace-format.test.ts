// Exit trace export: CSV read back by Python's csv module (RFC 4180 quoting), JSON Lines by
// JSON.parse, from exits shaped as the adapter's paravirt.exitLog records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { toExitEntry } from '../../extension/exit-model';
import { CSV_COLUMNS, toCsv, toJsonLines } from '../../extension/trace-format';
import type { ExitRecordJson } from '../../debug-adapter/custom-protocol';
import { PvKind } from '../../emulator/trace/record-kinds';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Machine } from '../../emulator/machine/index';
import { loadImage } from '../../emulator/loader/index';

const ROOT = resolve(__dirname, '..', '..');

const records: ExitRecordJson[] = [
  { seq: 0, reason: 30, reasonName: 'IO_INSTRUCTION', qualification: 66650112, eip: 1049610, cs: 8, cpl: 0, bytes: 'ee', icount: 23, handler: 'uart', cycles: 7500, description: 'OUT dx, al port 0x3f9 size 1' },
  { seq: 1, reason: PvKind.HYPERCALL, reasonName: 'HYPERCALL', qualification: 18, eip: 0xc0001000, cs: 0xe019, cpl: 1, bytes: 'cd 82', icount: 99, handler: 'console_io', cycles: 900, description: 'console_io' },
  { seq: 2, reason: 10, reasonName: 'CPUID', qualification: 0, eip: 0x100000, cs: 8, cpl: 0, bytes: '', icount: 5, handler: 'odd, "quoted"\nname', cycles: 1, description: 'CPUID' },
];

test('CSV parses back with Python csv into the same fields', (t) => {
  const entries = records.map((r) => toExitEntry(r)!);
  const csv = toCsv(entries);
  const py = spawnSync('python3', ['-c', 'import csv,sys,json; print(json.dumps(list(csv.reader(sys.stdin))))'], { input: csv, encoding: 'utf8' });
  if (py.status !== 0) { t.skip('python3 is not available'); return; }
  const rows = JSON.parse(py.stdout) as string[][];
  assert.deepEqual(rows[0], [...CSV_COLUMNS]);
  assert.equal(rows.length, 4);
  assert.equal(rows[1][CSV_COLUMNS.indexOf('eip')], '0x0010040a');
  assert.equal(rows[1][CSV_COLUMNS.indexOf('qualification')], '0x03f90000');
  assert.equal(rows[2][CSV_COLUMNS.indexOf('hypercall')], 'console_io', 'a PV hypercall record names its hypercall');
  assert.equal(rows[3][CSV_COLUMNS.indexOf('handler')], 'odd, "quoted"\nname');
});

test('JSON Lines: one object per exit, in order', () => {
  const lines = toJsonLines(records.map((r) => toExitEntry(r)!)).trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.seq), [0, 1, 2]);
  assert.equal(lines[1].reasonName, 'HYPERCALL');
  assert.equal(toJsonLines([]), '');
});

test('exits in 64-bit code (the x86-64 sample, linked in the top 2 GiB) export all of RIP, as the ELF symbols place it', () => {
  const elf = join(ROOT, 'examples/sample/build/sample-hvm64.elf');
  const bytes = new Uint8Array(readFileSync(elf));
  const m = new Machine({ mode: 'hvm', memoryMiB: 32 });
  m.load(loadImage(bytes, { ramBytes: 32 << 20 }));
  m.run(5_000_000);
  const entries = m.exits.recent(1000).map((r) => toExitEntry({ ...r, bytes: '', description: '' })!);
  const long = entries.filter((e) => e.long64);
  assert.ok(long.length > 0, 'the sample exits from 64-bit code');
  // The reference: nm's text symbols, all in the top 2 GiB (0xffffffff8...).
  const nm = spawnSync('nm', [elf], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')).filter((f) => /^[tT]$/.test(f[1] ?? ''));
  const text = nm.map((f) => BigInt(`0x${f[0]}`));
  const lo = text.reduce((a, b) => (a < b ? a : b)), hi = text.reduce((a, b) => (a > b ? a : b));
  const rows = toJsonLines(long).trimEnd().split('\n').map((l) => JSON.parse(l) as { eip: string });
  for (const r of rows) {
    assert.match(r.eip, /^0x[0-9a-f]{16}$/);
    const rip = BigInt(r.eip);
    assert.ok(rip >= lo && rip < hi + 0x1000n, `${r.eip} lies in the kernel's text (${lo.toString(16)}..${hi.toString(16)})`);
  }
  assert.ok(rows.some((r) => r.eip.startsWith('0xffffffff8')), 'some exit is in the high-half text');
  // Exits outside 64-bit code (none here) and every 32-bit record keep 8 digits: the records above.
  assert.equal(toJsonLines([toExitEntry(records[0])!]).includes('"eip":"0x0010040a"'), true);
});
