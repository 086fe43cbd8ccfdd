// Debug adapter figures for `npm run bench` (bench/hooks.ts calls runDapBench): launch to
// stopped-on-entry, step round trip, pause latency, running to a breakpoint 100M instructions
// away against a plain CLI-style run of the same instructions (and the same for a guest making
// 400k recorded exits), and stepBack with that history behind it.
//
// Fairness of the run-to-breakpoint comparison: both sides are child processes bundled by
// esbuild with the same settings (the adapter from debug-adapter/main.ts, the plain runner from
// this very file, started with --plain-child), both build the same machine (16 MiB, the 'ept'
// exit controls, an exit filter feeding an exit profile, the breakpoint at `done`), both are
// timed from the request to the answer by this process, and the rounds are interleaved (order
// alternating) so that the load of the shared host falls on both alike. The rounds are spread
// over several fresh process pairs, because the speed of the same generated code differs from
// one process to the next far more than the adapter's overhead (see comparePairs). Medians are
// reported with the spread of the per-round and per-pair ratios; on Linux also the on-CPU time
// of each side's main thread over the same stretch (/proc/PID/schedstat), which the other work
// on a shared host disturbs less than wall time (the adapter's figure may include part of the
// snapshot it takes right after sending the stopped event, which the plain side has no
// counterpart of). A plain run without the breakpoint shows what the CPU's own breakpoint
// check costs, apart from the adapter's overhead. The adapter also reports
// (paravirt.runStats) how much of each run's wall time was spent outside Machine.run(): its own
// overhead, free of the emulator's run-to-run spread that the ratios carry. Every round's
// timings are kept in bench/.cache/dap/*.json.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { Machine } from '../emulator/machine';
import { loadImage } from '../emulator/loader';
import { runInSlices } from '../cli/run-loop';
import { RunProfile } from '../debug-adapter/engine/exit-profile';

const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'bench', '.cache', 'dap');
const GUESTS = join(ROOT, 'test', 'debug-adapter', 'guests');
const EXIT_GUEST_INSTRUCTIONS = 1_200_001; // outloop.asm: mov + 400k x (out, dec, jnz): 400k exits
/** Process pairs (adapter and plain runner) and measured rounds in each, for the exit-heavy guest. */
const EXIT_PAIRS = 3;
const EXIT_ROUNDS = 3;
const LINK = join(GUESTS, 'link.ld');
const INSTRUCTIONS_TO_BREAKPOINT = 100_000_001; // mov + 50M x (dec, jnz)
const MEMORY_MIB = 16;
/** Process pairs and measured rounds in each, for the 100M-instruction run (see comparePairs). */
const PAIRS = Number(process.env.PARAVIRT_DAP_PAIRS) || 20;
const ROUNDS = 3;

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** Nanoseconds the process's main thread has spent on a CPU, or NaN where the kernel does not say. */
function onCpuNs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try { return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]); } catch { return Number.NaN; }
}

/** Wall and on-CPU milliseconds of a child over `work`. */
export async function timed(pid: number | undefined, work: () => Promise<void>): Promise<Timing> {
  const c0 = onCpuNs(pid), t0 = performance.now();
  await work();
  const wall = performance.now() - t0;
  return { wall, cpu: (onCpuNs(pid) - c0) / 1e6 };
}

export interface Timing { wall: number; cpu: number; machine?: number }

export function median(xs: number[]): number { const s = xs.slice().sort((a, b) => a - b); return s[s.length >> 1]!; }

const BUNDLE = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error' } as const;

function guest(name: string): string {
  run('nasm', ['-f', 'elf32', '-o', join(OUT, `${name}.o`), join(GUESTS, `${name}.asm`)]);
  const elf = join(OUT, `${name}.elf`);
  run('ld', ['-m', 'elf_i386', '-z', 'noexecstack', '--no-warn-rwx-segments', '-T', LINK, '-o', elf, join(OUT, `${name}.o`)]);
  return elf;
}

