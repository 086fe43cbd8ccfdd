// The debug adapter's custom events and requests (beyond DAP), as types both ends compile
// against: the adapter builds these bodies and the extension reads them, so neither guesses
// a field name. Names and fields are public (other editors may read them); keep them.

import type { ExitRecord, ExitStats } from '../emulator/machine';

/**
 * An exit record as it crosses the protocol: the emulator's ExitRecord field for field, with
 * the bytes as spaced hex ("0f a2"), a readable description (the decoded qualification; the
 * handler for PV records) and the instruction's source line where the line table knows it.
 */
export type ExitRecordJson = Omit<ExitRecord, 'bytes'> & {
  bytes: string;
  description: string;
  source?: { path: string; line: number };
};

/** `paravirt.exits` event: counters and the exits since the previous event. */
export type ExitsEventBody = Pick<ExitStats, 'total' | 'byReason' | 'cyclesByReason' | 'hypercalls'> & {
  cyclesAreEstimates: true;
  instructions: number;
  latest: ExitRecordJson[];
  /** Exits the adapter did not send (more than one event carries). */
  latestDropped: number;
};

/** `paravirt.exitLog` request arguments and response body. */
export interface ExitLogArguments { from?: number; count?: number; filter?: string }
export interface ExitLogBody { total: number; records: ExitRecordJson[] }

export const EXITS_EVENT = 'paravirt.exits';
export const EXIT_LOG_REQUEST = 'paravirt.exitLog';

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const optNum = (v: unknown): boolean => v === undefined || isNum(v);

function isCounts(v: unknown): v is Record<string, number> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every(isNum);
}

/** Whether a value received over the protocol is an ExitRecordJson (every required field with its type). */
export function isExitRecordJson(v: unknown): v is ExitRecordJson {
  if (!v || typeof v !== 'object') return false;
  const r = v as { [K in keyof ExitRecordJson]?: unknown };
  if (!isNum(r.seq) || !isNum(r.reason) || !isStr(r.reasonName) || !isNum(r.qualification) || !isNum(r.eip) || !isNum(r.cs) ||
    !isNum(r.cpl) || !isStr(r.bytes) || !isNum(r.icount) || !isStr(r.handler) || !isNum(r.cycles) || !isStr(r.description)) return false;
  if (!optNum(r.gpa) || !optNum(r.msr) || !optNum(r.value) || !optNum(r.vector) || !optNum(r.errorCode)) return false;
  if (!optNum(r.ripHi) || !optNum(r.qualificationHi) || !optNum(r.valueHi) || !optNum(r.linear) || !optNum(r.linearHi) || !optNum(r.instrInfo)) return false;
  if (r.long64 !== undefined && typeof r.long64 !== 'boolean') return false;
  if (r.source !== undefined) {
    const s = r.source as { path?: unknown; line?: unknown } | null;
    if (!s || typeof s !== 'object' || !isStr(s.path) || !isNum(s.line)) return false;
  }
  return true;
}

/** Whether a value is an ExitsEventBody; its `latest` may still hold records that fail isExitRecordJson. */
export function isExitsEventBody(v: unknown): v is ExitsEventBody {
  if (!v || typeof v !== 'object') return false;
  const b = v as { [K in keyof ExitsEventBody]?: unknown };
  return isNum(b.total) && isCounts(b.byReason) && isCounts(b.cyclesByReason) && (b.hypercalls === undefined || isCounts(b.hypercalls)) &&
    isNum(b.instructions) && Array.isArray(b.latest) && isNum(b.latestDropped);
}

export function isExitLogBody(v: unknown): v is ExitLogBody {
  if (!v || typeof v !== 'object') return false;
  const b = v as { [K in keyof ExitLogBody]?: unknown };
  return isNum(b.total) && Array.isArray(b.records);
}
