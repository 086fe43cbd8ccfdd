import { createEmulatorMachine } from '../conformance/emulator-under-test';
import { runFuzz } from './cpu-fuzz';
const mode = process.argv[2] as any;
const t = Date.now();
const r = runFuzz({ mode, runs: Number(process.argv[3]), firstRun: Number(process.argv[4] ?? 0), seed: Number(process.argv[5] ?? 1), budget: 200, codeBytes: 4096, createMachine: createEmulatorMachine,
  progress: (run) => { if (process.env.V || run % 100 === 0) process.stderr.write(`run ${run} ${Date.now() - t}ms\n`); } });
console.log(mode, Date.now() - t, 'ms', r.instructions, JSON.stringify(r.stops), r.failureCount, JSON.stringify(r.failures.slice(0, 3)).slice(0, 1500));
