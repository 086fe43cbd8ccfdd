// `npm run bench`: our emulator against v86 (interpreter and JIT) on the compute-loop guest
// (data in its own page, and sharing the loop's page) and the I/O-loop guest; then any
// benches other parts of the project registered (see hooks.ts). Prints a table and writes
// bench/.cache/last.json. A report, not a test: nothing here asserts.
//
// QEMU (TCG) runs alongside as a further reference, timed by difference (engines/qemu.ts).
//
// Options: --engines ours,v86-nojit,v86-jit,qemu-tcg   --repeat N (default 5)
//          --seconds S (target length of one timed region, default 1.5)
//          --cpu-prof (V8 profiles of our runs into bench/.cache/profiles/)
//          --real-code all|none|sieve,hash,... (the C guests of real-code.ts; default all)
//          --real-code-bits 32,64 (which builds of the C guests; default both)
//          --loops none (skip the assembly loop guests)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { EngineName, GuestRun, RunRequest } from './engines/protocol';
import { buildCompute, buildIoLoop, CACHE_DIR, COMPUTE_SOURCE, IOLOOP_SOURCE, REAL_WORKLOADS } from './build-guests';
import { measureRealCode, printRealBitness, printRealReport } from './real-code';
import { computeChecksum, computeCounts, countRegions, equConstant, ioCounts, type GuestCount } from './guest-counts';
import { median, runChild, type SpawnOptions } from './measure';
import { runHooks } from './hooks';
import { bundleChild } from './bundle-child';
import { printReport, type GuestId, type Row } from './report';
import { measureCompute64, printCompute64 } from './compute64';

const ENGINES: EngineName[] = ['ours', 'v86-nojit', 'v86-jit', 'qemu-tcg'];
const IO_OUTS = 1_000_000;
/**
 * Passes of the short run that sizes the real one, by engine: long enough that an engine's
 * own warm-up (our block compiler, V8's optimiser) does not dominate the probe.
 */
const PROBE_PASSES: Record<string, number> = { ours: 20000, 'v86-nojit': 1000, 'v86-jit': 10000, 'qemu-tcg': 200000 };
const MIN_PASSES = 200;
const MAX_PASSES = 1_000_000;

interface Options { engines: EngineName[]; repeat: number; seconds: number; cpuProfile: boolean; realCode: readonly string[]; realBits: number[]; loops: boolean; hooks: boolean }

function parseArgs(argv: string[]): Options {
  const o: Options = { engines: ENGINES, repeat: 5, seconds: 1.5, cpuProfile: false, realCode: REAL_WORKLOADS, realBits: [32, 64], loops: true, hooks: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--engines') {
      o.engines = value().split(',').map((s) => s.trim()) as EngineName[];
      for (const e of o.engines) if (!ENGINES.includes(e)) throw new Error(`unknown engine ${e}; known: ${ENGINES.join(', ')}`);
    } else if (a === '--repeat') {
      o.repeat = Number(value());
      if (!Number.isInteger(o.repeat) || o.repeat < 1 || o.repeat > 20) throw new Error('--repeat takes an integer 1..20');
    } else if (a === '--seconds') {
      o.seconds = Number(value());
      if (!(o.seconds > 0 && o.seconds <= 60)) throw new Error('--seconds takes a number in (0, 60]');
    } else if (a === '--real-code') {
      const v = value();
      o.realCode = v === 'all' ? REAL_WORKLOADS : v === 'none' ? [] : v.split(',').map((x) => x.trim());
      for (const w of o.realCode) if (!(REAL_WORKLOADS as readonly string[]).includes(w)) throw new Error(`unknown real-code guest ${w}; known: ${REAL_WORKLOADS.join(', ')}`);
    } else if (a === '--real-code-bits') {
      o.realBits = value().split(',').map((x) => Number(x.trim()));
      if (!o.realBits.length || o.realBits.some((b) => b !== 32 && b !== 64)) throw new Error('--real-code-bits takes 32, 64 or 32,64');
    } else if (a === '--loops') {
      if (value() !== 'none') throw new Error('--loops takes only none');
      o.loops = false;
    } else if (a === '--hooks') {
      if (value() !== 'none') throw new Error('--hooks takes only none');
      o.hooks = false;
    } else if (a === '--cpu-prof') {
      o.cpuProfile = true;
    } else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench -- [--engines ours,v86-nojit,v86-jit,qemu-tcg] [--repeat N] [--seconds S] [--cpu-prof] [--real-code all|none|NAME,...] [--real-code-bits 32,64] [--loops none] [--hooks none]');
      process.exit(0);
    } else {
      throw new Error(`unknown option ${a} (try --help)`);
    }
  }
  return o;
}

