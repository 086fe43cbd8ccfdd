import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initPic, masterIrr, masterIsr, rig, slaveIsr } from './harness';

test('start state: initialised as SeaBIOS leaves it (IRQ 0, 1, 2, 6, 8, 12, 13, 14 unmasked)', () => {
  const r = rig();
  assert.equal(r.inb(0x21), 0xb8);
  assert.equal(r.inb(0xa1), 0x8e);
  assert.equal(r.p.pendingVector(), -1);
  r.at(r.p.nextDeadline());
  assert.equal(r.p.pendingVector(), 0x08, 'the 18.2 Hz tick arrives at vector 8');
  assert.equal(r.p.portOwner(0x20), 'pic');
  assert.equal(r.p.portOwner(0x4d1), 'pic');
});

test('ICW1 clears IMR; ICW2 sets the vector base; fixed priority; EOI reopens lower levels', () => {
  const r = rig();
  initPic(r, 0x20, 0x28);
  const pp = r.pic;
  pp.pulse(3);
  pp.pulse(1);
  assert.equal(masterIrr(r), 0x0a);
  assert.equal(r.p.acknowledge(), 0x21, 'IR1 outranks IR3');
  assert.equal(masterIsr(r), 0x02);
  assert.equal(r.p.pendingVector(), -1, 'IR3 waits while IR1 is in service');
  pp.pulse(0);
  assert.equal(r.p.acknowledge(), 0x20, 'IR0 nests over IR1');
  assert.equal(masterIsr(r), 0x03);
  r.outb(0x20, 0x20);                                // non-specific EOI ends the highest: IR0
  assert.equal(masterIsr(r), 0x02);
  r.outb(0x20, 0x20);
  assert.equal(r.p.acknowledge(), 0x23);
  r.outb(0x20, 0x63);                                // specific EOI for IR3
  assert.equal(masterIsr(r), 0);
  assert.equal(r.p.pendingVector(), -1);
});

test('IMR masks delivery but edges still latch in IRR', () => {
  const r = rig();
  initPic(r);
  const pp = r.pic;
  r.outb(0x21, 0x10);
  pp.pulse(4);
  assert.equal(masterIrr(r), 0x10);
  assert.equal(r.p.pendingVector(), -1);
  r.outb(0x21, 0x00);
  assert.equal(r.p.pendingVector(), 0x24);
});

test('slave interrupts arrive through master IR2 with the slave vector; both need EOI', () => {
  const r = rig();
  initPic(r, 0x20, 0x28);
  const pp = r.pic;
  pp.pulse(12);
  assert.equal(r.p.acknowledge(), 0x2c);
  assert.equal(masterIsr(r), 0x04);
  assert.equal(slaveIsr(r), 0x10);
  pp.pulse(9);
  assert.equal(r.p.pendingVector(), -1, 'IR2 in service on the master blocks the slave (not special fully nested)');
  r.outb(0xa0, 0x20);
  r.outb(0x20, 0x20);
  assert.equal(r.p.acknowledge(), 0x29);
});

test('a request that vanishes before INTA yields the spurious IR7 vector (IRQ 15 via the slave)', () => {
  const r = rig();
  initPic(r, 0x20, 0x28);
  const pp = r.pic;
  pp.pulse(9);                                       // master IR2 latched
  r.outb(0xa1, 0x02);                                // the slave request is masked before INTA
  assert.equal(r.p.acknowledge(), 0x2f);
  assert.equal(slaveIsr(r), 0, 'a spurious IRQ 15 sets no slave ISR bit');
  assert.equal(masterIsr(r), 0x04, 'but the master did acknowledge IR2');
});

test('rotation: OCW2 set-priority makes IR(n+1) highest; rotate-on-EOI', () => {
  const r = rig();
  initPic(r);
  const pp = r.pic;
  r.outb(0x20, 0xc3);                                // IR3 lowest, IR4 highest
  pp.pulse(1); pp.pulse(5);
  assert.equal(r.p.acknowledge(), 0x25);
  r.outb(0x20, 0xa0);                                // rotate on non-specific EOI: IR5 now lowest
  pp.pulse(5);
  assert.equal(r.p.acknowledge(), 0x21, 'IR1 outranks IR5 after the rotation');
});

test('automatic EOI leaves ISR clear', () => {
  const r = rig();
  r.outb(0x20, 0x11); r.outb(0x21, 0x40); r.outb(0x21, 0x04); r.outb(0x21, 0x03); r.outb(0x21, 0x00);
  const pp = r.pic;
  pp.pulse(6);
  assert.equal(r.p.acknowledge(), 0x46);
  assert.equal(masterIsr(r), 0);
});

test('poll mode returns 0x80 | level and acknowledges it; 0 when nothing is pending', () => {
  const r = rig();
  initPic(r);
  const pp = r.pic;
  r.outb(0x20, 0x0c);
  assert.equal(r.inb(0x20), 0x00);
  pp.pulse(5);
  r.outb(0x20, 0x0c);
  assert.equal(r.inb(0x20), 0x85);
  assert.equal(masterIsr(r), 0x20);
  assert.equal(masterIrr(r), 0x00);
});

test('ELCR at 0x4D0/0x4D1 is readable with the PIIX masks; level mode keeps IRR while the line is high', () => {
  const r = rig();
  initPic(r);
  r.outb(0x4d0, 0xff); r.outb(0x4d1, 0xff);
  assert.equal(r.inb(0x4d0), 0xf8);
  assert.equal(r.inb(0x4d1), 0xde);
  const pp = r.pic;
  pp.setIrq(5, true);
  assert.equal(r.p.acknowledge(), 0x25);
  r.outb(0x20, 0x20);
  assert.equal(r.p.pendingVector(), 0x25, 'level still high: requested again');
  pp.setIrq(5, false);
  assert.equal(r.p.pendingVector(), -1);
});

test('special mask mode lets lower levels in while a higher one is in service', () => {
  const r = rig();
  initPic(r);
  const pp = r.pic;
  pp.pulse(1);
  assert.equal(r.p.acknowledge(), 0x21);
  r.outb(0x21, 0x02);                                // mask IR1 itself
  r.outb(0x20, 0x68);                                // set special mask mode
  pp.pulse(6);
  assert.equal(r.p.acknowledge(), 0x26);
});
