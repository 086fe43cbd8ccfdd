// Issue 14, point 5: the 16-/32-bit edge cases, each against the SDM's pseudo-code (the host
// CPU cases are in test/conformance/stack.test.ts and rotate-carry.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFlat, runKernel, runReal, u32, R_VEC, R_ERR, R_CR2 } from './harness';

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

test('ENTER 1,0 at ring 3 whose final stack pointer is on a not-present page raises #PF, nothing changed', () => {
  // SDM ENTER: "#PF(fault-code) if a write using the final value of the stack pointer would
  // cause a page fault". Page 0x3fe000 is not present; ESP is 4 bytes into the page above it,
  // so PUSH EBP fits and the 1-byte frame does not.
  const r = runKernel(`
  mov edi, 0x200000              ; page directory
  mov ecx, 1024
  xor eax, eax
  rep stosd
  mov dword [0x200000], 0x201007 ; PDE 0 -> page table at 0x201000, user
  mov edi, 0x201000
  mov eax, 7
  mov ecx, 1024
.fill: stosd
  add eax, 0x1000
  loop .fill
  mov dword [0x201000 + 0x3fe * 4], 0   ; page 0x3fe000 not present
  mov eax, 0x200000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  push UDATA
  push 0x3ff004
  push 0x002
  push UCODE
  push user
  iretd
user:
  mov ax, UDATA
  mov ds, ax
  mov es, ax
  mov ebp, 0xabcdef01
  enter 1, 0
  mov dword [R_VEC], 0x77
  hlt`);
  assert.equal(u32(r.m, R_VEC), 14, `vector ${u32(r.m, R_VEC)}`);
  assert.equal(u32(r.m, R_ERR), 6, '#PF error code: user write, not present');
  assert.ok(u32(r.m, R_CR2) >= 0x3fe000 && u32(r.m, R_CR2) < 0x3ff000, `CR2 ${u32(r.m, R_CR2).toString(16)} in the not-present page`);
  // The #PF frame on the ring-0 stack holds the user ESP and EBP is untouched.
  assert.equal(u32(r.m, 0x8f000 - 8), 0x3ff004, 'ESP in the frame: unchanged');
  assert.equal(r.m.cpu.regs[5] >>> 0, 0xabcdef01, 'EBP unchanged');
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