export async function prepare(): Promise<{ adapter: string; plain: string; elf: string; spin: string; exits: string }> {
  mkdirSync(OUT, { recursive: true });
  const adapter = join(OUT, 'debug-adapter.js');
  const plain = join(OUT, 'plain-run.js');
  await build({ ...BUNDLE, entryPoints: [join(ROOT, 'debug-adapter/main.ts')], outfile: adapter });
  await build({ ...BUNDLE, entryPoints: [join(ROOT, 'bench/dap-bench.ts')], outfile: plain, external: ['esbuild', '@vscode/debugadapter-testsupport'] });
  return { adapter, plain, elf: guest('count'), spin: guest('spin'), exits: guest('outloop') };
}

export function symbol(elf: string, name: string): number {
  const line = spawnSync('nm', [elf], { encoding: 'utf8' }).stdout.split('\n').find((l) => l.endsWith(` ${name}`));
  if (!line) throw new Error(`no ${name} in ${elf}`);
  return parseInt(line.split(' ')[0]!, 16);
}

// ---- the plain side: a child process answering one JSON line per request ------------------

interface PlainRequest { elf: string; breakpoint: number | null; instructions: number; cmd: 'prepare' | 'run'; memoryMiB?: number }
interface PlainAnswer { icount: number; stop: string; machineMs: number }

/** The child: builds the machine as the CLI does on `prepare`, runs it with the CLI's run loop on `run`. */
function plainChild(): void {
  let m: Machine | null = null;
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const req = JSON.parse(line) as PlainRequest;
    if (req.cmd === 'prepare') {
      const mib = req.memoryMiB ?? MEMORY_MIB;
      m = new Machine({ mode: 'hvm', memoryMiB: mib, exitControls: { preset: 'ept' }, serialOut: () => undefined });
      m.load(loadImage(new Uint8Array(readFileSync(req.elf)), { ramBytes: mib * (1 << 20) }));
      const profile = new RunProfile();
      m.setExitFilter((r) => { profile.add(r); return false; });
      if (req.breakpoint !== null) m.addBreakpoint(req.breakpoint);
      process.stdout.write(JSON.stringify({ icount: m.icount, stop: 'prepared', machineMs: 0 } satisfies PlainAnswer) + '\n');
      return;
    }
    const machine = m!;
    const limit = req.breakpoint === null ? req.instructions : Number.MAX_SAFE_INTEGER;
    // Time inside Machine.run(), as the adapter's paravirt.runStats counts it.
    let machineMs = 0;
    const timedMachine = Object.create(machine) as Machine;
    timedMachine.run = (budget: number) => { const t = performance.now(); const r = machine.run(budget); machineMs += performance.now() - t; return r; };
    void runInSlices(timedMachine, { maxInstructions: limit, slice: 1_000_000, afterSlice: () => undefined }).then((r) => {
      process.stdout.write(JSON.stringify({ icount: machine.icount, stop: r.stop.kind, machineMs } satisfies PlainAnswer) + '\n');
    });
  });
}

export class PlainRunner {
  private readonly child: ChildProcess;
  private readonly waiting: Array<(a: PlainAnswer) => void> = [];

  constructor(script: string) {
    this.child = spawn(process.execPath, [script, '--plain-child'], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (l) => this.waiting.shift()?.(JSON.parse(l) as PlainAnswer));
  }

  private ask(req: PlainRequest): Promise<PlainAnswer> {
    return new Promise((res) => { this.waiting.push(res); this.child.stdin!.write(JSON.stringify(req) + '\n'); });
  }

  get pid(): number | undefined { return this.child.pid; }

  /** From the run request to its answer (the machine is built before the clock starts). */
  async timedRun(elf: string, breakpoint: number | null, instructions: number, memoryMiB?: number): Promise<Timing> {
    await this.ask({ cmd: 'prepare', elf, breakpoint, instructions, memoryMiB });
    let a: PlainAnswer | undefined;
    const t = await timed(this.child.pid, async () => { a = await this.ask({ cmd: 'run', elf, breakpoint, instructions, memoryMiB }); });
    const want = breakpoint === null ? 'budget' : 'breakpoint';
    if (a?.icount !== instructions || a.stop !== want) throw new Error(`plain run ended with ${a?.stop} after ${a?.icount} instructions`);
    return { ...t, machine: a.machineMs };
  }

