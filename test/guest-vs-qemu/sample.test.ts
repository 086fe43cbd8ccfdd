// The bundled sample kernel (examples/sample): the committed build/sample-*.elf must be
// what their sources build to; the HVM flavour must run the same under QEMU and our
// emulator, and the PV flavour (our PV mode) must print what the HVM flavour prints: the
// same work and the same checksum.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine } from '../../emulator/machine';
import { loadPvImage } from '../../emulator/pv/pv-image';
import type { StopReason } from '../../emulator/machine';
import { qemuReference } from './qemu-cache';
import { runOnEmulator, describeStop } from './run-emulator';
import { firstDifference } from './compare';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SAMPLE = join(ROOT, 'examples', 'sample');
const HVM = join(SAMPLE, 'build', 'sample-hvm.elf');
const PV = join(SAMPLE, 'build', 'sample-pv.elf');

test('the committed sample binaries are what their sources build to', async (t) => {
  // Same relative layout as the repository (the PV flavour includes ../../guest).
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-sample-'));
  try {
    const copy = join(dir, 'examples', 'sample');
    mkdirSync(copy, { recursive: true });
    for (const part of ['Makefile', 'common', 'hvm', 'pv']) {
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
    if (existsSync(PV)) {
      const freshPv = join(copy, 'build', 'sample-pv.elf');
      if (!readFileSync(freshPv).equals(readFileSync(PV))) {
        t.diagnostic('fresh PV build differs byte-wise from the committed one; comparing their behaviour');
        assert.equal(firstDifference(runPv(PV).serial, runPv(freshPv).serial), null, 'examples/sample/build/sample-pv.elf is stale');
      }
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

function runPv(elf: string): { serial: string; stop: StopReason } {
  const mib = 64;
  let serial = '';
  const m = new Machine({ mode: 'pv', memoryMiB: mib, serialOut: (b) => { serial += String.fromCharCode(b & 0xff); } });
  m.load(loadPvImage(new Uint8Array(readFileSync(elf)), { ramBytes: mib << 20 }));
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
