// `paravirt compare` with named flavours, a marker and a cost model, on the sample's prebuilt
// HVM and PV kernels. Independent checks: a full run of each flavour with `paravirt run`
// (the marker run must stop before it ends, at the first entry after the marker), the
// cost model's arithmetic (doubling exitRoundTrip adds exactly one round trip per VM exit
// and nothing to PV's hypercalls), and the errors a user gets for a bad command line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compareFlavours, flavoursOf } from '../../cli/compare';
import { DEFAULT_COST_MODEL } from '../../emulator/vmm/cost-model';

const ROOT = resolve(__dirname, '..', '..');
const HVM = join(ROOT, 'examples/sample/build/sample-hvm.elf');
const PV = join(ROOT, 'examples/sample/build/sample-pv.elf');
const OPTS = { memory: 64, maxInstructions: 100_000_000, exitControls: 'ept' as const, pvPrivileged: 'xen' as const };
const MARKER = 'ran 20 timer-driven';
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'cli/main.ts'), ...args], { encoding: 'utf8', cwd: ROOT });

test('--until-output ends each flavour at its first hypervisor entry after the marker\'s line, before the kernel ends', () => {
  const full = [HVM, PV].map((k, i) => {
    // (The HVM sample leaves through isa-debug-exit with status 1: run's exit status says so.)
    const r = cli(['run', k, '--mode', i ? 'pv' : 'hvm', '--summary', 'json', '--serial', 'none']);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { instructions: number; exits: { total: number } };
  });
  const c = compareFlavours(flavoursOf([], { hvm: HVM, pv: PV }), { ...OPTS, untilOutput: MARKER });
  assert.deepEqual(c.flavours.map((f) => f.mode), ['hvm', 'pv']);
  assert.equal(c.hvm, c.flavours[0]);
  c.flavours.forEach((f, i) => {
    assert.deepEqual(f.until, { output: MARKER, reached: true });
    assert.equal(f.stop.kind, 'output');
    assert.ok(f.serial.includes(MARKER));
    // The kernel goes on to print its page-fault count and checksum: the marker run did not get there.
    assert.doesNotMatch(f.serial, /checksum/);
    assert.ok(f.instructions < full[i].instructions, `${f.mode}: ${f.instructions} < ${full[i].instructions}`);
    assert.ok(f.exits.total < full[i].exits.total);
  });
  // HVM prints byte by byte through the UART: it stops at the exit that ends the marker's line
  // (at most one byte of the next line may be out by then), not at the marker's last byte.
  const hvmSerial = c.flavours[0].serial;
  const after = hvmSerial.slice(hvmSerial.indexOf(MARKER) + MARKER.length);
  assert.match(after, /^[^\r\n]*\r?\n[^\r\n]?$/, JSON.stringify(after));
  assert.equal(c.sameOutput, true);
  // The audit follows the HVM run to its marker, no further.
  assert.equal(c.compatibility.flavour, 'hvm');
  assert.equal(c.compatibility.instructions, c.flavours[0].instructions);
  assert.equal(c.compatibility.complete, true);
});

test('--cost-model: doubling exitRoundTrip adds one round trip per VM exit and changes no PV hypercall', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-cost-'));
  const model = join(dir, 'cost.json');
  writeFileSync(model, JSON.stringify({ exitRoundTrip: DEFAULT_COST_MODEL.exitRoundTrip * 2 }));
  const run = (extra: string[]) => {
    const r = cli(['compare', '--hvm', HVM, '--pv', PV, '--json', ...extra]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { hvm: { exits: { total: number }; cycles: { hypervisor: number } }; pv: { cycles: { hypervisor: number } }; flavours: unknown[]; sameOutput: boolean; compatibility: unknown; costNote: string };
  };
  const base = run([]), dear = run(['--cost-model', model]);
  for (const k of ['hvm', 'pv', 'flavours', 'sameOutput', 'compatibility', 'costNote']) assert.ok(k in base, k);
  assert.equal(dear.hvm.cycles.hypervisor - base.hvm.cycles.hypervisor, base.hvm.exits.total * DEFAULT_COST_MODEL.exitRoundTrip);
  assert.equal(dear.pv.cycles.hypervisor, base.pv.cycles.hypervisor);
});

