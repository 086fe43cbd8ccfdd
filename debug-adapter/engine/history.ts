// Snapshots of the machine taken as it runs forward, for stepBack and reverseContinue: go to
// the nearest snapshot before the target instruction count and re-execute (runs are exact and
// deterministic, so the same instructions retire).
//
// Memory: a snapshot copies only the RAM pages written since the previous one and shares the
// rest (Machine.snapshot), so its cost is what changed. Everything the snapshots hold is
// counted against a budget in bytes, and the budget is a hard limit: before a snapshot that
// would go past it, old snapshots are dropped one at a time, each time the one whose removal
// leaves the smallest gap for its distance from the present. Snapshots stay dense near where
// the user is and grow sparse with age (stepping back a little re-executes little; going far
// back re-executes more), instead of every gap doubling at once. When dropping down to the
// first snapshot does not make room, the snapshot is not taken. The first snapshot (the run's
// start, which holds the loaded image) is always kept, so every point stays reachable.
//
// Time: while running freely a snapshot is taken once SNAPSHOT_SHARE of the running time
// since the previous one pays for it (its copy and the slower first writes after it). Both are
// measured as the lesser of wall-clock and process CPU time (see Clock): on a loaded machine a
// wall-clock measure of a copy of a millisecond or two often includes a preemption, and one such
// reading spaced the next snapshots seconds apart; CPU time counts V8's GC threads too. Only time spent running counts: the minutes a user spends looking at a stop do
// not make a snapshot due the moment the guest resumes. Each stop takes one (after the stop is
// reported), so stepping back after stepping is quick.
//
// Re-execution: the share rule alone spaces snapshots of a guest that rewrites megabytes by
// much more than a short run lasts (8 MiB rewritten per interval: one every ~170 ms of
// running), so a run of 10^8 instructions took none and its first stepBack re-ran it whole.
// So a snapshot is also due once the running since the newest one reaches REWIND_MS and is at
// least as long as the run had gone before it: in one run they fall at REWIND_MS, 2x, 4x, ...
// (a handful, whatever the run's length), and a stop leaves at most half the run, or
// REWIND_MS, to re-execute. Both rules yield to the memory budget (take() thins or skips).

import type { MachineApi } from '../../emulator/machine';
import { rangesHold, stateBytes, unionRanges } from '../../emulator/machine';

export interface Snap {
  icount: number; state: unknown; bytes: number;
  /**
   * The code that runs from here to the next snapshot (or on from the newest), as linear
   * [start, end) ranges, maybe more (null: anything may run). reverseContinue skips the
   * intervals where no breakpoint's instruction ran.
   */
  code: Float64Array | null;
  /** The linear address of the instruction about to run here (-1: not known, long mode). */
  pc: number;
}

/** What the history holds now (`paravirt.runStats`, the Debug Console line). */
export interface HistoryStats {
  snapshots: number;
  heldBytes: number;
  budgetBytes: number;
  /** The oldest and newest instruction counts a snapshot stands at. */
  fromInstruction: number;
  toInstruction: number;
  /** At most this many instructions are re-executed to reach a point the run went through. */
  spacing: number;
  /** Snapshots not taken because the budget had no room for them even after thinning. */
  skipped: number;
}

/** At most this share of running time goes to snapshots while running freely. */
const SNAPSHOT_SHARE = 0.03;
/**
 * A snapshot's whole cost per unit of its copy's: the first store to each page after it takes
 * the tracking path again. Measured on the bench's writers (on-CPU, 3.5e8 instructions): 8 MiB
 * rewritten per snapshot, copy 2.8 ms and 3.5 ms in all; 16 pages, 0.2 ms and 0.3 ms.
 */
const COST_PER_COPY = 1.5;
/**
 * Until snapshots of the running guest have been timed: what one costs beside its pages, and
 * per page written since the previous one (a fresh page copy faults in its memory: about
 * 2.5 ms for 8 MiB; recycled copies take a fifth of that).
 */
const FIXED_MS = 0.15, PAGE_MS = 2.5 / 2048;
/** Below this many pages copied, a snapshot's time tells about its fixed part. */
const FEW_PAGES = 64;
/** Running time (ms, by the Clock) a stepBack may re-execute before a snapshot is due whatever it costs (see above). */
const REWIND_MS = 50;
/** At a stop, a snapshot is taken when the newest one is at least this many instructions behind. */
const STOP_GAP = 10_000;

