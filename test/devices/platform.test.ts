import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rig } from './harness';
import { createPcPlatform } from '../../emulator/devices/index';

test('portOwner names each device', () => {
  const r = rig();
  const owners: Array<[number, string | undefined]> = [
    [0x3f8, 'uart'], [0x20, 'pic'], [0xa1, 'pic'], [0x40, 'pit'], [0x43, 'pit'], [0x70, 'cmos'],
    [0x3d4, 'vga'], [0x3da, 'vga'], [0xf4, 'debug-exit'], [0xf7, 'debug-exit'], [0xe9, 'debugcon'],
    [0x92, 'system-control'], [0xcf9, 'system-control'], [0x64, 'i8042'], [0x510, 'fw_cfg'],
    [0x511, 'fw_cfg'], [0xcf8, 'pci'], [0xcfc, 'pci'], [0x80, 'post'], [0x1234, undefined], [0x2f8, undefined],
  ];
  for (const [port, name] of owners) assert.equal(r.p.portOwner(port), name, `port 0x${port.toString(16)}`);
});

test('unassigned ports read all ones at every size, ignore writes, and are recorded boundedly', () => {
  const r = rig();
  r.clock.t = 77;
  assert.equal(r.p.portIn(0x2f8, 1), 0xff);
  assert.equal(r.p.portIn(0x1000, 2), 0xffff);
  assert.equal(r.p.portIn(0x1000, 4), 0xffffffff);
  r.p.portOut(0x1004, 4, 0xdeadbeef);
  const u = r.p.unassigned;
  assert.equal(u.count, 4);
  assert.deepEqual(u.recent[3], { kind: 'io', address: 0x1004, size: 4, write: true, value: 0xdeadbeef, icount: 77 });
  assert.deepEqual(u.recent[1], { kind: 'io', address: 0x1000, size: 2, write: false, value: 0xffff, icount: 77 });
  for (let i = 0; i < 1000; i++) r.p.portOut(0x3000 + i, 1, i & 0xff);
  assert.equal(r.p.unassigned.count, 1004);
  const recent = r.p.unassigned.recent;
  assert.ok(recent.length <= 64);
  assert.equal(recent[recent.length - 1].address, 0x3000 + 999, 'newest last');
});

test('isa-debug-exit: a write of v requests exit status (v << 1) | 1, at any size and any of its 4 ports', () => {
  const r = rig();
  assert.equal(r.p.takeRequest(), null);
  r.outb(0xf4, 0x10);
  assert.deepEqual(r.p.takeRequest(), { kind: 'debug-exit', code: 0x21 });
  assert.equal(r.p.takeRequest(), null, 'consumed once');
  r.p.portOut(0xf4, 4, 0);
  assert.deepEqual(r.p.takeRequest(), { kind: 'debug-exit', code: 1 });
  r.p.portOut(0xf6, 2, 0x1234);
  assert.deepEqual(r.p.takeRequest(), { kind: 'debug-exit', code: 0x2469 });
});

test('0xE9 debug console writes to the serial output and reads back 0xE9', () => {
  const r = rig();
  for (const c of 'ok') r.outb(0xe9, c.charCodeAt(0));
  assert.equal(String.fromCharCode(...r.serial), 'ok');
  assert.equal(r.inb(0xe9), 0xe9);
});

test('reset requests: 0x92 bit 0 rising edge, 8042 command 0xFE, 0xCF9 with 0x06 and 0x0E', () => {
  const r = rig();
  assert.equal(r.inb(0x92) & 2, 2);
  r.outb(0x92, 0x03);
  assert.equal(r.p.takeRequest()?.kind, 'reset');
  r.outb(0x92, 0x03);
  assert.equal(r.p.takeRequest(), null, 'no new edge');
  assert.equal(r.inb(0x64) & 0x02, 0, 'input buffer empty');
  r.outb(0x64, 0xfe);
  assert.deepEqual(r.p.takeRequest(), { kind: 'reset', via: 'keyboard controller 0xFE' });
  r.outb(0xcf9, 0x06);
  assert.deepEqual(r.p.takeRequest(), { kind: 'reset', via: 'port 0xCF9' });
  r.outb(0xcf9, 0x0e);
  assert.equal(r.p.takeRequest()?.kind, 'reset');
  r.outb(0xcf9, 0x02);
  assert.equal(r.p.takeRequest(), null);
  assert.equal(r.inb(0xcf9), 0x02);
});

