// What the "VM Exits" view, the status bar and the trace export know about a session, built
// from the adapter's `paravirt.exits` events. No vscode import: unit-tested on its own.
// The event body is read defensively (every field optional) so a newer or older adapter
// degrades to fewer details instead of breaking the view.

export interface ExitEntry {
  seq: number;
  reason: number;
  reasonName: string;
  qualification: number;
  eip: number;
  cpl: number;
  icount: number;
  cycles: number;
  handler: string;
  description?: string;
  hypercall?: string;
  bytes?: string;
  source?: { path: string; line: number };
  /** DAP memory reference of the instruction, for the disassembly view. */
  instructionReference?: string;
}

export interface ExitsSnapshot {
  total: number;
  byReason: Map<string, number>;
  hypercalls: Map<string, number>;
  icount: number;
}

const num = (v: unknown, d = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d);

function bytesText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((b) => (num(b) & 0xff).toString(16).padStart(2, '0')).join(' ');
  if (v && typeof v === 'object') return Object.values(v as Record<string, number>).map((b) => (num(b) & 0xff).toString(16).padStart(2, '0')).join(' ');
  return undefined;
}

export function toExitEntry(raw: unknown): ExitEntry | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.seq !== 'number' && typeof r.reason !== 'number' && typeof r.reasonName !== 'string') return null;
  const src = r.source as Record<string, unknown> | undefined;
  const path = str(src?.path) || str(r.sourcePath) || str(r.file);
  const line = num(src?.line, num(r.line, 0));
  return {
    seq: num(r.seq, -1),
    reason: num(r.reason, -1),
    reasonName: str(r.reasonName) || str(r.reason_name) || `reason ${num(r.reason, -1)}`,
    qualification: num(r.qualification),
    eip: num(r.eip) >>> 0,
    cpl: num(r.cpl),
    icount: num(r.icount),
    cycles: num(r.cycles),
    handler: str(r.handler),
    description: str(r.description) || undefined,
    // PV hypercall records carry the hypercall's name as their handler.
    hypercall: str(r.hypercall) || str(r.hypercallName) || (/hypercall/i.test(str(r.reasonName)) && str(r.handler)) || undefined,
    bytes: bytesText(r.bytes),
    source: path && line > 0 ? { path, line } : undefined,
    instructionReference: str(r.instructionReference) || undefined,
  };
}

function countsOf(v: unknown): Map<string, number> | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const m = new Map<string, number>();
  for (const [k, c] of Object.entries(v as Record<string, unknown>)) if (typeof c === 'number' && c > 0) m.set(k, c);
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

  /** Applies one `paravirt.exits` event body. `now` is wall-clock ms. Returns false for junk. */
  apply(body: unknown, now: number): boolean {
    if (!body || typeof body !== 'object') return false;
    const b = body as Record<string, unknown>;
    const latestRaw = Array.isArray(b.latest) ? b.latest : Array.isArray(b.exits) ? b.exits : [];
    const latest: ExitEntry[] = [];
    for (const r of latestRaw) { const e = toExitEntry(r); if (e) latest.push(e); }
    const counters = (b.counters && typeof b.counters === 'object' ? b.counters : b) as Record<string, unknown>;
    const reasons = countsOf(counters.byReason);
    const hcalls = countsOf(counters.hypercalls);
    if (reasons) { this.byReason.clear(); for (const [k, v] of reasons) this.byReason.set(k, v); }
    else for (const e of latest) this.byReason.set(e.reasonName, (this.byReason.get(e.reasonName) ?? 0) + 1);
    if (hcalls) { this.hypercalls.clear(); for (const [k, v] of hcalls) this.hypercalls.set(k, v); }
    else for (const e of latest) if (e.hypercall) this.hypercalls.set(e.hypercall, (this.hypercalls.get(e.hypercall) ?? 0) + 1);
    const total = num(counters.total, -1);
    this.total = total >= 0 ? total : [...this.byReason.values()].reduce((a, c) => a + c, 0);
    this.icount = num(counters.instructions, num(counters.icount, this.icount));
    if (b.mode === 'hvm' || b.mode === 'pv') this.mode = b.mode;
    this.dropped += num(b.latestDropped, num(b.dropped));
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
