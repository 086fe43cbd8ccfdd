// Reverse execution for the debug engine: stepBack and reverseContinue go to the nearest
// snapshot before the target and re-execute forward to it (runs are exact and deterministic,
// so the same instructions retire). The engine owns run control and hands this its state.

import type { ExitRecord, MachineApi } from '../../emulator/machine';
import type { LineTable } from '../../emulator/loader/dwarf/line-table';
import type { History, Snap } from './history';
import type { Outcome } from './outcome';

/** Instructions single-stepped first when looking back for where the previous line began (then four times as many, and so on). */
const LINE_WINDOW = 10_000;

const yieldNow = () => new Promise<void>((r) => setImmediate(r));

/** What reverse execution needs of the engine. */
export interface RewindHost {
  readonly machine: MachineApi;
  readonly history: History;
  readonly lines: LineTable;
  pc(): number;
  /** While true, the engine keeps the guest's output, the exit profile and events to itself. */
  setReplaying(on: boolean): void;
  /** How many instructions the guest retires per millisecond of running (forward). */
  instructionsPerMs(): number;
  /** User breakpoints at the pc whose conditions hold (no hit counts or log points: replay only looks). */
  breakpointsHere(): number[];
  /** Every user breakpoint's address, or null when exception filters are on (exits may stop anywhere). */
  breakpointAddresses(): number[] | null;
  /** The exit record the latest filter match stopped at. */
  matchedExit(): ExitRecord | undefined;
  /** Whether a pause was asked for since the last look (and forget it). */
  takePause(): boolean;
}

const paused: Outcome = { kind: 'stop', info: { kind: 'pause', description: 'Paused' } };

export class Rewinder {
  constructor(private readonly host: RewindHost) {}

  /** One instruction (or one source line) back in time. */
  async stepBack(granularity: 'instruction' | 'line'): Promise<Outcome> {
    const host = this.host;
    const now = host.machine.icount;
    if (now === 0) return this.atStart();
    if (granularity === 'line' && host.lines.lookup(host.pc())) {
      const target = this.previousLineStart(now);
      if (target === null) return this.atStart();
      this.replayTo(target);
    } else {
      this.replayTo(now - 1);
    }
    return { kind: 'stop', info: { kind: 'step', description: 'Stepped back' } };
  }

  /** Back to the latest earlier breakpoint hit or exception-filter match, or to the start of the run. */
  async reverseContinue(): Promise<Outcome> {
    const { machine, history: h } = this.host;
    const now = machine.icount;
    let end = now;
    // Intervals where no breakpoint's instruction ran are passed over without re-executing
    // them (exception filters match exits, which the code record says nothing about).
    h.cutCode();
    const addresses = this.host.breakpointAddresses();
    let next: Snap | null = null, skipped = 0;
    for (let snap: Snap | null = h.before(now); snap; next = snap, snap = h.previous(snap)) {
      if (addresses && h.cannotReach(snap, end < now ? next : null, addresses)) {
        end = snap.icount;
        if (++skipped % 4096 === 0) await yieldNow();
        continue;
      }
      const hits: Array<{ icount: number; kind: 'bp' | 'filter'; ids: number[] }> = [];
      this.replayTo(end, snap, (icount, kind, ids) => hits.push({ icount, kind, ids }));
      // The window ends where a later snapshot begins: usually one a stop took, at a breakpoint
      // or a filter match. That stop belongs to this window (re-executing from the snapshot
      // starts past it), unless it is where the guest stands now.
      if (end < now && machine.icount === end) {
        const ids = this.host.breakpointsHere();
        if (ids.length) hits.push({ icount: end, kind: 'bp', ids });
      }
      const last = hits.filter((x) => x.icount < end || (end < now && x.icount === end)).pop();
      if (last) {
        this.replayTo(last.icount);
        if (last.kind === 'filter') return { kind: 'stop', info: { kind: 'exception', description: 'Exception filter matched (reverse)', exit: this.host.matchedExit() } };
        return { kind: 'stop', info: { kind: 'breakpoint', description: 'Breakpoint (reverse)', breakpointIds: last.ids } };
      }
      end = snap.icount;
      await yieldNow();
      if (this.host.takePause()) return paused;
    }
    return this.atStart();
  }

