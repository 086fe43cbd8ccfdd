import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initPic, rig, slaveIrr } from './harness';

const SEC = 100_000_000;                             // instructions per virtual second (10 ns each)

function cmos(r: ReturnType<typeof rig>, reg: number): number {
  r.outb(0x70, reg);
  return r.inb(0x71);
}
/** Stop the PIT's power-on channel 0 so only the RTC sets deadlines. */
function quietPit(r: ReturnType<typeof rig>): void { r.outb(0x43, 0x30); }
function setCmos(r: ReturnType<typeof rig>, reg: number, v: number): void {
  r.outb(0x70, reg);
  r.outb(0x71, v);
}

test('starts at 2000-01-01 00:00:00, a Saturday, in BCD 24-hour mode', () => {
  const r = rig();
  assert.deepEqual([0, 2, 4, 6, 7, 8, 9, 0x32, 0x37].map((g) => cmos(r, g)), [0, 0, 0, 7, 1, 1, 0, 0x20, 0x20]);
  assert.equal(cmos(r, 0x0a), 0x26);
  assert.equal(cmos(r, 0x0b), 0x02);
  assert.equal(cmos(r, 0x0d), 0x80);
  assert.equal(r.p.portOwner(0x70), 'cmos');
});

test('time advances with virtual time; BCD, binary and 12-hour encodings', () => {
  const r = rig();
  r.clock.t = (13 * 3600 + 2 * 60 + 59) * SEC + SEC / 2;  // 13:02:59.5
  assert.equal(cmos(r, 0), 0x59);
  assert.equal(cmos(r, 2), 0x02);
  assert.equal(cmos(r, 4), 0x13);
  setCmos(r, 0x0b, 0x06);                            // binary, 24h
  assert.equal(cmos(r, 0), 59);
  assert.equal(cmos(r, 4), 13);
  setCmos(r, 0x0b, 0x04);                            // binary, 12h
  assert.equal(cmos(r, 4), 0x80 | 1);
  setCmos(r, 0x0b, 0x00);                            // BCD, 12h
  assert.equal(cmos(r, 4), 0x81);
  r.clock.t = 40 * 86400 * SEC;                      // 40 days later: 2000-02-10, a Thursday
  setCmos(r, 0x0b, 0x02);
  assert.deepEqual([7, 8, 9, 6].map((g) => cmos(r, g)), [0x10, 0x02, 0x00, 5]);
});

test('memory size bytes as a PC BIOS reports them', () => {
  const r = rig(64 * 1024 * 1024);
  assert.equal(cmos(r, 0x15) | (cmos(r, 0x16) << 8), 640);
  assert.equal(cmos(r, 0x17) | (cmos(r, 0x18) << 8), 63 * 1024);
  assert.equal(cmos(r, 0x30) | (cmos(r, 0x31) << 8), 63 * 1024);
  assert.equal(cmos(r, 0x34) | (cmos(r, 0x35) << 8), (48 * 1024 * 1024) / 65536);
  const big = rig(512 * 1024 * 1024);
  assert.equal(cmos(big, 0x17) | (cmos(big, 0x18) << 8), 0xffff, 'capped at 65535 KiB');
  const small = rig(8 * 1024 * 1024);
  assert.equal(cmos(small, 0x34) | (cmos(small, 0x35) << 8), 0);
});

test('index bit 7 masks NMI and is not part of the register number; RAM bytes are read/write', () => {
  const r = rig();
  r.outb(0x70, 0x80 | 0x0a);
  assert.equal(r.inb(0x71), 0x26);
  setCmos(r, 0x40, 0xa5);
  assert.equal(cmos(r, 0x40), 0xa5);
  setCmos(r, 0x0d, 0x00);
  assert.equal(cmos(r, 0x0d), 0x80, 'register D is read-only');
});