  stop(): void { this.child.kill(); }
}

// ---- the adapter side ---------------------------------------------------------------------

export async function stoppedAfter(dc: DebugClient, send: () => Promise<unknown>): Promise<{ ms: number; reason: string }> {
  const s = performance.now();
  const ev = dc.waitForEvent('stopped');
  await send();
  const e = await ev;
  return { ms: performance.now() - s, reason: String(e.body?.reason) };
}

/** A DebugClient on the adapter, stopped at the entry of `elf`; resolves with the time that took. */
export async function launched(adapter: string, elf: string, launch: Record<string, unknown> = {}): Promise<{ dc: DebugClient; ms: number }> {
  const dc = new DebugClient('node', adapter, 'paravirt');
  dc.defaultTimeout = Number(process.env.DAP_BENCH_TIMEOUT_MS) || 600_000;
  await dc.start();
  const t0 = performance.now();
  const init = dc.waitForEvent('initialized');
  await dc.initializeRequest();
  // Exit profile on (the default a user gets), written into the bench cache at the end.
  await dc.launchRequest({ program: elf, stopOnEntry: true, memory: MEMORY_MIB, exitControls: 'ept', serial: 'none', profile: join(OUT, 'last-run.json'), ...launch } as never);
  await init;
  const entry = dc.waitForEvent('stopped');
  await dc.configurationDoneRequest();
  await entry;
  return { dc, ms: performance.now() - t0 };
}

/** Pause latency, request to stopped event, on a guest that never ends by itself. */
async function pauseLatencies(adapter: string, spin: string): Promise<number[]> {
  const { dc } = await launched(adapter, spin);
  try {
    const pauses: number[] = [];
    for (let i = 0; i < 5; i++) {
      await dc.continueRequest({ threadId: 1 });
      await new Promise((r) => setTimeout(r, 150));
      const p = await stoppedAfter(dc, () => dc.pauseRequest({ threadId: 1 }));
      if (p.reason !== 'pause') throw new Error(`pause answered with a stop for '${p.reason}'`);
      pauses.push(p.ms);
    }
    return pauses;
  } finally {
    await dc.stop().catch(() => undefined);
  }
}

interface Comparison { plain: Timing[]; adapter: Timing[]; plainNoBp: Timing[]; ownOverhead: number[]; pairRatios?: number[] }

/**
 * Rounds of: the plain child to the breakpoint at `done`, the adapter (restarted, then
 * continued) to the same breakpoint, in alternating order; with `noBp`, also the plain child
 * over the same instructions without the breakpoint. One unmeasured round first on each side.
 */
async function compare(dc: DebugClient, runner: PlainRunner, elf: string, instructions: number, rounds: number, noBp: boolean): Promise<Comparison> {
  const done = symbol(elf, 'done');
  await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x' + done.toString(16) }] });
  // The adapter process (a DebugClient keeps it in a private field: NaN CPU figures without it).
  const adapterPid = (dc as unknown as { _adapterProcess?: ChildProcess })._adapterProcess?.pid;
  const c: Comparison = { plain: [], adapter: [], plainNoBp: [], ownOverhead: [] };
  const adapterRun = async (): Promise<Timing> => {
    await stoppedAfter(dc, () => dc.customRequest('restart', {}));
    // Let the restart's own work (the first snapshot, the timer) settle outside the measure.
    await new Promise((r) => setTimeout(r, 20));
    let reason = '';
    const t = await timed(adapterPid, async () => { reason = (await stoppedAfter(dc, () => dc.continueRequest({ threadId: 1 }))).reason; });
    if (reason !== 'instruction breakpoint') throw new Error(`the adapter stopped for '${reason}', not at the breakpoint`);
    // The adapter's own account: time outside Machine.run() during the run, against time inside it.
    const st = (await dc.customRequest('paravirt.runStats', {})).body as { wallMs: number; machineMs: number; instructions: number };
    if (st.instructions !== instructions) throw new Error(`the adapter ran ${st.instructions} instructions, not ${instructions}`);
    c.ownOverhead.push((st.wallMs - st.machineMs) / st.machineMs);
    return { ...t, machine: st.machineMs };
  };
  await runner.timedRun(elf, done, instructions);
  await adapterRun();
  c.ownOverhead.length = 0;
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) { c.plain.push(await runner.timedRun(elf, done, instructions)); c.adapter.push(await adapterRun()); }
    else { c.adapter.push(await adapterRun()); c.plain.push(await runner.timedRun(elf, done, instructions)); }
    if (noBp) c.plainNoBp.push(await runner.timedRun(elf, null, instructions));
  }
  return c;
}

