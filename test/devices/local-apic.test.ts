import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initPic, rig } from './harness';

function enabled() {
  const r = rig();
  r.outb(0x43, 0x30);                                // park the PIT so only the APIC sets deadlines
  r.apicWrite(0xf0, 0x1ff);                          // software enable, spurious vector 0xFF
  return r;
}
const isrBit = (r: ReturnType<typeof rig>, v: number) => (r.apicRead(0x100 + (v >> 5) * 0x10) >>> (v & 31)) & 1;
const irrBit = (r: ReturnType<typeof rig>, v: number) => (r.apicRead(0x200 + (v >> 5) * 0x10) >>> (v & 31)) & 1;
const selfIpi = (r: ReturnType<typeof rig>, v: number) => r.apicWrite(0x300, 0x40000 | v);

test('identity and start values: ID 0, version 0x00050014, enabled with LINT0 ExtINT and LINT1 NMI as SeaBIOS leaves it', () => {
  const r = rig();
  // The local APIC, the I/O APIC and the HPET: one page each.
  assert.deepEqual(r.p.mmio.map((m) => [m.name, m.base, m.size]),
    [['local-apic', 0xfee00000, 4096], ['ioapic', 0xfec00000, 4096], ['hpet', 0xfed00000, 4096]]);
  assert.equal(r.apicRead(0x20), 0);
  assert.equal(r.apicRead(0x30), 0x00050014);
  assert.equal(r.apicRead(0xf0), 0x1ff);
  assert.equal(r.apicRead(0xe0), 0xffffffff);
  assert.equal(r.apicRead(0x320), 0x10000);
  assert.equal(r.apicRead(0x350), 0x8700);
  assert.equal(r.apicRead(0x360), 0x8400);
  assert.equal(r.apicRead(0x370), 0x10000);
});

test('fixed IPI to self is delivered; INTA moves IRR to ISR; EOI clears the highest ISR bit', () => {
  const r = enabled();
  selfIpi(r, 0x41);
  assert.equal(irrBit(r, 0x41), 1);
  assert.equal(r.apicRead(0x300) & 0x1000, 0, 'delivery status idle');
  assert.equal(r.p.pendingVector(), 0x41);
  assert.equal(r.p.acknowledge(), 0x41);
  assert.equal(irrBit(r, 0x41), 0);
  assert.equal(isrBit(r, 0x41), 1);
  assert.equal(r.apicRead(0xa0), 0x40, 'PPR is the in-service class (SDM: PPR[3:0] = 0)');
  r.apicWrite(0xb0, 0);
  assert.equal(isrBit(r, 0x41), 0);
  assert.equal(r.apicRead(0xa0), 0);
});

test('priority classes: higher class first, same or lower class waits for EOI, TPR blocks its class and below', () => {
  const r = enabled();
  selfIpi(r, 0x41); selfIpi(r, 0x61);
  assert.equal(r.p.acknowledge(), 0x61);
  selfIpi(r, 0x62);
  assert.equal(r.p.pendingVector(), -1, '0x62 is the same class as 0x61 in service');
  r.apicWrite(0xb0, 0);
  assert.equal(r.p.acknowledge(), 0x62);
  r.apicWrite(0xb0, 0);
  r.apicWrite(0x80, 0x40);
  assert.equal(r.p.pendingVector(), -1, 'TPR 0x40 blocks vector 0x41');
  r.apicWrite(0x80, 0x30);
  assert.equal(r.p.pendingVector(), 0x41);
});

test('INIT and SIPI to all-excluding-self are accepted and go nowhere on one CPU', () => {
  const r = enabled();
  r.apicWrite(0x310, 0);
  r.apicWrite(0x300, 0x000c4500);                    // INIT, all excluding self
  r.apicWrite(0x300, 0x000c4608);                    // SIPI vector 8
  assert.equal(r.apicRead(0x300) & 0x1000, 0);
  assert.equal(r.p.pendingVector(), -1);
  r.apicWrite(0x280, 0);
  assert.equal(r.apicRead(0x280), 0, 'no error');
});

