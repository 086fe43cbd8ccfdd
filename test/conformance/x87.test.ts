// x87 arithmetic, compares, conversions and rounding against the host FPU, within what
// emulator/cpu/FPU.md says the emulator models (see x87-cases.ts).
// PARAVIRT_X87_COUNT (default 5,000) and PARAVIRT_SEED override.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeAluResult, runAluConformance } from './alu-conformance';
import { createEmulatorMachine } from './emulator-under-test';
import { envInt } from './random';
import { generateX87Case } from './x87-cases';

test('x87 results and status flags agree with the host FPU', (t) => {
  const count = envInt('PARAVIRT_X87_COUNT', 5_000);
  const seed = envInt('PARAVIRT_SEED', 20261125);
  const r = runAluConformance(createEmulatorMachine, count, seed, generateX87Case);
  const report = describeAluResult(r).replace('ALU vs host CPU', 'x87 vs host FPU');
  t.diagnostic(report);
  assert.equal(r.checked, count);
  assert.equal(r.disagreed, 0, `seed ${seed}:\n${report}`);
});
