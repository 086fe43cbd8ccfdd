// The bundled sample kernel (examples/sample): the committed build/sample-hvm.elf must be
// what its sources build to, and it must run the same under QEMU and our emulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { qemuReference } from './qemu-cache';
import { runOnEmulator, describeStop } from './run-emulator';
import { firstDifference } from './compare';

const SAMPLE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'sample');
const COMMITTED = join(SAMPLE, 'build', 'sample-hvm.elf');

test('the committed sample binary is what its sources build to', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-sample-'));
  try {
    for (const part of ['Makefile', 'common', 'hvm']) cpSync(join(SAMPLE, part), join(dir, part), { recursive: true });
    execFileSync('make', ['-s', '-C', dir], { stdio: 'inherit' });
    const freshPath = join(dir, 'build', 'sample-hvm.elf');
    if (readFileSync(freshPath).equals(readFileSync(COMMITTED))) return;
    // Another compiler version may lay the code out differently; then the two builds
    // must still behave the same.
    t.diagnostic('fresh build differs byte-wise from the committed one; comparing their behaviour under QEMU');
    const [fresh, committed] = await Promise.all([qemuReference(freshPath), qemuReference(COMMITTED)]);
    assert.equal(fresh.status, committed.status);
    assert.equal(firstDifference(committed.serial, fresh.serial), null, 'examples/sample/build/sample-hvm.elf is stale: run make in examples/sample and commit it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the sample prints the same under QEMU and our emulator', async () => {
  const q = await qemuReference(COMMITTED);
  assert.equal(q.status, 1, `QEMU: status ${q.status} ${q.stderr}`);
  assert.match(q.serial, /^Paravirt sample kernel/);
  assert.match(q.serial, /page faults handled: 1\n/);
  assert.match(q.serial, /checksum [0-9a-f]{8}\n$/);
  const e = runOnEmulator(COMMITTED);
  assert.equal(e.error, undefined, e.error);
  assert.equal(firstDifference(q.serial, e.serial), null);
  assert.equal(e.status, 1, describeStop(e.stop));
});
