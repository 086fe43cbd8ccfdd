// Exits the guest caused, for the client: the `paravirt.exits` event (counters and the latest
// exits), `paravirt.exitLog` (a page of the exit log, with an optional filter in the condition
// language) and exceptionInfo after an exception-filter stop (the exit or fatal condition).

import type { DebugProtocol } from '@vscode/debugprotocol';
import { compileCondition } from '../emulator/expression';
import type { ExitRecord } from '../emulator/machine';
import { describeExit } from '../emulator/trace/describe-exit';
import { PvKind, isPvRecord } from '../emulator/trace/record-kinds';
import type { ExitLogArguments, ExitLogBody, ExitRecordJson, ExitsEventBody } from './custom-protocol';
import type { DebugEngine, StopInfo } from './engine/debug-engine';
import { recordScope } from './engine/exception-filters';
import { hex } from './state-views';

/** `from` defaults to the latest 100 exits; `toJson` adds each record's source line. */
export function exitLogBody(e: DebugEngine, args: unknown, toJson: (r: ExitRecord) => ExitRecordJson): ExitLogBody | { error: string } {
  const a = (args ?? {}) as { [K in keyof ExitLogArguments]?: unknown };
  const from = a.from === undefined ? Math.max(0, e.machine.exits.total - 100) : Number(a.from);
  const count = a.count === undefined ? 100 : Number(a.count);
  if (!Number.isInteger(from) || from < 0) return { error: 'paravirt.exitLog: from must be a sequence number >= 0' };
  if (!Number.isInteger(count) || count < 0 || count > 10000) return { error: 'paravirt.exitLog: count must be from 0 to 10000' };
  let filter: ((r: ExitRecord) => boolean) | undefined;
  if (a.filter !== undefined && a.filter !== '') {
    if (typeof a.filter !== 'string') return { error: 'paravirt.exitLog: filter must be a string expression' };
    try {
      const cond = compileCondition(a.filter);
      const base = e.scope();
      filter = (r) => cond(recordScope(r, base, () => 0));
    } catch (err) { return { error: `paravirt.exitLog: ${(err as Error).message}` }; }
  }
  const records = e.machine.exits.page(from, count, filter);
  return { total: e.machine.exits.total, records: records.map(toJson) };
}

/** What stopped the guest at an exception-filter stop; `describe` names an address's symbol. */
export function exceptionInfoBody(s: StopInfo, describe: (a: number) => string | undefined): NonNullable<DebugProtocol.ExceptionInfoResponse['body']> {
  const r = s.exit;
  if (s.fatal || !r) {
    return { exceptionId: s.text ?? 'fatal', description: s.fatal ?? s.description, breakMode: 'always', details: { message: s.description } };
  }
  const what = r.reason === PvKind.HYPERCALL ? `hypercall ${r.handler} (nr ${r.qualification}, returned ${r.value !== undefined ? r.value | 0 : '?'})`
    : isPvRecord(r.reason) ? `${r.reasonName}: ${r.handler}` : `${r.reasonName}: ${describeExit(r)}`;
  const sym = describe(r.eip);
  return {
    exceptionId: r.reason === PvKind.HYPERCALL ? `hypercall:${r.handler}` : r.reasonName,
    description: `${what} at ${hex(r.eip)}${sym ? ` <${sym}>` : ''}, exit #${r.seq}, handled by ${r.handler}, ~${r.cycles} cycles (estimate)`,
    breakMode: 'always',
    details: { typeName: r.reasonName, message: what, evaluateName: undefined },
  };
}

/** The counters and up to `max` exits recorded since the previous event (`toJson` adds each one's source line). */
export function exitsEventBody(e: DebugEngine, max: number, toJson: (r: ExitRecord) => ExitRecordJson): ExitsEventBody {
  const stats = e.machine.exits;
  const { latest, dropped } = e.drainExits(max);
  return {
    total: stats.total, byReason: stats.byReason, cyclesByReason: stats.cyclesByReason, cyclesAreEstimates: true,
    hypercalls: stats.hypercalls, instructions: e.machine.icount, latest: latest.map(toJson), latestDropped: dropped,
  };
}
