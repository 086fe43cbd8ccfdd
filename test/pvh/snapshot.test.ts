// Machine snapshots of a PVH domain hold the hypervisor's side too (HVM params, upcall vector,
// shared_info's place, event channels, the console ring's backend, blocking): restoring one
// and replaying the same input gives the same console output, records and stop. (The exit
// log is the VMM's, which the debugger's history snapshots beside the machine, as here.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Machine, type StopReason } from '../../emulator/machine';
import { loadPvh, readImage } from '../../emulator/loader';
import { buildPvhGuest } from './harness';

test('a snapshot taken while the guest waits for its first event replays identically (callback vector, then its own vector)', () => {
  let out = '';
  const m = new Machine({ mode: 'pvh', memoryMiB: 32, serialOut: (b) => { out += String.fromCharCode(b); } });
  m.load(loadPvh(readImage(new Uint8Array(readFileSync(buildPvhGuest('events')))), { ramBytes: 32 << 20 }));
  const idle = (): StopReason => { for (;;) { const s = m.run(5_000_000); if (s.kind !== 'budget') return s; } };
  assert.equal(idle().kind, 'halted');                      // waiting A (callback vector; no upcall vector yet)
  const snap = m.snapshot(), log = m.vmm.snapshot();
  const mark = out.length, seq = m.exits.total;
  const replay = (): { text: string; recs: string[]; stop: StopReason } => {
    for (const input of ['A1\n', 'B2\n']) { m.serialInput(new TextEncoder().encode(input)); idle(); }
    m.serialInput(new TextEncoder().encode('C3\n'));
    const stop = idle();
    return { text: out.slice(mark), recs: m.exits.page(seq, 100000).map((r) => `${r.reasonName}:${r.handler}:${r.qualification}:${r.icount}`), stop };
  };
  const first = replay();
  assert.deepEqual(first.stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' });
  assert.match(first.text, /^callback vector f2 isr=0 pending=1\n[^]*upcall vector f3 isr=1 pending=1\n/);
  m.restore(snap);
  m.vmm.restore(log);
  assert.equal(m.exits.total, seq);
  out = out.slice(0, mark);
  const second = replay();
  assert.deepEqual(second, first);
});