test('A20 through port 0x92 bit 1 and through the 8042 output port', () => {
  const r = rig();
  assert.equal(r.p.a20, true);
  r.outb(0x92, 0x00);
  assert.equal(r.p.a20, false);
  assert.equal(r.inb(0x92) & 2, 0);
  r.outb(0x64, 0xd1); r.outb(0x60, 0xdf);            // the classic A20 enable sequence
  assert.equal(r.p.a20, true);
  assert.equal(r.inb(0x92) & 2, 2);
  r.outb(0x64, 0xd0);
  assert.equal(r.inb(0x64) & 1, 1, 'output buffer full');
  assert.equal(r.inb(0x60) & 2, 2);
  r.outb(0x64, 0xaa);
  assert.equal(r.inb(0x60), 0x55);
  assert.equal(r.p.takeRequest(), null);
});

test('fw_cfg: signature, interface ID, CPU counts and RAM size as QEMU documents them', () => {
  const r = rig(128 * 1024 * 1024);
  const item = (key: number, n: number) => {
    r.p.portOut(0x510, 2, key);
    return Array.from({ length: n }, () => r.inb(0x511));
  };
  assert.equal(String.fromCharCode(...item(0x0000, 4)), 'QEMU');
  assert.deepEqual(item(0x0001, 4), [1, 0, 0, 0]);
  assert.deepEqual(item(0x0005, 2), [1, 0]);
  assert.deepEqual(item(0x000f, 2), [1, 0]);
  assert.deepEqual(item(0x0003, 8), [0, 0, 0, 8, 0, 0, 0, 0]);
  assert.deepEqual(item(0x0000, 6).slice(4), [0, 0], 'reads past the end return 0');
  assert.deepEqual(item(0x7777, 2), [0, 0], 'unknown items read 0');
});

test('PCI mechanism #1 with no devices: CONFIG_ADDRESS reads back, CONFIG_DATA reads all ones', () => {
  const r = rig();
  r.p.portOut(0xcf8, 4, 0x80000000);
  assert.equal(r.p.portIn(0xcf8, 4), 0x80000000);
  assert.equal(r.p.portIn(0xcfc, 4), 0xffffffff);
  r.p.portOut(0xcf8, 4, 0x80001808);
  assert.equal(r.p.portIn(0xcfe, 2), 0xffff);
  assert.equal(r.p.portIn(0xcff, 1), 0xff);
  r.p.portOut(0xcfc, 4, 0x12345678);
  assert.equal(r.p.portIn(0xcfc, 4), 0xffffffff);
  assert.equal(r.p.portIn(0xcf8, 4), 0x80001808);
});