test('periodic interrupt: 1024 Hz on IRQ 8, flag in register C, cleared by reading C', () => {
  const r = rig();
  initPic(r);
  quietPit(r);
  setCmos(r, 0x0b, 0x42);                            // PIE, 24h
  const period = SEC / 1024;                         // 97656.25 instructions
  assert.equal(r.p.nextDeadline(), Math.ceil(period));
  r.at(Math.ceil(period) - 1);
  assert.equal(slaveIrr(r) & 1, 0);
  r.at(Math.ceil(period));
  assert.equal(slaveIrr(r) & 1, 1);
  assert.equal(r.p.acknowledge(), 0x28);
  assert.equal(cmos(r, 0x0c), 0xc0);
  assert.equal(cmos(r, 0x0c), 0x00);
  r.outb(0xa0, 0x20); r.outb(0x20, 0x20);
  assert.equal(r.p.nextDeadline(), Math.ceil(2 * period));
  // Without reading C the line stays high and no new edge reaches the PIC.
  r.at(Math.ceil(2 * period));
  assert.equal(r.p.acknowledge(), 0x28);
  r.outb(0xa0, 0x20); r.outb(0x20, 0x20);
  r.at(Math.ceil(5 * period));
  assert.equal(r.p.pendingVector(), -1);
  assert.equal(cmos(r, 0x0c), 0xc0);
  r.at(Math.ceil(6 * period));
  assert.equal(r.p.pendingVector(), 0x28);
  // Rate 15 = 2 Hz.
  setCmos(r, 0x0a, 0x2f);
  cmos(r, 0x0c);
  assert.equal(r.p.nextDeadline(), SEC / 2);
});

test('setting the clock with SET, then it runs on from the new time', () => {
  const r = rig();
  r.clock.t = 10 * SEC;
  setCmos(r, 0x0b, 0x82);                            // SET
  setCmos(r, 4, 0x15); setCmos(r, 2, 0x30); setCmos(r, 0, 0x00);
  setCmos(r, 7, 0x24); setCmos(r, 8, 0x12); setCmos(r, 9, 0x99); setCmos(r, 0x32, 0x19);
  r.clock.t = 20 * SEC;
  assert.equal(cmos(r, 0), 0x00, 'frozen while SET');
  setCmos(r, 0x0b, 0x02);
  r.clock.t = 20 * SEC + 3661 * SEC;
  assert.deepEqual([0, 2, 4, 7, 8, 9, 0x32, 6].map((g) => cmos(r, g)), [0x01, 0x31, 0x16, 0x24, 0x12, 0x99, 0x19, 6]);
});

test('UIP is set in the last 244 us before each update', () => {
  const r = rig();
  r.clock.t = 5 * SEC - 24_000;
  assert.equal(cmos(r, 0x0a) & 0x80, 0x80);
  r.clock.t = 5 * SEC - 25_000;
  assert.equal(cmos(r, 0x0a) & 0x80, 0);
  r.clock.t = 5 * SEC;
  assert.equal(cmos(r, 0x0a) & 0x80, 0);
});

test('update-ended and alarm interrupts', () => {
  const r = rig();
  initPic(r);
  quietPit(r);
  setCmos(r, 1, 0x05); setCmos(r, 3, 0xc0); setCmos(r, 5, 0xc0);   // alarm at every hh:mm:05
  setCmos(r, 0x0b, 0x22);                            // AIE
  assert.equal(r.p.nextDeadline(), SEC);
  for (let s = 1; s <= 4; s++) r.at(s * SEC);
  assert.equal(r.p.pendingVector(), -1);
  r.at(5 * SEC);
  assert.equal(r.p.pendingVector(), 0x28);
  assert.equal(cmos(r, 0x0c) & 0xa0, 0xa0);
  setCmos(r, 0x0b, 0x12);                            // UIE
  r.p.acknowledge(); r.outb(0xa0, 0x20); r.outb(0x20, 0x20);
  r.at(6 * SEC);
  assert.equal(r.p.pendingVector(), 0x28);
  assert.equal(cmos(r, 0x0c) & 0x90, 0x90);
});

test('alarm flag after a long gap without ticks, and an impossible alarm never matches', () => {
  const r = rig();
  setCmos(r, 1, 0x00); setCmos(r, 3, 0x00); setCmos(r, 5, 0x03);   // 03:00:00
  cmos(r, 0x0c);
  r.clock.t = 2 * 3600 * SEC;
  assert.equal(cmos(r, 0x0c) & 0x20, 0, 'not yet at 02:00');
  r.clock.t = 5 * 3600 * SEC;
  assert.equal(cmos(r, 0x0c) & 0x20, 0x20, 'passed 03:00 between reads');
  assert.equal(cmos(r, 0x0c) & 0x20, 0);
  setCmos(r, 5, 0x25);                               // hour 25 does not exist
  r.clock.t = 60 * 3600 * SEC;
  assert.equal(cmos(r, 0x0c) & 0x20, 0);
});
