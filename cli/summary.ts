// The end-of-run summary: one object, printed as text for people or as a single JSON line
// for scripts. Exit counts are exact; cycles come from the cost model and are labelled so.

import type { ExitStats, Mode, StopReason } from '../emulator/machine';
import type { ExitTraceLine } from './exit-trace';

export interface RunSummary {
  kernel: string;
  mode: Mode;
  exitControls: string;
  instructions: number;
  seconds: number;
  /** Virtual time the run covered: instructions at 10 ns each plus idle time. */
  virtualSeconds: number;
  mips: number;
  stop: { kind: StopReason['kind']; code: number; detail?: string; exit?: ExitTraceLine };
  exitStatus: number;
  exits: Pick<ExitStats, 'total' | 'byReason' | 'cyclesByReason'>;
  estimatedCycles: { guest: number; exits: number; total: number; note: string };
  serialBytes: number;
  /** PV mode: hypercalls by name (multicall entries included) and those that returned an error. */
  hypercalls?: ExitStats['hypercalls'];
  hypercallErrors?: ExitStats['hypercallErrors'];
}

function stopDetail(stop: StopReason): string | undefined {
  switch (stop.kind) {
    case 'shutdown': return stop.reason;
    case 'reset': return stop.via;
    case 'triple-fault':
    case 'domain-crash':
    case 'halted': return stop.detail;
    default: return undefined;
  }
}

export function buildSummary(a: {
  kernel: string; mode: Mode; exitControls: string; instructions: number; seconds: number;
  virtualSeconds?: number; limit?: 'instructions' | 'time'; stop: StopReason; exitStatus: number; stats: ExitStats; serialBytes: number;
  matchedExit?: ExitTraceLine;
}): RunSummary {
  const byReason = a.stats.byReason;
  const cyclesByReason = a.stats.cyclesByReason;
  let exitCycles = 0;
  for (const v of Object.values(cyclesByReason)) exitCycles += v;
  const guest = a.stats.guestCycles;
  const detail = a.matchedExit ? a.matchedExit.text
    : a.stop.kind === 'budget' && a.limit ? (a.limit === 'time' ? '--max-time reached' : '--max-instructions reached')
    : stopDetail(a.stop);
  return {
    kernel: a.kernel,
    mode: a.mode,
    exitControls: a.exitControls,
    instructions: a.instructions,
    seconds: Number(a.seconds.toFixed(6)),
    virtualSeconds: Number((a.virtualSeconds ?? 0).toFixed(9)),
    mips: a.seconds > 0 ? Number((a.instructions / a.seconds / 1e6).toFixed(3)) : 0,
    stop: {
      kind: a.stop.kind, code: a.exitStatus, ...(detail !== undefined ? { detail } : {}),
      ...(a.matchedExit ? { exit: a.matchedExit } : {}),
    },
    exitStatus: a.exitStatus,
    exits: { total: a.stats.total, byReason, cyclesByReason },
    estimatedCycles: {
      guest, exits: exitCycles, total: guest + exitCycles,
      note: 'estimates from the cost model (emulator/vmm/COST-MODEL.md); instruction and exit counts are exact',
    },
    serialBytes: a.serialBytes,
    ...(a.stats.hypercalls ? { hypercalls: a.stats.hypercalls, hypercallErrors: a.stats.hypercallErrors ?? {} } : {}),
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatSummaryText(s: RunSummary): string {
  const lines: string[] = [];
  lines.push(`--- paravirt run ${s.kernel} (${s.mode}, exit controls ${s.exitControls})`);
  let stop = s.stop.kind;
  if (s.stop.kind === 'debug-exit' || s.stop.kind === 'shutdown') stop += ` with status ${s.stop.code}`;
  if (s.stop.detail) stop += ` (${s.stop.detail})`;
  lines.push(`stop:          ${stop}; exit status ${s.exitStatus}`);
  lines.push(`instructions:  ${int(s.instructions)} in ${s.seconds.toFixed(3)} s wall = ${s.mips.toFixed(1)} MIPS`);
  lines.push(`virtual time:  ${s.virtualSeconds.toFixed(6)} s (instructions at 10 ns each, plus idle)`);
  lines.push(`VM exits:      ${int(s.exits.total)} (counts are exact; cycles are estimates)`);
  const rows = Object.entries(s.exits.byReason).sort((x, y) => y[1] - x[1]);
  if (rows.length) {
    const w = Math.max(6, ...rows.map(([n]) => n.length));
    lines.push(`  ${'reason'.padEnd(w)}  ${'count'.padStart(12)}  ${'est. cycles'.padStart(16)}  ${'cycles/exit'.padStart(11)}`);
    for (const [name, count] of rows) {
      const cyc = s.exits.cyclesByReason[name] ?? 0;
      lines.push(`  ${name.padEnd(w)}  ${int(count).padStart(12)}  ${int(cyc).padStart(16)}  ${int(count ? cyc / count : 0).padStart(11)}`);
    }
  }
  if (s.hypercalls) {
    const hc = Object.entries(s.hypercalls).sort((x, y) => y[1] - x[1]);
    lines.push(`hypercalls:    ${hc.map(([n, c]) => `${n} ${int(c)}${s.hypercallErrors?.[n] ? ` (${int(s.hypercallErrors[n])} failed)` : ''}`).join(', ') || 'none'}`);
  }
  const e = s.estimatedCycles;
  const share = e.total > 0 ? ((e.exits / e.total) * 100).toFixed(1) : '0.0';
  lines.push(`est. cycles:   guest ${int(e.guest)} + exits ${int(e.exits)} = ${int(e.total)} (${share}% in exits; an estimate)`);
  return lines.join('\n') + '\n';
}
