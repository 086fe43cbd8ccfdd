// PV record kinds are named in one place (emulator/trace/record-kinds.ts): numbered above every
// Intel basic exit reason, and no production file compares a record's reason with a bare
// kind number (256 meant "hypercall" in several files before they were named).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_REASON_LIMIT } from '../../emulator/isa/exit-reasons';
import { PV_RECORD_BASE, PV_RECORD_KINDS, PvKind, describePvRecord, isPvRecord, pvKindName } from '../../emulator/trace/record-kinds';
import { compileExitFilter } from '../../emulator/machine/exit-filter';

const REPO = new URL('../../', import.meta.url).pathname;

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('kinds sit above the exit-reason table, are contiguous and named once', () => {
  assert.ok(PV_RECORD_BASE >= EXIT_REASON_LIMIT);
  PV_RECORD_KINDS.forEach((k, i) => {
    assert.equal(k.kind, PV_RECORD_BASE + i);
    assert.equal(pvKindName(k.kind), k.name);
    assert.equal((PvKind as Record<string, number>)[k.name], k.kind);
    assert.ok(isPvRecord(k.kind));
    // The --stop-on language names them as the reports do.
    assert.equal(compileExitFilter(k.name)({ seq: 0, reason: k.kind, reasonName: k.name, qualification: 0, eip: 0, cs: 0, cpl: 1, bytes: new Uint8Array(0), icount: 0, handler: 'x', cycles: 0 }), true);
  });
  assert.equal(isPvRecord(PV_RECORD_BASE - 1), false);
  assert.equal(describePvRecord({ reason: PvKind.HYPERCALL, qualification: 18, handler: 'console_io', value: 0xffffffda }), 'hypercall console_io (18) = -38');
});

test('no production file compares a reason with a bare PV kind number', () => {
  const bare = /\b(?:reason|kind)\s*(?:===?|!==?|<=?|>=?)\s*2(?:5[6-9]|6[01])\b|\b2(?:5[6-9]|6[01])\s*(?:===?|!==?)\s*\w*\.?(?:reason|kind)\b/;
  const offenders: string[] = [];
  for (const dir of ['emulator', 'cli', 'debug-adapter', 'extension', 'language-server']) {
    for (const f of files(join(REPO, dir))) {
      if (f.endsWith('record-kinds.ts')) continue;
      readFileSync(f, 'utf8').split('\n').forEach((line, i) => { if (bare.test(line)) offenders.push(`${f.slice(REPO.length)}:${i + 1}: ${line.trim()}`); });
    }
  }
  assert.deepEqual(offenders, []);
});
