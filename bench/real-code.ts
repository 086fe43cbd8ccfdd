// The real-code half of `npm run bench`: C guests (gcc -m32 -O2, paging on; guests/real/)
// run by every engine, MIPS per guest and the geometric means as ratios to QEMU TCG and v86.
//
// Counting: a C guest's instruction count cannot be read off its source as the assembly
// guests' are, so it is our engine's own exact counter read at the 'S' and 'E' bytes, the
// same image for every engine. v86's independent counter (from after 'S' to the exit) is
// checked against ours for the same span and the table says where they differ. The guests
// run with interrupts off and nothing asynchronous, so the stream is the same everywhere;
// QEMU's printed checksum is the reference for every engine's result.
//
// The same guests built for x86-64 (gcc -m64, long mode through guest/boot64.inc, 4-level
// paging with 4 KiB pages; SYSCALL/SYSRET where the 32-bit build uses SYSENTER) run on ours and
// qemu-system-x86_64; v86 has no long mode. Their checksums are also checked against the
// 32-bit build of the same workload and trips, run on ours (bootmix excepted: it generates
// 64-bit code, whose bytes it sums).
import type { EngineName, GuestRun, RunRequest } from './engines/protocol';
import { buildReal, REAL_WORKLOADS, type RealArch, type RealWorkload } from './build-guests';
import { median, runChild, type SpawnOptions } from './measure';

export interface RealRow {
  workload: RealWorkload;
  engine: EngineName;
  trips?: number;
  /** Instructions from 'S' to 'E' of the measured image (our exact counter). */
  timedInstructions?: number;
  mips?: number;
  medianMips?: number;
  /** The same over each run's CPU time (user + system), best of the runs: what other load on the machine stretches least. */
  cpuMips?: number;
  countCheck?: string;
  checksumCheck?: string;
  checksum?: number;
  /** x86-64 build only: what our run of the 32-bit build printed for the same trips. */
  checksum32?: number;
  error?: string;
}

/** Geometric means and ratios on wall time (`geomean`, `ratios`) and on CPU time (`cpu`). */
export interface RealResult {
  arch: RealArch; rows: RealRow[]; geomean: Record<string, number | null>; ratios: Array<{ name: string; value: number | null }>;
  cpu: { geomean: Record<string, number | null>; ratios: Array<{ name: string; value: number | null }> };
}

/** The probe that sizes a run executes at least this many instructions, so warm-up does not dominate it. */
const PROBE_INSTRUCTIONS = 30e6;
const MAX_TRIPS = 100_000;
/**
 * QEMU is timed by the difference from the one-trip image, so it runs this many times our
 * trips: at our trip counts that difference is a few tenths of a second, inside the noise
 * of process start on a loaded machine. Its image is counted by our engine like the others.
 */
const QEMU_TRIP_FACTOR = 4;

/**
 * `run` is our run of this image; for an image whose counts were extrapolated it is our run of
 * the largest image counted exactly (`extrapolatedFrom` trips), whose checksum QEMU's probe matched.
 */
interface Counted { trips: number; image: string; timed: number; total: number; afterStart: number; run: GuestRun; extrapolatedFrom?: number }

/** Workloads whose 64-bit build computes something else on purpose (see bootmix.c). */
const DIFFERS_IN_64 = new Set<RealWorkload>(['bootmix']);
const NO_LONG_MODE = 'not run: v86 emulates 32-bit x86 only (no long mode)';

function countedRun(workload: RealWorkload, trips: number, spawn: SpawnOptions, arch: RealArch): Counted {
  const image = buildReal(workload, trips, arch);
  const run = runChild('ours', 'compute', image, spawn, undefined, arch === 'x86_64' ? 'x86_64' : undefined);
  if (!run.marks || !run.engineCount) throw new Error('ours: the child did not report its counter at the markers');
  // The counter read in the OUT's callback excludes that OUT.
  return { trips, image, run, timed: run.marks.atEnd - run.marks.atStart, total: run.engineCount.value,
    afterStart: run.engineCount.value - run.marks.atStart - 1 };
}

