// The PV hypervisor's record of what it did for the guest: every hypercall, trap bounce,
// event upcall, privileged-op emulation and domain crash, in the HVM exit log's ring buffer
// (preallocated typed arrays, nothing allocated per record) with PV kinds beside Intel's
// reason numbers, and counters by kind and by hypercall name.

import type { ExitRecord, ExitStats } from '../trace/exit-record';
import type { ExitContext, ExitExtra } from '../cpu';
import { DEFAULT_EXIT_LOG_CAPACITY, ExitLog } from '../trace/exit-log';
import { HYPERCALL_LIMIT, hypercallName } from './hypercall-table';
import { DEFAULT_PV_COSTS, type PvCostModel } from './pv-costs';
import { PV_RECORD_BASE, PV_RECORD_KINDS, PV_RECORD_KIND_COUNT, isPvRecord, pvKindName } from '../trace/record-kinds';


/** Counters by hypercall number; the last slot counts numbers this model does not answer. */
const MAX_HC = HYPERCALL_LIMIT;

export class PvLog {
  readonly log: ExitLog;
  costs: PvCostModel = DEFAULT_PV_COSTS;
  private readonly kindCounts = new Float64Array(PV_RECORD_KIND_COUNT);
  private readonly kindCycles = new Float64Array(PV_RECORD_KIND_COUNT);
  private readonly hcCounts = new Float64Array(MAX_HC + 1);
  private readonly hcCycles = new Float64Array(MAX_HC + 1);
  private readonly hcErrors = new Float64Array(MAX_HC + 1);
  private filter: ((r: ExitRecord) => boolean) | null = null;
  readonly stats: ExitStats & { hypercalls: Record<string, number>; hypercallCycles: Record<string, number>; hypercallErrors: Record<string, number> };

  constructor(private readonly icount: () => number, capacity = DEFAULT_EXIT_LOG_CAPACITY) {
    this.log = new ExitLog(capacity);
    const self = this;
    this.stats = {
      get total() { return self.log.total; },
      get byReason() { return self.byKind(self.kindCounts); },
      get cyclesByReason() { return self.byKind(self.kindCycles); },
      get guestCycles() { return self.icount() * self.costs.cyclesPerInstruction; },
      get hypercalls() { return self.byHc(self.hcCounts); },
      get hypercallCycles() { return self.byHc(self.hcCycles); },
      get hypercallErrors() { return self.byHc(self.hcErrors); },
      recent: (n: number) => this.log.recent(n).map(fixName),
      page: (from: number, count: number, f?: (r: ExitRecord) => boolean) =>
        this.log.page(from, count, f ? (r) => f(fixName(r)) : undefined).map(fixName),
    };
  }

  private byKind(a: Float64Array): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < a.length; i++) if (this.kindCounts[i]) out[PV_RECORD_KINDS[i]!.name] = a[i]!;
    return out;
  }

  private byHc(a: Float64Array): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i <= MAX_HC; i++) if (this.hcCounts[i]) out[i === MAX_HC ? 'unknown' : hypercallName(i)] = a[i];
    return out;
  }

  setFilter(f: ((r: ExitRecord) => boolean) | null): void { this.filter = f; }

  /** Appends one record; returns true when a debugger filter wants the machine to stop. */
  record(kind: number, qualification: number, handler: string, ctx: ExitContext, cycles: number, extra?: ExitExtra,
    site?: { eip: number; bytes: Uint8Array }): boolean {
    const k = kind - PV_RECORD_BASE;
    this.kindCounts[k]++;
    this.kindCycles[k] += cycles;
    const seq = this.log.append(kind, qualification >>> 0, this.log.intern(handler), (site ? site.eip : ctx.instrEip) >>> 0, ctx.cs, ctx.cpl,
      site ? site.bytes : ctx, ctx.icount, cycles, extra, false);
    if (this.filter === null) return false;
    const r = this.log.at(seq);
    return r !== undefined && this.filter(fixName(r)) === true;
  }

  countHypercall(nr: number, cycles: number, failed: boolean): void {
    const i = nr >= 0 && nr < MAX_HC ? nr : MAX_HC;
    this.hcCounts[i]++;
    this.hcCycles[i] += cycles;
    if (failed) this.hcErrors[i]++;
  }

  snapshot(): unknown {
    return { log: this.log.snapshot(), k: this.kindCounts.slice(), kc: this.kindCycles.slice(), h: this.hcCounts.slice(), hc: this.hcCycles.slice(), he: this.hcErrors.slice() };
  }

  restore(snap: unknown): void {
    const s = snap as { log: ReturnType<ExitLog['snapshot']>; k: Float64Array; kc: Float64Array; h: Float64Array; hc: Float64Array; he: Float64Array };
    this.log.restore(s.log);
    this.kindCounts.set(s.k); this.kindCycles.set(s.kc); this.hcCounts.set(s.h); this.hcCycles.set(s.hc); this.hcErrors.set(s.he);
  }

  reset(): void {
    this.log.clear();
    this.kindCounts.fill(0); this.kindCycles.fill(0);
    this.hcCounts.fill(0); this.hcCycles.fill(0); this.hcErrors.fill(0);
  }
}

function fixName(r: ExitRecord): ExitRecord {
  if (isPvRecord(r.reason)) r.reasonName = pvKindName(r.reason);
  return r;
}
