// Issue 2, point 7a from the executor's side: the CPU itself against iced-x86 on random 16- and
// 32-bit sequences (invalid encodings raise #UD, fall-through instructions advance EIP by
// iced's length). PARAVIRT_EXECUTION_COUNT (default 10,000) and PARAVIRT_SEED override.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEmulatorMachine } from './emulator-under-test';
import { describeExecutionResult, runExecutionConformance } from './execution-conformance';
import { envInt } from './random';

test('the CPU executes random 16- and 32-bit sequences with iced-x86\'s lengths and rejects what iced rejects', (t) => {
  const count = envInt('PARAVIRT_EXECUTION_COUNT', 10_000);
  const seed = envInt('PARAVIRT_SEED', 20261125);
  const r = runExecutionConformance(createEmulatorMachine, count, seed);
  const report = describeExecutionResult(r);
  t.diagnostic(report);
  assert.equal(r.checked, count);
  assert.equal(r.disagreed, 0, `seed ${seed}:\n${report}`);
  // Most random sequences are ordinary instructions whose length is observable.
  assert.ok(r.agreed > count / 2, report);
});
