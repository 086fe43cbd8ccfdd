// The debug adapter's custom events and requests (beyond DAP), as types both ends compile
// against: the adapter builds these bodies and the extension reads them, so neither guesses
// a field name. Names and fields are public (other editors may read them); keep them.

/** An exit record as it crosses the protocol (numbers unsigned, bytes as spaced hex). */
export interface ExitRecordJson {
  seq: number;
  /** Intel's basic exit reason, or a PV record kind (256 and up). */
  reason: number;
  reasonName: string;
  qualification: number;
  eip: number;
  cs: number;
  cpl: number;
  /** The instruction's bytes: "0f a2". */
  bytes: string;
  icount: number;
  handler: string;
  /** Estimated cycles (the cost model's, not a measurement). */
  cycles: number;
  /** One readable line (the decoded qualification; the handler for PV records). */
  description: string;
  gpa?: number;
  msr?: number;
  value?: number;
  vector?: number;
  errorCode?: number;
  /** The source line of the instruction, when the image's line table knows it. */
  source?: { path: string; line: number };
}

/** `paravirt.exits` event: counters and the exits since the previous event. */
export interface ExitsEventBody {
  total: number;
  byReason: Record<string, number>;
  cyclesByReason: Record<string, number>;
  cyclesAreEstimates: true;
  /** PV mode: hypercalls by name. */
  hypercalls?: Record<string, number>;
  instructions: number;
  latest: ExitRecordJson[];
  /** Exits the adapter did not send (more than one event carries). */
  latestDropped: number;
}

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
