// The UART's snapshot holds the host bytes still waiting (not its whole 64 KiB ring), and a
// restore gives the guest the same bytes in the same order, wherever the ring's head was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rig } from './harness';

const COM1 = 0x3f8;
const LSR_DR = 1;

/** Reads every byte the guest can get from COM1 (FIFO on), as it would: LSR, then RBR. */
function drain(r: ReturnType<typeof rig>, max: number): number[] {
  const out: number[] = [];
  while (out.length < max && (r.inb(COM1 + 5) & LSR_DR)) out.push(r.inb(COM1));
  return out;
}

test('a platform snapshot of the UART is small, and restoring it replays the waiting input exactly', () => {
  const r = rig();
  r.outb(COM1 + 2, 0x01); // FIFO on
  const first = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7 + 1) & 0xff);
  r.p.serialInput(first);
  drain(r, 1234); // the ring's head is well past its start
  r.p.serialInput(Uint8Array.from({ length: 500 }, (_, i) => (i * 13 + 5) & 0xff));
  const saved = r.p.saveState!() as { uart: { hostQueue: Uint8Array } };
  assert.ok(saved.uart.hostQueue.byteLength < 4096, `${saved.uart.hostQueue.byteLength} bytes of queue in the snapshot`);
  const want = drain(r, 10_000);
  assert.equal(want.length, 3000 + 500 - 1234);
  r.p.serialInput(Uint8Array.from([9, 9, 9]));
  r.p.loadState!(saved);
  assert.deepEqual(drain(r, 10_000), want);
});