  private atStart(): Outcome {
    this.replayTo(0);
    return { kind: 'stop', info: { kind: 'entry', description: 'Reached the start of the recorded run' } };
  }

  /**
   * Re-executes from the newest snapshot before `target` (or `from`) up to exactly `target`
   * retired instructions. `onHit` hears of user breakpoints whose condition holds and of filter
   * matches on the way, with the instruction count where a forward run would have stopped.
   */
  private replayTo(target: number, from?: Snap, onHit?: (icount: number, kind: 'bp' | 'filter', ids: number[]) => void): void {
    const { machine: m, history: h } = this.host;
    const snap = from ?? (target === 0 ? h.before(1) : h.before(target + 1));
    h.restore(snap);
    this.host.setReplaying(true);
    // Re-executing a long stretch for a stepBack: leave a checkpoint shortly before the target,
    // so the next stepBack (one instruction or line earlier) re-executes an eighth as much, or
    // as much as eight copies would take when the code runs faster than copies are made. One
    // checkpoint, not one every such stretch: the others cost this stepBack copies (8 MiB each
    // for a guest rewriting its memory) and the next stepBack uses only the last. Not while
    // scanning for reverseContinue, which walks the snapshot list.
    const chunk = Math.max(200_000, Math.floor((target - snap.icount) / 8), Math.floor(this.host.instructionsPerMs() * h.copyMs * 8));
    let checkpoint = onHit || target - snap.icount <= chunk ? Number.POSITIVE_INFINITY : target - chunk;
    try {
      for (let guard = 0; m.icount < target && guard < 10_000_000; guard++) {
        if (m.icount >= checkpoint) { h.takeNow(); checkpoint = Number.POSITIVE_INFINITY; }
        const r = m.run(Math.min(target, checkpoint) - m.icount);
        if (r.kind === 'breakpoint') {
          const ids = this.host.breakpointsHere();
          if (ids.length && m.icount < target) onHit?.(m.icount, 'bp', ids);
          continue;
        }
        if (r.kind === 'filter') { if (m.icount <= target) onHit?.(m.icount, 'filter', []); continue; }
        if (r.kind === 'budget' || r.kind === 'paused' || r.kind === 'watchpoint' || r.kind === 'step') continue;
        break; // the run ended here (shutdown, triple fault...): history has nothing past it
      }
    } finally {
      this.host.setReplaying(false);
    }
  }

  /**
   * The latest instruction count before `now` where a statement of another line begins.
   * Finding it takes single steps, which run far slower than compiled blocks: so re-execute
   * (blocks, from the nearest snapshot) up to a window before the end and step only through
   * that window, widening it backwards until a line starts in it. Snapshots can lie hundreds
   * of millions of instructions apart, and stepping through all of that took minutes.
   */
  private previousLineStart(now: number): number | null {
    const { machine, lines } = this.host;
    const here = lines.lookup(this.host.pc());
    let end = now;
    for (let window = LINE_WINDOW; end > 0; window *= 4) {
      const start = Math.max(0, end - window);
      this.replayTo(start);
      let best: number | null = null;
      this.host.setReplaying(true);
      try {
        while (machine.icount < end) {
          const pc = this.host.pc();
          if (lines.isStatementStart(pc)) {
            const l = lines.lookup(pc);
            if (l && (!here || l.line !== here.line || l.file !== here.file)) best = machine.icount;
          }
          const before = machine.icount;
          const r = machine.step();
          if (machine.icount === before && r.kind !== 'step') break; // the run ended here
        }
      } finally {
        this.host.setReplaying(false);
      }
      if (best !== null) return best;
      end = start;
    }
    return null;
  }
}
