// The model behind the VM Exits view and the status bar, fed with events shaped as the
// adapter sends them, and with junk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitModel } from '../../extension/exit-model';
import type { ExitRecordJson, ExitsEventBody } from '../../debug-adapter/custom-protocol';
import { PvKind } from '../../emulator/trace/record-kinds';

const rec = (r: Partial<ExitRecordJson> & Pick<ExitRecordJson, 'seq' | 'reason' | 'reasonName'>): ExitRecordJson => ({
  qualification: 0, eip: 0, cs: 8, cpl: 0, bytes: '', icount: 0, handler: 'hypervisor', cycles: 0, description: r.reasonName, ...r,
});
const body = (b: Partial<ExitsEventBody> & Pick<ExitsEventBody, 'total'>): ExitsEventBody => ({
  byReason: {}, cyclesByReason: {}, cyclesAreEstimates: true, instructions: 0, latest: [], latestDropped: 0, ...b,
});

test('counts come from the event, recent exits accumulate, rates come from wall-clock samples', () => {
  const m = new ExitModel(3);
  assert.ok(m.apply(body({ total: 2, byReason: { IO_INSTRUCTION: 2 }, instructions: 1_000_000, latest: [rec({ seq: 0, reason: 30, reasonName: 'IO_INSTRUCTION', eip: 1 }), rec({ seq: 1, reason: 30, reasonName: 'IO_INSTRUCTION', eip: 2 })], latestDropped: 0 }), 0));
  assert.ok(m.apply(body({ total: 5, byReason: { IO_INSTRUCTION: 4, HLT: 1 }, instructions: 3_000_000, latest: [rec({ seq: 2, reason: 12, reasonName: 'HLT', eip: 3 }), rec({ seq: 4, reason: 30, reasonName: 'IO_INSTRUCTION', eip: 4 })], latestDropped: 1 }), 1000));
  assert.equal(m.total, 5);
  assert.deepEqual([...m.byReason], [['IO_INSTRUCTION', 4], ['HLT', 1]]);
  assert.deepEqual(m.recent.map((e) => e.seq), [1, 2, 4], 'bounded to the newest 3');
  assert.equal(m.dropped, 2, 'one dropped by the adapter, one by the bound');
  assert.deepEqual(m.recentOf('IO_INSTRUCTION', null).map((e) => e.seq), [4, 1], 'newest first');
  const r = m.rates()!;
  assert.equal(r.mips, 2);
  assert.equal(r.exitsPerSecond, 3);
});

test('PV hypercall records are grouped by the hypercall named in their handler', () => {
  const m = new ExitModel();
  m.apply(body({ total: 1, byReason: { HYPERCALL: 1 }, hypercalls: { console_io: 1 }, latest: [rec({ seq: 0, reason: PvKind.HYPERCALL, reasonName: 'HYPERCALL', handler: 'console_io' })] }), 0);
  assert.deepEqual([...m.hypercalls], [['console_io', 1]]);
  assert.equal(m.recentOf(null, 'console_io').length, 1);
});

test('bodies that are not the adapter\'s type are refused whole; records that are not are counted as dropped', () => {
  const m = new ExitModel();
  for (const junk of [null, 42, 'x', [], { latest: [], byReason: 'no' }, { ...body({ total: 3 }), cyclesByReason: undefined },
    { ...body({ total: 3 }), total: '3' }, { ...body({ total: 3 }), latest: 'none' }]) {
    assert.equal(m.apply(junk, 0), false, JSON.stringify(junk));
  }
  assert.equal(m.total, 0);
  const half = { ...rec({ seq: 1, reason: 30, reasonName: 'IO_INSTRUCTION' }), bytes: [0xee] };
  assert.ok(m.apply(body({ total: 4, latest: [null, 7, { nothing: true }, half, rec({ seq: 2, reason: 12, reasonName: 'HLT' })] as unknown as ExitRecordJson[] }), 0));
  assert.deepEqual(m.recent.map((e) => e.seq), [2]);
  assert.equal(m.dropped, 4);
  assert.equal(m.total, 4);
});

test('the status bar: rates while running, totals (not 0 MIPS) while stopped or ended', async () => {
  const { statusText } = await import('../../extension/status-text');
  const m = new ExitModel();
  m.mode = 'hvm';
  m.apply(body({ total: 10, instructions: 1_000_000 }), 0);
  m.apply(body({ total: 393, instructions: 441_696 + 1_000_000 }), 500);
  assert.match(statusText(m, 'running').text, /HVM · 0\.9 MIPS · 766 exits\/s$/);
  m.markStopped();
  assert.equal(m.rates(), null, 'no rate across the time stopped');
  assert.equal(statusText(m, 'stopped').text, '$(vm) HVM · stopped · 1.44M instr · 393 exits');
  assert.equal(statusText(m, 'ended').text, '$(vm) HVM · ended · 1.44M instr · 393 exits');
  assert.match(statusText(m, 'running').text, /1\.44M instr · 393 exits$/, 'running again: totals until two samples give a rate');
});
