// Runs the CPU fuzzer over every mode in this process and prints one JSON line with the
// results. The test runs it as a child so that a hang in the emulator becomes a failed test
// (with the last mode and run reported on stderr) instead of a stuck test run.
//   node --import tsx test/fuzz/cpu-fuzz-main.ts <runs-total> <seed> [budget] [mode,...]
// A single failing run is traced instruction by instruction with replay.ts.

import { createEmulatorMachine } from '../conformance/emulator-under-test';
import type { Machine } from '../../emulator/machine';
import { runFuzz, type FuzzMachine, type FuzzResult } from './cpu-fuzz';
import { FUZZ_MODES, type FuzzMode } from './fuzz-guests';

function arg(i: number, dflt: number): number {
  const raw = process.argv[i];
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0) {
    process.stderr.write(`cpu-fuzz-main: argument ${i - 1} must be a non-negative integer, got '${raw}'\n`);
    process.exit(2);
  }
  return v;
}

const total = arg(2, 6000);
const seed = arg(3, 1);
const budget = arg(4, 200);
const modes = (process.argv[5]?.split(',') ?? FUZZ_MODES) as FuzzMode[];
for (const m of modes) {
  if (!FUZZ_MODES.includes(m)) { process.stderr.write(`cpu-fuzz-main: unknown mode '${m}'\n`); process.exit(2); }
}

const results: FuzzResult[] = [];
modes.forEach((mode, i) => {
  const runs = Math.floor(total / modes.length) + (i < total % modes.length ? 1 : 0);
  process.stderr.write(`fuzz: mode ${mode}, ${runs} runs, seed ${seed}\n`);
  // One line per run so that, if a run never returns, the last line names it for replay.
  const progress = (run: number): void => { process.stderr.write(`${mode} run ${run}\n`); };
  // Every other run compiles each entry point on its first visit, so random code reaches the
  // block compiler as well as the interpreter (the default waits for many visits).
  const configureRun = (m: FuzzMachine, run: number): void => { (m as Machine).cpu.blockThreshold = run % 2 ? 1 : 1000; };
  results.push(runFuzz({ mode, runs, seed, budget, codeBytes: 4096, createMachine: createEmulatorMachine, progress, configureRun }));
});
process.stdout.write(JSON.stringify(results) + '\n');