test('the report names every flavour; bad command lines get a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-cmp-'));
  const report = join(dir, 'r.html');
  const r = cli(['compare', '--pv', PV, '--hvm', HVM, '--until-output', MARKER, '--report', report]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /marker: {2}"ran 20 timer-driven": HVM reached, PV reached/);
  assert.match(r.stdout, /Resource use: memory the hypervisor held/);
  const html = readFileSync(report, 'utf8');
  assert.match(html, /<h1>HVM vs PV: the same kernel, two ways<\/h1>/);
  assert.match(html, /Each run ended at its first hypervisor entry after printing <code>ran 20 timer-driven<\/code>\./);
  for (const [args, msg] of [
    [[HVM], /compare needs two or three flavours/],
    [[HVM, PV, PV, PV], /at most three kernels/],
    [[HVM, '--hvm', HVM, '--pv', PV], /the HVM flavour is given twice/],
    [[HVM, PV, '--until-output', ''], /--until-output needs some text/],
    [[HVM, join(dir, 'missing.elf')], /kernel '.*missing\.elf' not found/],
    [['--hvm', HVM, '--pv', HVM], /bad PV image .*not a Xen PV kernel/],
  ] as Array<[string[], RegExp]>) {
    const bad = cli(['compare', ...args]);
    assert.equal(bad.status, 2, `${args.join(' ')}: ${bad.stderr}`);
    assert.match(bad.stderr, msg);
  }
});

test('three flavours of the x86-64 sample: HVM, 64-bit PV and PVH; what PV and PVH replace is visible in each column', () => {
  const HVM64 = join(ROOT, 'examples/sample/build/sample-hvm64.elf'), PVH = join(ROOT, 'examples/sample/build/sample-pvh.elf');
  const PV64 = join(ROOT, 'examples/sample/build/sample-pv64.elf');
  const c = compareFlavours(flavoursOf([HVM64, PV64, PVH], {}), OPTS);
  assert.deepEqual(c.flavours.map((f) => f.mode), ['hvm', 'pv', 'pvh']);
  assert.equal(c.sameOutput, true);
  const [h, , x] = c.flavours;
  assert.equal(x.stop.kind, 'shutdown');
  // HVM prints through the UART (port exits); PVH through console_io: no port exit, one VMCALL per hypercall.
  assert.ok((h.exits.byReason.IO_INSTRUCTION ?? 0) > 2 * h.serial.length - 100);
  assert.equal(x.exits.byReason.IO_INSTRUCTION, undefined);
  const hypercalls = Object.values(x.hypercalls).reduce((a, n) => a + n, 0);
  assert.equal(x.exits.byReason.VMCALL, hypercalls);
  assert.ok(x.hypercalls.console_io > 0 && x.hypercalls.sched_op === 1);
  assert.ok(h.surface['device models'].includes('uart') && !x.surface['device models'].includes('uart'));
  assert.ok(x.surface.hypercalls.includes('console_io'));
  // The timer is the local APIC's in both: the same 20 ticks.
  assert.equal(x.exits.byReason.EXTERNAL_INTERRUPT, h.exits.byReason.EXTERNAL_INTERRUPT);
  assert.ok(x.exits.total < h.exits.total && x.cycles.hypervisor < h.cycles.hypervisor);
  assert.ok(x.resources['hypervisor paging structures (bytes)'] > 0, 'EPT for the PVH container');
  // 64-bit PV: no VM exits at all, ticks as event upcalls, the fault a trap bounce, its 4-level tables validated.
  const p = c.flavours[1];
  assert.equal(p.exits.byReason.EVENT_UPCALL, 20);
  assert.equal(p.exits.byReason.TRAP_BOUNCE, 1);
  assert.ok(p.hypercalls.callback_op === 2 && p.hypercalls.mmu_update >= 3, JSON.stringify(p.hypercalls));
  assert.ok(p.resources['validated page tables (pinned)'] >= 3, 'the sample pins the L1, L2 and L3 it adds');
});
