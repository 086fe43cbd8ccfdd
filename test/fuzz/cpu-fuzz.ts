// The CPU fuzzer: random bytes as code in each CPU mode, every run bounded by an instruction
// budget. A run must end in one of the machine's ordinary stop reasons; a host exception or a
// broken invariant is a failure, reported with what it takes to replay it.

import type { BootPlan, MachineApi, StopReason } from '../../emulator/machine';
import { Rng } from '../conformance/random';
import { BOOT_ADDR, buildBootstrap, FUZZ_ADDR, GDT_BASE, GDT_FIXED_ENTRIES, IDT_BASE, type FuzzMode } from './fuzz-guests';

export type FuzzMachine = Pick<MachineApi, 'load' | 'run' | 'getRegisters' | 'setRegister' | 'writePhysical'
  | 'addBreakpoint' | 'removeBreakpoint' | 'snapshot' | 'restore' | 'icount'>;

export interface FuzzOptions {
  mode: FuzzMode;
  runs: number;
  seed: number;
  budget: number;            // instructions per run
  codeBytes: number;         // random bytes written at FUZZ_ADDR for each run
  createMachine: () => FuzzMachine;
  firstRun?: number;         // replay: start at this run index (runs are independent of each other)
  progress?: (run: number) => void;   // called before each run, to locate a hang
  /** Called after the machine is reset for a run (e.g. to vary how the CPU executes it). */
  configureRun?: (machine: FuzzMachine, run: number) => void;
}

export interface FuzzFailure {
  mode: FuzzMode;
  run: number;               // replay: same seed and mode, this run index
  problem: string;
}

export interface FuzzResult {
  mode: FuzzMode;
  runs: number;
  instructions: number;
  stops: Record<string, number>;
  failures: FuzzFailure[];
  failureCount: number;
}

const CLEAN_STOPS = new Set<StopReason['kind']>([
  'budget', 'debug-exit', 'shutdown', 'reset', 'triple-fault', 'halted', 'domain-crash',
]);

function bootPlan(mode: FuzzMode): BootPlan {
  return {
    memory: [{ paddr: BOOT_ADDR, bytes: buildBootstrap(mode) }],
    entry: { kind: 'real', cs: 0, ip: BOOT_ADDR, ss: 0, sp: 0x7000 },
    description: `fuzz bootstrap (${mode})`,
  };
}

/** Boots the bootstrap up to the first fuzzed instruction and checks the mode it reached. */
export function bootToFuzzEntry(machine: FuzzMachine, mode: FuzzMode): void {
  machine.load(bootPlan(mode));
  machine.addBreakpoint(FUZZ_ADDR);
  const stop = machine.run(100_000);
  machine.removeBreakpoint(FUZZ_ADDR);
  const r = machine.getRegisters();
  const where = `stop ${JSON.stringify(stop)}, cs ${r.cs.toString(16)} eip ${r.eip.toString(16)} cr0 ${r.cr0.toString(16)} cr4 ${r.cr4.toString(16)}`;
  if (stop.kind !== 'breakpoint') throw new Error(`fuzz bootstrap (${mode}) did not reach the fuzzed code: ${where}`);
  const pe = (r.cr0 & 1) !== 0, pg = (r.cr0 >>> 31) !== 0, pae = (r.cr4 & 0x20) !== 0;
  const expected: Record<FuzzMode, boolean> = {
    real: !pe && r.cs === 0x1000 && r.eip === 0,
    pm16: pe && !pg && r.cs === 0x18 && r.eip === 0,
    pm32: pe && !pg && r.cs === 0x08 && r.eip === FUZZ_ADDR,
    ring3: pe && !pg && r.cs === 0x2b && r.eip === FUZZ_ADDR,
    paging: pe && pg && !pae && r.cr3 === 0x20000 && r.eip === FUZZ_ADDR,
    pae: pe && pg && pae && r.cr3 === 0x22000 && r.eip === FUZZ_ADDR,
  };
  if (!expected[mode]) throw new Error(`fuzz bootstrap (${mode}) reached the wrong state: ${where}`);
}

/** Every this many runs, the run is repeated from the snapshot and must end the same way. */
const REPLAY_EVERY = 10;

const GPRS = ['eax', 'ecx', 'edx', 'ebx', 'ebp', 'esi', 'edi'] as const;

/**
 * Writes run `run`'s random code, registers and descriptor tables into a machine standing at
 * the fuzz entry. GDT entries 8-255 and IDT vectors 0x20-0xFF get random descriptors, half of
 * them shaped like real ones, so segment loads, far transfers, gates, LDTs and task switches
 * meet every kind of descriptor.
 */
