import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initPic, masterIrr, pitTicks, rig } from './harness';

/** Latch and read a channel's count in lobyte/hibyte order. */
function latchRead(r: ReturnType<typeof rig>, ch: number): number {
  r.outb(0x43, ch << 6);
  const lo = r.inb(0x40 + ch);
  return lo | (r.inb(0x40 + ch) << 8);
}

/** First icount at or after `from` at which `pitTicks(icount - start) >= ticks`, by search (oracle). */
function firstIcountWith(start: number, ticks: number): number {
  let lo = start, hi = start + Math.ceil(ticks * 84) + 100;  // 1 PIT tick < 84 instructions
  while (lo < hi) { const mid = Math.floor((lo + hi) / 2); if (pitTicks(mid - start) >= ticks) hi = mid; else lo = mid + 1; }
  return lo;
}

test('mode 0 (interrupt on terminal count): counts down from the load and raises IRQ 0 once', () => {
  const r = rig();
  initPic(r);
  r.clock.t = 1000;
  r.outb(0x43, 0x30);                                // ch0, lobyte/hibyte, mode 0
  r.outb(0x40, 1000 & 0xff); r.outb(0x40, 1000 >> 8);
  for (const dt of [0, 1, 83, 84, 4000, 50_000]) {
    r.clock.t = 1000 + dt;
    assert.equal(latchRead(r, 0), 1000 - pitTicks(dt), `count after ${dt} instructions`);
  }
  r.clock.t = 1000;
  const due = firstIcountWith(1000, 1000);
  assert.equal(r.p.nextDeadline(), due);
  r.at(due - 1);
  assert.equal(masterIrr(r) & 1, 0);
  r.at(due);
  assert.equal(masterIrr(r) & 1, 1);
  assert.equal(r.p.acknowledge(), 0x20);
  r.outb(0x20, 0x20);
  r.at(due + 10 * 84 * 1000);
  assert.equal(masterIrr(r) & 1, 0, 'mode 0 fires once');
  assert.equal(latchRead(r, 0), (1000 - pitTicks(r.clock.t - 1000)) & 0xffff, 'and keeps counting through zero');
});

test('mode 2 (rate generator): periodic IRQ 0 every N clocks, count reloads', () => {
  const r = rig();
  initPic(r);
  r.outb(0x43, 0x34);
  const n = 11932;                                   // ~100 Hz
  r.outb(0x40, n & 0xff); r.outb(0x40, n >> 8);
  const deadlines: number[] = [];
  for (let k = 1; k <= 5; k++) {
    const d = r.p.nextDeadline();
    deadlines.push(d);
    assert.equal(d, firstIcountWith(0, k * n), `edge ${k}`);
    r.at(d);
    assert.equal(r.p.acknowledge(), 0x20);
    r.outb(0x20, 0x20);
  }
  r.clock.t = deadlines[4] + 500;
  assert.equal(latchRead(r, 0), n - (pitTicks(r.clock.t) % n));
});

test('mode 3 (square wave) on channel 2: counts down by two, OUT high for the first half, seen on port 0x61 bit 5', () => {
  const r = rig();
  r.outb(0x61, 0x01);                                // gate channel 2 on
  r.clock.t = 0;
  r.outb(0x43, 0xb6);                                // ch2, lobyte/hibyte, mode 3
  const n = 1000;
  r.outb(0x42, n & 0xff); r.outb(0x42, n >> 8);
  for (const dt of [10, 3000, 5900, 6000, 8000, 11000]) {
    r.clock.t = dt;
    const d = pitTicks(dt);
    assert.equal(latchRead(r, 2), n - ((2 * d) % n), `count at ${dt}`);
    const high = d % n < n / 2;
    assert.equal((r.inb(0x61) & 0x20) !== 0, high, `OUT at ${dt}`);
  }
});

test('channel 2 one-shot polled through port 0x61 as BIOS and Linux calibration loops do', () => {
  const r = rig();
  r.outb(0x61, (r.inb(0x61) & ~0x02) | 0x01);
  r.outb(0x43, 0xb0);                                // ch2 mode 0
  r.outb(0x42, 0xff); r.outb(0x42, 0xff);            // 65535
  assert.equal(r.inb(0x61) & 0x20, 0, 'OUT low while counting');
  r.clock.t = firstIcountWith(0, 65535) - 1;
  assert.equal(r.inb(0x61) & 0x20, 0);
  r.clock.t += 1;
  assert.equal(r.inb(0x61) & 0x20, 0x20, 'OUT high at terminal count');
});