/**
 * Our 64-bit engine is still far slower than QEMU, so 4x our trips leaves QEMU a timed region
 * of a few hundredths of a second, below the noise of timing by difference. QEMU gets its own
 * trip count, from a probe, for about `seconds`; counting that image on ours would take
 * minutes, so its counts are extrapolated from the exact counts at n and 4n trips (per-trip
 * instructions are constant in all but qsort, whose data changes with each trip).
 */
function sizeQemu64(workload: RealWorkload, one: Counted, n: Counted, n4: Counted, seconds: number, spawn: SpawnOptions): Counted {
  const probe = runChild('qemu-tcg', 'compute', n4.image, spawn, { image: one.image, scale: n4.timed / (n4.total - one.total) }, 'x86_64');
  if (probe.checksum !== n4.run.checksum) return n4;   // the row's check reports it on the measured runs
  const perTrip = (n4.timed - n.timed) / (n4.trips - n.trips);
  // A floor on the probe's time bounds the growth when the difference drowned in noise.
  const rate = n4.timed / Math.max(probe.timedSeconds, 0.02);
  const trips = Math.min(MAX_TRIPS, Math.ceil(seconds * rate / perTrip));
  if (trips <= n4.trips) return n4;
  const more = Math.round(perTrip * (trips - n4.trips));
  return { trips, image: buildReal(workload, trips, 'x86_64'), timed: n4.timed + more, total: n4.total + more,
    afterStart: n4.afterStart + more, run: n4.run, extrapolatedFrom: n4.trips };
}

function geomean(xs: number[]): number | null {
  return xs.length ? Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length) : null;
}

/**
 * For each workload: size the trips on our engine to about `seconds`, then run every engine
 * `repeat` times on that image, interleaved by round (as the loop guests are).
 */
