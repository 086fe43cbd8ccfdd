// Idle costs nothing: a guest that halts (HVM) or blocks (PV) with only a timer to wake it
// jumps to that timer at once, so ten virtual minutes of idling are a few thousand guest
// instructions; --max-time and --max-instructions both end such a run with the summary.
// The guests measure the time themselves: the HVM one from the RTC, the PV one from
// vcpu_time_info.system_time.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAll, lastJsonLine, paravirt, type Built } from './harness';
import { buildPvGuest } from '../pv/harness';

let b: Built;
let pvIdle: string;
before(async () => { b = await buildAll(['idle']); pvIdle = buildPvGuest('idle'); });

const json = ['--summary', 'json'];

test('HVM: HLT between APIC timer ticks for ten virtual minutes, by the RTC', () => {
  const r = paravirt(b, ['run', b.guest('idle'), ...json]);
  assert.equal(r.status, 1, r.stderr);
  assert.ok(r.stdout.startsWith('idle from 00:00:00 to 00:10:00\n'), r.stdout);
  const s = lastJsonLine(r.stdout);
  assert.ok(s.virtualSeconds >= 600 && s.virtualSeconds < 601, String(s.virtualSeconds));
  assert.equal(s.exits.byReason.HLT, 600);
  assert.ok(s.instructions < 20_000, `${s.instructions} instructions for 600 wake-ups`);
});

test('HVM: --max-time ends an idle run at exactly that virtual time, with the summary', () => {
  const r = paravirt(b, ['run', b.guest('idle'), '--max-time', '1m', ...json]);
  assert.equal(r.status, 124, r.stderr);
  assert.doesNotMatch(r.stdout, / to /);
  const s = lastJsonLine(r.stdout);
  assert.deepEqual(s.stop, { kind: 'budget', code: 124, detail: '--max-time reached' });
  assert.equal(s.virtualSeconds, 60);
  assert.equal(s.exits.byReason.HLT, 60);
  const text = paravirt(b, ['run', b.guest('idle'), '--max-time', '30']);
  assert.equal(text.status, 124);
  assert.match(text.stdout, /stop: +budget \(--max-time reached\); exit status 124/);
  assert.match(text.stdout, /virtual time: +30\.000000 s/);
});

test('HVM: --max-instructions counts instructions, not idle time', () => {
  const r = paravirt(b, ['run', b.guest('idle'), '--max-instructions', '3000', ...json]);
  assert.equal(r.status, 124, r.stderr);
  const s = lastJsonLine(r.stdout);
  assert.deepEqual(s.stop, { kind: 'budget', code: 124, detail: '--max-instructions reached' });
  assert.equal(s.instructions, 3000);
  // Each wake-up runs a handful of instructions: 3000 of them cover minutes of idling.
  assert.ok(s.virtualSeconds > 100 && s.virtualSeconds < 600, String(s.virtualSeconds));
});

test('PV: SCHEDOP_block with a 10-second one-shot timer, sixty times, by system_time', () => {
  const r = paravirt(b, ['run', pvIdle, '--mode', 'pv', ...json]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^timer_events=0000003c$/m);
  const hi = parseInt(/^elapsed_ns_hi=([0-9a-f]{8})$/m.exec(r.stdout)![1]!, 16);
  const lo = parseInt(/^elapsed_ns_lo=([0-9a-f]{8})$/m.exec(r.stdout)![1]!, 16);
  const ns = hi * 2 ** 32 + lo;
  assert.ok(ns >= 600e9 && ns < 601e9, `${ns} ns`);
  const s = lastJsonLine(r.stdout);
  assert.equal(s.stop.kind, 'shutdown');
  assert.ok(s.virtualSeconds >= 600 && s.virtualSeconds < 601, String(s.virtualSeconds));
  assert.ok(s.instructions < 100_000, `${s.instructions} instructions`);
});

test('PV: --max-time and --max-instructions end a blocked guest with the summary', () => {
  const t = paravirt(b, ['run', pvIdle, '--mode', 'pv', '--max-time', '25', ...json]);
  assert.equal(t.status, 124, t.stderr);
  const st = lastJsonLine(t.stdout);
  assert.equal(st.stop.detail, '--max-time reached');
  assert.equal(st.virtualSeconds, 25);
  assert.equal(st.hypercalls.set_timer_op, 3);
  const i = paravirt(b, ['run', pvIdle, '--mode', 'pv', '--max-instructions', '1500', ...json]);
  assert.equal(i.status, 124, i.stderr);
  const si = lastJsonLine(i.stdout);
  assert.equal(si.stop.detail, '--max-instructions reached');
  assert.equal(si.instructions, 1500);
});

test('--max-time rejects what is not a positive number of seconds', () => {
  for (const bad of ['0', '-1', 'soon', '5d', '']) {
    const r = paravirt(b, ['run', b.guest('idle'), '--max-time', bad]);
    assert.equal(r.status, 2, bad);
    assert.match(r.stderr, /--max-time/);
  }
});