test('VGA text: cells from 0xB8000, cursor location and shape registers, retrace toggling', () => {
  const r = rig();
  const msg = 'Hello';
  for (let i = 0; i < msg.length; i++) { r.ram[0xb8000 + 160 * 2 + 2 * i] = msg.charCodeAt(i); r.ram[0xb8000 + 160 * 2 + 2 * i + 1] = 0x1f; }
  r.outb(0x3d4, 0x0e); r.outb(0x3d5, (2 * 80 + 5) >> 8);
  r.outb(0x3d4, 0x0f); r.outb(0x3d5, (2 * 80 + 5) & 0xff);
  let v = r.p.vgaText();
  assert.equal(v.cols, 80); assert.equal(v.rows, 25);
  assert.equal(v.cells[2 * 80], 0x1f48);
  assert.equal(String.fromCharCode(...Array.from(v.cells.slice(160, 165), (c) => c & 0xff)), 'Hello');
  assert.deepEqual(v.cursor, { row: 2, col: 5, visible: true });
  r.outb(0x3d4, 0x0e);
  assert.equal(r.inb(0x3d5), 0);
  r.outb(0x3d4, 0x0a); r.outb(0x3d5, 0x20);          // cursor disable bit
  v = r.p.vgaText();
  assert.equal(v.cursor.visible, false);
  r.outb(0x3d4, 0x0a); assert.equal(r.inb(0x3d5), 0x20);
  const a = r.inb(0x3da), b = r.inb(0x3da);
  assert.equal((a ^ b) & 0x09, 0x09, 'retrace bits toggle between reads');
  // Attribute flip-flop: after a 0x3DA read the next 0x3C0 write is an index.
  r.inb(0x3da);
  r.outb(0x3c0, 0x01); r.outb(0x3c0, 0x3f);
  r.inb(0x3da);
  r.outb(0x3c0, 0x01);
  assert.equal(r.inb(0x3c1), 0x3f);
  // DAC: three components per entry, auto-increment.
  r.outb(0x3c8, 5); r.outb(0x3c9, 1); r.outb(0x3c9, 2); r.outb(0x3c9, 3);
  r.outb(0x3c7, 5);
  assert.deepEqual([r.inb(0x3c9), r.inb(0x3c9), r.inb(0x3c9)], [1, 2, 3]);
  assert.equal(r.inb(0x3cc), 0x67);
});

test('reset() returns devices to power-on state', () => {
  const r = rig();
  r.outb(0x3f9, 0x0f); r.outb(0x3fb, 0x80);
  r.outb(0x20, 0x11); r.outb(0x21, 0x40);
  r.outb(0x92, 0);
  r.outb(0xf4, 1);
  r.p.portIn(0x2222, 1);
  r.p.reset();
  assert.equal(r.inb(0x3fb), 0);
  assert.equal(r.inb(0x3f9), 0);
  assert.equal(r.inb(0x21), 0xb8);
  assert.equal(r.p.a20, true);
  assert.equal(r.p.takeRequest(), null);
  assert.equal(r.p.unassigned.count, 0);
});

test('saveState/loadState round-trips device state through structuredClone', () => {
  const r = rig();
  r.outb(0x43, 0x34); r.outb(0x40, 0x10); r.outb(0x40, 0x27);
  r.outb(0x3ff, 0x77);
  r.outb(0x70, 0x40); r.outb(0x71, 0x99);
  r.apicWrite(0xf0, 0x1ff); r.apicWrite(0x300, 0x40045);
  r.p.serialInput(new Uint8Array([1, 2, 3]));
  r.clock.t = 12345;
  const snap = structuredClone(r.p.saveState!());
  const before = [r.p.portIn(0x3ff, 1), r.p.nextDeadline(), r.p.pendingVector()];
  r.outb(0x3ff, 0); r.outb(0x43, 0x30); r.outb(0x70, 0x40); r.outb(0x71, 0); r.p.acknowledge();
  r.p.loadState!(snap);
  assert.deepEqual([r.p.portIn(0x3ff, 1), r.p.nextDeadline(), r.p.pendingVector()], before);
  r.outb(0x70, 0x40);
  assert.equal(r.inb(0x71), 0x99);
  assert.equal(r.inb(0x3f8), 1);
  assert.throws(() => r.p.loadState!({}), /not a platform snapshot/);
});

test('bad options give a clear error', () => {
  const readPhys = () => 0;
  assert.throws(() => createPcPlatform({ now: () => 0, ramBytes: -1, readPhys }), /ramBytes/);
  assert.throws(() => createPcPlatform({ now: () => 0, ramBytes: Number.NaN, readPhys }), /ramBytes/);
  assert.throws(() => createPcPlatform({ now: undefined as unknown as () => number, ramBytes: 1 << 26, readPhys }), /now/);
});