test('access modes: lobyte only, hibyte only, and the lobyte/hibyte flip-flop on live reads', () => {
  const r = rig();
  r.outb(0x61, 0x01);                                // channel 2 gate on
  r.outb(0x43, 0x90);                                // ch2 lobyte, mode 0
  r.outb(0x42, 200);
  r.clock.t = 500;
  assert.equal(r.inb(0x42), 200 - pitTicks(500));
  r.outb(0x43, 0xa0);                                // ch2 hibyte, mode 0
  r.clock.t = 1000;
  r.outb(0x42, 0x12);                                // count 0x1200
  r.clock.t = 1000 + 84 * 300;
  assert.equal(r.inb(0x42), (0x1200 - pitTicks(84 * 300)) >> 8);
  r.outb(0x43, 0xb0);
  r.clock.t = 0;
  r.outb(0x42, 0x34); r.outb(0x42, 0x12);
  assert.equal(r.inb(0x42), 0x34);
  assert.equal(r.inb(0x42), 0x12);
});

test('counter latch holds the value until read, and a second latch is ignored', () => {
  const r = rig();
  r.outb(0x43, 0x34);
  r.outb(0x40, 0x00); r.outb(0x40, 0x00);            // 65536
  r.clock.t = 1000;
  r.outb(0x43, 0x00);
  const expect = (65536 - pitTicks(1000)) & 0xffff;
  r.clock.t = 90_000;
  r.outb(0x43, 0x00);
  assert.equal(r.inb(0x40) | (r.inb(0x40) << 8), expect);
});

test('read-back: status byte (OUT, null count, access, mode, BCD) then the latched count', () => {
  const r = rig();
  r.outb(0x43, 0x36);                                // ch0 lobyte/hibyte mode 3 binary
  r.outb(0x43, 0xe2);                                // latch status of ch0
  assert.equal(r.inb(0x40), 0x80 | 0x40 | 0x30 | 0x06, 'null count until a count is written');
  r.outb(0x40, 100); r.outb(0x40, 0);
  r.clock.t = 84 * 10;
  r.outb(0x43, 0xc2);                                // latch count and status
  assert.equal(r.inb(0x40), 0x36 | ((pitTicks(r.clock.t) % 100) < 50 ? 0x80 : 0));
  const c = r.inb(0x40) | (r.inb(0x40) << 8);
  assert.equal(c, 100 - ((2 * pitTicks(r.clock.t)) % 100));
});

test('BCD counting: a count of 0x1000 is one thousand decimal', () => {
  const r = rig();
  r.outb(0x61, 0x01);
  r.outb(0x43, 0xb1);                                // ch2 lobyte/hibyte mode 0 BCD
  r.outb(0x42, 0x00); r.outb(0x42, 0x10);
  r.clock.t = 84 * 2;
  const left = 1000 - pitTicks(r.clock.t);
  const bcd = parseInt(String(left), 16);
  assert.equal(latchRead(r, 2), bcd);
});

test('port 0x61: bits 0-3 read back, bit 4 toggles every 15.085 us', () => {
  const r = rig();
  r.outb(0x61, 0x0f);
  for (const t of [0, 1508, 1509, 3016, 3017, 100_000]) {
    r.clock.t = t;
    const expect = Math.floor((t * 10) / 15085) & 1;
    assert.equal((r.inb(0x61) >> 4) & 1, expect, `refresh at ${t}`);
    assert.equal(r.inb(0x61) & 0x0f, 0x0f);
  }
  assert.equal(r.p.portOwner(0x61), 'pit');
});

test('start state: channel 0 runs mode 2 with count 65536 (18.2 Hz), as SeaBIOS programs it', () => {
  const r = rig();
  assert.equal(r.p.nextDeadline(), firstIcountWith(0, 65536));
});

test('gate: mode 0 counts only while the gate is high; mode 2 restarts on its rising edge', () => {
  const r = rig();
  r.outb(0x43, 0xb0);                                // ch2 mode 0, gate low
  r.outb(0x42, 0x00); r.outb(0x42, 0x10);            // 4096
  r.clock.t = 10_000;
  assert.equal(latchRead(r, 2), 4096, 'held while the gate is low');
  r.outb(0x61, 0x01);
  r.clock.t = 10_000 + 840;
  const ran = pitTicks(840);
  assert.equal(latchRead(r, 2), 4096 - ran);
  r.outb(0x61, 0x00);
  r.clock.t = 50_000;
  assert.equal(latchRead(r, 2), 4096 - ran, 'suspended again');
  r.outb(0x61, 0x01);
  r.clock.t = 50_000 + 840;
  assert.equal(latchRead(r, 2), 4096 - ran - pitTicks(840), 'resumes where it stopped');
  r.outb(0x43, 0xb4);                                // mode 2
  r.outb(0x42, 100); r.outb(0x42, 0);
  r.clock.t = 60_000;
  r.outb(0x61, 0x00);
  r.outb(0x61, 0x01);                                // rising edge reloads
  r.clock.t = 60_000 + 500;
  assert.equal(latchRead(r, 2), 100 - (pitTicks(500) % 100));
});
