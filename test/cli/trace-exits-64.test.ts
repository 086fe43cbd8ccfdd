// --trace-exits and --stop-on with a 64-bit kernel (test/guests/src64/bases64.c, built by the
// guests' Makefile): its exits say they came from 64-bit code, carry RIP's high half, and
// its WRMSR of TSC_AUX keeps the whole value; a filter on long64 stops on the first of them.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAll, lastJsonLine, paravirt, ROOT, type Built } from './harness';
import { LONG_WAITS } from '../cpu/long-prelude';

const KERNEL = join(ROOT, 'test/guests/build/x86_64/bases64.elf');
let b: Built;
before(async () => {
  b = await buildAll([]);
  execFileSync('make', ['-s', '-C', join(ROOT, 'test/guests'), 'build/x86_64/bases64.elf']);
});

test('a 64-bit kernel\'s exits carry long64 and ripHi; WRMSR keeps EDX; --stop-on long64', { skip: LONG_WAITS }, () => {
  const trace = join(b.dir, 'bases64.jsonl');
  const r = paravirt(b, ['run', KERNEL, '--trace-exits', trace, '--summary', 'json', '--serial', 'none']);
  assert.equal(r.status, 1, r.stderr);          // isa-debug-exit with 0: (0 << 1) | 1
  const lines = readFileSync(trace, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const long = lines.filter((l) => l.long64 === true);
  assert.ok(long.length > 0, 'exits from 64-bit code');
  for (const l of long) assert.equal(l.ripHi, 0, 'the kernel runs at its identity-mapped 1 MiB link address');
  // The boot stub's exits before the far jump into 64-bit code are 32-bit ones.
  assert.equal(lines[0]!.long64, undefined);
  const aux = lines.find((l) => l.name === 'WRMSR' && l.msr === 0xc0000103);
  assert.ok(aux, 'WRMSR TSC_AUX exits (not passed through)');
  assert.deepEqual([aux.value, aux.valueHi, aux.long64], [0x5a, 0, true]);
  const stopped = paravirt(b, ['run', KERNEL, '--stop-on', 'long64 == 1', '--summary', 'json', '--serial', 'none']);
  const s = lastJsonLine(stopped.stdout);
  assert.equal(s.stop.kind, 'filter');
  assert.equal(s.stop.exit.long64, true);
});