test('random port traffic never throws and keeps every read within its size', () => {
  const r = rig();
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed; };
  const ports = [0x20, 0x21, 0xa0, 0xa1, 0x40, 0x41, 0x42, 0x43, 0x61, 0x70, 0x71, 0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe,
    0x3c0, 0x3c1, 0x3c4, 0x3c5, 0x3c7, 0x3c8, 0x3c9, 0x3d4, 0x3d5, 0x3da, 0x510, 0x511, 0xcf8, 0xcfc, 0x4d0, 0x4d1, 0x60, 0x64];
  const sizes = [1, 2, 4] as const;
  for (let i = 0; i < 200_000; i++) {
    const x = rnd();
    const port = x & 1 ? ports[(x >>> 1) % ports.length] : (x >>> 8) & 0xffff;
    if (port === 0xf4 || port === 0x92 || port === 0x64 || port === 0xcf9 || (port >= 0xf4 && port <= 0xf7)) continue;
    const size = sizes[(x >>> 4) % 3];
    r.clock.t += (x >>> 20) & 0xff;
    if (x & 2) {
      const v = r.p.portIn(port, size);
      assert.ok(v >= 0 && v <= [0, 0xff, 0xffff, 0, 0xffffffff][size], `read 0x${port.toString(16)}`);
    } else r.p.portOut(port, size, rnd());
    if ((i & 1023) === 0) { r.p.tick(); const v = r.p.acknowledge(); assert.ok(v >= -1 && v < 256); }
  }
  assert.ok(Number.isFinite(r.p.nextDeadline()) || r.p.nextDeadline() === Infinity);
});

test('ACPI PM at 0x600: S5 through PM1 control requests a shutdown; the PM timer runs at 3.579545 MHz', () => {
  const r = rig();
  assert.equal(r.p.portOwner(0x604), 'acpi-pm');
  assert.equal(r.p.portIn(0x604, 2), 0);
  r.p.portOut(0x604, 2, 0x0001);                     // SCI_EN only
  assert.equal(r.p.takeRequest(), null);
  assert.equal(r.p.portIn(0x604, 2), 0x0001);
  r.p.portOut(0x604, 2, 0x0400 | 0x2000);            // SLP_TYP 1 (not S5 on the PIIX4): ignored
  assert.equal(r.p.takeRequest(), null);
  assert.equal(r.p.portIn(0x604, 2) & 0x2000, 0, 'SLP_EN reads 0');
  r.outb(0x605, 0x20);                               // a byte write of SLP_EN with SLP_TYP 0
  assert.deepEqual(r.p.takeRequest(), { kind: 'shutdown', via: 'ACPI PM1 control (S5)' });
  r.p.portOut(0x604, 2, 0x2000);
  assert.equal(r.p.takeRequest()?.kind, 'shutdown');
  for (const t of [0, 1, 12345, 99_999_999, 5_000_000_000]) {
    r.clock.t = t;
    const want = Number(((BigInt(t) * 10n * 3_579_545n) / 1_000_000_000n) & 0xffffffn);
    assert.equal(r.p.portIn(0x608, 4), want, `PM timer at ${t}`);
  }
  r.p.portOut(0x602, 2, 0x0121);
  assert.equal(r.p.portIn(0x602, 2), 0x0121);
  r.clock.t = 3 * 100_000_000;                       // bit 23 toggles every 2.34 s
  assert.equal(r.p.portIn(0x600, 2) & 1, 1, 'TMR_STS');
  r.p.portOut(0x600, 2, 1);
  assert.equal(r.p.portIn(0x600, 2) & 1, 0, 'write 1 to clear');
});

test('portRanges lists the I/O surface in port order, consistent with portOwner', () => {
  const r = rig();
  const ranges = (r.p as unknown as { portRanges(): Array<{ first: number; last: number; name: string }> }).portRanges();
  assert.deepEqual(ranges.find((x) => x.name === 'uart'), { first: 0x3f8, last: 0x3ff, name: 'uart' });
  assert.deepEqual(ranges.filter((x) => x.first >= 0xcf8 && x.last <= 0xcff).map((x) => [x.first, x.last, x.name]),
    [[0xcf8, 0xcf8, 'pci'], [0xcf9, 0xcf9, 'system-control'], [0xcfa, 0xcff, 'pci']]);
  let claimed = 0;
  for (let p = 0; p < 0x10000; p++) if (r.p.portOwner(p) !== undefined) claimed++;
  assert.equal(ranges.reduce((n, x) => n + x.last - x.first + 1, 0), claimed);
  for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i].first > ranges[i - 1].last);
});
