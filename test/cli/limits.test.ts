// The limits a person meets from several sides agree: guest RAM (1-3072 MiB, as the README
// documents), the command line (4095 bytes) and the kernel file (1 GiB), in the CLI's flags,
// the launch attributes (declared and validated) and the machine itself.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCmdline, parseMemory } from '../../cli/options';
import { LaunchError, validateLaunch } from '../../debug-adapter/launch-config';
import { Machine } from '../../emulator/machine';
import { MachineOptionError } from '../../emulator/option-error';

const ROOT = join(import.meta.dirname, '..', '..');

const launchFails = (args: Record<string, unknown>, attribute: string) =>
  assert.throws(() => validateLaunch({ program: '/k.elf', ...args }), (e) => e instanceof LaunchError && e.attribute === attribute);

test('guest RAM: 1 to 3072 MiB everywhere', () => {
  assert.equal(parseMemory('3072'), 3072);
  assert.equal(parseMemory('1'), 1);
  assert.throws(() => parseMemory('3073'), /1 to 3072/);
  assert.throws(() => parseMemory('0'));
  assert.equal(validateLaunch({ program: '/k.elf', memory: 3072 }).memoryMiB, 3072);
  launchFails({ memory: 3073 }, 'memory');
  launchFails({ memory: 0 }, 'memory');
  // The machine refuses before it allocates anything.
  assert.throws(() => new Machine({ memoryMiB: 3073 }), (e) => e instanceof MachineOptionError && e.option === 'memory' && /1 and 3072/.test(e.message));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const memory = pkg.contributes.debuggers[0].configurationAttributes.launch.properties.memory;
  assert.deepEqual([memory.minimum, memory.maximum, memory.default], [1, 3072, 64]);
});

test('the command line: 4095 bytes of UTF-8 from the CLI and from a launch configuration', () => {
  assert.equal(parseCmdline('x'.repeat(4095)).length, 4095);
  assert.throws(() => parseCmdline('x'.repeat(4096)), /4095 bytes/);
  assert.throws(() => parseCmdline('é'.repeat(2048)), /4095 bytes/); // 4096 bytes in 2048 characters
  assert.equal(validateLaunch({ program: '/k.elf', cmdline: 'x'.repeat(4095) }).cmdline.length, 4095);
  launchFails({ cmdline: 'x'.repeat(4096) }, 'cmdline');
  launchFails({ cmdline: 'é'.repeat(2048) }, 'cmdline');
});

test('a kernel file over 1 GiB is refused before it is read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-limits-'));
  const big = join(dir, 'big.elf');
  writeFileSync(big, ''); truncateSync(big, 2 ** 30 + 1);   // sparse: nothing is written
  const cli = (path: string) => spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'run', path, '--max-instructions', '1'], { encoding: 'utf8' });
  const r = cli(big);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /larger than 1 GiB/);
});
