// The real-code half of `npm run bench`: C guests (gcc -m32 -O2, paging on; guests/real/)
// run by every engine, MIPS per guest and the geometric means as ratios to QEMU TCG and v86.
//
// Counting: a C guest's instruction count cannot be read off its source as the assembly
// guests' are, so it is our engine's own exact counter read at the 'S' and 'E' bytes, the
// same image for every engine. v86's independent counter (from after 'S' to the exit) is
// checked against ours for the same span and the table says where they differ. The guests
// run with interrupts off and nothing asynchronous, so the stream is the same everywhere;
// QEMU's printed checksum is the reference for every engine's result.
import type { EngineName, GuestRun, RunRequest } from './engines/protocol';
import { buildReal, REAL_WORKLOADS, type RealWorkload } from './build-guests';
import { median, runChild, type SpawnOptions } from './measure';

export interface RealRow {
  workload: RealWorkload;
  engine: EngineName;
  trips?: number;
  /** Instructions from 'S' to 'E' of the measured image (our exact counter). */
  timedInstructions?: number;
  mips?: number;
  medianMips?: number;
  countCheck?: string;
  checksumCheck?: string;
  checksum?: number;
  error?: string;
}

export interface RealResult { rows: RealRow[]; geomean: Record<string, number | null>; ratios: Array<{ name: string; value: number | null }> }

/** The probe that sizes a run executes at least this many instructions, so warm-up does not dominate it. */
const PROBE_INSTRUCTIONS = 30e6;
const MAX_TRIPS = 100_000;
/**
 * QEMU is timed by the difference from the one-trip image, so it runs this many times our
 * trips: at our trip counts that difference is a few tenths of a second, inside the noise
 * of process start on a loaded machine. Its image is counted by our engine like the others.
 */
const QEMU_TRIP_FACTOR = 4;

interface Counted { trips: number; image: string; timed: number; total: number; afterStart: number; run: GuestRun }

function countedRun(workload: RealWorkload, trips: number, spawn: SpawnOptions): Counted {
  const image = buildReal(workload, trips);
  const run = runChild('ours', 'compute', image, spawn);
  if (!run.marks || !run.engineCount) throw new Error('ours: the child did not report its counter at the markers');
  // The counter read in the OUT's callback excludes that OUT.
  return { trips, image, run, timed: run.marks.atEnd - run.marks.atStart, total: run.engineCount.value,
    afterStart: run.engineCount.value - run.marks.atStart - 1 };
}

function geomean(xs: number[]): number | null {
  return xs.length ? Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length) : null;
}

/**
 * For each workload: size the trips on our engine to about `seconds`, then run every engine
 * `repeat` times on that image, interleaved by round (as the loop guests are).
 */