const r3 = (x: number) => Number(x.toFixed(3));
const wall = (ts: Timing[]) => ts.map((t) => t.wall), cpu = (ts: Timing[]) => ts.map((t) => t.cpu);

/** The figures of a comparison, names prefixed; every round's timings go to bench/.cache/dap/<prefix>.json. */
function figures(prefix: string, c: Comparison): Record<string, number> {
  writeFileSync(join(OUT, `${prefix}.json`), JSON.stringify(c, null, 1));
  const ratios = c.adapter.map((a, i) => a.wall / c.plain[i]!.wall);
  const cpuRatios = c.adapter.map((a, i) => a.cpu / c.plain[i]!.cpu);
  const out: Record<string, number> = {
    [`${prefix}AdapterMs`]: Math.round(median(wall(c.adapter))),
    [`${prefix}PlainMs`]: Math.round(median(wall(c.plain))),
    [`${prefix}Ratio`]: r3(median(wall(c.adapter)) / median(wall(c.plain))),
    [`${prefix}RatioPerRoundMedian`]: r3(median(ratios)),
    [`${prefix}RatioMin`]: r3(Math.min(...ratios)),
    [`${prefix}RatioMax`]: r3(Math.max(...ratios)),
    // Best against best: the rounds least disturbed on either side.
    [`${prefix}RatioOfMinima`]: r3(Math.min(...wall(c.adapter)) / Math.min(...wall(c.plain))),
    [`${prefix}AdapterCpuMs`]: Math.round(median(cpu(c.adapter))),
    [`${prefix}PlainCpuMs`]: Math.round(median(cpu(c.plain))),
    [`${prefix}CpuRatio`]: r3(median(cpu(c.adapter)) / median(cpu(c.plain))),
    [`${prefix}CpuRatioMin`]: r3(Math.min(...cpuRatios)),
    [`${prefix}CpuRatioMax`]: r3(Math.max(...cpuRatios)),
    // Time inside Machine.run() on each side: does the adapter process run the machine slower?
    [`${prefix}AdapterMachineMs`]: Math.round(median(c.adapter.map((t) => t.machine!))),
    [`${prefix}PlainMachineMs`]: Math.round(median(c.plain.map((t) => t.machine!))),
    // Measured inside the adapter, so the emulator's own run-to-run spread does not enter it.
    [`${prefix}AdapterOwnOverheadPct`]: Number((100 * median(c.ownOverhead)).toFixed(2)),
    [`${prefix}AdapterOwnOverheadPctMax`]: Number((100 * Math.max(...c.ownOverhead)).toFixed(2)),
  };
  if (c.pairRatios?.length) {
    out[`${prefix}PairRatioMedian`] = r3(median(c.pairRatios));
    out[`${prefix}PairRatioMin`] = r3(Math.min(...c.pairRatios));
    out[`${prefix}PairRatioMax`] = r3(Math.max(...c.pairRatios));
  }
  if (c.plainNoBp.length) {
    out[`${prefix}PlainNoBreakpointMs`] = Math.round(median(wall(c.plainNoBp)));
    out[`${prefix}RatioToPlainNoBreakpoint`] = r3(median(wall(c.adapter)) / median(wall(c.plainNoBp)));
  }
  return out;
}

