// The NMI's way to the CPU on the device side (SDM vol. 3 10.6, 10.5.1; the PC chipset's
// NMI status and control port): the local APIC's ICR in NMI mode by destination and
// shorthand, LINT1 as NMI fed by the chipset's IOCHK#/SERR# line with port 0x61's enables
// and port 0x70's mask, the LVT mask, an I/O APIC entry in NMI mode, and the latch that
// holds one NMI until the CPU takes it. (The CPU's side, delivery through vector 2 and
// blocking until IRET, is the CPU's.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initPic, rig } from './harness';
import type { PcPlatform } from '../../emulator/devices/platform';

function setup() {
  const r = rig();
  r.apicWrite(0xf0, 0x1ff);
  const p = r.p as PcPlatform;
  const take = () => p.takeNmi();
  return { ...r, pc: p, take };
}

test('ICR NMI: to self, to all including self, to our physical ID; not to all-but-self or another ID', () => {
  const s = setup();
  const icr = (low: number, dest = 0) => { s.apicWrite(0x310, dest << 24); s.apicWrite(0x300, low); };
  icr(0x40400);                                    // self, NMI, vector field 0 (ignored)
  assert.equal(s.pc.nmiPending(), true);
  assert.equal(s.take(), true);
  assert.equal(s.take(), false, 'one NMI, taken once');
  assert.equal(s.apicRead(0x280), 0);
  s.apicWrite(0x280, 0);
  assert.equal(s.apicRead(0x280), 0, 'no illegal-vector error for an NMI');
  icr(0x80400);                                    // all including self
  assert.equal(s.take(), true);
  icr(0xc0400);                                    // all excluding self: nobody else is here
  assert.equal(s.take(), false);
  icr(0x00400, 0);                                 // physical destination 0 = our ID
  assert.equal(s.take(), true);
  icr(0x00400, 5);
  assert.equal(s.take(), false);
  icr(0x40400); icr(0x40400);
  assert.equal(s.take(), true);
  assert.equal(s.take(), false, 'NMIs do not queue');
  // A fixed IPI still lands in IRR, not as an NMI.
  icr(0x40041);
  assert.equal(s.take(), false);
  assert.equal(s.p.pendingVector(), 0x41);
});

test('IOCHK# through port 0x61 and 0x70 to LINT1 (NMI mode at reset)', () => {
  const s = setup();
  assert.equal(s.inb(0x61) & 0xc0, 0);
  s.pc.setIochk(true);
  assert.equal(s.inb(0x61) & 0x40, 0x40, 'IOCHK status in bit 6');
  assert.equal(s.take(), true);
  s.pc.setIochk(false);
  // Disabled in port 0x61 (bit 3 set): no NMI.
  s.outb(0x61, 0x08);
  s.pc.setIochk(true);
  assert.equal(s.take(), false);
  // Enabling it while IOCHK# is high raises the line: an NMI.
  s.outb(0x61, 0x00);
  assert.equal(s.take(), true);
  s.pc.setIochk(false);
  // Port 0x70 bit 7 masks every NMI source; unmasking with the source high delivers.
  s.outb(0x70, 0x80);
  s.pc.setIochk(true);
  assert.equal(s.take(), false);
  s.outb(0x70, 0x0d);
  assert.equal(s.take(), true);
  s.pc.setIochk(false);
  // SERR# the same way with its own enable (bit 2) and status (bit 7).
  s.pc.setSerr(true);
  assert.equal(s.inb(0x61) & 0xc0, 0x80);
  assert.equal(s.take(), true);
  s.pc.setSerr(false);
  s.outb(0x61, 0x04);
  s.pc.setSerr(true);
  assert.equal(s.take(), false);
});

test('LINT1 masked in its LVT, or set to a fixed vector, makes no NMI', () => {
  const s = setup();
  s.apicWrite(0x360, 0x10400);                      // NMI, masked
  s.pc.setIochk(true);
  assert.equal(s.take(), false);
  s.pc.setIochk(false);
  s.apicWrite(0x360, 0x00052);                      // fixed, edge, vector 0x52
  s.pc.setIochk(true);
  assert.equal(s.take(), false);
  assert.equal(s.p.pendingVector(), 0x52);
});

test('an I/O APIC entry in NMI mode sends an NMI; the latch survives a snapshot', () => {
  const s = setup();
  const io = s.p.mmio.find((m) => m.name === 'ioapic')!.handler;
  io.write(0, 4, 0x10 + 2 * 5); io.write(0x10, 4, 0x400);   // IRQ 5: NMI, edge, unmasked
  s.pic.pulse(5);
  assert.equal(s.pc.nmiPending(), true);
  const snap = structuredClone(s.p.saveState!());
  assert.equal(s.take(), true);
  s.p.loadState!(snap);
  assert.equal(s.pc.nmiPending(), true);
  s.p.reset();
  assert.equal(s.pc.nmiPending(), false);
});

test('LINT0 as NMI: the 8259\'s INTR rising is an NMI; in ExtINT mode it is not', () => {
  const s = setup();
  initPic(s);
  s.outb(0x21, 0xfe); s.outb(0xa1, 0xff);            // IRQ 0 only
  s.pic.pulse(0);
  assert.equal(s.take(), false, 'ExtINT: the CPU reads the 8259 by INTA');
  assert.equal(s.p.pendingVector(), 0x20);
  s.p.acknowledge(); s.outb(0x20, 0x20);
  s.apicWrite(0x350, 0x400);                        // LINT0: NMI
  s.pic.pulse(0);
  assert.equal(s.take(), true);
  assert.equal(s.p.pendingVector(), -1, 'the 8259 is not read by INTA any more');
  s.pic.pulse(0);
  assert.equal(s.take(), false, 'INTR stays high (IRQ 0 unacknowledged): no new edge');
});
