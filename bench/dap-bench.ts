// Debug adapter figures for `npm run bench` (bench/hooks.ts calls runDapBench): launch to
// stopped-on-entry, step round trip, pause latency, running to a breakpoint 100M instructions away against a
// plain Machine run of the same instructions (ratio), and stepBack with that history behind it.
// The adapter runs as a child over stdio, as an editor runs it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { Machine } from '../emulator/machine';
import { loadImage } from '../emulator/loader';

const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'bench', '.cache', 'dap');
const GUEST = join(ROOT, 'test', 'debug-adapter', 'guests', 'count.asm');
const LINK = join(ROOT, 'test', 'debug-adapter', 'guests', 'link.ld');
const INSTRUCTIONS_TO_BREAKPOINT = 100_000_001; // mov + 50M x (dec, jnz)

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

function median(xs: number[]): number { const s = xs.slice().sort((a, b) => a - b); return s[s.length >> 1]!; }

async function prepare(): Promise<{ adapter: string; elf: string }> {
  mkdirSync(OUT, { recursive: true });
  const adapter = join(OUT, 'debug-adapter.js');
  await build({ entryPoints: [join(ROOT, 'debug-adapter/main.ts')], outfile: adapter, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error' });
  run('nasm', ['-f', 'elf32', '-o', join(OUT, 'count.o'), GUEST]);
  const elf = join(OUT, 'count.elf');
  run('ld', ['-m', 'elf_i386', '-z', 'noexecstack', '--no-warn-rwx-segments', '-T', LINK, '-o', elf, join(OUT, 'count.o')]);
  return { adapter, elf };
}

function symbol(elf: string, name: string): number {
  const line = spawnSync('nm', [elf], { encoding: 'utf8' }).stdout.split('\n').find((l) => l.endsWith(` ${name}`));
  if (!line) throw new Error(`no ${name} in ${elf}`);
  return parseInt(line.split(' ')[0]!, 16);
}

/** The same instructions on a bare Machine, in the adapter's slice size: the floor the adapter is measured against. */
function plainRunMs(elf: string, breakpoint?: number): number {
  const m = new Machine({ mode: 'hvm', memoryMiB: 16 });
  m.load(loadImage(new Uint8Array(readFileSync(elf)), { ramBytes: 16 << 20 }));
  if (breakpoint !== undefined) m.addBreakpoint(breakpoint);
  const t0 = performance.now();
  while (m.icount < INSTRUCTIONS_TO_BREAKPOINT) {
    const r = m.run(Math.min(500_000, INSTRUCTIONS_TO_BREAKPOINT - m.icount));
    if (r.kind !== 'budget') break;
  }
  return performance.now() - t0;
}

export async function runDapBench(): Promise<Record<string, number>> {
  const { adapter, elf } = await prepare();
  const dc = new DebugClient('node', adapter, 'paravirt');
  dc.defaultTimeout = 600_000;
  await dc.start();
  try {
    const t0 = performance.now();
    const init = dc.waitForEvent('initialized');
    await dc.initializeRequest();
    await dc.launchRequest({ program: elf, stopOnEntry: true, memory: 16, profile: false } as never);
    await init;
    const entry = dc.waitForEvent('stopped');
    await dc.configurationDoneRequest();
    await entry;
    const launchMs = performance.now() - t0;

    const steps: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      const ev = dc.waitForEvent('stopped');
      await dc.nextRequest({ threadId: 1, granularity: 'instruction' });
      await ev;
      steps.push(performance.now() - s);
    }

    // Pause while the guest runs: request to stopped event. Then restart, so that the run to the
    // breakpoint below covers all 100M instructions.
    await dc.continueRequest({ threadId: 1 });
    await new Promise((r) => setTimeout(r, 300));
    const p0 = performance.now();
    const paused = dc.waitForEvent('stopped');
    await dc.pauseRequest({ threadId: 1 });
    await paused;
    const pauseMs = performance.now() - p0;
    const again = dc.waitForEvent('stopped');
    await dc.customRequest('restart', {});
    await again;

    // Twice (restarting in between), keeping the faster: the machine is shared with other work,
    // and the minimum is the figure least disturbed by it.
    await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x' + symbol(elf, 'done').toString(16) }] });
    let toBreakpointMs = Infinity;
    for (let round = 0; round < 2; round++) {
      if (round > 0) {
        const entryAgain = dc.waitForEvent('stopped');
        await dc.customRequest('restart', {});
        await entryAgain;
      }
      const s = performance.now();
      const hit = dc.waitForEvent('stopped');
      await dc.continueRequest({ threadId: 1 });
      await hit;
      toBreakpointMs = Math.min(toBreakpointMs, performance.now() - s);
    }

    const b = performance.now();
    const back = dc.waitForEvent('stopped');
    await dc.customRequest('stepBack', { threadId: 1, granularity: 'instruction' });
    await back;
    const stepBackMs = performance.now() - b;
    // A second one: the first left checkpoints behind it.
    const b2 = performance.now();
    const back2 = dc.waitForEvent('stopped');
    await dc.customRequest('stepBack', { threadId: 1, granularity: 'instruction' });
    await back2;
    const stepBackAgainMs = performance.now() - b2;

    const plainMs = Math.min(plainRunMs(elf), plainRunMs(elf), plainRunMs(elf));
    // The same with the breakpoint set: what the CPU's own check costs (the loop shares its page),
    // so that the adapter's overhead can be told apart from it.
    const plainBpMs = Math.min(plainRunMs(elf, symbol(elf, 'done')), plainRunMs(elf, symbol(elf, 'done')), plainRunMs(elf, symbol(elf, 'done')));
    return {
      launchMs: Math.round(launchMs),
      stepMs: Number(median(steps).toFixed(2)),
      pauseMs: Math.round(pauseMs),
      toBreakpoint100MMs: Math.round(toBreakpointMs),
      plainRun100MMs: Math.round(plainMs),
      breakpointRunRatio: Number((toBreakpointMs / plainMs).toFixed(3)),
      plainRunWithBreakpoint100MMs: Math.round(plainBpMs),
      adapterOverheadRatio: Number((toBreakpointMs / plainBpMs).toFixed(3)),
      stepBackMs: Math.round(stepBackMs),
      stepBackAgainMs: Math.round(stepBackAgainMs),
    };
  } finally {
    await dc.stop().catch(() => undefined);
  }
}
