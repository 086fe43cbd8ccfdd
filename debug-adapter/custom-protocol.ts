// The debug adapter's custom events and requests (beyond DAP), as types both ends compile
// against: the adapter builds these bodies and the extension reads them, so neither guesses
// a field name. Names and fields are public (other editors may read them); keep them.

import type { ExitRecord, ExitStats } from '../emulator/machine';
import type { LogRecord } from './engine/linux-log';
import type { TaskInfo } from './engine/linux-tasks';
import type { ProfileFunction, ProfileLine } from './engine/exit-profile';

export type { LogRecord, TaskInfo, ProfileFunction, ProfileLine };

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

/**
 * `paravirt.kernelLog` response: Linux's kernel log read from its printk ring buffer while
 * the guest is stopped (lx-dmesg). `available` false (with `reason`) when the guest is not a
 * Linux kernel with its debug information, or the buffer cannot be read.
 */
export interface KernelLogBody {
  available: boolean;
  reason?: string;
  /** Console lines, `[    1.234567] text`, oldest first. */
  lines: string[];
  records: LogRecord[];
  /** The oldest record's sequence number still in the ring (earlier ones were overwritten). */
  firstSeq: number | null;
}

/** `paravirt.tasks` response: Linux's task list (lx-ps), `available` as for the kernel log. */
export interface TasksBody { available: boolean; reason?: string; tasks: TaskInfo[] }

/**
 * `paravirt.exitProfile` `{ top? }` response: the session's exits (HVM) or hypercalls, traps and
 * emulations (PV) so far, summed by the function and by the source line of the instruction that
 * caused them, costliest (estimated cycles) first. `total` counts every exit recorded.
 */
export interface ExitProfileBody {
  available: boolean;
  reason?: string;
  total: number;
  cyclesAreEstimates: true;
  functions: ProfileFunction[];
  lines: ProfileLine[];
}
export const EXIT_PROFILE_REQUEST = 'paravirt.exitProfile';

export function isExitProfileBody(v: unknown): v is ExitProfileBody {
  if (!v || typeof v !== 'object') return false;
  const b = v as { [K in keyof ExitProfileBody]?: unknown };
  return typeof b.available === 'boolean' && isNum(b.total) && Array.isArray(b.functions) && Array.isArray(b.lines) &&
    b.functions.every((f) => !!f && typeof f === 'object' && isStr((f as ProfileFunction).name) && isNum((f as ProfileFunction).exits) && isNum((f as ProfileFunction).cycles));
}

export const KERNEL_LOG_REQUEST = 'paravirt.kernelLog';
export const TASKS_REQUEST = 'paravirt.tasks';

export function isKernelLogBody(v: unknown): v is KernelLogBody {
  if (!v || typeof v !== 'object') return false;
  const b = v as { [K in keyof KernelLogBody]?: unknown };
  return typeof b.available === 'boolean' && Array.isArray(b.lines) && b.lines.every(isStr) && Array.isArray(b.records);
}

export function isTasksBody(v: unknown): v is TasksBody {
  if (!v || typeof v !== 'object') return false;
  const b = v as { [K in keyof TasksBody]?: unknown };
  return typeof b.available === 'boolean' && Array.isArray(b.tasks) && b.tasks.every((t) => !!t && typeof t === 'object' && isNum((t as TaskInfo).pid) && isStr((t as TaskInfo).comm) && isStr((t as TaskInfo).stateLetter));
}

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
