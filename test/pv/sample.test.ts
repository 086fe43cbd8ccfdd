// The sample kernel's two flavours (examples/sample, prebuilt) doing the same work: the PV
// flavour must print the same thing and take fewer hypervisor entries, and this test says
// by how much. Independent check on the HVM side: its UART driver polls LSR once and
// writes THR once per character, so it takes at least two I/O exits per byte printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './harness';
import { compareKernels } from '../../cli/compare';

const HVM = join(ROOT, 'examples/sample/build/sample-hvm.elf');
const PV = join(ROOT, 'examples/sample/build/sample-pv.elf');
const OPTS = { memory: 64, maxInstructions: 100_000_000, exitControls: 'ept' as const, pvPrivileged: 'xen' as const };

test('the PV sample takes fewer hypervisor entries than the HVM sample for the same work', (t) => {
  const c = compareKernels(HVM, PV, OPTS);
  assert.equal(c.sameOutput, true, `HVM:\n${c.hvm.serial}\nPV:\n${c.pv.serial}`);
  assert.match(c.pv.serial, /ran 20 timer-driven work units\npage faults handled: 1\nchecksum [0-9a-f]{8}\n$/);
  assert.equal(c.pv.stop.kind, 'shutdown');
  const h = c.hvm.exits.total, p = c.pv.exits.total;
  t.diagnostic(`HVM ${h} exits, PV ${p} hypervisor entries: ${h - p} fewer, ${(h / p).toFixed(2)}x; est. cycles ${(c.hvm.cycles.total / c.pv.cycles.total).toFixed(2)}x fewer`);
  // The claim: at least three times fewer entries, and fewer estimated cycles.
  assert.ok(p * 3 <= h, `PV ${p} vs HVM ${h}`);
  assert.ok(c.pv.cycles.total < c.hvm.cycles.total);
  // Where the HVM exits come from: two port accesses per character at least; PV has none.
  assert.ok((c.hvm.exits.byReason.IO_INSTRUCTION ?? 0) >= 2 * c.hvm.serial.length);
  assert.equal(c.pv.exits.byReason.IO_INSTRUCTION, undefined);
  // 20 timer ticks: 20 external-interrupt exits in HVM, 20 event upcalls in PV.
  assert.equal(c.hvm.exits.byReason.EXTERNAL_INTERRUPT, 20);
  assert.equal(c.pv.exits.byReason.EVENT_UPCALL >= 20, true);
  // The audit found the instructions a PV port had to replace, with the HVM I/O exits matching its in/out count.
  const io = c.compatibility.kinds.filter((k) => k.id === 'in' || k.id === 'out').reduce((a, k) => a + k.count, 0);
  assert.equal(io, c.hvm.exits.byReason.IO_INSTRUCTION);
  for (const id of ['hlt', 'sti', 'lidt', 'mov-to-cr']) assert.ok(c.compatibility.kinds.some((k) => k.id === id), id);
});

test('paravirt compare prints the table and writes a self-contained HTML report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-compare-'));
  const report = join(dir, 'r.html');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'cli/main.ts'), 'compare', HVM, PV, '--report', report], { encoding: 'utf8', cwd: ROOT });
  assert.equal(r.status, 0, r.stderr);
  for (const s of ['Performance', 'Compatibility', 'Security', 'Resource use', 'hypercall console_io']) assert.ok(r.stdout.includes(s), s);
  const html = readFileSync(report, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.ok((html.match(/<svg /g) ?? []).length >= 3);
  assert.ok(!/<script|https?:\/\/(?!www\.w3\.org)/.test(html), 'no scripts or external resources');
  const bad = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'cli/main.ts'), 'compare', HVM, HVM], { encoding: 'utf8', cwd: ROOT });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /not a Xen PV kernel/);
});

test('paravirt run --mode pv: summary JSON with hypercalls by name, stdin into the console ring', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'cli/main.ts'), 'run', PV, '--mode', 'pv', '--summary', 'json', '--serial', 'none'], { encoding: 'utf8', cwd: ROOT, input: '' });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(s.mode, 'pv');
  assert.equal(s.stop.kind, 'shutdown');
  assert.ok(s.hypercalls.console_io > 0 && s.hypercalls.sched_op > 0);
  assert.ok(s.exits.byReason.HYPERCALL > 0);
});
