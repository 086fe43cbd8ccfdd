// The Multiboot command line `paravirt run` gives a kernel is the one QEMU gives it for the
// same invocation: "<kernel path as given> <args>" (argv[0] is the path), a trailing space
// when there are no arguments. The kernel (test/loader/fixtures/mb-report.asm) prints the
// string it finds through the info block on port 0xE9, which both machines send out.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { buildAll, type Built } from './harness';
import { FixtureBuilder } from '../loader/build-fixtures';
import { hasQemu, parseReport, runQemu } from '../loader/report-kernel';

let b: Built;
before(async () => { b = await buildAll([]); });
const fx = new FixtureBuilder('cli-cmdline');
const kernel = fx.mbReport(false);
const RAM = 32 * 1024 * 1024;

function ours(kernelArg: string, cmdline?: string): string {
  const args = ['run', kernelArg, '--memory', '32', '--summary', 'none', ...(cmdline === undefined ? [] : ['--cmdline', cmdline])];
  const r = spawnSync(process.execPath, [b.cli, ...args], { encoding: 'utf8', cwd: fx.dir, timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  return parseReport(r.stdout).cmdline;
}

for (const args of ['', 'console=ttyS0 -- a b', 'x']) {
  test(`--cmdline ${JSON.stringify(args)}: the kernel sees "<path> <args>", as under QEMU`, { skip: hasQemu ? false : 'qemu-system-i386 is not installed' }, () => {
    const q = runQemu(fx.dir, RAM, kernel.path, args, []).cmdline;
    assert.equal(q, `${basename(kernel.path)} ${args}`, 'QEMU\'s own rule');
    assert.equal(ours(basename(kernel.path), args === '' ? undefined : args), q);
  });
}

test('the path is passed as given (relative or absolute)', () => {
  assert.equal(ours(kernel.path, 'a'), `${kernel.path} a`);
  assert.equal(ours(`./${basename(kernel.path)}`), `./${basename(kernel.path)} `);
});