export function prepareRun(machine: FuzzMachine, run: number, seed: number, code: Uint8Array): void {
  const rng = new Rng((seed ^ Math.imul(run + 1, 0x9e3779b1)) >>> 0);
  rng.fill(code);
  machine.writePhysical(FUZZ_ADDR, code);
  // Random registers make the random code's memory operands land everywhere.
  for (const name of GPRS) machine.setRegister(name, rng.chance(0.5) ? rng.u32() : rng.u32() & 0xffff);
  const gdt = new Uint8Array((256 - GDT_FIXED_ENTRIES) * 8);
  for (let i = 0; i < gdt.length; i += 8) randomDescriptor(rng, gdt, i);
  machine.writePhysical(GDT_BASE + GDT_FIXED_ENTRIES * 8, gdt);
  const idt = new Uint8Array((256 - 0x20) * 8);
  for (let i = 0; i < idt.length; i += 8) randomGate(rng, idt, i);
  machine.writePhysical(IDT_BASE + 0x20 * 8, idt);
}

function randomDescriptor(rng: Rng, out: Uint8Array, at: number): void {
  rng.fill(out, at, at + 8);
  if (rng.chance(0.5)) return;
  // Present, a code/data or system type, any DPL; base in the low 1 MiB so it points at RAM.
  const base = rng.u32() & 0xfffff, limit = rng.chance(0.5) ? 0xfffff : rng.u32() & 0xfffff;
  const type = rng.chance(0.7) ? 0x10 | rng.below(16) : rng.pick([0x1, 0x2, 0x3, 0x4, 0x5, 0x9, 0xb, 0xc, 0xe, 0xf]);
  out[at] = limit & 0xff; out[at + 1] = (limit >>> 8) & 0xff;
  out[at + 2] = base & 0xff; out[at + 3] = (base >>> 8) & 0xff; out[at + 4] = (base >>> 16) & 0xff;
  out[at + 5] = 0x80 | (rng.below(4) << 5) | type;
  out[at + 6] = (rng.byte() & 0xc0) | ((limit >>> 16) & 0x0f);
  out[at + 7] = 0;
}

function randomGate(rng: Rng, out: Uint8Array, at: number): void {
  rng.fill(out, at, at + 8);
  if (rng.chance(0.5)) return;
  // Interrupt, trap, task or call gate into one of the bootstrap's or the random selectors.
  const offset = FUZZ_ADDR + (rng.u32() & 0xfff), selector = (rng.below(256) << 3) | rng.below(4);
  const type = rng.pick([0xe, 0xf, 0x5, 0x6, 0x7, 0xc]);
  out[at] = offset & 0xff; out[at + 1] = (offset >>> 8) & 0xff;
  out[at + 2] = selector & 0xff; out[at + 3] = selector >>> 8;
  out[at + 4] = 0;
  out[at + 5] = (rng.chance(0.9) ? 0x80 : 0) | (rng.below(4) << 5) | type;
  out[at + 6] = (offset >>> 16) & 0xff; out[at + 7] = offset >>> 24;
}

export function runFuzz(o: FuzzOptions): FuzzResult {
  const result: FuzzResult = { mode: o.mode, runs: 0, instructions: 0, stops: {}, failures: [], failureCount: 0 };
  let machine = o.createMachine();
  bootToFuzzEntry(machine, o.mode);
  let start = machine.snapshot();
  const code = new Uint8Array(o.codeBytes);
  const fail = (run: number, problem: string): void => {
    result.failureCount++;
    if (result.failures.length < 20) result.failures.push({ mode: o.mode, run, problem });
  };
  const first = o.firstRun ?? 0;
  for (let run = first; run < first + o.runs; run++) {
    o.progress?.(run);
    result.runs++;
    try {
      machine.restore(start);
      o.configureRun?.(machine, run);
      prepareRun(machine, run, o.seed, code);
      const before = machine.icount;
      const stop = machine.run(o.budget);
      const retired = machine.icount - before;
      result.instructions += retired;
      result.stops[stop.kind] = (result.stops[stop.kind] ?? 0) + 1;
      // A budget stop may retire fewer instructions than the budget: time spent halted, waiting
      // for a device interrupt, counts against the budget too.
      if (!CLEAN_STOPS.has(stop.kind)) fail(run, `unexpected stop ${JSON.stringify(stop)}`);
      else if (retired < 0 || retired > o.budget) fail(run, `retired ${retired} instructions on a budget of ${o.budget}`);
      const regs = machine.getRegisters();
      if (!Number.isInteger(regs.eip) || !Number.isInteger(regs.eflags)) fail(run, `registers not integers: ${JSON.stringify(regs)}`);
      if (run % REPLAY_EVERY === 0) {
        // Runs are replayable: the same start, code and registers give the same end.
        const first = JSON.stringify({ stop, retired, regs });
        machine.restore(start);
        prepareRun(machine, run, o.seed, code);
        const again = machine.icount;
        const stop2 = machine.run(o.budget);
        const second = JSON.stringify({ stop: stop2, retired: machine.icount - again, regs: machine.getRegisters() });
        if (first !== second) fail(run, `not deterministic: first ${first}, replay ${second}`);
      }
    } catch (e) {
      fail(run, `host exception: ${(e as Error).stack ?? String(e)}`);
      machine = o.createMachine();            // nothing is known about a machine that threw
      bootToFuzzEntry(machine, o.mode);
      start = machine.snapshot();
    }
  }
  return result;
}