/** Concatenates the rounds of several comparisons. */
function merged(cs: Comparison[]): Comparison {
  return {
    plain: cs.flatMap((c) => c.plain), adapter: cs.flatMap((c) => c.adapter),
    plainNoBp: cs.flatMap((c) => c.plainNoBp), ownOverhead: cs.flatMap((c) => c.ownOverhead),
    // Each pair's own verdict: its adapter's median against its plain runner's.
    pairRatios: cs.map((c) => median(wall(c.adapter)) / median(wall(c.plain))),
  };
}

/**
 * The comparison over fresh process pairs: how fast one process runs the emulator's generated
 * code depends on where V8 happened to place things in that process (the same work measured
 * 140 ms median in one process and 200 in the next, on an idle host), so a single pair would
 * compare two draws of that luck rather than the adapter with the CLI. `last` gets the final
 * pair's adapter, stopped at the breakpoint, before it is shut down.
 */
async function comparePairs(adapter: string, plain: string, elf: string, instructions: number, pairs: number, rounds: number, noBp: boolean,
  last?: (dc: DebugClient) => Promise<void>): Promise<Comparison> {
  const all: Comparison[] = [];
  for (let i = 0; i < pairs; i++) {
    const runner = new PlainRunner(plain);
    const { dc } = await launched(adapter, elf);
    try {
      all.push(await compare(dc, runner, elf, instructions, rounds, noBp));
      if (i === pairs - 1 && last) await last(dc);
    } finally {
      await dc.stop().catch(() => undefined);
      runner.stop();
    }
  }
  return merged(all);
}

export async function runDapBench(): Promise<Record<string, number>> {
  const { adapter, plain, elf, spin, exits } = await prepare();
  const pauses = await pauseLatencies(adapter, spin);
  // 400k recorded exits on both sides (the exit profile is on in both).
  const exitFigures = figures('exits400k', await comparePairs(adapter, plain, exits, EXIT_GUEST_INSTRUCTIONS, EXIT_PAIRS, EXIT_ROUNDS, false));

  const { dc, ms: launchMs } = await launched(adapter, elf);
  const steps: number[] = [];
  try {
    for (let i = 0; i < 20; i++) steps.push((await stoppedAfter(dc, () => dc.nextRequest({ threadId: 1, granularity: 'instruction' }))).ms);
  } finally {
    await dc.stop().catch(() => undefined);
  }
  let stepBack = { ms: 0, reason: '' }, stepBackAgain = { ms: 0, reason: '' };
  const c = await comparePairs(adapter, plain, elf, INSTRUCTIONS_TO_BREAKPOINT, PAIRS, ROUNDS, true, async (last) => {
    // That adapter is stopped at the breakpoint with 100M instructions of history.
    stepBack = await stoppedAfter(last, () => last.customRequest('stepBack', { threadId: 1, granularity: 'instruction' }));
    // A second one: the first left checkpoints behind it.
    stepBackAgain = await stoppedAfter(last, () => last.customRequest('stepBack', { threadId: 1, granularity: 'instruction' }));
  });
  return {
    launchMs: Math.round(launchMs),
    stepMs: Number(median(steps).toFixed(2)),
    pauseMs: Math.round(median(pauses)),
    pauseMaxMs: Math.round(Math.max(...pauses)),
    pairs: PAIRS,
    rounds: PAIRS * ROUNDS,
    ...figures('to100MBreakpoint', c),
    ...exitFigures,
    stepBackMs: Math.round(stepBack.ms),
    stepBackAgainMs: Math.round(stepBackAgain.ms),
  };
}

// The bundled plain runner (see prepare) is this file started with --plain-child.
if (typeof require !== 'undefined' && require.main === module && process.argv.includes('--plain-child')) plainChild();
