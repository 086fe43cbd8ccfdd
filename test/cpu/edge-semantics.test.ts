// Issue 14, point 5: the 16-/32-bit edge cases, each against the SDM's pseudo-code (the host
// CPU cases are in test/conformance/stack.test.ts and rotate-carry.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFlat, runReal, u32 } from './harness';

// A flat GDT plus a 16-bit (B = 0) data segment at 0x18 with base 0 and limit 0xffff.
const GDT = `
  lgdt [gdtr]
  jmp 0x08:.r
.r:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  jmp body
align 8
gdt: dq 0, 0x00cf9a000000ffff, 0x00cf92000000ffff, 0x000092000000ffff
gdtr: dw 31
  dd gdt
body:`;

test('POP SS on a 16-bit stack increments SP (not ESP) by the old SS B bit, with wrap-around', () => {
  // SDM POP: the stack-address size is the current (old) SS's B bit; SP wraps at 64 KiB.
  const r = runFlat(`${GDT}
  mov word [0xfffe], 0x10        ; the flat 32-bit data selector, at SS:0xfffe
  mov word [0xfffc], 0x10
  mov ax, 0x18
  mov ss, ax
  mov esp, 0x1234fffe
  o16 pop ss                     ; old SS is 16-bit: SP 0xfffe + 2 wraps to 0
  mov [0x5000], esp
  mov ax, 0x18
  mov ss, ax
  mov esp, 0x1234fffc
  o32 pop ss                     ; 4 bytes at SS:0xfffc, SP wraps to 0
  mov [0x5004], esp
  mov ax, 0x10
  mov ss, ax
  mov esp, 0x9000
  hlt`);
  assert.equal(r.stop.kind, 'halted');
  assert.equal(u32(r.m, 0x5000).toString(16), '12340000');
  assert.equal(u32(r.m, 0x5004).toString(16), '12340000');
});

test('a real-mode 16-bit IRET leaves reserved EFLAGS bits 3, 5 and 15 clear (bit 1 set)', () => {
  const r = runReal(`
  push word 0xfeff               ; FLAGS image with every bit but TF set
  push cs
  push word after
  iret
after:
  cli
  pushf
  pop ax
  mov [0x6000], ax
  hlt`);
  assert.equal(r.stop.kind, 'halted');
  const fl = r.m.readPhysical(0x6000, 2)[0] | (r.m.readPhysical(0x6001, 1)[0] << 8);
  assert.equal(fl & 0x8028, 0, `reserved bits in ${fl.toString(16)}`);
  assert.equal(fl & 2, 2);
  assert.equal(fl & 0x0cd5, 0x0cd5, 'status flags and DF, OF loaded from the frame');
});
