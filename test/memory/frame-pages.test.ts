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

test('a frame above 4 GiB (36-bit physical addresses): reads, writes and peeks reach it; elsewhere all ones', () => {
  const m = new PhysicalMemory(4 * MiB);
  const at = 0x107fff000;
  assert.equal(m.read(at, 4), 0xffffffff);
  m.mapFrame(at / 4096, 2);
  m.write(at + 4, 4, 0xcafef00d);
  assert.equal(m.read(at + 4, 4), 0xcafef00d);
  assert.equal(m.u8[2 * 4096 + 4], 0x0d);
  assert.equal(m.peek(at + 7), 0xca);
  // Not the page 4 GiB below it (no 32-bit wrap): RAM page 0x7fff is outside 4 MiB, reads as nothing.
  assert.equal(m.read(at - 0x100000000 + 4, 4), 0xffffffff);
  assert.equal(m.read(at + 0x1000, 1), 0xff);
  m.unmapFrame(at / 4096);
  assert.equal(m.read(at + 4, 4), 0xffffffff);
});

test('only a page outside RAM where nothing is may show a frame, and only a RAM page may be shown', () => {
  const m = new PhysicalMemory(4 * MiB);
  m.setMmio([{ base: 0xfee00000, size: 4096, name: 'local-apic', handler: { read: () => 0, write: () => {} } }]);
  assert.throws(() => m.mapFrame(5, 1), /not outside RAM/);
  assert.throws(() => m.mapFrame(0xfee00, 1), /local-apic/);
  assert.throws(() => m.mapFrame(1 << 24, 1), /36-bit physical space/);
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