export function measureRealCode(engines: EngineName[], repeat: number, seconds: number, spawn: SpawnOptions,
  only?: readonly string[], arch: RealArch = 'i386'): RealResult {
  const archFlag = arch === 'x86_64' ? 'x86_64' as const : undefined;
  const rows: RealRow[] = [];
  const workloads = REAL_WORKLOADS.filter((w) => !only || only.includes(w));
  interface Plan { row: RealRow; image: string; reference?: RunRequest['reference']; runs: GuestRun[]; counted: Counted }
  const plans: Plan[] = [];
  for (const workload of workloads) {
    try {
      const one = countedRun(workload, 1, spawn, arch);
      const probeTrips = Math.max(1, Math.ceil(PROBE_INSTRUCTIONS / Math.max(1, one.timed)));
      const probe = probeTrips === 1 ? one : countedRun(workload, probeTrips, spawn, arch);
      // Sized on CPU time: under load the wall clock runs several times slower than the code,
      // which left QEMU (4x our trips) a timed region of hundredths of a second of its CPU.
      const mips = probe.timed / (probe.run.cpuSeconds ?? probe.run.timedSeconds);
      const trips = Math.min(MAX_TRIPS, Math.max(2, Math.round(seconds * mips / (probe.timed / probeTrips))));
      const counted = countedRun(workload, trips, spawn, arch);
      const checksum32 = arch === 'x86_64' ? countedRun(workload, trips, spawn, 'i386').run.checksum ?? undefined : undefined;
      process.stderr.write(`bench: real-code ${arch} ${workload}: ${trips} trips, ${counted.timed} instructions timed\n`);
      for (const engine of engines) {
        if (arch === 'x86_64' && engine.startsWith('v86')) { rows.push({ workload, engine, error: NO_LONG_MODE }); continue; }
        let c = engine === 'qemu-tcg' ? countedRun(workload, trips * QEMU_TRIP_FACTOR, spawn, arch) : counted;
        if (engine === 'qemu-tcg' && arch === 'x86_64') c = sizeQemu64(workload, one, counted, c, seconds, spawn);
        // QEMU is timed by difference against the one-trip image (engines/qemu.ts).
        const reference = engine === 'qemu-tcg' ? { image: one.image, scale: c.timed / (c.total - one.total) } : undefined;
        const row: RealRow = { workload, engine, trips: c.trips, timedInstructions: c.timed, checksum32: engine === 'ours' ? checksum32 : undefined };
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
        p.runs.push(runChild(p.row.engine, 'compute', p.image, spawn, p.reference, archFlag));
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
    const cpu = p.runs.map((r) => r.cpuSeconds ?? 0);
    if (cpu.every((c) => c > 0)) p.row.cpuMips = p.counted.timed / Math.min(...cpu) / 1e6;
    p.row.checksum = p.runs[0].checksum ?? undefined;
    const counts = new Set(p.runs.map((r) => {
      if (!r.engineCount) return 'n/a';
      const mine = r.engineCount.span === 'total' ? p.counted.total : p.counted.afterStart;
      return r.engineCount.value === mine ? 'exact' : `off by ${r.engineCount.value - mine}`;
    }));
    p.row.countCheck = p.counted.extrapolatedFrom ? `extrapolated from ${p.counted.extrapolatedFrom} trips` : [...counts].join('; ');
  }
  // Each engine's result against ours on the very same image (our counting run of it);
  // our own row says whether QEMU, the independent reference, agreed.
  for (const p of plans) {
    if (p.row.error || p.row.engine === 'ours') continue;
    const want = p.counted.run.checksum;
    if (p.counted.extrapolatedFrom) {
      // Ours did not run this image: QEMU's probe agreed with ours at the counted trips.
      p.row.checksumCheck = `agrees with ours at ${p.counted.extrapolatedFrom} trips`;
      continue;
    }
    p.row.checksumCheck = p.row.checksum === want ? 'agrees with ours' : `WRONG: ${p.row.checksum?.toString(16)} vs ours ${want?.toString(16)}`;
  }
  for (const p of plans) {
    if (p.row.error || p.row.engine !== 'ours') continue;
    const q = rows.find((r) => r.workload === p.row.workload && r.engine === 'qemu-tcg');
    p.row.checksumCheck = !q?.checksumCheck ? 'not checked (no QEMU run)' : q.checksumCheck.startsWith('WRONG') ? 'DISAGREES with QEMU' : 'QEMU agrees';
    if (arch === 'x86_64') {
      const same = p.row.checksum32 === p.row.checksum;
      p.row.checksumCheck += DIFFERS_IN_64.has(p.row.workload) ? '; 64-bit code, not the 32-bit sum by design'
        : same ? '; = 32-bit build' : `; DIFFERS from 32-bit build (${p.row.checksum32?.toString(16)})`;
    }
  }
  const summary = (field: 'mips' | 'cpuMips', suffix: string): Pick<RealResult, 'geomean' | 'ratios'> => {
    const mipsOf = (e: EngineName, w: RealWorkload): number | undefined => rows.find((r) => r.engine === e && r.workload === w && !r.error && !/WRONG|DISAGREES|DIFFERS/.test(r.checksumCheck ?? ''))?.[field];
    const gm: Record<string, number | null> = {};
    for (const e of engines.filter((x) => arch === 'i386' || !x.startsWith('v86'))) {
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
    const ratios = (['qemu-tcg', 'v86-jit', 'v86-nojit'] as EngineName[]).filter((e) => engines.includes(e) && engines.includes('ours') && (arch === 'i386' || !e.startsWith('v86')))
      .map((e) => ({ name: `real-code geometric mean${suffix}, ours / ${e}`, value: ratioOf(e) }));
    return { geomean: gm, ratios };
  };
  return { arch, rows, ...summary('mips', ''), cpu: summary('cpuMips', ' on CPU time') };
}

function fmt(v: number | undefined | null, digits = 1): string {
  return v === undefined || v === null || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

export function printRealReport(r: RealResult, engines: EngineName[]): void {
  console.log(r.arch === 'x86_64'
    ? '\nreal-code guests built for x86-64 (C, gcc -m64 -O2, long mode, 4-level paging with 4 KiB pages; SYSCALL/SYSRET for syscall-sysenter): MIPS, best of the runs; QEMU is qemu-system-x86_64'
    : '\nreal-code guests (C, gcc -m32 -O2, 4 KiB paging on; bench/guests/real/): MIPS, best of the runs');
  console.log(r.arch === 'x86_64'
    ? 'instruction counts: our exact counter between the \'S\' and \'E\' bytes of the same image (no second counter: v86 has no long mode, QEMU none without plugins); QEMU\'s own longer images linear from exact counts'
    : 'instruction counts: our exact counter between the \'S\' and \'E\' bytes of the same image; v86\'s counter checked against it');
  const header = ['guest', 'engine', 'MIPS', 'median', 'CPU MIPS', 'trips', 'instructions', 'icount check', 'result'];
  const body = r.rows.map((x) => [x.workload, x.engine, x.error ? 'error' : fmt(x.mips), fmt(x.medianMips), fmt(x.cpuMips), String(x.trips ?? '-'),
    x.timedInstructions === undefined ? '-' : x.timedInstructions.toExponential(2), x.countCheck ?? '-', x.checksumCheck ?? '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  console.log([line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n'));
  for (const x of r.rows) if (x.error) console.log(`  ${x.engine} ${x.workload}: ${x.error.split('\n')[0]}`);
  console.log(`geometric mean MIPS: ${engines.filter((e) => e in r.geomean).map((e) => `${e} ${fmt(r.geomean[e])}`).join(', ')}`);
  console.log(`geometric mean CPU MIPS: ${engines.filter((e) => e in r.cpu.geomean).map((e) => `${e} ${fmt(r.cpu.geomean[e])}`).join(', ')}`);
  for (const q of [...r.ratios, ...r.cpu.ratios]) console.log(`${q.name}: ${q.value === null ? '-' : `${q.value.toFixed(2)}x`}`);
  // The targets are read on CPU time where every engine has it (wall time moves several-fold under load).
  const goal = (name: string, min: number): string => {
    const v = r.cpu.ratios.find((q) => q.name.endsWith(name))?.value ?? r.ratios.find((q) => q.name.endsWith(name))?.value;
    return v === null || v === undefined ? 'not measured' : v >= min ? 'yes' : 'NO';
  };
  if (r.arch === 'x86_64') console.log(`target (issue 15, point 2): >= 0.50x qemu-system-x86_64 TCG: ${goal('qemu-tcg', 0.5)}`);
  else console.log(`targets (issue 14, point 8): >= 1.00x QEMU TCG: ${goal('qemu-tcg', 1)}; >= 2.00x v86 jit: ${goal('v86-jit', 2)}`);
}

/** Ours in 64-bit beside ours in 32-bit, guest by guest (issue 15, point 2: within 0.8x). */
export function printRealBitness(r32: RealResult, r64: RealResult): void {
  const mips = (r: RealResult, e: EngineName, w: string): number | undefined =>
    r.rows.find((x) => x.engine === e && x.workload === w && !x.error && !/WRONG|DISAGREES|DIFFERS/.test(x.checksumCheck ?? ''))?.mips;
  console.log('\nreal-code guests, 64-bit beside 32-bit (MIPS, best of the runs)');
  console.log('guest             ours 32  ours 64  64/32   qemu-x86_64  ours64/qemu');
  const ratios: number[] = [], vsQemu: number[] = [];
  for (const w of r64.rows.filter((x) => x.engine === 'ours').map((x) => x.workload)) {
    const a = mips(r32, 'ours', w), b = mips(r64, 'ours', w), q = mips(r64, 'qemu-tcg', w);
    if (a && b) ratios.push(b / a);
    if (b && q) vsQemu.push(b / q);
    console.log(`${w.padEnd(16)} ${fmt(a).padStart(8)} ${fmt(b).padStart(8)} ${(a && b ? (b / a).toFixed(2) : '-').padStart(6)} ${fmt(q).padStart(12)} ${(b && q ? (b / q).toFixed(2) : '-').padStart(12)}`);
  }
  const n = r64.rows.filter((x) => x.engine === 'ours').length;
  const g = (xs: number[]): string => xs.length === n && n ? `${geomean(xs)!.toFixed(2)}x` : `- (${xs.length} of ${n} guests measured)`;
  console.log(`geometric mean, ours 64-bit / ours 32-bit: ${g(ratios)} (goal >= 0.80x)`);
  console.log(`geometric mean, ours 64-bit / qemu-system-x86_64 TCG: ${g(vsQemu)} (goal >= 0.50x)`);
}
