// Reverse history at three guest RAM sizes (64 MiB, 1 GiB, 3 GiB) for `npm run bench` (a hook of
// its own, after the debug adapter's; alone: node --import tsx bench/history-bench.ts). The
// guest (guests/writer.asm) rewrites an array for about 10^9 instructions: 8 MiB (`history`
// figures: every snapshot copies 8 MiB, so the time rule spaces them widely) and 64 KiB
// (`historyLight`: sixteen pages, so snapshots are cheap and close). For each size:
// - the run to a breakpoint at `done` in the adapter (snapshots on, the default budget) against
//   a plain CLI-style run of the same instructions, in alternating rounds (ratio of medians);
// - resident memory beside each: the plain runner's and the adapter's (current and peak), and
//   what the history says it holds (paravirt.runStats);
// - stepBack at `done` (10^9 instructions of history behind it), twice;
// - reverseContinue from there back to a breakpoint at `early`, across the whole run;
// the last three in every round, on wall and on the adapter's CPU time, with their spread.
// The same two writers also stop after about 10^8 instructions (`history1e8`, `historyLight1e8`,
// at the sizes in PARAVIRT_HISTORY_SHORT_SIZES, default 64 MiB): the stepBack target's case.
// A report, never a test: nothing asserts beyond the adapter stopping where it must.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { launched, median, PlainRunner, prepare, stoppedAfter, symbol, timed, type Timing } from './dap-bench';
import { BENCH_DIR, CACHE_DIR } from './build-guests';
import { adapterRun, plainRun, ratioFigures, type SideTiming } from './run-ratio';
import { build } from 'esbuild';

const SIZES_MIB = (process.env.PARAVIRT_HISTORY_SIZES ?? '64,1024,3072').split(',').filter(Boolean).map(Number);
const LIGHT_SIZES_MIB = (process.env.PARAVIRT_HISTORY_LIGHT_SIZES ?? '64,3072').split(',').filter(Boolean).map(Number);
const SHORT_SIZES_MIB = (process.env.PARAVIRT_HISTORY_SHORT_SIZES ?? '64').split(',').filter(Boolean).map(Number);

interface Writer { tag: string; passes: number; dwords: number }
const HEAVY: Writer = { tag: 'history', passes: 120, dwords: 0x200000 };
const LIGHT: Writer = { tag: 'historyLight', passes: 15259, dwords: 0x4000 };
/** The same two writers stopped after about 10^8 instructions (issue 19's stepBack target is for that much history). */
const HEAVY_1E8: Writer = { tag: 'history1e8', passes: 12, dwords: 0x200000 };
const LIGHT_1E8: Writer = { tag: 'historyLight1e8', passes: 1526, dwords: 0x4000 };
/** Retired instructions when the CPU reaches `done` (see writer.asm). */
const toDone = (w: Writer) => 2 + w.passes * (4 + 4 * w.dwords);
const ROUNDS = Number(process.env.PARAVIRT_HISTORY_ROUNDS) || 3;

function buildWriter(w: Writer): string {
  const out = join(CACHE_DIR, 'guests');
  spawnSync('mkdir', ['-p', out]);
  const obj = join(out, `${w.tag}.o`), elf = join(out, `${w.tag}.elf`);
  for (const [cmd, args] of [
    ['nasm', ['-f', 'elf32', `-DPASSES=${w.passes}`, `-DDWORDS=${w.dwords}`, '-o', obj, join(BENCH_DIR, 'guests', 'writer.asm')]],
    ['ld', ['-m', 'elf_i386', '-T', join(BENCH_DIR, 'guests', 'guest.ld'), '-o', elf, obj]],
  ] as const) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  }
  return elf;
}

/** Resident and peak resident memory of a process, in MB (NaN where /proc does not say). */
function rss(pid: number | undefined): { now: number; peak: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    return { now: kb('VmRSS') / 1000, peak: kb('VmHWM') / 1000 };
  } catch { return { now: Number.NaN, peak: Number.NaN }; }
}

interface HistoryStats { snapshots: number; heldBytes: number; budgetBytes: number; fromInstruction: number; toInstruction: number; spacing: number; skipped: number }

function adapterPid(dc: DebugClient): number | undefined {
  return (dc as unknown as { _adapterProcess?: { pid?: number } })._adapterProcess?.pid;
}

