// Issue 17 point 6: debugging Debian's cloud kernel (HVM, nokaslr, its debug vmlinux as
// `symbols`) over DAP, against a plain run of the same kernel to the same instruction:
//   - run to a breakpoint late in the boot (run_init_process, where kernel_init starts /init):
//     launch request -> stopped, beside `paravirt run --max-instructions N` of the same N
//     instructions (a child process each, started from this one, same machine options);
//   - a line step there (next request -> stopped), the median of several;
//   - stepBack with the whole boot behind it (the default history budget), and a second one;
//   - the adapter's RSS (VmRSS and its peak VmHWM, /proc) at the stop and after stepping back.
// The rounds alternate (adapter, plain, adapter, plain) so the load of a shared host falls on
// both alike; medians are reported. Figures only: nothing here is asserted.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { cloudFixture } from '../test/linux/debian-kernel';

const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'bench', '.cache', 'linux-debug');
const ROUNDS = Number(process.env.PARAVIRT_LINUX_DEBUG_ROUNDS) || 2;
const BREAKPOINT = 'run_init_process';
const MEMORY_MIB = 256;

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)]! : Number.NaN; };

/** On-CPU nanoseconds of a process's main thread (/proc/<pid>/schedstat), NaN where there is none. */
function onCpuNs(pid: number | undefined): number {
  try { return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]); } catch { return Number.NaN; }
}

/** VmRSS and VmHWM of a process in MiB (NaN where /proc does not say). */
function memoryOf(pid: number | undefined): { rss: number; peak: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? Number.NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch { return { rss: Number.NaN, peak: Number.NaN }; }
}

async function bundle(entry: string, out: string): Promise<string> {
  await build({ entryPoints: [join(ROOT, entry)], outfile: out, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'], logLevel: 'error' });
  return out;
}

function stopped(dc: DebugClient, ms: number): Promise<number> {
  const t0 = performance.now();
  return dc.waitForEvent('stopped', ms).then(() => performance.now() - t0);
}

interface AdapterRound { toBreakpointMs: number; toBreakpointCpuMs: number; slices: number; instructions: number; machineMs: number; stepMs: number[]; stepCpuMs: number[]; stepBackMs: number[]; stepBackCpuMs: number[]; memStop: { rss: number; peak: number }; memBack: { rss: number; peak: number } }

async function adapterRound(adapter: string, args: Record<string, unknown>): Promise<AdapterRound> {
  const dc = new DebugClient('node', adapter, 'paravirt');
  dc.defaultTimeout = 3_600_000;
  await dc.start();
  const pid = (dc as unknown as { _adapterProcess?: { pid?: number } })._adapterProcess?.pid;
  try {
    const init = dc.waitForEvent('initialized');
    await dc.initializeRequest();
    const t0 = performance.now(), c0 = onCpuNs(pid);
    const stop = dc.waitForEvent('stopped', 3_600_000);
    await dc.launchRequest(args as never);
    await init;
    const bp = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: BREAKPOINT }] });
    if (!bp.body.breakpoints[0]?.verified) throw new Error(`breakpoint ${BREAKPOINT}: ${bp.body.breakpoints[0]?.message}`);
    await dc.configurationDoneRequest();
    await stop;
    const toBreakpointMs = performance.now() - t0, toBreakpointCpuMs = (onCpuNs(pid) - c0) / 1e6;
    const stats = (await dc.customRequest('paravirt.runStats')).body as { instructions: number; machineMs: number; slices: number };
    const memStop = memoryOf(pid);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    const stepMs: number[] = [];
    const stepCpuMs: number[] = [];
    for (let i = 0; i < 5; i++) { const w = stopped(dc, 600_000), c = onCpuNs(pid); await dc.nextRequest({ threadId: 1 }); stepMs.push(await w); stepCpuMs.push((onCpuNs(pid) - c) / 1e6); }
    const stepBackMs: number[] = [], stepBackCpuMs: number[] = [];
    for (let i = 0; i < 2; i++) { const w = stopped(dc, 600_000), c = onCpuNs(pid); await dc.stepBackRequest({ threadId: 1 }); stepBackMs.push(await w); stepBackCpuMs.push((onCpuNs(pid) - c) / 1e6); }
    return { toBreakpointMs, toBreakpointCpuMs, slices: stats.slices, instructions: stats.instructions, machineMs: stats.machineMs, stepMs, stepCpuMs, stepBackMs, stepBackCpuMs, memStop, memBack: memoryOf(pid) };
  } finally {
    await dc.stop().catch(() => undefined);
  }
}

