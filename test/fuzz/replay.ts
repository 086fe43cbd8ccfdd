// Replays one fuzz run step by step and prints each instruction's CS:EIP, bytes and registers,
// to see what a failing or hanging run does.
//   node --import tsx test/fuzz/replay.ts <mode> <run> [seed] [steps]

import { createEmulatorMachine } from '../conformance/emulator-under-test';
import { Rng } from '../conformance/random';
import { bootToFuzzEntry, prepareRun } from './cpu-fuzz';
import { FUZZ_MODES, type FuzzMode } from './fuzz-guests';

const mode = process.argv[2] as FuzzMode;
const run = Number(process.argv[3]);
const seed = Number(process.argv[4] ?? 20261125);
const steps = Number(process.argv[5] ?? 200);
if (!FUZZ_MODES.includes(mode) || !Number.isInteger(run) || !Number.isInteger(seed) || !Number.isInteger(steps)) {
  console.error(`usage: replay.ts <${FUZZ_MODES.join('|')}> <run> [seed] [steps]`);
  process.exit(2);
}

const m = createEmulatorMachine();
bootToFuzzEntry(m, mode);
prepareRun(m, run, seed, new Uint8Array(4096));
const hex = (v: number, n = 8): string => (v >>> 0).toString(16).padStart(n, '0');
for (let i = 0; i < steps; i++) {
  const r = m.getRegisters();
  const bytes = m.readLinear(r.eip + (mode === 'real' ? r.cs * 16 : mode === 'pm16' ? 0x10000 : 0), 8);
  console.log(`${i} ${hex(r.cs, 4)}:${hex(r.eip)} ${bytes ? Buffer.from(bytes).toString('hex') : '(unmapped)'} ` +
    `eax=${hex(r.eax)} ecx=${hex(r.ecx)} edx=${hex(r.edx)} ebx=${hex(r.ebx)} esp=${hex(r.esp)} ebp=${hex(r.ebp)} ` +
    `esi=${hex(r.esi)} edi=${hex(r.edi)} efl=${hex(r.eflags)}`);
  const stop = m.step();
  if (stop.kind !== 'step') { console.log(JSON.stringify(stop)); break; }
}