async function sizeFigures(adapter: string, plain: string, writer: Writer, elf: string, mib: number): Promise<Record<string, number>> {
  const TO_DONE = toDone(writer);
  const done = symbol(elf, 'done'), early = symbol(elf, 'early');
  const runner = new PlainRunner(plain);
  const { dc } = await launched(adapter, elf, { memory: mib });
  const pid = adapterPid(dc);
  const plainT: Timing[] = [], adapterT: Timing[] = [];
  let plainRss = { now: Number.NaN, peak: Number.NaN };
  try {
    await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x' + done.toString(16) }] });
    const atDoneBps = { breakpoints: [{ instructionReference: '0x' + done.toString(16) }] };
    const back: Timing[] = [], backAgain: Timing[] = [], reverse: Timing[] = [];
    let st: { instructions: number; wallMs: number; slices: number; snapshots: number; snapshotMs: number; history: HistoryStats } | null = null;
    let afterRun = { now: Number.NaN, peak: Number.NaN };
    let span = Number.NaN;
    // One adapter round: the run to `done`, then (every round, so they have medians and spread
    // too) two stepBacks and a reverseContinue back to `early`, each on wall and on-CPU time.
    const adapterRun = async (restart: boolean): Promise<Timing> => {
      if (restart) {
        await dc.customRequest('setInstructionBreakpoints', atDoneBps);
        await stoppedAfter(dc, () => dc.customRequest('restart', {}));
        await new Promise((r) => setTimeout(r, 20));
      }
      let reason = '';
      const t = await timed(pid, async () => { reason = (await stoppedAfter(dc, () => dc.continueRequest({ threadId: 1 }))).reason; });
      if (reason !== 'instruction breakpoint') throw new Error(`${mib} MiB: the adapter stopped for '${reason}', not at done`);
      st = (await dc.customRequest('paravirt.runStats', {})).body as NonNullable<typeof st>;
      if (st.instructions !== TO_DONE) throw new Error(`${mib} MiB: the adapter ran ${st.instructions} instructions, not ${TO_DONE}`);
      afterRun = rss(pid);
      back.push(await timed(pid, async () => { await stoppedAfter(dc, () => dc.customRequest('stepBack', { threadId: 1, granularity: 'instruction' })); }));
      backAgain.push(await timed(pid, async () => { await stoppedAfter(dc, () => dc.customRequest('stepBack', { threadId: 1, granularity: 'instruction' })); }));
      await dc.customRequest('setInstructionBreakpoints', { breakpoints: [done, early].map((a) => ({ instructionReference: '0x' + a.toString(16) })) });
      let rc = '';
      reverse.push(await timed(pid, async () => { rc = (await stoppedAfter(dc, () => dc.customRequest('reverseContinue', { threadId: 1 }))).reason; }));
      span = -Number((await dc.customRequest('paravirt.runStats', {})).body?.instructions ?? NaN);
      if (!/breakpoint/.test(rc)) throw new Error(`${mib} MiB: reverseContinue stopped for '${rc}'`);
      const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
      if (Number(frame?.instructionPointerReference) !== early) throw new Error(`${mib} MiB: reverseContinue stopped at ${frame?.instructionPointerReference}, not at early`);
      return t;
    };
    await dc.customRequest('setInstructionBreakpoints', atDoneBps);
    for (let round = 0; round < ROUNDS; round++) {
      const p = async () => { plainT.push(await runner.timedRun(elf, done, TO_DONE, mib)); plainRss = rss(runner.pid); };
      if (round % 2 === 0) { await p(); adapterT.push(await adapterRun(round > 0)); } else { adapterT.push(await adapterRun(true)); await p(); }
    }
    const atDone = st!.history;
    const end = rss(pid);
    const tag = `${writer.tag}${mib >= 1024 ? `${mib / 1024}G` : `${mib}M`}`;
    const w = (ts: Timing[]) => median(ts.map((t) => t.wall));
    const c = (ts: Timing[]) => median(ts.map((t) => t.cpu));
    const spread = (ts: Timing[]) => Number((Math.max(...ts.map((t) => t.wall)) / Math.min(...ts.map((t) => t.wall))).toFixed(2));
    return {
      [`${tag}PlainMs`]: Math.round(w(plainT)),
      [`${tag}AdapterMs`]: Math.round(w(adapterT)),
      [`${tag}RunRatio`]: Number((w(adapterT) / w(plainT)).toFixed(3)),
      [`${tag}RunCpuRatio`]: Number((median(adapterT.map((t) => t.cpu)) / median(plainT.map((t) => t.cpu))).toFixed(3)),
      // Medians over the rounds; `Cpu`: the adapter's main thread on CPU (a loaded host stretches wall time);
      // `Spread`: the highest over the lowest of the rounds' wall times.
      [`${tag}StepBackMs`]: Math.round(w(back)),
      [`${tag}StepBackCpuMs`]: Math.round(c(back)),
      [`${tag}StepBackSpread`]: spread(back),
      [`${tag}StepBackAgainMs`]: Math.round(w(backAgain)),
      [`${tag}StepBackAgainCpuMs`]: Math.round(c(backAgain)),
      [`${tag}ReverseContinueMs`]: Math.round(w(reverse)),
      [`${tag}ReverseContinueCpuMs`]: Math.round(c(reverse)),
      [`${tag}ReverseContinueSpread`]: spread(reverse),
      [`${tag}ReverseContinueSpan`]: span,
      // Against the plain run of the same span forward: re-execution is what it costs.
      [`${tag}ReverseContinueToPlainRatio`]: Number((w(reverse) / w(plainT)).toFixed(3)),
      [`${tag}RunSpread`]: spread(adapterT),
      [`${tag}PlainRssMB`]: Math.round(plainRss.now),
      [`${tag}PlainPeakRssMB`]: Math.round(plainRss.peak),
      [`${tag}AdapterRssMB`]: Math.round(afterRun.now),
      [`${tag}AdapterPeakRssMB`]: Math.round(Math.max(afterRun.peak, end.peak)),
      [`${tag}AdapterRssAfterReverseMB`]: Math.round(end.now),
      [`${tag}HistoryHeldMB`]: Number((atDone.heldBytes / 1e6).toFixed(1)),
      [`${tag}HistoryBudgetMB`]: Math.round(atDone.budgetBytes / 1e6),
      [`${tag}HistorySnapshots`]: atDone.snapshots,
      [`${tag}HistorySpacing`]: atDone.spacing,
      // The adapter's own account of the last run to `done`: snapshots taken and the share of
      // its time they took (the run ratios above also carry process-to-process code placement).
      [`${tag}RunSnapshots`]: st!.snapshots,
      // Run slices of that run: sized by wall time on a loaded host they were many and small.
      [`${tag}RunSlices`]: st!.slices,
      [`${tag}RunSnapshotShare`]: Number((st!.snapshotMs / st!.wallMs).toFixed(4)),
    };
  } finally {
    await dc.stop().catch(() => undefined);
    runner.stop();
  }
}

