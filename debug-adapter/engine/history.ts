// Snapshots of the machine taken as it runs forward, for stepBack and reverseContinue: go to
// the nearest snapshot before the target instruction count and re-execute (runs are exact and
// deterministic, so the same instructions retire).
//
// Memory: a snapshot copies only the RAM pages written since the previous one and shares the
// rest (Machine.snapshot), so its cost is what changed. Everything the snapshots hold is
// counted against a budget in bytes, and the budget is a hard limit: before a snapshot that
// would go past it, every other snapshot is dropped and the spacing doubles (so any point of
// a long run stays reachable by re-executing at most one spacing's worth of instructions);
// when even that does not make room, the snapshot is not taken. The first snapshot (the run's
// start, which holds the loaded image) is always kept, so every point stays reachable.
//
// Time: while running freely a snapshot is taken only after RUN_TO_SNAPSHOT times its own
// cost has gone to running (the run to a breakpoint stays within about a percent of a plain
// run). Only time spent running counts: the minutes a user spends looking at a stop do not
// make a snapshot due the moment the guest resumes. Each stop takes one (after the stop is
// reported), so stepping back after stepping is quick.

import type { MachineApi } from '../../emulator/machine';
import { stateBytes } from '../../emulator/machine';

export interface Snap { icount: number; state: unknown; bytes: number }

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

/** Running time per unit of snapshot time (the copy plus the slower instructions after it). */
const RUN_TO_SNAPSHOT = 40;
/** At a stop, a snapshot is taken when the newest one is at least this many instructions behind. */
const STOP_GAP = 10_000;

export class History {
  private snaps: Snap[] = [];
  private spacing: number;
  private lastCostMs: number;
  /** Milliseconds spent running since the newest snapshot, and when that clock last ticked. */
  private ranMs = 0;
  private tickAt = 0;
  /** Device and CPU state the kept snapshots hold (their RAM is in the machine's page store). */
  private stateBytes = 0;
  /** Snapshots taken so far and the milliseconds they took (for the run statistics). */
  taken = 0;
  takenMs = 0;
  skipped = 0;

  constructor(private readonly machine: MachineApi, readonly budgetBytes: number, initialSpacing = 1_000_000) {
    if (!(budgetBytes >= 0)) throw new RangeError(`history budget must be a number of bytes >= 0, got ${budgetBytes}`);
    this.spacing = initialSpacing;
    // Until a snapshot of a running guest has been timed: about a millisecond.
    this.lastCostMs = 4;
    this.take(false, true);
  }

  get count(): number { return this.snaps.length; }
  get interval(): number { return this.spacing; }

  /** Bytes held for the history: page copies (shared ones once) and the snapshots' device state. */
  get heldBytes(): number { return this.machine.snapshotMemory().heldBytes + this.stateBytes; }

  stats(): HistoryStats {
    return {
      snapshots: this.snaps.length, heldBytes: this.heldBytes, budgetBytes: this.budgetBytes,
      fromInstruction: this.snaps[0]?.icount ?? 0, toInstruction: this.snaps[this.snaps.length - 1]?.icount ?? 0,
      spacing: this.spacing, skipped: this.skipped,
    };
  }

  /** The guest starts running (continue, step, replay): the run clock starts here, not at the last stop. */
  resumed(): void { this.tickAt = performance.now(); }

  /** While running: a snapshot if the machine has run a spacing past the newest one and long enough since. */
  maybeTake(): void {
    const now = performance.now();
    this.ranMs += now - this.tickAt;
    this.tickAt = now;
    const last = this.snaps[this.snaps.length - 1];
    if (last && this.machine.icount - last.icount < this.spacing) return;
    if (last && this.ranMs < this.lastCostMs * RUN_TO_SNAPSHOT) return;
    this.take();
  }

  /** What copying the machine costs, in milliseconds (the latest measure). */
  get copyMs(): number { return this.lastCostMs / 4; }

  /** At a stop (the user is looking): a snapshot unless the newest one is very close. */
  atStop(): void {
    const last = this.snaps[this.snaps.length - 1];
    if (!last || this.machine.icount - last.icount >= STOP_GAP) this.take();
  }

  /** Budget for the next forward slice so that it ends where the next snapshot falls due (unbounded once due). */
  untilNext(): number {
    const last = this.snaps[this.snaps.length - 1]!;
    const due = last.icount + this.spacing - this.machine.icount;
    return due > 0 ? due : Number.POSITIVE_INFINITY;
  }

  /** A snapshot now, whatever the spacing (checkpoints while re-executing). */
  takeNow(): void { this.take(); }

  private take(timed = true, first = false): void {
    const t0 = performance.now();
    if (!first && !this.makeRoom()) {
      this.skipped++;
      this.tickAt = performance.now();
      this.ranMs = 0;
      return;
    }
    const state = { machine: this.machine.snapshot(), vmm: vmmOf(this.machine)?.snapshot() };
    const snap: Snap = { icount: this.machine.icount, state, bytes: stateBytes(state) };
    this.stateBytes += snap.bytes;
    // Kept in instruction-count order (a stop after a stepBack lands between older snapshots).
    let at = this.snaps.length;
    while (at > 0 && this.snaps[at - 1]!.icount > snap.icount) at--;
    if (at > 0 && this.snaps[at - 1]!.icount === snap.icount) {
      const replaced = this.snaps[at - 1]!;
      // The start of the run stays the one taken there (the same state; keep its bytes counted once).
      if (at - 1 === 0) this.drop([snap]);
      else { this.snaps[at - 1] = snap; this.drop([replaced]); }
    } else {
      this.snaps.splice(at, 0, snap);
    }
    this.tickAt = performance.now();
    this.ranMs = 0;
    this.taken++;
    this.takenMs += this.tickAt - t0;
    // The copy, and (measured on the count guest) about three times as much again in colder
    // caches over the next million instructions.
    if (timed) this.lastCostMs = 4 * (this.tickAt - t0);
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
      // Keep the first (the start of the run) and every other one after it.
      const gone = this.snaps.filter((_, i) => i !== 0 && i % 2 !== 0);
      this.snaps = this.snaps.filter((_, i) => i === 0 || i % 2 === 0);
      this.spacing *= 2;
      this.drop(gone);
    }
  }

  /** Puts the machine (and the exit log's counters, so they match that moment) back to `s`. */
  restore(s: Snap): void {
    const st = s.state as { machine: unknown; vmm: unknown };
    this.machine.restore(st.machine);
    if (st.vmm !== undefined) vmmOf(this.machine)?.restore(st.vmm);
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
    this.snaps = this.snaps.filter((s, i) => i === 0 || s.icount <= icount);
    this.drop(gone);
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

/** The HVM exit recorder behind the machine, when it can save its counters and log position. */
function vmmOf(m: MachineApi): { snapshot(): unknown; restore(s: unknown): void } | null {
  const v = (m as unknown as { vmm?: { snapshot?: () => unknown; restore?: (s: unknown) => void } }).vmm;
  return v && typeof v.snapshot === 'function' && typeof v.restore === 'function' ? (v as { snapshot(): unknown; restore(s: unknown): void }) : null;
}