test('an illegal vector sets ESR bits, visible after an ESR write', () => {
  const r = enabled();
  selfIpi(r, 0x05);
  assert.equal(r.apicRead(0x280), 0);
  r.apicWrite(0x280, 0);
  assert.equal(r.apicRead(0x280) & 0x20, 0x20, 'send illegal vector');
  r.apicWrite(0x280, 0);
  assert.equal(r.apicRead(0x280), 0);
});

test('timer one-shot: current count from virtual time, interrupt at initial x divisor bus ticks (1 GHz bus)', () => {
  const r = enabled();
  r.clock.t = 500;
  r.apicWrite(0x3e0, 0x0b);                          // divide by 1
  r.apicWrite(0x320, 0x30);                          // one-shot, vector 0x30
  r.apicWrite(0x380, 1000);                          // 1000 ns = 100 instructions
  r.clock.t = 550;
  assert.equal(r.apicRead(0x390), 500);
  assert.equal(r.p.nextDeadline(), 600);
  r.at(599);
  assert.equal(r.p.pendingVector(), -1);
  r.at(600);
  assert.equal(r.apicRead(0x390), 0);
  assert.equal(r.p.acknowledge(), 0x30);
  r.apicWrite(0xb0, 0);
  assert.equal(r.p.nextDeadline(), Infinity);
  r.at(10_000);
  assert.equal(r.p.pendingVector(), -1, 'one-shot fires once');
});

test('timer periodic with divide by 16, and masked LVT counts without interrupting', () => {
  const r = enabled();
  r.apicWrite(0x3e0, 0x03);                          // divide by 16
  r.apicWrite(0x320, 0x20000 | 0x31);
  r.apicWrite(0x380, 100);                           // 1600 ns = 160 instructions
  for (let k = 1; k <= 3; k++) {
    assert.equal(r.p.nextDeadline(), 160 * k);
    r.at(160 * k);
    assert.equal(r.p.acknowledge(), 0x31);
    r.apicWrite(0xb0, 0);
  }
  r.clock.t = 160 * 3 + 12;                          // 120 ns: 7 whole ticks of 16 ns into the period
  assert.equal(r.apicRead(0x390), 100 - 7);
  r.apicWrite(0x320, 0x30000 | 0x31);                // masked
  r.at(160 * 10);
  assert.equal(r.p.pendingVector(), -1);
  assert.ok(r.apicRead(0x390) > 0, 'still counting');
});

test('the 8259 reaches the CPU through LINT0 ExtINT; masking LINT0 with the APIC enabled cuts it off', () => {
  const r = rig();
  initPic(r);
  r.pic.pulse(1);
  assert.equal(r.p.pendingVector(), 0x21, 'LINT0 is ExtINT and unmasked');
  r.apicWrite(0x350, 0x10700);
  assert.equal(r.p.pendingVector(), -1);
  assert.equal(r.p.acknowledge(), -1);
  r.apicWrite(0xf0, 0xff);
  assert.equal(r.p.pendingVector(), 0x21, 'APIC software-disabled: PIC passes');
  r.apicWrite(0xf0, 0x1ff);
  assert.equal(r.p.pendingVector(), -1, 'LINT0 stays masked after re-enabling (SDM 10.4.7.2)');
  r.apicWrite(0x350, 0x700);
  selfIpi(r, 0x80);
  assert.equal(r.p.acknowledge(), 0x80, 'APIC vectors go first');
  assert.equal(r.p.acknowledge(), 0x21);
});

test('software disable masks every LVT and stops accepting interrupts', () => {
  const r = enabled();
  r.apicWrite(0x320, 0x30);
  r.apicWrite(0xf0, 0xff);
  assert.equal(r.apicRead(0x320) & 0x10000, 0x10000);
  r.apicWrite(0x320, 0x30);
  assert.equal(r.apicRead(0x320) & 0x10000, 0x10000, 'cannot be unmasked while disabled');
  selfIpi(r, 0x40);
  assert.equal(r.p.pendingVector(), -1);
});

test('an APIC error interrupts through the LVT error entry when it is unmasked', () => {
  const r = enabled();
  r.apicWrite(0x370, 0xfe);
  selfIpi(r, 0x07);
  assert.equal(r.p.acknowledge(), 0xfe);
  r.apicWrite(0xb0, 0);
  r.apicWrite(0x280, 0);
  assert.equal(r.apicRead(0x280), 0x20);
});
