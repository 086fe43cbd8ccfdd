// The sample-project command's copy builds on its own (real nasm, gcc -m32, ld) and its
// kernels are what the configuration provider finds; readelf is the reference for ELF type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { copySample } from '../../extension/sample-files';
import { findKernels, guessMode, isX86Elf32 } from '../../extension/find-kernels';

const ROOT = resolve(__dirname, '..', '..');

test('the copied sample builds standalone and its launch.json names every flavour', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pv-sample-'));
  try {
    copySample(ROOT, dir);
    assert.ok(!existsSync(join(dir, 'build', 'hvm-obj')) && !existsSync(join(dir, 'build', 'hvm64-obj')) && !existsSync(join(dir, 'build', 'pvh-obj')), 'object files are not copied');
    const launch = JSON.parse(readFileSync(join(dir, '.vscode', 'launch.json'), 'utf8'));
    assert.deepEqual(launch.configurations.map((c: { mode: string; program: string }) => [c.mode, c.program]), [
      ['hvm', '${workspaceFolder}/build/sample-hvm.elf'], ['pv', '${workspaceFolder}/build/sample-pv.elf'],
      ['hvm', '${workspaceFolder}/build/sample-hvm64.elf'], ['pv', '${workspaceFolder}/build/sample-pv64.elf'], ['pvh', '${workspaceFolder}/build/sample-pvh.elf'],
    ]);
    JSON.parse(readFileSync(join(dir, '.vscode', 'tasks.json'), 'utf8'));
    const r = spawnSync('make', ['-s', 'clean', 'all'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(dir, 'build', 'sample-hvm64.elf')), 'the copy builds the x86-64 flavour too');
    assert.ok(existsSync(join(dir, 'build', 'sample-pvh.elf')) && existsSync(join(dir, 'build', 'sample-pv64.elf')), 'and the PVH and 64-bit PV ones');
    const found = findKernels(dir).map((p) => p.slice(dir.length + 1)).sort();
    // The x86-64 and PVH flavours are kernels F5 offers too: found beside the 32-bit two, PVH by its PHYS32_ENTRY note.
    assert.deepEqual(found, ['build/sample-hvm.elf', 'build/sample-hvm64.elf', 'build/sample-pv.elf', 'build/sample-pv64.elf', 'build/sample-pvh.elf']);
    assert.deepEqual(found.map((p) => guessMode(join(dir, p))), ['hvm', 'hvm', 'pv', 'pv', 'pvh']);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('isX86Elf32 agrees with readelf on executables, objects and non-ELF files', () => {
  const files = [
    join(ROOT, 'examples/sample/build/sample-hvm.elf'),
    join(ROOT, 'examples/sample/build/hvm-obj/common/kmain.o'),
    join(ROOT, 'examples/sample/Makefile'),
  ].filter(existsSync);
  for (const f of files) {
    const r = spawnSync('readelf', ['-h', f], { encoding: 'utf8' });
    const want = r.status === 0 && /Class:\s+ELF32/.test(r.stdout) && /Type:\s+EXEC/.test(r.stdout) && /Machine:\s+Intel 80386/.test(r.stdout);
    assert.equal(isX86Elf32(f), want, f);
  }
  assert.equal(isX86Elf32(join(ROOT, 'no-such-file')), false);
});
