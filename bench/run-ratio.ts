// Run to a breakpoint under the debugger against the plain run a user would make instead,
// measured the same way on both sides (issue 19 point 3, issue 17 point 6):
//   - the plain side is `paravirt run IMAGE --memory N --serial none --summary none` (the CLI's
//     own bundle, its defaults otherwise), a fresh process per round;
//   - the debugger side is a fresh debug adapter per round, launched on the same image with the
//     same options (memory, serial none, no exit profile file, as the CLI writes none), the
//     breakpoint set before configurationDone, so it runs from the launch to the stop;
//   - each is timed from spawning the process to the stop (the stopped event; the CLI's exit),
//     on wall time and on the process's CPU time: user + system of all its threads (V8's
//     compiler and GC threads work for the main one and are part of what a run costs), read
//     from /proc/PID/stat for the adapter at the stop and, for the CLI, from the shell that
//     waited for it (/proc/$$/stat's cutime + cstime), both in the same clock ticks.
// The rounds alternate which side goes first. Fresh processes each round: the speed of the
// same generated code differs from one process to the next (where V8 placed and when it
// optimised it), so two long-lived processes compare two draws of that, not the debugger with
// the CLI (the earlier history-bench kept one process per side: round-to-round spread up to 2.6).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DebugClient } from '@vscode/debugadapter-testsupport';

const TICK_MS = 1000 / (Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100);

export interface SideTiming { wallMs: number; cpuMs: number }

/** utime + stime (fields 14, 15) and cutime + cstime (16, 17) of /proc/PID/stat, in ms. */
function statTimes(stat: string): { self: number; children: number } {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): field n is f[n - 3].
  const n = (i: number) => Number(f[i - 3]);
  return { self: (n(14) + n(15)) * TICK_MS, children: (n(16) + n(17)) * TICK_MS };
}

/** `paravirt run` of the image to its end: wall and CPU of that process, from spawn to exit. */
export function plainRun(cli: string, args: string[]): Promise<SideTiming> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // The shell waits for the CLI, then prints its own stat: cutime + cstime are the CLI's.
    const sh = spawn('sh', ['-c', '"$0" "$@" >/dev/null; echo "rc=$?"; cat /proc/$$/stat', process.execPath, cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    sh.stdout.on('data', (d) => { out += String(d); });
    sh.stderr.on('data', (d) => { err += String(d); });
    sh.on('exit', () => {
      const wallMs = performance.now() - t0;
      const [rcLine, stat] = out.trim().split('\n');
      // The writer guests end with isa-debug-exit: exit status (0 << 1) | 1 = 1.
      if (!rcLine?.startsWith('rc=') || !stat || rcLine !== 'rc=1') { reject(new Error(`paravirt run: ${rcLine} ${err}`)); return; }
      resolve({ wallMs, cpuMs: statTimes(stat).children });
    });
  });
}

/**
 * A fresh adapter launched on the image with an instruction breakpoint at `address`, timed to
 * its stop there; `check` gets the client before it is shut down (runStats, further requests).
 */
export async function adapterRun(adapter: string, launch: Record<string, unknown>, address: number,
  check?: (dc: DebugClient) => Promise<void>): Promise<SideTiming> {
  const dc = new DebugClient('node', adapter, 'paravirt');
  dc.defaultTimeout = Number(process.env.DAP_BENCH_TIMEOUT_MS) || 600_000;
  const t0 = performance.now();
  await dc.start();
  const pid = (dc as unknown as { _adapterProcess?: { pid?: number } })._adapterProcess?.pid;
  try {
    const init = dc.waitForEvent('initialized');
    await dc.initializeRequest();
    const stopped = dc.waitForEvent('stopped');
    await dc.launchRequest({ stopOnEntry: false, ...launch } as never);
    await init;
    await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x' + address.toString(16) }] });
    await dc.configurationDoneRequest();
    const ev = await stopped;
    const wallMs = performance.now() - t0;
    const cpuMs = statTimes(readFileSync(`/proc/${pid}/stat`, 'utf8')).self;
    if (ev.body?.reason !== 'instruction breakpoint') throw new Error(`the adapter stopped for '${ev.body?.reason}', not at the breakpoint`);
    await check?.(dc);
    return { wallMs, cpuMs };
  } finally {
    await dc.stop().catch(() => undefined);
  }
}

export function median(xs: number[]): number { const s = xs.slice().sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; }

/** Ratio figures of `rounds` alternating pairs: medians of each side, the ratio of medians, and the spread. */
export function ratioFigures(tag: string, adapter: SideTiming[], plain: SideTiming[]): Record<string, number> {
  const r3 = (x: number) => Number(x.toFixed(3));
  const w = (ts: SideTiming[]) => ts.map((t) => t.wallMs), c = (ts: SideTiming[]) => ts.map((t) => t.cpuMs);
  const spread = (xs: number[]) => r3(Math.max(...xs) / Math.min(...xs));
  const perRound = adapter.map((a, i) => a.cpuMs / plain[i]!.cpuMs);
  return {
    [`${tag}AdapterCpuMs`]: Math.round(median(c(adapter))),
    [`${tag}PlainCpuMs`]: Math.round(median(c(plain))),
    [`${tag}CpuRatio`]: r3(median(c(adapter)) / median(c(plain))),
    [`${tag}CpuRatioPerRoundMin`]: r3(Math.min(...perRound)),
    [`${tag}CpuRatioPerRoundMax`]: r3(Math.max(...perRound)),
    [`${tag}AdapterCpuSpread`]: spread(c(adapter)),
    [`${tag}PlainCpuSpread`]: spread(c(plain)),
    [`${tag}AdapterWallMs`]: Math.round(median(w(adapter))),
    [`${tag}PlainWallMs`]: Math.round(median(w(plain))),
    [`${tag}WallRatio`]: r3(median(w(adapter)) / median(w(plain))),
    [`${tag}Rounds`]: adapter.length,
  };
}
