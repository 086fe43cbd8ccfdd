// Event channels reach a PVH vCPU as interrupts (test/guests/pvh/events.c): the console
// backend notifies port 2 when host input arrives in the ring, and the guest takes it at the
// domain's callback vector (injected directly: no ISR bit, no EOI), then at its own upcall
// vector (through the local APIC: ISR set until the EOI), then by waking from SCHEDOP_block
// with interrupts off. Also the pvclock Xen writes into vcpu_info once shared_info is placed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Machine, type StopReason } from '../../emulator/machine';
import { loadPvh, readImage } from '../../emulator/loader';
import { buildPvhGuest } from './harness';

let out = '';
const m = new Machine({ mode: 'pvh', memoryMiB: 32, serialOut: (b) => { out += String.fromCharCode(b); } });
m.load(loadPvh(readImage(new Uint8Array(readFileSync(buildPvhGuest('events')))), { ramBytes: 32 << 20 }));

/** Runs until the guest stops or idles (a halt with nothing armed), at most `budget` instructions. */
function runUntilIdle(budget = 5_000_000): StopReason {
  const end = m.icount + budget;
  for (;;) {
    const s = m.run(end - m.icount);
    if (s.kind !== 'budget' || m.icount >= end) return s;
  }
}

const stops: StopReason[] = [];
const transcript: string[] = [];
for (const input of ['A1\n', 'B2\n', 'C3\n']) {
  stops.push(runUntilIdle());
  transcript.push(out);
  m.serialInput(new TextEncoder().encode(input));
}
const final = runUntilIdle();

test('the guest idles (halts) waiting for each event and powers off after the third', () => {
  assert.deepEqual(stops.map((s) => s.kind), ['halted', 'halted', 'halted']);
  assert.match(transcript[0]!, /waiting A\n$/);
  assert.match(transcript[1]!, /waiting B\n$/);
  assert.match(transcript[2]!, /blocking C\n$/);
  assert.deepEqual(final, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' });
});

test('shared_info placed by add_to_physmap carries Xen\'s masked vCPU and a pvclock', () => {
  assert.match(out, /add_to_physmap rc=0 mask=1\n/);
  const p = /pvclock version=(\d+) mul=([0-9a-f]+) shift=(-?\d+) flags=(\d+) system_time_nonzero=1\n/.exec(out);
  assert.ok(p, out);
  assert.equal(Number(p![1]) % 2, 0);                        // even: a consistent copy
  // 1 ns per TSC count (the machine's 1 GHz TSC): mul/shift scale 1.0, i.e. 2^31 << 1.
  assert.equal(Number.parseInt(p![2]!, 16) * 2 ** (Number(p![3]) - 32), 1);
  assert.equal(Number(p![4]), 1);                            // XEN_PVCLOCK_TSC_STABLE_BIT
});

test('callback vector: injected directly while upcall_pending is set, never in the APIC\'s ISR', () => {
  assert.match(out, /callback vector f2 isr=0 pending=1\n/);
  assert.match(out, /input A=A1\n/);
});

test('upcall vector: an edge through the local APIC, in ISR until the guest\'s EOI; it wins over the callback vector', () => {
  assert.match(out, /set upcall vector rc=0\n/);
  assert.match(out, /upcall vector f3 isr=1 pending=1\nafter eoi isr=0\n/);
  assert.doesNotMatch(out.slice(out.indexOf('waiting B')), /callback vector/);
  assert.match(out, /input B=B2\n/);
});

test('SCHEDOP_block with interrupts off: event delivery enabled, the event wakes the vCPU', () => {
  assert.match(out, /woke rc=0 pending=1 mask=0\n/);
  assert.match(out, /input C=C3\n/);
});

test('the upcalls are recorded as the VM exits HVM has: external interrupts are not, HLT is', () => {
  const s = m.exits.byReason;
  assert.ok((s.HLT ?? 0) >= 2);
  assert.equal(m.exits.hypercalls!.sched_op, 2);             // block, then poweroff
});