const RATIO_ROUNDS = Number(process.env.PARAVIRT_RATIO_ROUNDS) || 5;

/**
 * Run to `done` under the debugger against `paravirt run` of the same image (see run-ratio.ts):
 * fresh processes each round, both timed from spawn to the stop. `${tag}Launch...` figures.
 */
async function launchRatio(adapter: string, cli: string, writer: Writer, elf: string, mib: number): Promise<Record<string, number>> {
  const done = symbol(elf, 'done');
  const a: SideTiming[] = [], p: SideTiming[] = [];
  const plainSide = async () => { p.push(await plainRun(cli, ['run', elf, '--memory', String(mib), '--serial', 'none', '--summary', 'none'])); };
  const adapterSide = async () => {
    a.push(await adapterRun(adapter, { program: elf, memory: mib, serial: 'none', profile: false }, done, async (dc) => {
      const st = (await dc.customRequest('paravirt.runStats', {})).body as { instructions: number };
      if (st.instructions !== toDone(writer)) throw new Error(`${mib} MiB: the adapter ran ${st.instructions} instructions, not ${toDone(writer)}`);
    }));
  };
  for (let round = 0; round < RATIO_ROUNDS; round++) {
    if (round % 2 === 0) { await plainSide(); await adapterSide(); } else { await adapterSide(); await plainSide(); }
  }
  const tag = `${writer.tag}${mib >= 1024 ? `${mib / 1024}G` : `${mib}M`}Launch`;
  return ratioFigures(tag, a, p);
}

/** The figures for every size, with the adapter and plain-runner bundles dap-bench.ts builds. */
export async function runHistoryBench(): Promise<Record<string, number>> {
  const { adapter, plain } = await prepare();
  const cli = join(CACHE_DIR, 'cli.js');
  await build({ entryPoints: [join(BENCH_DIR, '..', 'cli', 'main.ts')], outfile: cli, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error' });
  let out: Record<string, number> = {};
  const runs = [
    ...SIZES_MIB.map((mib) => [HEAVY, mib] as const), ...LIGHT_SIZES_MIB.map((mib) => [LIGHT, mib] as const),
    ...SHORT_SIZES_MIB.flatMap((mib) => [[HEAVY_1E8, mib], [LIGHT_1E8, mib]] as const),
  ];
  for (const [wr, mib] of runs) {
    const elf = buildWriter(wr);
    const f = process.env.PARAVIRT_RATIO_ONLY ? {} : await sizeFigures(adapter, plain, wr, elf, mib);
    Object.assign(f, await launchRatio(adapter, cli, wr, elf, mib));
    if (process.env.PARAVIRT_HISTORY_VERBOSE) for (const [k, v] of Object.entries(f)) console.log(`${k.padEnd(40)} ${v}`);
    out = { ...out, ...f };
  }
  return out;
}

if (typeof require !== 'undefined' && require.main === module) {
  process.env.PARAVIRT_HISTORY_VERBOSE = '1';
  void runHistoryBench().then(() => undefined, (e) => { console.error(e); process.exit(1); });
}