export class History {
  private snaps: Snap[] = [];
  /** The least distance, in instructions, between two snapshots taken while running. */
  private readonly minSpacing: number;
  /**
   * What a snapshot costs (milliseconds by the Clock, smoothed over the latest ones): a fixed
   * part and a part per page written since the previous one. The next snapshot's cost is
   * predicted from the pages written by then, so a guest that writes little gets dense
   * snapshots (close to where it stops: a quick first stepBack) and one rewriting megabytes
   * gets them as far apart as their copies require.
   */
  private fixedMs = FIXED_MS;
  private pageMs = PAGE_MS;
  /** Pages the latest snapshot copied. */
  private lastPages = 0;
  /** Milliseconds spent running since the newest snapshot, and the clock's reading when it last ticked. */
  private ranMs = 0;
  /** Milliseconds spent running since the guest last resumed (the current run). */
  private runMs = 0;
  /** Device and CPU state the kept snapshots hold (their RAM is in the machine's page store). */
  private stateBytes = 0;
  /** Snapshots taken so far and the milliseconds they took (for the run statistics). */
  taken = 0;
  takenMs = 0;
  skipped = 0;
  /** Snapshots dropped to make room (the Debug Console says so when this grows). */
  thinned = 0;

  /** Whether the machine records which code runs (false: it cannot, so reverseContinue skips nothing). */
  private readonly covers: boolean;
  /**
   * The snapshot whose interval the code recorded since the last cut belongs to: the newest
   * one at or before the machine's position, which execution left from without passing another.
   */
  private liveFrom: Snap | null = null;

  /** `clock`: what times running and snapshots (tests drive the schedule with their own). */
  constructor(private readonly machine: MachineApi, readonly budgetBytes: number, initialSpacing = 1_000_000,
    private readonly clock: RunClock = new Clock()) {
    if (!(budgetBytes >= 0)) throw new RangeError(`history budget must be a number of bytes >= 0, got ${budgetBytes}`);
    this.minSpacing = initialSpacing;
    // A second history on the same machine goes on with its record (blocks remember the
    // stretch they were last recorded in by number).
    this.covers = machine.startCoverage();
    if (this.covers) machine.coverageCut();
    this.take(false, true);
  }

  get count(): number { return this.snaps.length; }
  /** The widest gap between two kept snapshots (the most a return to a point re-executes), or the least spacing. */
  get interval(): number {
    let widest = 0;
    for (let i = 1; i < this.snaps.length; i++) widest = Math.max(widest, this.snaps[i]!.icount - this.snaps[i - 1]!.icount);
    return widest > 0 ? widest : this.minSpacing;
  }

  /** Bytes held for the history: page copies (shared ones once) and the snapshots' device state. */
  get heldBytes(): number { return this.machine.snapshotMemory().heldBytes + this.stateBytes; }

  stats(): HistoryStats {
    return {
      snapshots: this.snaps.length, heldBytes: this.heldBytes, budgetBytes: this.budgetBytes,
      fromInstruction: this.snaps[0]?.icount ?? 0, toInstruction: this.snaps[this.snaps.length - 1]?.icount ?? 0,
      spacing: this.interval, skipped: this.skipped,
    };
  }

  /** The guest starts running (continue, step, replay): the run clock starts here, not at the last stop. */
  resumed(): void { this.clock.lap(); this.runMs = 0; }

  /** While running: a snapshot if the machine has run a spacing past the newest one and long enough since. */
  maybeTake(): void {
    const lap = this.clock.lap();
    this.ranMs += lap;
    this.runMs += lap;
    const last = this.snaps[this.snaps.length - 1];
    if (last && this.machine.icount - last.icount < this.minSpacing) return;
    const rewind = this.ranMs >= REWIND_MS && this.ranMs >= this.runMs - this.ranMs;
    if (last && !rewind && this.ranMs * SNAPSHOT_SHARE < this.predictMs(this.dirtyPages()) * COST_PER_COPY) return;
    this.take();
  }

  /** What copying the machine costs, in milliseconds (smoothed). */
  get copyMs(): number { return this.predictMs(this.lastPages); }

  private predictMs(pages: number): number { return this.fixedMs + this.pageMs * pages; }

  /** Pages the next snapshot copies (from the page store's cost of it). */
  private dirtyPages(): number { return Math.floor(this.machine.snapshotMemory().nextBytes / 4096); }

  /** At a stop (the user is looking): a snapshot unless the newest one is very close. */
  atStop(): void {
    const last = this.snaps[this.snaps.length - 1];
    if (!last || this.machine.icount - last.icount >= STOP_GAP) this.take();
  }

  /** Budget for the next forward slice so that it ends where the next snapshot falls due (unbounded once due). */
  untilNext(): number {
    const last = this.snaps[this.snaps.length - 1]!;
    const due = last.icount + this.minSpacing - this.machine.icount;
    return due > 0 ? due : Number.POSITIVE_INFINITY;
  }

