// FIFO event channels under a 64-bit PV kernel (test/guests/pv64/fifo64.asm): a port sent
// while its event word is MASKED raises nothing; EVTCHNOP_unmask with MASKED still set (what
// Linux does when PENDING is set) clears MASKED, links the port at the head of its queue, sets
// the queue's READY bit and raises the upcall, as Xen's evtchn_fifo_unmask does. Debian's 6.1
// PV kernel blocked in its first xenstore watch when this unmask left MASKED set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPv64Guest, runPv64 } from './harness';

test('EVTCHNOP_unmask under FIFO clears MASKED and queues the pending port', () => {
  const r = runPv64(buildPv64Guest('fifo64'), { budget: 2_000_000 });
  assert.equal(r.stop.kind, 'shutdown', r.out);
  const v = (k: string) => { const x = r.values.get(k); assert.notEqual(x, undefined, `${k}:\n${r.out}`); return x!; };
  for (const k of ['init_control', 'expand_array', 'bind_ipi', 'send', 'unmask']) assert.equal(v(k), 0n, k);
  assert.equal(v('upcalls_while_masked'), 0n);
  assert.equal(v('word_after_send'), (1n << 31n) | (1n << 30n), 'PENDING and MASKED');
  assert.equal(v('upcalls_after_unmask'), 1n);
  assert.equal(v('head_seen'), v('port'), 'the port is the head of queue 7 (the default priority)');
  assert.equal(v('ready_seen'), 1n << 7n);
  assert.equal(v('word_after_upcall'), 0n, 'MASKED was cleared by the hypervisor; the handler consumed PENDING and LINKED');
});