/** `paravirt run` of the same kernel for exactly n instructions: wall milliseconds of the child. */
function plainRound(cli: string, f: { kernelPath: string; initrdPath: string; cmdline: string }, n: number): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [cli, 'run', f.kernelPath, '--initrd', f.initrdPath, '--cmdline', f.cmdline, '--memory', String(MEMORY_MIB),
      '--max-instructions', String(n), '--summary', 'json'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += String(d); });
    p.on('exit', (code) => (code === null ? reject(new Error(`paravirt run killed: ${err}`)) : resolveRun(performance.now() - t0)));
  });
}

export async function runLinuxDebugBench(): Promise<Record<string, number | string>> {
  const fx = cloudFixture();
  if (typeof fx === 'string') return { skipped: fx };
  const adapter = await bundle('debug-adapter/main.ts', join(OUT, 'debug-adapter.js'));
  const cli = await bundle('cli/main.ts', join(OUT, 'cli.js'));
  const cmdline = `${fx.cmdline} nokaslr`;
  const args = { program: fx.kernelPath, initrd: fx.initrdPath, cmdline, symbols: fx.vmlinuxPath, memory: MEMORY_MIB, profile: false, serial: 'none' };
  const rounds: AdapterRound[] = [];
  const plain: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which side goes first.
    if (i % 2 === 0) { rounds.push(await adapterRound(adapter, args)); plain.push(await plainRound(cli, { ...fx, cmdline }, rounds[0]!.instructions)); }
    else { plain.push(await plainRound(cli, { ...fx, cmdline }, rounds[0]!.instructions)); rounds.push(await adapterRound(adapter, args)); }
  }
  const bp = median(rounds.map((r) => r.toBreakpointMs)), pl = median(plain);
  return {
    kernel: fx.kernelPackage,
    breakpoint: BREAKPOINT,
    instructionsToBreakpoint: rounds[0]!.instructions,
    launchToBreakpointMs: Math.round(bp),
    plainRunSameInstructionsMs: Math.round(pl),
    breakpointOverPlain: Number((bp / pl).toFixed(3)),
    // Inside Machine.run during that continue (paravirt.runStats): the rest of the wall time is the debugger's own.
    adapterMachineMs: Math.round(median(rounds.map((r) => r.machineMs))),
    adapterOwnShare: Number(median(rounds.map((r) => 1 - r.machineMs / r.toBreakpointMs)).toFixed(3)),
    // The adapter's main thread on CPU (a loaded host stretches the wall figures), and the run slices it took.
    launchToBreakpointCpuMs: Math.round(median(rounds.map((r) => r.toBreakpointCpuMs))),
    runSlices: Math.round(median(rounds.map((r) => r.slices))),
    lineStepMedianMs: Math.round(median(rounds.flatMap((r) => r.stepMs))),
    lineStepMaxMs: Math.round(Math.max(...rounds.flatMap((r) => r.stepMs))),
    lineStepMedianCpuMs: Math.round(median(rounds.flatMap((r) => r.stepCpuMs))),
    lineStepMaxCpuMs: Math.round(Math.max(...rounds.flatMap((r) => r.stepCpuMs))),
    firstStepBackMs: Math.round(median(rounds.map((r) => r.stepBackMs[0]!))),
    firstStepBackCpuMs: Math.round(median(rounds.map((r) => r.stepBackCpuMs[0]!))),
    secondStepBackMs: Math.round(median(rounds.map((r) => r.stepBackMs[1]!))),
    secondStepBackCpuMs: Math.round(median(rounds.map((r) => r.stepBackCpuMs[1]!))),
    adapterRssAtStopMiB: Math.round(median(rounds.map((r) => r.memStop.rss))),
    adapterPeakRssMiB: Math.round(Math.max(...rounds.map((r) => r.memBack.peak))),
    rounds: ROUNDS,
  };
}

// `node --import tsx bench/linux-debug-bench.ts` runs it alone.
if (process.argv[1] && resolve(process.argv[1]) === resolve(__filename)) {
  void runLinuxDebugBench().then((r) => { console.log(JSON.stringify(r, null, 1)); spawnSync('true'); });
}