  /** A snapshot now, whatever the spacing (checkpoints while re-executing). */
  takeNow(): void { this.take(); }

  private take(timed = true, first = false): void {
    const t0 = performance.now();
    this.ranMs += this.clock.lap();
    const pages = this.dirtyPages();
    this.cutCode();
    if (!first && !this.makeRoom()) {
      this.skipped++;
      this.clock.lap();
      this.ranMs = 0;
      return;
    }
    const state = { machine: this.machine.snapshot(), exitLog: this.machine.exitLogSnapshot() };
    const c = this.machine.cpuState();
    const snap: Snap = { icount: this.machine.icount, state, bytes: stateBytes(state), code: null, pc: this.covers && !c.lma ? (c.csBase + c.eip) >>> 0 : -1 };
    this.stateBytes += snap.bytes;
    // Kept in instruction-count order (a stop after a stepBack lands between older snapshots).
    let at = this.snaps.length;
    while (at > 0 && this.snaps[at - 1]!.icount > snap.icount) at--;
    if (at > 0 && this.snaps[at - 1]!.icount === snap.icount) {
      const replaced = this.snaps[at - 1]!;
      // The start of the run stays the one taken there (the same state; keep its bytes counted once).
      if (at - 1 === 0) { this.drop([snap]); this.liveFrom = replaced; }
      else { this.snaps[at - 1] = snap; this.setCode(snap, replaced.code); this.drop([replaced]); this.liveFrom = snap; }
    } else {
      this.snaps.splice(at, 0, snap);
      // The newest starts an empty record; one between two others runs what its interval ran.
      this.setCode(snap, !this.covers ? null : at === this.snaps.length - 1 ? new Float64Array(0) : this.snaps[at - 1]!.code);
      this.liveFrom = snap;
    }
    const ms = this.clock.lap();
    this.ranMs = 0;
    this.taken++;
    this.takenMs += performance.now() - t0;
    this.lastPages = pages;
    if (timed) this.learn(pages, ms);
  }

  /**
   * Updates the cost model with a snapshot of `pages` that took `ms`. A reading is believed
   * halfway, and at most four times the prediction: on a loaded host one copy preempted for
   * 20 ms had spaced the next snapshots seconds apart (the first stepBack then re-executed
   * 3e8 instructions), where the copies themselves take a millisecond or two.
   */
  private learn(pages: number, ms: number): void {
    const r = Math.min(ms, 4 * this.predictMs(pages) + 0.5);
    if (pages >= FEW_PAGES) this.pageMs = (this.pageMs + Math.max(0, r - this.fixedMs) / pages) / 2;
    else this.fixedMs = (this.fixedMs + Math.max(0.02, r - this.pageMs * pages)) / 2;
  }

  /**
   * Thins the store until the next snapshot fits in the budget; false when it cannot (only
   * the start of the run is left and there is still no room).
   */
  private makeRoom(): boolean {
    for (;;) {
      const mem = this.machine.snapshotMemory();
      const last = this.snaps[this.snaps.length - 1];
      const next = mem.nextBytes + (last?.bytes ?? 0);
      if (mem.heldBytes + this.stateBytes + next <= this.budgetBytes) return true;
      if (this.snaps.length <= 1) return false;
      const i = this.thinnest();
      const gone = this.snaps.splice(i, 1), before = this.snaps[i - 1]!;
      // Its interval joins the one before it.
      this.setCode(before, unionRanges(before.code, gone[0]!.code));
      if (this.liveFrom === gone[0]) this.liveFrom = before;
      this.drop(gone);
      this.thinned++;
    }
  }

  /**
   * The snapshot to drop next (never the first): the one whose removal leaves the smallest gap
   * for how far that gap lies from where the machine stands, so the kept ones space out
   * geometrically with distance. The newest scores 1 (its gap reaches the present) and goes
   * only when it is the last one left beside the first.
   */
  private thinnest(): number {
    const now = this.machine.icount, s = this.snaps;
    let best = s.length - 1, bestScore = Number.POSITIVE_INFINITY;
    for (let i = 1; i < s.length - 1; i++) {
      const from = s[i - 1]!.icount, to = s[i + 1]!.icount;
      const gap = to - from;
      const score = gap / (gap + Math.min(Math.abs(now - to), Math.abs(now - from)));
      if (score < bestScore) { bestScore = score; best = i; }
    }
    return best;
  }

