// The JSON field names the CLI (--trace-exits, --summary json) and the debug adapter's custom
// events (paravirt.exits, paravirt.exitLog) emit are public. They are pinned here against the
// TypeScript types that produce them, at compile time (npm run typecheck fails when a type
// gains, loses or renames a field), and the real output of a real run is held to those types.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExitTraceLine } from '../../cli/exit-trace';
import type { RunSummary } from '../../cli/summary';
import { exitJson } from '../../debug-adapter/protocol-values';
import { isExitRecordJson, type ExitLogBody, type ExitRecordJson, type ExitsEventBody } from '../../debug-adapter/custom-protocol';
import { Machine } from '../../emulator/machine';
import { loadImage } from '../../emulator/loader';
import { buildAll, lastJsonLine, paravirt, type Built } from './harness';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Optional<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
/** Compiles only when its type argument is `true`. */
function pin<T extends true>(_: T): void { /* compile-time check */ }

const TRACE_FIELDS = ['seq', 'reason', 'name', 'qualification', 'eip', 'cs', 'cpl', 'bytes', 'icount', 'handler', 'cycles', 'text',
  'gpa', 'msr', 'value', 'vector', 'errorCode', 'ripHi', 'long64', 'qualificationHi', 'valueHi', 'linear', 'linearHi', 'instrInfo'] as const;
const TRACE_OPTIONAL = ['gpa', 'msr', 'value', 'vector', 'errorCode', 'ripHi', 'long64', 'qualificationHi', 'valueHi', 'linear', 'linearHi', 'instrInfo'] as const;
pin<Same<keyof ExitTraceLine, (typeof TRACE_FIELDS)[number]>>(true);
pin<Same<Optional<ExitTraceLine>, (typeof TRACE_OPTIONAL)[number]>>(true);

const SUMMARY_FIELDS = ['kernel', 'mode', 'exitControls', 'instructions', 'seconds', 'virtualSeconds', 'mips', 'stop', 'exitStatus', 'exits',
  'estimatedCycles', 'serialBytes', 'hypercalls', 'hypercallErrors'] as const;
const STOP_FIELDS = ['kind', 'code', 'detail', 'exit'] as const;
const SUMMARY_EXITS_FIELDS = ['total', 'byReason', 'cyclesByReason'] as const;
const ESTIMATE_FIELDS = ['guest', 'exits', 'total', 'note'] as const;
pin<Same<keyof RunSummary, (typeof SUMMARY_FIELDS)[number]>>(true);
pin<Same<Optional<RunSummary>, 'hypercalls' | 'hypercallErrors'>>(true);
pin<Same<keyof RunSummary['stop'], (typeof STOP_FIELDS)[number]>>(true);
pin<Same<keyof RunSummary['exits'], (typeof SUMMARY_EXITS_FIELDS)[number]>>(true);
pin<Same<keyof RunSummary['estimatedCycles'], (typeof ESTIMATE_FIELDS)[number]>>(true);

const RECORD_FIELDS = ['seq', 'reason', 'reasonName', 'qualification', 'eip', 'cs', 'cpl', 'bytes', 'icount', 'handler', 'cycles',
  'description', 'gpa', 'msr', 'value', 'vector', 'errorCode', 'source',
  'ripHi', 'long64', 'qualificationHi', 'valueHi', 'linear', 'linearHi', 'instrInfo'] as const;
const RECORD_OPTIONAL = ['gpa', 'msr', 'value', 'vector', 'errorCode', 'source',
  'ripHi', 'long64', 'qualificationHi', 'valueHi', 'linear', 'linearHi', 'instrInfo'] as const;
const EXITS_EVENT_FIELDS = ['total', 'byReason', 'cyclesByReason', 'cyclesAreEstimates', 'hypercalls', 'instructions', 'latest', 'latestDropped'] as const;
pin<Same<keyof ExitRecordJson, (typeof RECORD_FIELDS)[number]>>(true);
pin<Same<Optional<ExitRecordJson>, (typeof RECORD_OPTIONAL)[number]>>(true);
pin<Same<keyof ExitsEventBody, (typeof EXITS_EVENT_FIELDS)[number]>>(true);
pin<Same<keyof ExitLogBody, 'total' | 'records'>>(true);

/** Every key of `o` is one of `fields`, and every field not listed optional is there. */
function holdsTo(o: object, fields: readonly string[], optional: readonly string[], what: string): void {
  for (const k of Object.keys(o)) assert.ok(fields.includes(k), `${what}: field '${k}' is not in the type`);
  for (const k of fields) if (!optional.includes(k)) assert.ok(k in o, `${what}: field '${k}' is missing`);
}

let b: Built;
before(async () => { b = await buildAll(['exits']); });

test('--trace-exits lines and --summary json hold to their types, a --stop-on exit included', () => {
  const trace = join(b.dir, 'public.jsonl');
  const r = paravirt(b, ['run', b.guest('exits'), '--trace-exits', trace, '--summary', 'json', '--serial', 'none']);
  assert.equal(r.status, 33, r.stderr);
  const lines = readFileSync(trace, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as object);
  assert.ok(lines.length > 100);
  for (const l of lines) holdsTo(l, TRACE_FIELDS, TRACE_OPTIONAL, 'trace line');
  // Each optional field occurs in this guest's trace: I/O writes carry value, RDMSR msr.
  assert.ok(lines.some((l) => 'value' in l) && lines.some((l) => 'msr' in l));
  const s = lastJsonLine(r.stdout);
  holdsTo(s, SUMMARY_FIELDS, ['hypercalls', 'hypercallErrors'], 'summary');
  holdsTo(s.stop, STOP_FIELDS, ['detail', 'exit'], 'summary.stop');
  holdsTo(s.exits, SUMMARY_EXITS_FIELDS, [], 'summary.exits');
  holdsTo(s.estimatedCycles, ESTIMATE_FIELDS, [], 'summary.estimatedCycles');

  const stopped = paravirt(b, ['run', b.guest('exits'), '--stop-on', 'CPUID', '--summary', 'json', '--serial', 'none']);
  const st = lastJsonLine(stopped.stdout);
  assert.equal(st.stop.kind, 'filter');
  holdsTo(st.stop, STOP_FIELDS, ['detail'], 'summary.stop after --stop-on');
  holdsTo(st.stop.exit, TRACE_FIELDS, TRACE_OPTIONAL, 'summary.stop.exit');
});

test('the adapter\'s exit records hold to ExitRecordJson for every exit of a real run', () => {
  const m = new Machine({ mode: 'hvm', memoryMiB: 16 });
  m.load(loadImage(new Uint8Array(readFileSync(b.guest('exits'))), { ramBytes: 16 << 20 }));
  m.run(50_000_000);
  const records = m.exits.recent(m.exits.total);
  assert.ok(records.length > 100);
  for (const r of records) {
    const j = exitJson(r);
    holdsTo(j, RECORD_FIELDS, RECORD_OPTIONAL, `exit #${r.seq}`);
    assert.ok(isExitRecordJson(JSON.parse(JSON.stringify(j))), `exit #${r.seq} survives the protocol`);
  }
});
