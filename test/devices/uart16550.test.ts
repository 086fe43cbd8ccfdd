import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initPic, masterIrr, rig } from './harness';

const COM1 = 0x3f8;
const RBR = COM1, IER = COM1 + 1, IIR = COM1 + 2, LCR = COM1 + 3, MCR = COM1 + 4, LSR = COM1 + 5, MSR = COM1 + 6, SCR = COM1 + 7;

test('reset state: LSR shows THRE and TEMT, IIR no interrupt, transmit goes to serialOut', () => {
  const r = rig();
  assert.equal(r.inb(LSR), 0x60);
  assert.equal(r.inb(IIR), 0x01);
  for (const ch of 'Hi\n') r.outb(COM1, ch.charCodeAt(0));
  assert.equal(String.fromCharCode(...r.serial), 'Hi\n');
  assert.equal(r.inb(LSR) & 0x60, 0x60);
  assert.equal(r.p.portOwner(COM1), 'uart');
  assert.equal(r.p.portOwner(SCR), 'uart');
});

test('divisor latch is reached through LCR.DLAB and does not disturb IER or THR', () => {
  const r = rig();
  r.outb(IER, 0x05);
  r.outb(LCR, 0x83);
  r.outb(COM1, 0x01); r.outb(IER, 0x00);           // 115200 baud
  assert.equal(r.inb(COM1), 0x01);
  assert.equal(r.inb(IER), 0x00);
  assert.equal(r.serial.length, 0, 'DLL writes must not transmit');
  r.outb(LCR, 0x03);
  assert.equal(r.inb(IER), 0x05);
  assert.equal(r.inb(LCR), 0x03);
  r.outb(SCR, 0x5a);
  assert.equal(r.inb(SCR), 0x5a);
});

test('IIR priority: line status > received data > THR empty > modem status, and their clearing rules', () => {
  const r = rig();
  r.outb(MCR, 0x0b);
  r.outb(IER, 0x0f);                                 // enabling THRI with THR empty raises it
  assert.equal(r.inb(IIR), 0x02);
  assert.equal(r.inb(IIR), 0x01, 'reading IIR while it reports THRE clears it');
  r.p.serialInput(new Uint8Array([0x41]));
  assert.equal(r.inb(IIR), 0x04);
  assert.equal(r.inb(LSR) & 1, 1);
  r.outb(COM1, 0x42);                                // transmit: THRE pending behind RDA
  assert.equal(r.inb(IIR), 0x04, 'received data outranks THR empty');
  assert.equal(r.inb(RBR), 0x41);
  assert.equal(r.inb(IIR), 0x02);
  assert.equal(r.inb(IIR), 0x01);
  // Overrun: the 1-byte holding register (FIFO off) is full and another byte arrives in loopback.
  r.outb(MCR, 0x1b);
  r.outb(COM1, 0x10);
  r.outb(COM1, 0x11);
  assert.equal(r.inb(IIR), 0x06, 'overrun is a receiver line status interrupt, highest priority');
  const lsr = r.inb(LSR);
  assert.equal(lsr & 0x03, 0x03, 'DR and OE');
  assert.equal(r.inb(LSR) & 0x02, 0, 'reading LSR clears OE');
  assert.equal(r.inb(IIR), 0x04);
  assert.equal(r.inb(RBR), 0x11, 'character mode: the new byte overwrote the unread one');
  r.inb(IIR);                                        // clear the THRE left by the loopback writes
  // Modem status: in loopback RTS drives CTS; a change sets DCTS.
  r.outb(MCR, 0x19);                                 // drop RTS (bit 1)
  assert.equal(r.inb(IIR), 0x00);
  const msr = r.inb(MSR);
  assert.equal(msr & 0x01, 0x01, 'DCTS');
  assert.equal(r.inb(IIR), 0x01, 'reading MSR clears the modem status interrupt');
});

test('OUT2 gates the IRQ 4 line to the PIC, as on a PC', () => {
  const r = rig();
  initPic(r);
  r.outb(IER, 0x01);
  r.outb(MCR, 0x03);                                 // DTR|RTS, OUT2 off
  r.p.serialInput(new Uint8Array([0x61]));
  assert.equal(r.inb(IIR), 0x04);
  assert.equal(masterIrr(r) & 0x10, 0, 'no IRQ without OUT2');
  r.outb(MCR, 0x0b);
  assert.equal(masterIrr(r) & 0x10, 0x10);
  assert.equal(r.p.pendingVector(), 0x24);
  assert.equal(r.p.acknowledge(), 0x24);
  assert.equal(r.inb(RBR), 0x61);
  assert.equal(masterIrr(r) & 0x10, 0);
});

