// Restoring a snapshot must bring back every bit of device state: replaying the same
// accesses after a restore gives the same answers as the first time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initPic, rig } from './harness';

type Step = (r: ReturnType<typeof rig>) => number;

function randomSteps(seed: number, n: number): Step[] {
  let s = seed >>> 0;
  const rnd = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s >>> 8; };
  const ports = [0x20, 0x21, 0xa0, 0xa1, 0x40, 0x42, 0x43, 0x61, 0x70, 0x71, 0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe,
    0x3ff, 0x3c0, 0x3c1, 0x3c7, 0x3c8, 0x3c9, 0x3d4, 0x3d5, 0x3da, 0x510, 0x511, 0xcf8, 0x60, 0x64, 0x600, 0x602, 0x608];
  const apicRegs = [0x80, 0xb0, 0xd0, 0xe0, 0x280, 0x300, 0x320, 0x350, 0x370, 0x380, 0x390, 0x3e0, 0x200, 0x100];
  const steps: Step[] = [];
  for (let i = 0; i < n; i++) {
    const k = rnd() % 10;
    const port = ports[rnd() % ports.length];
    const v = rnd() & 0xff;
    const reg = apicRegs[rnd() % apicRegs.length];
    const dt = rnd() % 5000;
    if (k < 3) steps.push((r) => r.inb(port));
    else if (k < 5) steps.push((r) => { if (port !== 0x64 || v !== 0xfe) r.outb(port, v); return -2; });
    else if (k === 5) steps.push((r) => r.apicRead(reg));
    else if (k === 6) steps.push((r) => { r.apicWrite(reg, reg === 0x300 ? 0x40000 | (0x40 + (v & 0x3f)) : v * 0x01010101); return -3; });
    else if (k === 7) steps.push((r) => { r.at(r.clock.t + dt); return r.p.nextDeadline(); });
    else if (k === 8) steps.push((r) => r.p.acknowledge());
    else steps.push((r) => { r.p.serialInput(new Uint8Array([v])); return r.p.pendingVector(); });
  }
  return steps;
}

test('replaying after loadState gives the same results as the first run', () => {
  for (const seed of [1, 2, 3]) {
    const r = rig();
    initPic(r);
    r.outb(0x21, 0); r.outb(0xa1, 0);
    r.outb(0x3f9, 0x0f);
    r.outb(0x70, 0x0b); r.outb(0x71, 0x52);
    const steps = randomSteps(seed, 4000);
    for (const s of steps.slice(0, 2000)) s(r);
    const snap = structuredClone(r.p.saveState!());
    const t = r.clock.t;
    const serialLen = r.serial.length;
    const first = steps.slice(2000).map((s) => s(r));
    const firstSerial = r.serial.slice(serialLen);
    r.p.reset();                                     // disturb everything before restoring
    r.clock.t = t;
    r.p.loadState!(snap);
    r.serial.length = serialLen;
    const second = steps.slice(2000).map((s) => s(r));
    assert.deepEqual(second, first, `seed ${seed}`);
    assert.deepEqual(r.serial.slice(serialLen), firstSerial);
  }
});
