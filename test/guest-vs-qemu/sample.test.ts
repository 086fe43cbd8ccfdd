// The bundled sample kernel (examples/sample): the committed build/sample-*.elf must be
// what their sources build to; the HVM flavour must run the same under QEMU and our
// emulator, and the PV flavour (our PV mode) must print what the HVM flavour prints: the
// same work and the same checksum. The x86-64 flavour prints it too under
// qemu-system-x86_64, and the same under our emulator once its CPU has long mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine } from '../../emulator/machine';
import { loadPvImage } from '../../emulator/pv/pv-image';
import { loadPvh, readImage } from '../../emulator/loader';
import type { StopReason } from '../../emulator/machine';
import { qemuReference } from './qemu-cache';
import { runOnEmulator, describeStop } from './run-emulator';
import { NO_LONG_MODE, firstDifference } from './compare';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SAMPLE = join(ROOT, 'examples', 'sample');
const HVM = join(SAMPLE, 'build', 'sample-hvm.elf');
const PV = join(SAMPLE, 'build', 'sample-pv.elf');
const HVM64 = join(SAMPLE, 'build', 'sample-hvm64.elf');
const PVH = join(SAMPLE, 'build', 'sample-pvh.elf');
const PV64 = join(SAMPLE, 'build', 'sample-pv64.elf');
/** What our CPU still lacks for the x86-64 sample, as src64/<name>.waits says it for a test
    kernel; undefined once it runs. While it is set a disagreement is a skip, and agreement a
    failure, so that it is cleared when it goes stale. */
const SAMPLE64_WAITS: string | undefined = undefined;

