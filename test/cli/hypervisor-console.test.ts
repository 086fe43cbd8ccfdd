// PV guests have two consoles: Xen's (console_io, what xl dmesg shows) and the domain's
// ring (what xl console shows). A guest that writes each line to both, as Mini-OS does
// (test/pv/guests/two-consoles.asm), must not print every line twice; --hypervisor-console
// routes Xen's console on its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildAll, type Built } from './harness';
import { buildPvGuest } from '../pv/harness';

let b: Built;
let elf: string;
before(async () => { b = await buildAll([]); elf = buildPvGuest('two-consoles'); });
after(() => { if (b) rmSync(b.dir, { recursive: true, force: true }); });

const EARLY = 'early: console_io only\n';
const line = (n: number) => `both ${n}: console_io and the ring\n`;
const RING = line(1) + line(2) + line(3);

function run(...extra: string[]) {
  const r = spawnSync(process.execPath, [b.cli, 'run', elf, '--mode', 'pv', '--summary', 'none', ...extra], { encoding: 'utf8', cwd: b.dir, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r;
}

test('by default each line shows once: console_io until the ring is up, then the ring', () => {
  const r = run();
  assert.equal(r.stdout, EARLY + RING);
  // What was left out is named, with the way to see it.
  assert.match(r.stderr, /64 bytes of console_io output .* not shown; --hypervisor-console stderr/);
});

test('--hypervisor-console stderr: the ring on stdout, all of Xen\'s console on stderr', () => {
  const r = run('--hypervisor-console', 'stderr');
  assert.equal(r.stdout, RING);
  assert.equal(r.stderr, EARLY + RING);
});

test('--hypervisor-console <file> and none; serial merges the two as one stream (every line twice)', () => {
  const file = join(b.dir, 'xen-console.txt');
  const f = run('--hypervisor-console', file);
  assert.equal(f.stdout, RING);
  assert.equal(readFileSync(file, 'utf8'), EARLY + RING);
  assert.equal(run('--hypervisor-console', 'none').stdout, RING);
  assert.equal(run('--hypervisor-console', 'serial').stdout, EARLY + line(1) + line(1) + line(2) + line(2) + line(3) + line(3));
});

test('a guest that only uses console_io (the sample) keeps its output on stdout', () => {
  const r = spawnSync(process.execPath, [b.cli, 'run', join(__dirname, '..', '..', 'examples', 'sample', 'build', 'sample-pv.elf'), '--mode', 'pv', '--summary', 'none'], { encoding: 'utf8', timeout: 60_000 });
  assert.match(r.stdout, /^Paravirt sample kernel.*\n[\s\S]*checksum [0-9a-f]{8}\n$/);
  assert.equal(r.stderr, '');
});
