// A whole guest whose devices interrupt for real (PIT, COM1 THR-empty, RTC through the
// cascade, APIC timer and self-IPI), run on QEMU and on our machine: the serial outputs
// and exit statuses must be identical, and must be the counts the guest waits for.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Machine } from '../../emulator/machine';
import { loadImage } from '../../emulator/loader';
import { RAM_MIB, buildGuest, runKernelOnQemu } from './port-script';

const TX_LINE = 'uart line sent by THRE interrupts\n';

test('interrupt-driven devices: same output as QEMU, and the counts the guest waited for', () => {
  const elf = buildGuest('irq-devices');
  const q = runKernelOnQemu(elf);

  const out: number[] = [];
  const m = new Machine({ mode: 'hvm', memoryMiB: RAM_MIB, serialOut: (b) => out.push(b) });
  m.load(loadImage(new Uint8Array(readFileSync(elf)), { ramBytes: RAM_MIB * 1024 * 1024 }));
  const stop = m.run(50_000_000);
  const serial = Buffer.from(out).toString('latin1');

  const expected = [
    'irq-devices', 'pit ticks 20', TX_LINE.trimEnd(), `uart tx interrupts ${TX_LINE.length + 1}`,
    'rtc periodic 10', 'apic periodic 5', 'apic one-shot 1 current 0', 'self ipi 1', 'done', '',
  ].join('\n');
  assert.equal(q.serial, expected, 'QEMU');
  assert.equal(q.status, 1);
  assert.equal(serial, q.serial);
  assert.deepEqual(stop, { kind: 'debug-exit', code: 1 });
});
