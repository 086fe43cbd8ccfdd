// The 82093AA I/O APIC and the HPET on the platform's hand-driven clock, against their
// datasheets: register layout and reset values, edge vs level delivery with Remote IRR and
// EOI, masking, the ISA routing of the MADT (IRQ 0 on GSI 2), HPET counter arithmetic
// (100 MHz: one count per 10 ns tick), one-shot, periodic and 32-bit comparators, level
// status, and legacy replacement taking IRQ 0 from the PIT. The guest kernel acpi.c covers
// the same against QEMU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rig, type Rig } from './harness';

function setup(): Rig & { io: (reg: number, v?: number) => number; hpet: (off: number, v?: number) => number; vectors: () => number[] } {
  const r = rig();
  r.outb(0x21, 0xff); r.outb(0xa1, 0xff);                  // the 8259s out of the way
  r.apicWrite(0xf0, 0x1ff);
  const ioapic = r.p.mmio.find((m) => m.name === 'ioapic')!.handler;
  const hpet = r.p.mmio.find((m) => m.name === 'hpet')!.handler;
  return {
    ...r,
    io: (reg, v) => { ioapic.write(0, 4, reg); if (v !== undefined) { ioapic.write(0x10, 4, v); return 0; } return ioapic.read(0x10, 4) >>> 0; },
    hpet: (off, v) => { if (v !== undefined) { hpet.write(off, 4, v); return 0; } return hpet.read(off, 4) >>> 0; },
    /** Every vector the CPU would take now, acknowledged and EOI'd in order. */
    vectors: () => {
      const out: number[] = [];
      for (let v = r.p.pendingVector(); v >= 0 && out.length < 64; v = r.p.pendingVector()) { out.push(r.p.acknowledge()); r.apicWrite(0xb0, 0); }
      return out;
    },
  };
}

test('I/O APIC identity: version 0x11 with 24 entries, every entry masked at reset, ID writable', () => {
  const s = setup();
  assert.equal(s.io(1), 0x00170011);
  for (let pin = 0; pin < 24; pin++) assert.equal(s.io(0x10 + 2 * pin), 0x10000, `pin ${pin}`);
  s.io(0, 0x0a000000);
  assert.equal(s.io(0), 0x0a000000);
  // Delivery status and Remote IRR are read-only.
  s.io(0x10 + 2 * 5, 0x15030);
  assert.equal(s.io(0x10 + 2 * 5), 0x10030);
});

test('edge: an ISA pulse on an unmasked entry delivers once; IRQ 0 arrives on GSI 2; masked edges are lost', () => {
  const s = setup();
  s.io(0x10 + 2 * 4, 0x41);                               // COM1's IRQ 4 -> vector 0x41, edge
  s.pic.pulse(4);
  assert.deepEqual(s.vectors(), [0x41]);
  s.io(0x10 + 2 * 2, 0x40);                               // GSI 2 -> 0x40
  s.pic.pulse(0);
  assert.deepEqual(s.vectors(), [0x40]);
  s.io(0x10 + 2 * 2, 0x10040);
  s.pic.pulse(0);
  s.io(0x10 + 2 * 2, 0x40);
  assert.deepEqual(s.vectors(), [], 'an edge while masked is not remembered');
});

test('level: Remote IRR holds further delivery until the EOI; an EOI with the line still high delivers again', () => {
  const s = setup();
  s.io(0x10 + 2 * 9, 0x8050);                             // IRQ 9, level, active high -> 0x50
  s.pic.setIrq(9, true);
  assert.equal(s.p.acknowledge(), 0x50);
  assert.equal((s.io(0x10 + 2 * 9) >> 14) & 1, 1, 'Remote IRR while in service');
  assert.equal(s.apicRead(0x180 + (0x50 >> 5) * 0x10) >>> (0x50 & 31) & 1, 1, 'TMR marks it level');
  s.apicWrite(0xb0, 0);                                   // EOI, line still high: again
  assert.equal(s.p.pendingVector(), 0x50);
  assert.equal(s.p.acknowledge(), 0x50);
  s.pic.setIrq(9, false);
  s.apicWrite(0xb0, 0);
  assert.equal((s.io(0x10 + 2 * 9) >> 14) & 1, 0);
  assert.equal(s.p.pendingVector(), -1);
  // Active low: the idle (low) line is asserted as soon as the entry is unmasked.
  s.io(0x10 + 2 * 10, 0xa051);
  assert.equal(s.p.acknowledge(), 0x51);
});

