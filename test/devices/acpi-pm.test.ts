// The PIIX4 PM block's SCI (ACPI 4.8 / PIIX4 datasheet): TMR_STS is set each time the PM
// timer's bit 23 toggles (2^23 / 3.579545 MHz = 2.34 s); with TMR_EN and SCI_EN set the SCI
// (ISA IRQ 9, level) is high until TMR_STS is written with 1; ACPI_ENABLE/ACPI_DISABLE at
// SMI_CMD switch SCI_EN. Checked through the 8259 and through the I/O APIC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initPic, rig, slaveIrr } from './harness';
import type { PcPlatform } from '../../emulator/devices/platform';

const TOGGLE = Math.ceil((0x800000 / 3_579_545) * 1e8);    // ticks to the first bit-23 toggle

test('TMR_EN + SCI_EN: the SCI rises at the toggle and falls when TMR_STS is cleared', () => {
  const r = rig();
  initPic(r);
  r.outb(0x4d1, 0x02);                                       // ELCR: IRQ 9 level-triggered, as the SCI is
  r.p.portOut(0x600, 2, 1);                                  // clear TMR_STS
  r.p.portOut(0x602, 2, 1);                                  // TMR_EN
  assert.equal(r.p.nextDeadline() < TOGGLE, true);           // the PIT's tick comes first
  r.at(TOGGLE + 10);
  assert.equal(r.p.portIn(0x600, 2) & 1, 1, 'TMR_STS');
  assert.equal(slaveIrr(r) & 2, 0, 'no SCI while SCI_EN is clear (events would go to SMI)');
  r.outb(0xb2, 0xf1);                                        // ACPI_ENABLE
  assert.equal(r.p.portIn(0x604, 2) & 1, 1);
  assert.equal(slaveIrr(r) & 2, 2, 'IRQ 9 is the slave\'s IR1');
  r.p.portOut(0x600, 2, 1);
  assert.equal(slaveIrr(r) & 2, 0, 'cleared status drops the level');
  // Next toggle: 2^23 counts later; the platform's next deadline is no later than it.
  const next = (r.p as PcPlatform).acpi.nextDeadline();
  assert.ok(r.p.nextDeadline() <= next);
  assert.equal(next, Math.ceil((2 * 0x800000 / 3_579_545) * 1e8));
  r.at(next);
  assert.equal(slaveIrr(r) & 2, 2);
  r.outb(0xb2, 0xf0);                                        // ACPI_DISABLE
  assert.equal(slaveIrr(r) & 2, 0);
});

test('the SCI reaches the I/O APIC as level-triggered GSI 9', () => {
  const r = rig();
  r.outb(0x21, 0xff); r.outb(0xa1, 0xff);
  r.apicWrite(0xf0, 0x1ff);
  const io = r.p.mmio.find((m) => m.name === 'ioapic')!.handler;
  io.write(0, 4, 0x10 + 2 * 9); io.write(0x10, 4, 0x8070);   // level, active high -> 0x70
  r.outb(0xb2, 0xf1);
  r.p.portOut(0x600, 2, 1);
  r.p.portOut(0x602, 2, 1);
  r.at(TOGGLE);
  assert.equal(r.p.acknowledge(), 0x70);
  r.p.portOut(0x600, 2, 1);
  r.apicWrite(0xb0, 0);
  assert.equal(r.p.pendingVector(), -1);
});