test('the committed sample binaries are what their sources build to', async (t) => {
  // Same relative layout as the repository (the PV flavour includes ../../guest).
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-sample-'));
  try {
    const copy = join(dir, 'examples', 'sample');
    mkdirSync(copy, { recursive: true });
    for (const part of ['Makefile', 'common', 'hvm', 'hvm64', 'pv', 'pvh', 'pv64']) {
      if (existsSync(join(SAMPLE, part))) cpSync(join(SAMPLE, part), join(copy, part), { recursive: true });
    }
    cpSync(join(ROOT, 'guest'), join(dir, 'guest'), { recursive: true });
    execFileSync('make', ['-s', '-C', copy], { stdio: 'inherit' });
    const freshHvm = join(copy, 'build', 'sample-hvm.elf');
    if (!readFileSync(freshHvm).equals(readFileSync(HVM))) {
      // Another compiler version may lay the code out differently; then the two builds
      // must still behave the same.
      t.diagnostic('fresh HVM build differs byte-wise from the committed one; comparing their behaviour under QEMU');
      const [fresh, committed] = await Promise.all([qemuReference(freshHvm), qemuReference(HVM)]);
      assert.equal(fresh.status, committed.status);
      assert.equal(firstDifference(committed.serial, fresh.serial), null, 'examples/sample/build/sample-hvm.elf is stale: run make in examples/sample and commit it');
    }
    const freshHvm64 = join(copy, 'build', 'sample-hvm64.elf');
    if (!readFileSync(freshHvm64).equals(readFileSync(HVM64))) {
      t.diagnostic('fresh x86-64 build differs byte-wise from the committed one; comparing their behaviour under qemu-system-x86_64');
      const [fresh, committed] = await Promise.all([qemuReference(freshHvm64, undefined, undefined, 'x86_64'), qemuReference(HVM64, undefined, undefined, 'x86_64')]);
      assert.equal(fresh.status, committed.status);
      assert.equal(firstDifference(committed.serial, fresh.serial), null, 'examples/sample/build/sample-hvm64.elf is stale: run make in examples/sample and commit it');
    }
    if (existsSync(PV)) {
      const freshPv = join(copy, 'build', 'sample-pv.elf');
      if (!readFileSync(freshPv).equals(readFileSync(PV))) {
        t.diagnostic('fresh PV build differs byte-wise from the committed one; comparing their behaviour');
        assert.equal(firstDifference(runPv(PV).serial, runPv(freshPv).serial), null, 'examples/sample/build/sample-pv.elf is stale');
      }
    }
    const freshPvh = join(copy, 'build', 'sample-pvh.elf');
    if (!readFileSync(freshPvh).equals(readFileSync(PVH))) {
      t.diagnostic('fresh PVH build differs byte-wise from the committed one; comparing their behaviour');
      assert.equal(firstDifference(runXen('pvh', PVH).serial, runXen('pvh', freshPvh).serial), null, 'examples/sample/build/sample-pvh.elf is stale: run make in examples/sample and commit it');
    }
    const freshPv64 = join(copy, 'build', 'sample-pv64.elf');
    if (!readFileSync(freshPv64).equals(readFileSync(PV64))) {
      t.diagnostic('fresh 64-bit PV build differs byte-wise from the committed one; comparing their behaviour');
      assert.equal(firstDifference(runXen('pv', PV64).serial, runXen('pv', freshPv64).serial), null, 'examples/sample/build/sample-pv64.elf is stale: run make in examples/sample and commit it');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the HVM sample prints the same under QEMU and our emulator', async () => {
  const q = await qemuReference(HVM);
  assert.equal(q.status, 1, `QEMU: status ${q.status} ${q.stderr}`);
  assert.match(q.serial, /^Paravirt sample kernel/);
  assert.match(q.serial, /page faults handled: 1\n/);
  assert.match(q.serial, /checksum [0-9a-f]{8}\n$/);
  const e = runOnEmulator(HVM);
  assert.equal(e.error, undefined, e.error);
  assert.equal(firstDifference(q.serial, e.serial), null);
  assert.equal(e.status, 1, describeStop(e.stop));
});

function runPv(elf: string): { serial: string; stop: StopReason } { return runXen('pv', elf); }

/** A PV or PVH flavour on our machine, as `paravirt run --mode pv|pvh` runs it. */
function runXen(mode: 'pv' | 'pvh', elf: string): { serial: string; stop: StopReason } {
  const mib = 64;
  let serial = '';
  const m = new Machine({ mode, memoryMiB: mib, serialOut: (b) => { serial += String.fromCharCode(b & 0xff); } });
  const image = new Uint8Array(readFileSync(elf));
  m.load(mode === 'pv' ? loadPvImage(image, { ramBytes: mib << 20 }) : loadPvh(readImage(image), { ramBytes: mib << 20 }));
  let stop: StopReason = { kind: 'budget' };
  while (m.icount < 200_000_000) {
    stop = m.run(2_000_000);
    if (stop.kind !== 'budget') break;
  }
  return { serial, stop };
}

test('the PV sample does the same work as the HVM sample', { skip: !existsSync(PV) && 'no PV flavour built' }, async () => {
  const q = await qemuReference(HVM);
  const pv = runPv(PV);
  const checksum = (s: string) => /checksum ([0-9a-f]{8})/.exec(s)?.[1];
  assert.ok(checksum(q.serial), 'no checksum from the HVM flavour');
  assert.equal(checksum(pv.serial), checksum(q.serial), `PV output:\n${pv.serial}\nstop: ${describeStop(pv.stop)}`);
  assert.match(pv.serial, /page faults handled: 1\n/);
  assert.equal(pv.stop.kind, 'shutdown', describeStop(pv.stop));
});

test('the x86-64 sample does the HVM sample\'s work under qemu-system-x86_64, and the same on ours', async (t) => {
  const [q32, q64] = await Promise.all([qemuReference(HVM), qemuReference(HVM64, undefined, undefined, 'x86_64')]);
  assert.equal(q64.status, 1, `QEMU: status ${q64.status} ${q64.stderr}`);
  assert.equal(firstDifference(q32.serial, q64.serial), null, 'the x86-64 flavour prints what the 32-bit one prints, checksum included');
  const e = runOnEmulator(HVM64);
  const diff = e.error ?? firstDifference(q64.serial, e.serial) ?? (e.status === 1 ? null : `status ${e.status}: ${describeStop(e.stop)}`);
  if (diff === null) {
    assert.equal(SAMPLE64_WAITS, undefined, 'the x86-64 sample agrees now: clear SAMPLE64_WAITS');
    return;
  }
  if (NO_LONG_MODE.test(e.serial)) {
    t.skip('waiting for long mode: our CPUID 80000001h:EDX.LM is clear (the long-mode CPU foundation is not here)');
    return;
  }
  if (SAMPLE64_WAITS !== undefined) {
    t.skip(`waiting for ${SAMPLE64_WAITS}; now: ${diff}`);
    return;
  }
  assert.fail(diff);
});

test('the PVH sample prints what the x86-64 sample prints under qemu-system-x86_64, and powers off through sched_op', async () => {
  const q64 = await qemuReference(HVM64, undefined, undefined, 'x86_64');
  const pvh = runXen('pvh', PVH);
  assert.equal(firstDifference(q64.serial, pvh.serial), null, `PVH output:\n${pvh.serial}\nstop: ${describeStop(pvh.stop)}`);
  assert.equal(pvh.stop.kind, 'shutdown', describeStop(pvh.stop));
  assert.equal((pvh.stop as { code: number }).code, 0);
});

test('the 64-bit PV sample prints what the x86-64 sample prints under qemu-system-x86_64, its fault a trap bounce, and powers off', async () => {
  const q64 = await qemuReference(HVM64, undefined, undefined, 'x86_64');
  const pv = runXen('pv', PV64);
  assert.equal(firstDifference(q64.serial, pv.serial), null, `64-bit PV output:\n${pv.serial}\nstop: ${describeStop(pv.stop)}`);
  assert.equal(pv.stop.kind, 'shutdown', describeStop(pv.stop));
  assert.equal((pv.stop as { code: number }).code, 0);
});