  /** Puts the machine (and the exit log's counters, so they match that moment) back to `s`. */
  restore(s: Snap): void {
    this.cutCode();
    this.liveFrom = s;
    const st = s.state as { machine: unknown; exitLog: unknown };
    this.machine.restore(st.machine);
    this.machine.restoreExitLog(st.exitLog);
  }

  /** The newest snapshot strictly before `icount` (the start of the run when none is). */
  before(icount: number): Snap {
    let best = this.snaps[0]!;
    for (const s of this.snaps) if (s.icount < icount) best = s;
    return best;
  }

  /** Snapshots taken after `icount` describe a future that is about to be rewritten. */
  truncateAfter(icount: number): void {
    const gone = this.snaps.filter((s, i) => i !== 0 && s.icount > icount);
    if (gone.length === 0) return;
    this.cutCode();
    this.snaps = this.snaps.filter((s, i) => i === 0 || s.icount <= icount);
    this.drop(gone);
    // The newest kept one's interval now runs on into the new future: it holds what ran up to
    // here (the same as the first time: runs are deterministic) and gets what runs next.
    this.liveFrom = this.snaps[this.snaps.length - 1]!;
  }

  /** The code recorded since the last cut goes to the interval it ran in. */
  cutCode(): void {
    if (!this.covers) return;
    const ran = this.machine.coverageCut();
    if (this.liveFrom) this.setCode(this.liveFrom, unionRanges(this.liveFrom.code, ran));
  }

  /**
   * Whether re-executing from `s` to the next snapshot `next` (or to the present, null) can
   * stop at none of `addresses`: no instruction at one of them ran in the interval, nor is one
   * about to run where it ends (a stop there belongs to this interval). Call cutCode() first.
   */
  cannotReach(s: Snap, next: Snap | null, addresses: number[]): boolean {
    if (s.code === null || (next !== null && next.pc < 0)) return false;
    for (const a of addresses) if (rangesHold(s.code, a) || (next !== null && next.pc === a)) return false;
    return true;
  }

  private setCode(s: Snap, code: Float64Array | null): void {
    const delta = (code?.byteLength ?? 0) - (s.code?.byteLength ?? 0);
    s.code = code;
    s.bytes += delta;
    if (this.snaps.includes(s)) this.stateBytes += delta;
  }

  /**
   * Snapshots leaving the store: nothing refers to them any more (replays hold only the one
   * they restored, and read nothing but its count afterwards), so their page copies are freed.
   */
  private drop(gone: Snap[]): void {
    for (const s of gone) {
      this.machine.releaseSnapshot((s.state as { machine: unknown }).machine);
      this.stateBytes -= s.bytes;
    }
  }

  /** Older snapshot than `s`, or null at the start. */
  previous(s: Snap): Snap | null {
    const i = this.snaps.indexOf(s);
    return i > 0 ? this.snaps[i - 1]! : null;
  }
}

/** Milliseconds since the previous lap: running time between snapshots, and a snapshot's own. */
export interface RunClock { lap(): number }

/**
 * Time this thread spent, near enough: per lap, the lesser of wall-clock time (which a
 * preemption inflates on a loaded machine) and the process's CPU time (which V8's GC threads
 * inflate). Node 20 has no per-thread CPU clock.
 */
class Clock implements RunClock {
  private wall = performance.now();
  private cpuAt = Clock.cpuMs();
  /** Milliseconds since the previous lap. */
  lap(): number {
    const wall = performance.now(), cpu = Clock.cpuMs();
    const ms = Math.min(wall - this.wall, cpu - this.cpuAt);
    this.wall = wall; this.cpuAt = cpu;
    return Math.max(0, ms);
  }
  private static cpuMs(): number {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
}

const MIB = 1 << 20;
const count = (n: number) => n.toLocaleString('en-US');

/** The Debug Console's line about the history: how much it holds and how far back it reaches. */
export function describeHistory(s: HistoryStats): string {
  const held = `${(s.heldBytes / MIB).toFixed(1)} MiB of its ${(s.budgetBytes / MIB).toFixed(0)} MiB budget`;
  let line = `Reverse history: ${s.snapshots} snapshot${s.snapshots === 1 ? '' : 's'} (${held}) from instruction ${count(s.fromInstruction)} to ${count(s.toInstruction)}`;
  line += s.snapshots > 1 ? `, at most ${count(s.spacing)} instructions apart: stepping back re-executes up to that many.` : '.';
  if (s.skipped > 0) {
    line += ` The budget is full: ${count(s.skipped)} snapshot${s.skipped === 1 ? ' was' : 's were'} not taken, so stepping back to any point after instruction ${count(s.toInstruction)} re-executes from there (raise historyMemory for more).`;
  }
  return line;
}
