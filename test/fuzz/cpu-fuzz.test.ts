// Issue 2, point 9: random bytes as code in every CPU mode, each run bounded by an instruction
// budget; no host exception may escape and every run must end in a clean stop.
// The CI default is 12,000 runs (2,000 per mode); the 100,000-run campaign is
// PARAVIRT_FUZZ_COUNT=100000. PARAVIRT_SEED picks another seed.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { envInt } from '../conformance/random';
import type { FuzzResult } from './cpu-fuzz';
import { FUZZ_MODES } from './fuzz-guests';

const HERE = dirname(fileURLToPath(import.meta.url));

test('random code in every CPU mode ends in a clean stop', (t) => {
  const runs = envInt('PARAVIRT_FUZZ_COUNT', 12_000);
  const seed = envInt('PARAVIRT_SEED', 20261125);
  // The child gets a generous allowance: its only purpose is to turn an emulator hang into a
  // failure that names the mode, instead of a test run that never ends.
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(HERE, 'cpu-fuzz-main.ts'), String(runs), String(seed), '200'], {
    encoding: 'utf8', timeout: 300_000 + runs * 10, maxBuffer: 64 << 20,
  });
  const lastLines = res.stderr.trim().split('\n').slice(-3).join('\n');
  assert.ok(!res.error && res.signal === null, `fuzz child did not finish (${res.error?.message ?? res.signal}); ` +
    `replay the last run with seed ${seed}:\n${lastLines}`);
  assert.equal(res.status, 0, `fuzz child exited with ${res.status}:\n${lastLines}`);
  const results = JSON.parse(res.stdout.trim().split('\n').pop() ?? '[]') as FuzzResult[];
  assert.deepEqual(results.map((r) => r.mode), [...FUZZ_MODES]);
  let total = 0;
  for (const r of results) {
    total += r.runs;
    t.diagnostic(`${r.mode}: ${r.runs} runs, ${r.instructions} instructions, stops ${JSON.stringify(r.stops)}, failures ${r.failureCount}`);
    assert.equal(r.failureCount, 0, `${r.mode} (seed ${seed}): ${JSON.stringify(r.failures.slice(0, 5), null, 2)}`);
    // Random code that never executes proves nothing: most runs should retire instructions.
    assert.ok(r.instructions >= r.runs, `${r.mode}: only ${r.instructions} instructions in ${r.runs} runs`);
  }
  assert.equal(total, runs);
});
