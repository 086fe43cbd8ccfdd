// Runs a Xen guest (64-bit PV or PVH) on our machine until it stops or a wall-clock limit,
// and says how far it got: the console (the domain's ring and Xen's console_io), the stop, the
// hypercalls by name and their failures, the last few hypervisor records, and the exact
// instruction count and virtual time at which each watched console text first appeared
// (taken at the hypervisor record where it appeared: the console is written by hypercalls).

import { Machine, type StopReason, type ExitRecord, type BootPlan } from '../../emulator/machine';

export interface Mark { icount: number; ticks: number }

export interface GuestRun {
  console: string;
  stop: StopReason | { kind: 'wall-clock limit' };
  instructions: number;
  ticks: number;
  seconds: number;
  marks: Record<string, Mark>;
  hypercalls: Record<string, number>;
  hypercallErrors: Record<string, number>;
  byReason: Record<string, number>;
  /** The last records, oldest first: "REASON handler @rip". */
  last: string[];
  lastLine: string;
}

export function runGuest(machine: Machine, plan: BootPlan, opts: { watch?: string[]; wallSeconds?: number; slice?: number } = {}): GuestRun {
  const t0 = performance.now();
  machine.load(plan);
  const marks: Record<string, Mark> = {};
  const pending = new Set(opts.watch ?? []);
  let seenLen = 0;
  machine.setExitFilter((r: ExitRecord) => {
    if (pending.size === 0) return false;
    const text = machine.serialOutput();
    if (text.length === seenLen) return false;
    seenLen = text.length;
    for (const w of pending) {
      if (text.includes(w)) { marks[w] = { icount: r.icount, ticks: machine.ticks }; pending.delete(w); }
    }
    return false;
  });
  const limit = t0 + (opts.wallSeconds ?? 300) * 1000;
  let stop: GuestRun['stop'] = { kind: 'wall-clock limit' };
  for (;;) {
    const s = machine.run(opts.slice ?? 2_000_000);
    if (s.kind !== 'budget') { stop = s; break; }
    if (performance.now() > limit) break;
  }
  machine.setExitFilter(null);
  const console = machine.serialOutput();
  const lines = console.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const total = machine.exits.total;
  const hex = (n: number) => (n >>> 0).toString(16);
  const last = machine.exits.page(Math.max(0, total - 8), 8).map((e) => `${e.reasonName} ${e.handler} @${e.ripHi ? hex(e.ripHi) : ''}${hex(e.eip).padStart(e.ripHi ? 8 : 1, '0')}`);
  return {
    console, stop, instructions: machine.icount, ticks: machine.ticks, seconds: (performance.now() - t0) / 1000, marks,
    hypercalls: { ...(machine.exits.hypercalls ?? {}) }, hypercallErrors: Object.fromEntries(Object.entries(machine.exits.hypercallErrors ?? {}).filter(([, n]) => n > 0)),
    byReason: { ...machine.exits.byReason }, last, lastLine: lines[lines.length - 1] ?? '',
  };
}

/** One line on how far a guest got, for assertion messages and the reports. */
export function describeRun(r: GuestRun): string {
  const stop = r.stop.kind === 'wall-clock limit' ? `still running after ${r.seconds.toFixed(0)} s` : `stopped: ${JSON.stringify(r.stop)}`;
  return `${stop}, ${r.instructions} instructions; last console line "${r.lastLine.slice(0, 160)}"; hypercall errors ${JSON.stringify(r.hypercallErrors)}; last records: ${r.last.join(' | ')}`;
}
