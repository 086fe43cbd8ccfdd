// Privilege transitions: IRET to ring 3, interrupt gates with a TSS stack switch, gate DPL
// checks, IOPL-sensitive instructions, call gates and far return to the outer ring,
// SYSENTER/SYSEXIT, and a precise fault on a ring-3 PUSH (SDM Vol. 3, ch. 5 and §6.12).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKernel, u32, R_VEC, R_ERR, R_EIP, R_CS, R_ESP, R_COUNT, R_SCRATCH, R_CR2 } from './harness';

const USER_ESP = 0x70000;

/** Enter ring 3 at `user` with EFLAGS `flags` (IOPL in bits 12-13); int 0x80 is a DPL-3 gate. */
function toRing3(user: string, flags = 0x002, setup = ''): string {
  return `
  mov word [idt + 0x80 * 8 + 4], 0xee00
${setup}
  push UDATA
  push ${USER_ESP}
  push ${flags}
  push UCODE
  push user
  iretd
user:
  mov ax, UDATA
  mov ds, ax
  mov es, ax
${user}
  int 0x80
`;
}

test('INT from ring 3 through a DPL-3 gate switches to the TSS stack and pushes SS:ESP, EFLAGS, CS:EIP', () => {
  const r = runKernel(toRing3(`mov dword [R_SCRATCH], after\n int 0x80\nafter:`));
  const esp = u32(r.m, R_ESP);
  assert.equal(u32(r.m, R_VEC), 0x80);
  assert.equal(esp, 0x8f000 - 20);
  const frame = [0, 4, 8, 12, 16].map((o) => u32(r.m, esp + o));
  assert.deepEqual([frame[0], frame[1], frame[3], frame[4]], [u32(r.m, R_SCRATCH), 0x1b, USER_ESP, 0x23]);
  assert.equal(frame[2] & 0x200, 0);
});

test('INT n through a DPL-0 gate from ring 3 is #GP(vector*8+2)', () => {
  const r = runKernel(toRing3(`int 0x81`));
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_ERR)], [13, 0x81 * 8 + 2]);
});

test('CLI and HLT at CPL 3 with IOPL 0 are #GP(0); CLI is allowed with IOPL 3', () => {
  let r = runKernel(toRing3(`cli`));
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_ERR), u32(r.m, R_CS)], [13, 0, 0x1b]);
  r = runKernel(toRing3(`hlt`));
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_ERR)], [13, 0]);
  r = runKernel(toRing3(`cli\n sti`, 0x3002));
  assert.equal(u32(r.m, R_VEC), 0x80);
});

test('POPF at CPL 3 keeps IF and IOPL; IN at CPL 3 consults the TSS I/O bitmap', () => {
  const r = runKernel(toRing3(`pushfd\n pop eax\n and eax, ~0x200\n or eax, 0x3000\n push eax\n popfd\n pushfd\n pop eax\n mov [R_SCRATCH], eax`, 0x202));
  assert.equal(u32(r.m, R_SCRATCH) & 0x3200, 0x200);
  const io = runKernel(toRing3(`mov dx, 0x80\n in al, dx`));
  assert.deepEqual([u32(io.m, R_VEC), u32(io.m, R_ERR)], [13, 0]);
  // An I/O bitmap inside the TSS limit with port 0x80 cleared lets it through.
  const ok = runKernel(toRing3(`mov dword [R_SCRATCH], second\n mov dx, 0x80\n in al, dx\n mov dx, 0x81\nsecond: in al, dx`, 0x002, `
  mov word [tss + 0x66], 0x68
  mov byte [gdt + 0x28], 0x68 + 0x20
  mov byte [gdt + 0x28 + 5], 0x89
  mov ax, TSSSEL
  ltr ax
  mov edi, tss + 0x68
  mov ecx, 0x20
  mov al, 0xff
  rep stosb
  mov byte [tss + 0x68 + 0x10], 0xfe`));
  assert.deepEqual([u32(ok.m, R_VEC), u32(ok.m, R_ERR)], [13, 0]);
  assert.equal(u32(ok.m, R_EIP), u32(ok.m, R_SCRATCH));
});

test('a far CALL through a DPL-3 call gate enters ring 0 on the TSS stack; RETF returns to ring 3', () => {
  const r = runKernel(toRing3(`
  call 0x33:0
  mov [R_SCRATCH + 8], cs
  mov [R_SCRATCH + 12], ss`, 0x002, `
  mov eax, gate_target
  mov [gdt + 0x30], ax
  mov word [gdt + 0x32], KCODE
  shr eax, 16
  mov [gdt + 0x36], ax
  mov word [gdt + 0x34], 0xec00
  jmp gate_go
gate_target:
  mov [R_SCRATCH], cs
  mov [R_SCRATCH + 4], esp
  mov eax, [esp + 4]
  mov [R_SCRATCH + 16], eax
  mov eax, [esp + 8]
  mov [R_SCRATCH + 20], eax
  mov eax, [esp + 12]
  mov [R_SCRATCH + 24], eax
  retf
gate_go:`));
  assert.equal(u32(r.m, R_VEC), 0x80);
  assert.equal(u32(r.m, R_SCRATCH) & 0xffff, 0x08);
  const esp = u32(r.m, R_SCRATCH + 4);
  assert.equal(esp, 0x8f000 - 16);
  assert.deepEqual([u32(r.m, R_SCRATCH + 16), u32(r.m, R_SCRATCH + 20), u32(r.m, R_SCRATCH + 24)], [0x1b, USER_ESP, 0x23]);
  assert.deepEqual([u32(r.m, R_SCRATCH + 8) & 0xffff, u32(r.m, R_SCRATCH + 12) & 0xffff], [0x1b, 0x23]);
});

test('SYSEXIT enters ring 3 with the SDM-defined selectors and SYSENTER comes back to ring 0', () => {
  const r = runKernel(`
  mov ecx, 0x174
  mov eax, KCODE
  xor edx, edx
  wrmsr
  mov ecx, 0x175
  mov eax, 0x8e000
  wrmsr
  mov ecx, 0x176
  mov eax, kentry
  wrmsr
  mov ecx, ${USER_ESP}
  mov edx, uentry
  sysexit
uentry:
  mov [R_SCRATCH], cs
  mov [R_SCRATCH + 4], ss
  sysenter
kentry:
  mov [R_SCRATCH + 8], cs
  mov [R_SCRATCH + 12], ss
  mov [R_SCRATCH + 16], esp`);
  const v = [0, 4, 8, 12, 16].map((o) => u32(r.m, R_SCRATCH + o) & (o === 16 ? 0xffffffff : 0xffff));
  assert.deepEqual(v, [0x1b, 0x23, 0x08, 0x10, 0x8e000]);
});

test('a ring-3 PUSH onto a not-present page faults precisely: ESP is unchanged in the frame', () => {
  const r = runKernel(`
  mov edi, 0x200000
  xor eax, eax
  mov ecx, 1024
  rep stosd
  mov edi, 0x201000
  mov eax, 7
  mov ecx, 2048
.fill:
  mov [edi], eax
  add edi, 4
  add eax, 0x1000
  loop .fill
  mov dword [0x200000], 0x201000 | 7
  mov dword [0x200004], 0x202000 | 7
  mov eax, 0x200000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
` + toRing3(`mov esp, 0x900004\n mov eax, 0x1234\n push eax`));
  const esp = u32(r.m, R_ESP);
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_ERR), u32(r.m, R_CR2)], [14, 6, 0x900000]);
  assert.equal(u32(r.m, esp + 12), 0x900004);
  assert.equal(u32(r.m, R_COUNT), 1);
});