test('FIFO: IIR bits 7:6, trigger level, character timeout below it, clearing through FCR', () => {
  const r = rig();
  r.outb(IIR, 0xc7);                                 // enable, clear both, trigger 14
  assert.equal(r.inb(IIR), 0xc1);
  r.outb(IER, 0x01);
  r.outb(LCR, 0x03);                                 // 8N1: 10-bit frames at the reset divisor 12 (9600 baud)
  r.clock.t = 1000;
  r.p.serialInput(new Uint8Array([1, 2, 3]));
  assert.equal(r.inb(IIR), 0xc1, 'below the trigger level nothing is signalled at once');
  // Character timeout: four character times of 10 bits at 9600 baud = 4166.67 us = 416667 instructions.
  const fourChars = Math.ceil((4 * 10 * 1e9) / 9600 / 10);
  assert.equal(r.p.nextDeadline(), 1000 + fourChars);
  r.clock.t = 1000 + fourChars - 1;
  assert.equal(r.inb(IIR), 0xc1);
  r.at(1000 + fourChars);
  assert.equal(r.inb(IIR), 0xcc, 'character timeout indication');
  r.p.serialInput(new Uint8Array(11).fill(9));
  assert.equal(r.inb(IIR), 0xc4, '14 bytes reach the trigger level');
  assert.equal(r.inb(RBR), 1);
  r.outb(IIR, 0xc3);                                 // clear receive FIFO
  assert.equal(r.inb(LSR) & 1, 0);
  assert.equal(r.inb(IIR), 0xc1);
  r.outb(IIR, 0x00);
  assert.equal(r.inb(IIR) & 0xc0, 0);
});

test('host input beyond the FIFO waits and is never dropped', () => {
  const r = rig();
  r.outb(IIR, 0x07);
  const text = 'The quick brown fox jumps over the lazy dog';
  r.p.serialInput(new TextEncoder().encode(text));
  let got = '';
  while (r.inb(LSR) & 1) got += String.fromCharCode(r.inb(RBR));
  assert.equal(got, text);
  assert.equal(r.inb(LSR) & 0x02, 0, 'no overrun');
});

test('loopback: THR reaches RBR, nothing goes out, MCR outputs appear on MSR inputs', () => {
  const r = rig();
  r.outb(MCR, 0x10);
  r.outb(COM1, 0xae);
  assert.equal(r.serial.length, 0);
  assert.equal(r.inb(LSR) & 1, 1);
  assert.equal(r.inb(RBR), 0xae);
  r.inb(MSR);
  r.outb(MCR, 0x1f);                                 // DTR RTS OUT1 OUT2
  assert.equal(r.inb(MSR) & 0xf0, 0xf0);
  r.outb(MCR, 0x10);
  const msr = r.inb(MSR);
  assert.equal(msr & 0xf0, 0x00);
  assert.equal(msr & 0x0f, 0x0f, 'DCTS, DDSR, TERI (RI trailing edge), DDCD');
  r.outb(MCR, 0x00);
  assert.equal(r.inb(MSR) & 0xb0, 0xb0, 'outside loopback the host side asserts CTS, DSR, DCD');
});

test('a 16-bit OUT to 0x3F8 is split into THR and IER bytes', () => {
  const r = rig();
  r.p.portOut(COM1, 2, 0x0241);
  assert.deepEqual(r.serial, [0x41]);
  assert.equal(r.inb(IER), 0x02);
});

test('a large paste is delivered whole and in order', () => {
  const r = rig();
  r.outb(IIR, 0x01);
  const data = new Uint8Array(60_000).map((_, i) => (i * 7 + 3) & 0xff);
  r.p.serialInput(data.subarray(0, 30_000));
  r.p.serialInput(data.subarray(30_000));
  const got = new Uint8Array(data.length);
  let n = 0;
  while (r.inb(LSR) & 1) got[n++] = r.inb(RBR);
  assert.equal(n, data.length);
  assert.deepEqual(got, data);
});