const computeSrc = readFileSync(COMPUTE_SOURCE, 'utf8');
const ioSrc = readFileSync(IOLOOP_SOURCE, 'utf8');
const computeRegions = countRegions(computeSrc);
const ioRegions = countRegions(ioSrc);
const DWORDS = equConstant(computeSrc, 'DWORDS');
const SEED = equConstant(computeSrc, 'SEED');

function checkCount(run: GuestRun, expected: GuestCount): string {
  if (!run.engineCount) return 'n/a';
  const want = run.engineCount.span === 'total' ? expected.total : expected.afterStart;
  const got = run.engineCount.value;
  return got === want ? 'exact' : `off by ${got - want} (${got} vs ${want})`;
}

/** A row ready to run: its image built and sized, its expectations known. */
interface Planned { row: Row; image: string; checksum: number | null; reference?: RunRequest['reference'] }

/** The one-trip image and scale that engines timed by difference need (see engines/qemu.ts). */
function referenceFor(guest: GuestId, trips: number): RunRequest['reference'] {
  if (guest === 'io') {
    const n = ioCounts(ioRegions, trips), one = ioCounts(ioRegions, 1);
    return { image: buildIoLoop(1), scale: n.timed / (n.total - one.total) };
  }
  const n = computeCounts(computeRegions, trips, DWORDS), one = computeCounts(computeRegions, 1, DWORDS);
  return { image: buildCompute(1, guest === 'compute-shared'), scale: n.timed / (n.total - one.total) };
}

function prepare(guest: GuestId, engine: EngineName, o: Options, spawn: SpawnOptions): Planned | Row {
  const row: Row = { guest, engine, runs: [] };
  try {
    const byDifference = engine === 'qemu-tcg';
    if (guest === 'io') {
      row.trips = IO_OUTS;
      row.expected = ioCounts(ioRegions, IO_OUTS);
      return { row, image: buildIoLoop(IO_OUTS), checksum: null, reference: byDifference ? referenceFor(guest, IO_OUTS) : undefined };
    }
    const shared = guest === 'compute-shared';
    const probePasses = PROBE_PASSES[engine];
    const probe = runChild(engine, 'compute', buildCompute(probePasses, shared), spawn,
      byDifference ? referenceFor(guest, probePasses) : undefined);
    const probeMips = computeCounts(computeRegions, probePasses, DWORDS).timed / probe.timedSeconds / 1e6;
    const perPass = computeCounts(computeRegions, 1, DWORDS).perTrip;
    const passes = Math.round(Math.min(MAX_PASSES, Math.max(MIN_PASSES, o.seconds * probeMips * 1e6 / perPass)));
    row.trips = passes;
    row.expected = computeCounts(computeRegions, passes, DWORDS);
    return { row, image: buildCompute(passes, shared), checksum: computeChecksum(passes, DWORDS, SEED),
      reference: byDifference ? referenceFor(guest, passes) : undefined };
  } catch (e) {
    row.error = e instanceof Error ? e.message : String(e);
    return row;
  }
}

function summarise(p: Planned): void {
  const { row, checksum } = p;
  const expected = row.expected!;
  if (row.runs.length === 0) return;
  // Best of N: other processes on the machine only ever add time, never remove it.
  const t = Math.min(...row.runs.map((r) => r.timedSeconds));
  row.timedSeconds = t;
  row.medianSeconds = median(row.runs.map((r) => r.timedSeconds));
  row.mips = expected.timed / t / 1e6;
  const cpu = row.runs.map((r) => r.cpuSeconds).filter((v): v is number => v !== undefined && v > 0);
  if (cpu.length === row.runs.length) row.cpuMips = expected.timed / Math.min(...cpu) / 1e6;
  if (row.guest === 'io') row.nsPerOut = t * 1e9 / IO_OUTS;
  const rss = row.runs.map((r) => r.peakRssMB);
  row.peakRssMB = rss.every((v) => v !== null) ? Math.max(...(rss as number[])) : undefined;
  row.bootSeconds = median(row.runs.map((r) => r.bootSeconds));
  row.countCheck = [...new Set(row.runs.map((r) => checkCount(r, expected)))].join('; ');
  if (checksum !== null) {
    const bad = row.runs.filter((r) => r.checksum !== checksum);
    row.checksumCheck = bad.length === 0 ? 'ok'
      : `WRONG: got ${bad.map((r) => (r.checksum ?? 0).toString(16)).join(',')}, expected ${checksum.toString(16)}`;
  } else {
    const bad = row.runs.filter((r) => r.bytesBetween !== IO_OUTS);
    row.checksumCheck = bad.length === 0 ? 'ok' : `WRONG: ${bad.map((r) => r.bytesBetween).join(',')} bytes, expected ${IO_OUTS}`;
  }
}

