// What the "VM Exits" view, the status bar and the trace export know about a session, built
// from the adapter's `paravirt.exits` events. No vscode import: unit-tested on its own.
// The bodies are the adapter's own types (debug-adapter/custom-protocol.ts), checked on
// arrival because they crossed a process boundary; a body or record that is not one is
// refused whole, never half read.

import { isExitRecordJson, isExitsEventBody, type ExitRecordJson } from '../debug-adapter/custom-protocol';
import { PvKind } from '../emulator/trace/record-kinds';

/** An exit as the views hold it: the adapter's record plus the hypercall it names, if any. */
export interface ExitEntry extends ExitRecordJson {
  /** PV hypercall records: the hypercall's name (the record's handler). */
  hypercall?: string;
}

export interface ExitsSnapshot {
  total: number;
  byReason: Map<string, number>;
  hypercalls: Map<string, number>;
  icount: number;
}

export function toExitEntry(raw: unknown): ExitEntry | null {
  if (!isExitRecordJson(raw)) return null;
  return raw.reason === PvKind.HYPERCALL ? { ...raw, hypercall: raw.handler } : { ...raw };
}

function countsOf(v: Record<string, number>): Map<string, number> {
  const m = new Map<string, number>();
  for (const [k, c] of Object.entries(v)) if (c > 0) m.set(k, c);
  return m;
}

export class ExitModel {
  total = 0;
  icount = 0;
  mode: 'hvm' | 'pv' | '' = '';
  readonly byReason = new Map<string, number>();
  readonly hypercalls = new Map<string, number>();
  /** Newest last, bounded. */
  readonly recent: ExitEntry[] = [];
  dropped = 0;
  /** Wall-clock samples (ms, icount, total exits) for rates. */
  private samples: Array<[number, number, number]> = [];

  /**
   * The adapter sends every exit (up to its per-event bound), so the model holds the whole of
   * an ordinary session: the view's drill-down and an export after the session need it.
   */
  constructor(readonly keep = 200_000) {}

  reset(): void {
    this.total = 0; this.icount = 0; this.dropped = 0; this.mode = '';
    this.byReason.clear(); this.hypercalls.clear(); this.recent.length = 0; this.samples = [];
  }

  /** Applies one `paravirt.exits` event body. `now` is wall-clock ms. Returns false (and changes nothing) for anything else. */
  apply(body: unknown, now: number): boolean {
    if (!isExitsEventBody(body)) return false;
    const latest: ExitEntry[] = [];
    for (const r of body.latest) { const e = toExitEntry(r); if (e) latest.push(e); else this.dropped++; }
    this.byReason.clear();
    for (const [k, v] of countsOf(body.byReason)) this.byReason.set(k, v);
    this.hypercalls.clear();
    if (body.hypercalls) for (const [k, v] of countsOf(body.hypercalls)) this.hypercalls.set(k, v);
    this.total = body.total;
    this.icount = body.instructions;
    this.dropped += body.latestDropped;
    for (const e of latest) this.recent.push(e);
    if (this.recent.length > this.keep) { this.dropped += this.recent.length - this.keep; this.recent.splice(0, this.recent.length - this.keep); }
    this.samples.push([now, this.icount, this.total]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 5000) this.samples.shift();
    return true;
  }

  /** The guest stopped: rates start again from the next run, not across the time stopped. */
  markStopped(): void { this.samples = []; }

  /** Guest MIPS and exits per second over the last few seconds of events, or null. */
  rates(): { mips: number; exitsPerSecond: number } | null {
    if (this.samples.length < 2) return null;
    const [t0, i0, x0] = this.samples[0];
    const [t1, i1, x1] = this.samples[this.samples.length - 1];
    const dt = (t1 - t0) / 1000;
    if (dt <= 0) return null;
    return { mips: (i1 - i0) / dt / 1e6, exitsPerSecond: (x1 - x0) / dt };
  }

  recentOf(reasonName: string | null, hypercall: string | null, limit = 100): ExitEntry[] {
    const out: ExitEntry[] = [];
    for (let i = this.recent.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.recent[i];
      if (reasonName !== null && e.reasonName !== reasonName) continue;
      if (hypercall !== null && e.hypercall !== hypercall) continue;
      out.push(e);
    }
    return out;
  }
}