export function measureRealCode(engines: EngineName[], repeat: number, seconds: number, spawn: SpawnOptions,
  only?: readonly string[]): RealResult {
  const rows: RealRow[] = [];
  const workloads = REAL_WORKLOADS.filter((w) => !only || only.includes(w));
  interface Plan { row: RealRow; image: string; reference?: RunRequest['reference']; runs: GuestRun[]; counted: Counted }
  const plans: Plan[] = [];
  for (const workload of workloads) {
    try {
      const one = countedRun(workload, 1, spawn);
      const probeTrips = Math.max(1, Math.ceil(PROBE_INSTRUCTIONS / Math.max(1, one.timed)));
      const probe = probeTrips === 1 ? one : countedRun(workload, probeTrips, spawn);
      const mips = probe.timed / probe.run.timedSeconds;
      const trips = Math.min(MAX_TRIPS, Math.max(2, Math.round(seconds * mips / (probe.timed / probeTrips))));
      const counted = countedRun(workload, trips, spawn);
      process.stderr.write(`bench: real-code ${workload}: ${trips} trips, ${counted.timed} instructions timed\n`);
      for (const engine of engines) {
        const c = engine === 'qemu-tcg' ? countedRun(workload, trips * QEMU_TRIP_FACTOR, spawn) : counted;
        // QEMU is timed by difference against the one-trip image (engines/qemu.ts).
        const reference = engine === 'qemu-tcg' ? { image: one.image, scale: c.timed / (c.total - one.total) } : undefined;
        const row: RealRow = { workload, engine, trips: c.trips, timedInstructions: c.timed };
        rows.push(row);
        plans.push({ row, image: c.image, reference, runs: [], counted: c });
      }
    } catch (e) {
      for (const engine of engines) rows.push({ workload, engine, error: e instanceof Error ? e.message : String(e) });
    }
  }
  for (let round = 1; round <= repeat; round++) {
    process.stderr.write(`bench: real-code round ${round}/${repeat}:`);
    for (const p of plans) {
      if (p.row.error) continue;
      try {
        p.runs.push(runChild(p.row.engine, 'compute', p.image, spawn, p.reference));
        process.stderr.write('.');
      } catch (e) {
        p.row.error = e instanceof Error ? e.message : String(e);
        process.stderr.write('x');
      }
    }
    process.stderr.write('\n');
  }
  for (const p of plans) {
    if (p.row.error || p.runs.length === 0) continue;
    const best = Math.min(...p.runs.map((r) => r.timedSeconds));
    if (!(best > 0)) { p.row.error = 'the timed region was too short to measure (by difference, under load)'; continue; }
    p.row.mips = p.counted.timed / best / 1e6;
    p.row.medianMips = p.counted.timed / median(p.runs.map((r) => r.timedSeconds)) / 1e6;
    p.row.checksum = p.runs[0].checksum ?? undefined;
    const counts = new Set(p.runs.map((r) => {
      if (!r.engineCount) return 'n/a';
      const mine = r.engineCount.span === 'total' ? p.counted.total : p.counted.afterStart;
      return r.engineCount.value === mine ? 'exact' : `off by ${r.engineCount.value - mine}`;
    }));
    p.row.countCheck = [...counts].join('; ');
  }
  // Each engine's result against ours on the very same image (our counting run of it);
  // our own row says whether QEMU, the independent reference, agreed.
  for (const p of plans) {
    if (p.row.error || p.row.engine === 'ours') continue;
    const want = p.counted.run.checksum;
    p.row.checksumCheck = p.row.checksum === want ? 'agrees with ours' : `WRONG: ${p.row.checksum?.toString(16)} vs ours ${want?.toString(16)}`;
  }
  for (const p of plans) {
    if (p.row.error || p.row.engine !== 'ours') continue;
    const q = rows.find((r) => r.workload === p.row.workload && r.engine === 'qemu-tcg');
    p.row.checksumCheck = !q?.checksumCheck ? 'not checked (no QEMU run)' : q.checksumCheck.startsWith('WRONG') ? 'DISAGREES with QEMU' : 'QEMU agrees';
  }
  const mipsOf = (e: EngineName, w: RealWorkload): number | undefined => rows.find((r) => r.engine === e && r.workload === w && !r.error && !/WRONG|DISAGREES/.test(r.checksumCheck ?? ''))?.mips;
  const gm: Record<string, number | null> = {};
  for (const e of engines) {
    const xs = workloads.map((w) => mipsOf(e, w));
    gm[e] = xs.every((x) => x !== undefined) ? geomean(xs as number[]) : null;
  }
  const ratioOf = (other: EngineName): number | null => {
    const xs: number[] = [];
    for (const w of workloads) {
      const a = mipsOf('ours', w), b = mipsOf(other, w);
      if (a === undefined || b === undefined) return null;
      xs.push(a / b);
    }
    return geomean(xs);
  };
  const ratios = (['qemu-tcg', 'v86-jit', 'v86-nojit'] as EngineName[]).filter((e) => engines.includes(e) && engines.includes('ours'))
    .map((e) => ({ name: `real-code geometric mean, ours / ${e}`, value: ratioOf(e) }));
  return { rows, geomean: gm, ratios };
}

function fmt(v: number | undefined | null, digits = 1): string {
  return v === undefined || v === null || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

export function printRealReport(r: RealResult, engines: EngineName[]): void {
  console.log('\nreal-code guests (C, gcc -m32 -O2, 4 KiB paging on; bench/guests/real/): MIPS, best of the runs');
  console.log('instruction counts: our exact counter between the \'S\' and \'E\' bytes of the same image; v86\'s counter checked against it');
  const header = ['guest', 'engine', 'MIPS', 'median', 'trips', 'instructions', 'icount check', 'result'];
  const body = r.rows.map((x) => [x.workload, x.engine, x.error ? 'error' : fmt(x.mips), fmt(x.medianMips), String(x.trips ?? '-'),
    x.timedInstructions === undefined ? '-' : x.timedInstructions.toExponential(2), x.countCheck ?? '-', x.checksumCheck ?? '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  console.log([line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n'));
  for (const x of r.rows) if (x.error) console.log(`  ${x.engine} ${x.workload}: ${x.error.split('\n')[0]}`);
  console.log(`geometric mean MIPS: ${engines.map((e) => `${e} ${fmt(r.geomean[e])}`).join(', ')}`);
  for (const q of r.ratios) console.log(`${q.name}: ${q.value === null ? '-' : `${q.value.toFixed(2)}x`}`);
  const goal = (name: string, min: number): string => {
    const v = r.ratios.find((q) => q.name.endsWith(name))?.value;
    return v === null || v === undefined ? 'not measured' : v >= min ? 'yes' : 'NO';
  };
  console.log(`targets (issue 14, point 8): >= 1.00x QEMU TCG: ${goal('qemu-tcg', 1)}; >= 2.00x v86 jit: ${goal('v86-jit', 2)}`);
}
