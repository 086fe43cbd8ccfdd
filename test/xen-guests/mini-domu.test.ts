// Issue 16 point 3: Mini-OS's start of day (here its stand-in, mini-domu: see mini-domu.ts) in
// 64-bit PV and in PVH, through memory, time, console, grant tables, xenbus and the scheduler
// to its application entry, then idle at no cost: a second of guest time asleep in
// SCHEDOP_block costs a handful of hypercalls and almost no instructions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Machine } from '../../emulator/machine';
import { readImage, loadPvh } from '../../emulator/loader';
import { loadPvImage } from '../../emulator/pv/pv-image';
import { INSTRUCTION_NS } from '../../emulator/clock';
import { buildMiniDomu, startOfDay, EXPECTED_HYPERCALLS } from './mini-domu';
import { runGuest, describeRun, type GuestRun } from './guest-run';

const built = buildMiniDomu();
const skip = typeof built === 'string' ? built : false;
const MEMORY_MIB = 64;
const IDLE_START = 'mini-domu: idle for 1000 ms';
const IDLE_END = 'mini-domu: idle done';

function checkBoot(r: GuestRun, flavour: 'pv' | 'pvh'): void {
  const why = describeRun(r);
  // Each start-of-day line, in order.
  let from = 0;
  for (const re of startOfDay(flavour)) {
    const m = re.exec(r.console.slice(from));
    assert.ok(m, `${flavour}: missing or out of order: ${re}\n${why}\nconsole:\n${r.console.slice(-3000)}`);
    from += m.index + m[0].length;
  }
  assert.deepEqual(r.stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' }, why);
  const reservation = /reservation (\d+) pages of at most (\d+)/.exec(r.console)!;
  assert.ok(Number(reservation[1]) > 0 && Number(reservation[1]) <= Number(reservation[2]), 'current reservation within the maximum');
  for (const name of EXPECTED_HYPERCALLS[flavour]) assert.ok((r.hypercalls[name] ?? 0) > 0, `${flavour}: no ${name} hypercall (${JSON.stringify(r.hypercalls)})`);
  // Every hypercall mini-domu makes succeeds on Xen, but the deliberately unknown op in its multicall.
  assert.deepEqual(r.hypercallErrors, flavour === 'pv' ? { unknown: 1 } : {}, flavour);
  const version = /^xen: version (\d+)\.(\d+)/m.exec(r.console)!;
  if (flavour === 'pv') {
    const mc = /^multicall: 3 entries, results 0 0x([0-9a-f]+) -38$/m.exec(r.console)!;
    assert.equal(parseInt(mc[1], 16), (Number(version[1]) << 16) | Number(version[2]), 'XENVER_version through the multicall');
  }
  // Timers: each msleep(10) took at least 10 ms of guest time.
  for (const m of r.console.matchAll(/woke from msleep\(10\) #\d after (\d+) us/g)) assert.ok(Number(m[1]) >= 10_000, m[0]);
  // Idle at no cost: a second of guest time passed between the two lines, with few wakeups
  // (the periodic timer is stopped: only the one-shot timer wakes it) and few instructions.
  const idle = /idle done: (\d+) ms, (\d+) blocks, (\d+) upcalls, (\d+) timer events/.exec(r.console)!;
  assert.ok(Number(idle[1]) >= 1000, `slept ${idle[1]} ms`);
  assert.ok(Number(idle[2]) >= 1 && Number(idle[2]) <= 3, `${idle[2]} SCHEDOP_block calls while idle`);
  assert.ok(Number(idle[4]) >= 1 && Number(idle[4]) <= 3, `${idle[4]} timer events while idle`);
  const start = r.marks[IDLE_START];
  const end = r.marks[IDLE_END];
  assert.ok(start && end, `marks ${JSON.stringify(r.marks)}`);
  const instructions = end.icount - start.icount;
  const seconds = (end.ticks - start.ticks) * INSTRUCTION_NS / 1e9;
  assert.ok(seconds >= 1, `virtual time while idle: ${seconds} s`);
  assert.ok(instructions < 20_000, `${instructions} instructions ran during a second of idle`);
}

test('mini-domu boots as a 64-bit PV guest to app_main, idles at no cost and powers off', { skip, timeout: 600_000 }, () => {
  const { pv } = built as { pv: string };
  const machine = new Machine({ mode: 'pv', memoryMiB: MEMORY_MIB });
  const plan = loadPvImage(readImage(new Uint8Array(readFileSync(pv))), { ramBytes: MEMORY_MIB << 20, cmdline: 'mini-domu-test' });
  const r = runGuest(machine, plan, { watch: [IDLE_START, IDLE_END], wallSeconds: 300 });
  checkBoot(r, 'pv');
});

test('mini-domu boots as a PVH guest to app_main, idles at no cost and powers off', { skip, timeout: 600_000 }, () => {
  const { pvh } = built as { pvh: string };
  const machine = new Machine({ mode: 'pvh', memoryMiB: MEMORY_MIB });
  const plan = loadPvh(readImage(new Uint8Array(readFileSync(pvh))), { ramBytes: MEMORY_MIB << 20, cmdline: 'mini-domu-test' });
  const r = runGuest(machine, plan, { watch: [IDLE_START, IDLE_END], wallSeconds: 300 });
  checkBoot(r, 'pvh');
});
