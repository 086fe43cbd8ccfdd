// PhysicalMemory's frame pages: a RAM page shown at a page outside RAM (a hypervisor frame in a
// translated guest's p2m). Reads and writes there are that RAM page's bytes, tracked as writes
// to it; only pages where nothing else is may hold one; unmapped, the page reads all ones again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysicalMemory, PAGE_FRAME, PAGE_NONE } from '../../emulator/memory/physical-memory';

const MiB = 1 << 20;

test('a frame page reads and writes the RAM page behind it, marking that page written', () => {
  const m = new PhysicalMemory(4 * MiB);
  const ramPage = 0x3ff, at = 0x10000000;
  m.store32(ramPage * 4096 + 8, 0x11223344);
  m.restartTracking();
  assert.equal(m.read(at + 8, 4), 0xffffffff);
  m.mapFrame(at / 4096, ramPage);
  assert.equal(m.pageKind[at / 4096], PAGE_FRAME);
  assert.equal(m.owner(at), 'frame');
  assert.equal(m.read(at + 8, 4), 0x11223344);
  m.write(at + 0xffe, 2, 0xbeef);
  assert.equal(m.u8[ramPage * 4096 + 0xffe], 0xef);
  assert.equal(m.u8[ramPage * 4096 + 0xfff], 0xbe);
  assert.deepEqual([...m.dirtyPages()], [ramPage]);
  assert.equal(m.peek(at + 9), 0x33);
  assert.equal(m.unassigned.count, 4);                     // only the read before the mapping (a record per byte)
  m.unmapFrame(at / 4096);
  assert.equal(m.pageKind[at / 4096], PAGE_NONE);
  assert.equal(m.read(at + 8, 4), 0xffffffff);
});

test('only a page outside RAM where nothing is may show a frame, and only a RAM page may be shown', () => {
  const m = new PhysicalMemory(4 * MiB);
  m.setMmio([{ base: 0xfee00000, size: 4096, name: 'local-apic', handler: { read: () => 0, write: () => {} } }]);
  assert.throws(() => m.mapFrame(5, 1), /not outside RAM/);
  assert.throws(() => m.mapFrame(0xfee00, 1), /local-apic/);
  assert.throws(() => m.mapFrame(0x100000, 1), /below 4 GiB/);
  assert.throws(() => m.mapFrame(0x2000, 4 * 256), /not a RAM page/);
  m.mapFrame(0x2000, 1);
  assert.deepEqual(m.mappedFrames(), [[0x2000, 1]]);
  m.clearFrames();
  assert.deepEqual(m.mappedFrames(), []);
  assert.equal(m.pageKind[0x2000], PAGE_NONE);
  m.mapFrame(0x2000, 1);
  m.reset();
  assert.equal(m.pageKind[0x2000], PAGE_NONE);
});