test('destinations: a physical ID other than ours, or a logical one missing our LDR, is not delivered', () => {
  const s = setup();
  s.io(0x10 + 2 * 3, 0x42); s.io(0x11 + 2 * 3, 0x05000000);
  s.pic.pulse(3);
  assert.deepEqual(s.vectors(), []);
  s.apicWrite(0xd0, 0x01000000);                          // LDR: logical ID bit 0 (flat model)
  s.io(0x10 + 2 * 3, 0x842); s.io(0x11 + 2 * 3, 0x01000000);
  s.pic.pulse(3);
  assert.deepEqual(s.vectors(), [0x42]);
});

test('HPET: capabilities, 100 MHz counter from virtual time, halted when disabled, 64-bit reads in halves', () => {
  const s = setup();
  assert.equal(s.hpet(0x000), 0x8086a201);
  assert.equal(s.hpet(0x004), 10_000_000);               // femtoseconds per count
  s.at(1000);
  assert.equal(s.hpet(0x0f0), 0, 'stopped at reset');
  s.hpet(0x010, 1);
  s.at(1000 + 12345);
  assert.equal(s.hpet(0x0f0), 12345);
  s.hpet(0x010, 0);
  s.at(99999);
  assert.equal(s.hpet(0x0f0), 12345);
  s.hpet(0x0f0, 0xfffffff0); s.hpet(0x0f4, 1);
  s.hpet(0x010, 1);
  s.at(99999 + 0x20);
  assert.equal(s.hpet(0x0f0), 0x10);
  assert.equal(s.hpet(0x0f4), 2);
});

test('HPET one-shot: fires at the comparator, once; level status holds the line until cleared', () => {
  const s = setup();
  s.io(0x10 + 2 * 2, 0x8060);                             // GSI 2 level -> 0x60
  s.hpet(0x108, 5000); s.hpet(0x10c, 0);
  s.hpet(0x100, (2 << 9) | 4 | 2);                        // route GSI 2, enable, level
  s.hpet(0x010, 1);
  assert.equal(s.p.nextDeadline(), Math.min(5000, s.p.nextDeadline()));
  s.at(4999);
  assert.equal(s.p.pendingVector(), -1);
  s.at(5000);
  assert.equal(s.hpet(0x020), 1);
  assert.equal(s.p.acknowledge(), 0x60);
  s.hpet(0x020, 1);                                       // clear status: line drops
  s.apicWrite(0xb0, 0);
  assert.equal(s.p.pendingVector(), -1);
  s.at(50_000);
  assert.equal(s.hpet(0x020), 0, 'a 64-bit one-shot does not match again');
});

test('HPET periodic with VAL_SET: comparator then period; the comparator steps by the period', () => {
  const s = setup();
  s.io(0x10 + 2 * 2, 0x61);
  s.hpet(0x100, (2 << 9) | 4 | 8 | 64);                   // periodic, VAL_SET, edge
  s.hpet(0x10c, 0);                                       // high half first (it resets to all ones)
  s.hpet(0x108, 1000);                                    // first match
  s.hpet(0x108, 300);                                     // then the period
  s.hpet(0x010, 1);
  const seen: number[] = [];
  for (let t = 0; t <= 2000; t++) { s.at(t); if (s.vectors().length) seen.push(t); }
  assert.deepEqual(seen, [1000, 1300, 1600, 1900]);
  assert.equal(s.hpet(0x108), 2200);
});

test('HPET 32-bit mode: the comparator matches the counter\'s low half, again after the wrap', () => {
  const s = setup();
  s.io(0x10 + 2 * 2, 0x62);
  s.hpet(0x100, (2 << 9) | 4 | 0x100);                    // one-shot, 32-bit
  s.hpet(0x108, 10);
  s.hpet(0x0f0, 0xfffffff0); s.hpet(0x0f4, 0);
  s.hpet(0x010, 1);
  assert.equal(s.hpet(0x10c), 0, 'the high half reads 0 in 32-bit mode');
  s.at(0x1a);                                             // counter 0x1_0000000A: low half is 10
  assert.deepEqual(s.vectors(), [0x62]);
});

test('legacy replacement: timer 0 drives IRQ 0 / GSI 2 and the PIT no longer does', () => {
  const s = setup();
  s.io(0x10 + 2 * 2, 0x63);
  s.hpet(0x108, 1_000_000); s.hpet(0x10c, 0);
  s.hpet(0x100, 4);
  s.hpet(0x010, 3);
  // The PIT (mode 2, count 65536 at reset: every 54.9 ms) would have fired twice by 120 ms.
  const seen: number[] = [];
  for (let t = 0; t <= 12_000_000; t += 100_000) { s.at(t); seen.push(...s.vectors()); }
  assert.deepEqual(seen, [0x63]);
  s.hpet(0x010, 1);                                       // leave legacy mode: the PIT is heard again
  for (let t = 12_000_000; t <= 18_000_000; t += 100_000) { s.at(t); seen.push(...s.vectors()); }
  assert.deepEqual(seen, [0x63, 0x63]);
});
