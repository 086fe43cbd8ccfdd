// Snapshots of the machine taken as it runs forward, for stepBack and reverseContinue: go to
// the nearest snapshot before the target instruction count and re-execute (runs are exact and
// deterministic, so the same instructions retire). Memory-bounded: when the store is full,
// every other snapshot is dropped and the spacing doubles, so any point of a long run stays
// reachable by re-executing at most one spacing's worth of instructions.

import type { MachineApi } from '../../emulator/machine-api';

export interface Snap { icount: number; state: unknown }

export class History {
  private snaps: Snap[] = [];
  private spacing: number;
  readonly maxSnaps: number;

  constructor(private readonly machine: MachineApi, ramBytes: number, initialSpacing = 1_000_000, budgetBytes = 256 * 1024 * 1024) {
    this.spacing = initialSpacing;
    this.maxSnaps = Math.max(4, Math.floor(budgetBytes / Math.max(ramBytes, 1)));
    this.take();
  }

  get count(): number { return this.snaps.length; }
  get interval(): number { return this.spacing; }

  /** Takes a snapshot if the machine has run a spacing past the newest one. */
  maybeTake(): void {
    const last = this.snaps[this.snaps.length - 1];
    if (!last || this.machine.icount - last.icount >= this.spacing) this.take();
  }

  /** Budget for the next forward slice so that it ends where the next snapshot is due. */
  untilNext(): number {
    const last = this.snaps[this.snaps.length - 1]!;
    return Math.max(1, last.icount + this.spacing - this.machine.icount);
  }

  private take(): void {
    this.snaps.push({ icount: this.machine.icount, state: { machine: this.machine.snapshot(), vmm: vmmOf(this.machine)?.snapshot() } });
    if (this.snaps.length > this.maxSnaps) {
      // Keep the first (the start of the run) and every other one after it.
      this.snaps = this.snaps.filter((_, i) => i === 0 || i % 2 === 0);
      this.spacing *= 2;
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
    this.snaps = this.snaps.filter((s, i) => i === 0 || s.icount <= icount);
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
