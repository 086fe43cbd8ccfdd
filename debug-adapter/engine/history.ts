// Snapshots of the machine taken as it runs forward, for stepBack and reverseContinue: go to
// the nearest snapshot before the target instruction count and re-execute (runs are exact and
// deterministic, so the same instructions retire). Memory-bounded: when the store is full,
// every other snapshot is dropped and the spacing doubles, so any point of a long run stays
// reachable by re-executing at most one spacing's worth of instructions.
// Time-bounded too: a snapshot copies guest RAM and the CPU warms its caches again after it,
// so while running freely one is taken only after RUN_TO_SNAPSHOT times its own cost has gone
// to running (the run to a breakpoint stays within about a percent of a plain run). Only time
// spent running counts: the minutes a user spends looking at a stop do not make a snapshot
// due the moment the guest resumes. Stops are free in that sense: each stop takes one (after
// the stop is reported), so stepping back after stepping is quick.

import type { MachineApi } from '../../emulator/machine';

export interface Snap { icount: number; state: unknown }

/** Running time per unit of snapshot time (the copy plus the slower instructions after it). */
const RUN_TO_SNAPSHOT = 40;
/** Dropped snapshots kept for reuse beyond the store's own limit. */
const SPARE = 2;
/** At a stop, a snapshot is taken when the newest one is at least this many instructions behind. */
const STOP_GAP = 10_000;

export class History {
  private snaps: Snap[] = [];
  /** Snapshots dropped from the store, whose RAM copies the next ones reuse. */
  private spare: Snap[] = [];
  private spacing: number;
  readonly maxSnaps: number;
  private lastCostMs: number;
  /** Milliseconds spent running since the newest snapshot, and when that clock last ticked. */
  private ranMs = 0;
  private tickAt = 0;
  /** Snapshots taken so far and the milliseconds they took (for the run statistics). */
  taken = 0;
  takenMs = 0;

  constructor(private readonly machine: MachineApi, ramBytes: number, initialSpacing = 1_000_000, budgetBytes = 256 * 1024 * 1024) {
    this.spacing = initialSpacing;
    this.maxSnaps = Math.max(4, Math.floor(budgetBytes / Math.max(ramBytes, 1)));
    // Until a snapshot of a running guest has been timed: the first one, of RAM nobody has
    // written yet, copies untouched pages and would promise far cheaper snapshots than the
    // later ones. About 1 ms per MiB (a fresh copy of touched RAM), times four as below.
    this.lastCostMs = 4 * (ramBytes / (1 << 20));
    this.take(false);
  }

  get count(): number { return this.snaps.length; }
  get interval(): number { return this.spacing; }

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

  private take(timed = true): void {
    const t0 = performance.now();
    const recycled = this.spare.pop()?.state as { machine: unknown } | undefined;
    const snap: Snap = { icount: this.machine.icount, state: { machine: this.machine.snapshot(recycled?.machine), vmm: vmmOf(this.machine)?.snapshot() } };
    // Kept in instruction-count order (a stop after a stepBack lands between older snapshots).
    let at = this.snaps.length;
    while (at > 0 && this.snaps[at - 1]!.icount > snap.icount) at--;
    if (at > 0 && this.snaps[at - 1]!.icount === snap.icount) {
      const replaced = this.snaps[at - 1]!;
      this.snaps[at - 1] = snap;
      this.drop([replaced]);
    } else {
      this.snaps.splice(at, 0, snap);
    }
    if (this.snaps.length > this.maxSnaps) {
      // Keep the first (the start of the run) and every other one after it.
      const gone = this.snaps.filter((_, i) => i !== 0 && i % 2 !== 0);
      this.snaps = this.snaps.filter((_, i) => i === 0 || i % 2 === 0);
      this.spacing *= 2;
      this.drop(gone);
    }
    this.tickAt = performance.now();
    this.ranMs = 0;
    this.taken++;
    this.takenMs += this.tickAt - t0;
    // The copy, and (measured on the count guest) about three times as much again in colder
    // caches over the next million instructions.
    if (timed) this.lastCostMs = 4 * (this.tickAt - t0);
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
   * Snapshots leaving the store (nothing refers to them any more: replays hold only the one they
   * restored, and read nothing but its count afterwards): their RAM copies are kept for the
   * next snapshots, as long as store and spares together stay within the memory budget.
   */
  private drop(gone: Snap[]): void {
    for (const s of gone) if (this.snaps.length + this.spare.length < this.maxSnaps + SPARE) this.spare.push(s);
  }

  /** Older snapshot than `s`, or null at the start. */
  previous(s: Snap): Snap | null {
    const i = this.snaps.indexOf(s);
    return i > 0 ? this.snaps[i - 1]! : null;
  }
}

/** The HVM exit recorder behind the machine, when it can save its counters and log position. */
function vmmOf(m: MachineApi): { snapshot(): unknown; restore(s: unknown): void } | null {
  const v = (m as unknown as { vmm?: { snapshot?: () => unknown; restore?: (s: unknown) => void } }).vmm;
  return v && typeof v.snapshot === 'function' && typeof v.restore === 'function' ? (v as { snapshot(): unknown; restore(s: unknown): void }) : null;
}