const UNAVAILABLE = /not available yet|Cannot find module|does not provide an export/;

/**
 * Sizes every (engine, guest) pair with a probe, then runs the rounds interleaved: one run
 * of every pair per round, so a burst of load elsewhere on the machine lands on all
 * engines alike instead of on whichever ran during it.
 */
function measureAll(o: Options, spawn: SpawnOptions): Row[] {
  const guests: GuestId[] = ['compute-own', 'compute-shared', 'io'];
  const rows: Row[] = [];
  const planned: Planned[] = [];
  for (const engine of o.engines) {
    let unavailable: string | null = null;
    for (const guest of guests) {
      if (unavailable) { rows.push({ guest, engine, runs: [], error: unavailable }); continue; }
      const p = prepare(guest, engine, o, spawn);
      if ('row' in p) { planned.push(p); rows.push(p.row); continue; }
      rows.push(p);
      if (p.error && UNAVAILABLE.test(p.error)) unavailable = p.error;
    }
  }
  for (let round = 1; round <= o.repeat; round++) {
    process.stderr.write(`bench: round ${round}/${o.repeat}:`);
    for (const p of planned) {
      if (p.row.error) continue;
      try {
        p.row.runs.push(runChild(p.row.engine, p.row.guest === 'io' ? 'io' : 'compute', p.image, spawn, p.reference));
        process.stderr.write('.');
      } catch (e) {
        p.row.error = e instanceof Error ? e.message : String(e);
        process.stderr.write('x');
      }
    }
    process.stderr.write('\n');
  }
  for (const p of planned) if (!p.row.error) summarise(p);
  return rows;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const loadAtStart = os.loadavg()[0];
  let childBundle: string | null = null;
  let childNote = 'children run bundled with esbuild on plain node';
  try {
    childBundle = await bundleChild();
  } catch (e) {
    childNote = `bundling the child failed, children run under tsx (RSS includes the TypeScript loader): ${(e as Error).message.split('\n')[0]}`;
  }
  const spawn: SpawnOptions = { childBundle, cpuProfile: o.cpuProfile, timeoutSeconds: Math.max(120, o.seconds * 40) };
  const baseline = runChild('baseline', 'compute', '', spawn);
  process.stderr.write('bench: sizing each run with a short probe\n');
  const rows = o.loops ? measureAll(o, spawn) : [];
  const rows64 = o.loops ? measureCompute64(o.engines, o.repeat, o.seconds, spawn) : [];
  const realCode = o.realCode.length && o.realBits.includes(32) ? measureRealCode(o.engines, o.repeat, o.seconds, spawn, o.realCode) : null;
  const realCode64 = o.realCode.length && o.realBits.includes(64) ? measureRealCode(o.engines, o.repeat, o.seconds, spawn, o.realCode, 'x86_64') : null;
  const hooks = o.loops && o.hooks ? await runHooks() : [];
  const report = !o.loops ? { ratios: [], targets: [] } : printReport({ rows, hooks, childNote, loadAverage: loadAtStart, baselineRssMB: baseline.peakRssMB ?? Number.NaN, repeat: o.repeat, regions: { compute: computeRegions, io: ioRegions } });
  if (o.loops) printCompute64(rows64, new Map(rows.filter((r) => r.guest === 'compute-own' && r.mips).map((r) => [r.engine, r.mips!])));
  if (realCode) printRealReport(realCode, o.engines);
  if (realCode64) printRealReport(realCode64, o.engines);
  if (realCode && realCode64) printRealBitness(realCode, realCode64);
  mkdirSync(CACHE_DIR, { recursive: true });
  const out = join(CACHE_DIR, 'last.json');
  writeFileSync(out, JSON.stringify({
    date: new Date().toISOString(),
    host: { node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadAverageAtStart: loadAtStart },
    options: o, childNote, wallSeconds: (Date.now() - started) / 1000, baselineRssMB: baseline.peakRssMB,
    rows, rows64, ratios: report.ratios, targets: report.targets, hooks, realCode, realCode64,
  }, null, 2) + '\n');
  console.log(`\nresults written to ${join('bench', '.cache', 'last.json')} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
