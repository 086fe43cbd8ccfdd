// The system side of long mode on small 64-bit kernels (long-prelude.ts): delivery through the
// 64-bit IDT (frame, 16-byte alignment, IST, RSP0 and the null SS), IRETQ to ring 3 and to
// compatibility mode, SYSCALL/SYSRET both ways, SWAPGS and the base MSRs, FSGSBASE,
// CMPXCHG16B, MOV CR8 against the APIC's TPR, and CPUID. Expected values are worked out from
// the SDM's definitions and the addresses the guest itself stores, not read off our output.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LONG_WAITS, R, STACKS, q, runLong } from './long-prelude';

const TRAP_RESUME = (label: string) => `  mov rax, ${label}\n  mov [R_RESUME], rax\n`;

test('INT3 in 64-bit mode pushes SS, RSP, RFLAGS, CS, RIP as quadwords on a 16-byte aligned stack', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
  sub rsp, 8                    ; RSP = 0x8fff8: not 16-byte aligned
  pushfq
  pop qword [R_SCRATCH]
  mov rax, after
  mov [R_SCRATCH + 8], rax
${TRAP_RESUME('after')}
  int3
after:
  mov [R_SCRATCH + 16], rsp
`);
  assert.equal(q(m, R.VEC), 3n);
  assert.equal(q(m, R.RIP), q(m, R.SCRATCH + 8), 'RIP after the INT3');
  assert.equal(q(m, R.CS), 0x08n);
  assert.equal(q(m, R.RFLAGS), q(m, R.SCRATCH));
  assert.equal(q(m, R.RSP), 0x8fff8n, 'the old RSP, unaligned');
  assert.equal(q(m, R.SS), 0x10n);
  // Aligned down to 0x8fff0, then five quadwords.
  assert.equal(q(m, R.FRAME), 0x8fff0n - 40n);
  assert.equal(q(m, R.SCRATCH + 16), 0x8fff8n, 'IRETQ restores the unaligned RSP');
});

test('a gate with IST 1 switches to IST1 whatever the privilege; #PF in the upper half reports CR2 in full', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
  mov byte [idt + 14 * 16 + 4], 1     ; #PF on IST1
  mov rax, fault
  mov [R_SCRATCH], rax
${TRAP_RESUME('after')}
  mov rbx, FARBASE + 0x1000000        ; 16 MiB into the far mapping: not present
fault:
  mov rax, [rbx]
after:
`);
  assert.equal(q(m, R.VEC), 14n);
  assert.equal(q(m, R.ERR), 0n, 'read, supervisor, not present');
  assert.equal(q(m, R.CR2), 0xffff800001000000n);
  assert.equal(q(m, R.RIP), q(m, R.SCRATCH), 'a fault reports the faulting instruction');
  assert.equal(q(m, R.FRAME), BigInt(STACKS.ist1) - 40n, 'IST1 top: SS, RSP, RFLAGS, CS, then RIP (the error code below it)');
});

test('non-canonical addresses: #GP(0) for data, #SS(0) for the stack (taken on IST2)', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
  mov rax, fault1
  mov [R_SCRATCH], rax
${TRAP_RESUME('after1')}
  mov rbx, 0x0000800000000000
fault1:
  mov rax, [rbx]
after1:
  mov rax, [R_VEC]
  mov [R_SCRATCH + 8], rax
  mov rax, [R_ERR]
  mov [R_SCRATCH + 16], rax
  mov byte [idt + 12 * 16 + 4], 2     ; #SS on IST2: the faulting stack cannot take a frame
  mov rax, fault2
  mov [R_SCRATCH + 24], rax
${TRAP_RESUME('after2')}
  mov r15, rsp
  mov rsp, 0x0000800000000010
fault2:
  push rax
after2:
  mov rsp, r15
`);
  assert.equal(q(m, R.SCRATCH + 8), 13n);
  assert.equal(q(m, R.SCRATCH + 16), 0n);
  assert.equal(q(m, R.VEC), 12n);
  assert.equal(q(m, R.ERR), 0n);
  assert.equal(q(m, R.RIP), q(m, R.SCRATCH + 24));
  assert.equal(q(m, R.RSP), 0x0000800000000010n, 'the frame keeps the non-canonical RSP');
  assert.equal(q(m, R.FRAME), BigInt(STACKS.ist2) - 40n);
});

/** Points IDT vector `v` at `label` as a 64-bit interrupt gate with DPL `dpl`. */
const gate = (v: number, label: string, dpl = 3) => `
  mov rax, ${label}
  mov [idt + ${v * 16}], ax
  mov word [idt + ${v * 16 + 4}], 0x${(0x8e00 | (dpl << 13)).toString(16)}
  shr rax, 16
  mov [idt + ${v * 16 + 6}], ax
  shr rax, 16
  mov [idt + ${v * 16 + 8}], eax
`;

/** IRETQ to ring 3 at `label` with RSP 0x7000 and RFLAGS `flags`. */
const toRing3 = (label: string, flags = 0x2, cs = 'UCODE') => `
  push UDATA
  push 0x7000
  push 0x${flags.toString(16)}
  push ${cs}
  mov rax, ${label}
  push rax
  iretq
`;

test('ring 3 to ring 0 through a DPL 3 gate: RSP0 stack, the user SS:RSP pushed, SS null with RPL 0', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
${gate(0x80, 'int80')}
${toRing3('user')}
user:
  mov rbx, 0x1234
  int 0x80
  jmp user
int80:
  mov ax, ss
  movzx eax, ax
  mov [R_SCRATCH], rax
  mov [R_SCRATCH + 8], rsp
  mov rax, [rsp + 32]
  mov [R_SCRATCH + 16], rax           ; old SS
  mov rax, [rsp + 24]
  mov [R_SCRATCH + 24], rax           ; old RSP
  mov rax, [rsp + 8]
  mov [R_SCRATCH + 32], rax           ; old CS
  mov [R_SCRATCH + 40], rbx
`);
  assert.equal(q(m, R.SCRATCH), 0n, 'SS is the null selector (RPL 0)');
  assert.equal(q(m, R.SCRATCH + 8), BigInt(STACKS.rsp0) - 40n, 'RSP0 top, five quadwords');
  assert.equal(q(m, R.SCRATCH + 16), 0x23n);
  assert.equal(q(m, R.SCRATCH + 24), 0x7000n);
  assert.equal(q(m, R.SCRATCH + 32), 0x2bn);
  assert.equal(q(m, R.SCRATCH + 40), 0x1234n, 'ring 3 ran');
});

const SYSCALL_MSRS = `
  mov ecx, 0xc0000081                 ; STAR: SYSRET base 0x18, SYSCALL CS 0x08
  xor eax, eax
  mov edx, 0x00180008
  wrmsr
  mov ecx, 0xc0000082                 ; LSTAR
  mov rax, sys_entry
  mov rdx, rax
  shr rdx, 32
  wrmsr
  mov ecx, 0xc0000084                 ; FMASK: TF DF IF IOPL AC NT
  mov eax, 0x47700
  xor edx, edx
  wrmsr
`;

test('SYSCALL and SYSRETQ: RCX/R11, the STAR selectors, FMASK; SYSRETQ returns to 64-bit ring 3', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
${SYSCALL_MSRS}
${toRing3('user', 0x402)}
user:
  mov rax, 0x42
  syscall
back:
  mov ax, cs
  movzx eax, ax
  mov [R_SCRATCH + 48], rax
  mov ax, ss
  movzx eax, ax
  mov [R_SCRATCH + 56], rax
  pushfq
  pop qword [R_SCRATCH + 64]
  mov rax, 0x43
  syscall
sys_entry:
  cmp rax, 0x43
  je .done
  mov [R_SCRATCH], rcx
  mov [R_SCRATCH + 8], r11
  mov rbx, back
  mov [R_SCRATCH + 16], rbx
  mov bx, cs
  movzx ebx, bx
  mov [R_SCRATCH + 24], rbx
  mov bx, ss
  movzx ebx, bx
  mov [R_SCRATCH + 32], rbx
  pushfq
  pop qword [R_SCRATCH + 40]
  o64 sysret
.done:
  cli
  hlt
`);
  assert.equal(q(m, R.SCRATCH), q(m, R.SCRATCH + 16), 'RCX = the RIP after SYSCALL');
  assert.equal(q(m, R.SCRATCH + 8), 0x402n, 'R11 = RFLAGS (DF set, IF clear)');
  assert.equal(q(m, R.SCRATCH + 24), 0x08n);
  assert.equal(q(m, R.SCRATCH + 32), 0x10n);
  assert.equal(q(m, R.SCRATCH + 40) & ~0x8d5n, 0x2n, 'FMASK cleared DF (arithmetic flags are the CMP\'s)');
  assert.equal(q(m, R.SCRATCH + 48), 0x2bn, 'SYSRETQ: CS = STAR[63:48] + 16, RPL 3');
  assert.equal(q(m, R.SCRATCH + 56), 0x23n, 'SS = STAR[63:48] + 8, RPL 3');
  assert.equal(q(m, R.SCRATCH + 64), 0x402n, 'RFLAGS from R11');
});

test('SYSRET without REX.W returns to compatibility mode at ECX; a DPL 3 gate brings it back with a 64-bit frame', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
${SYSCALL_MSRS}
${gate(0x80, 'int80')}
${toRing3('user')}
user:
  mov ax, UDATA                       ; compatibility mode uses DS: give ring 3 a usable one
  mov ds, ax
  mov es, ax
  syscall
sys_entry:
  mov rcx, 0xdead000000000000         ; ECX is what counts: the high half is dropped
  mov rax, compat
  or rcx, rax
  sysret                              ; 32-bit operand size: CS = 0x18 | 3
bits 32
compat:
  mov eax, cs
  mov [R_SCRATCH], eax
  mov dword [R_SCRATCH + 4], 0
  int 0x80
bits 64
int80:
  mov rax, [rsp + 8]
  mov [R_SCRATCH + 8], rax            ; CS of the interrupted code
  mov rax, [rsp]
  mov [R_SCRATCH + 16], rax           ; RIP, zero-extended
  mov rax, [rsp + 32]
  mov [R_SCRATCH + 24], rax           ; SS = STAR[63:48] + 8, RPL 3
`);
  assert.equal(q(m, R.SCRATCH), 0x1bn, 'compatibility-mode ring 3 code segment');
  assert.equal(q(m, R.SCRATCH + 8), 0x1bn);
  assert.ok(q(m, R.SCRATCH + 16) > 0x100000n && q(m, R.SCRATCH + 16) < 0x200000n, 'the RIP pushed from compatibility mode has no high half');
  assert.equal(q(m, R.SCRATCH + 24), 0x23n);
});

test('SYSRET to a non-canonical RCX is #GP(0) in ring 0; SYSCALL without EFER.SCE is #UD', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
  mov rax, fault
  mov [R_SCRATCH], rax
${TRAP_RESUME('after')}
  mov rcx, 0x0000800000000000
fault:
  o64 sysret
after:
  mov rax, [R_VEC]
  mov [R_SCRATCH + 8], rax
  mov rax, [R_CS]
  mov [R_SCRATCH + 16], rax
  mov ecx, 0xc0000080
  rdmsr
  and eax, ~1
  wrmsr
${TRAP_RESUME('after2')}
  syscall
after2:
`);
  assert.equal(q(m, R.SCRATCH + 8), 13n);
  assert.equal(q(m, R.SCRATCH + 16), 0x08n, 'still ring 0 when the #GP is taken');
  assert.equal(q(m, R.VEC), 6n, 'SYSCALL with SCE clear');
});

test('SWAPGS exchanges GS.base with KERNEL_GS_BASE; the base MSRs check canonical form; MOV GS clears the base', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
  mov ecx, 0xc0000101
  mov eax, 0x11112222
  mov edx, 0xffff8000
  wrmsr
  mov ecx, 0xc0000102
  mov eax, 0x1000
  xor edx, edx
  wrmsr
  swapgs
  mov qword [gs:R_SCRATCH - 0x1000 + 0x40], 0x55   ; GS.base 0x1000 now
  mov ecx, 0xc0000101
  rdmsr
  mov [R_SCRATCH], eax
  mov [R_SCRATCH + 4], edx
  mov ecx, 0xc0000102
  rdmsr
  mov [R_SCRATCH + 8], eax
  mov [R_SCRATCH + 12], edx
${TRAP_RESUME('after')}
  mov ecx, 0xc0000100
  xor eax, eax
  mov edx, 0x00008000                 ; 0x0000800000000000: not canonical
  wrmsr
after:
  mov rax, [R_VEC]
  mov [R_SCRATCH + 16], rax
  mov ax, KDATA
  mov gs, ax
  mov ecx, 0xc0000101
  rdmsr
  mov [R_SCRATCH + 24], eax
  mov [R_SCRATCH + 28], edx
`);
  assert.equal(q(m, R.SCRATCH + 0x40), 0x55n, 'GS-relative store used the swapped-in base');
  assert.equal(q(m, R.SCRATCH), 0x1000n);
  assert.equal(q(m, R.SCRATCH + 8), 0xffff800011112222n);
  assert.equal(q(m, R.SCRATCH + 16), 13n, 'WRMSR of a non-canonical FS.base');
  assert.equal(q(m, R.SCRATCH + 24), 0n, 'MOV GS loads the descriptor base, high half cleared');
});

test('RDFSBASE/WRFSBASE: #UD without CR4.FSGSBASE, 32-bit forms zero-extend, #GP on a non-canonical base', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
${TRAP_RESUME('after1')}
  rdfsbase rax
after1:
  mov rax, [R_VEC]
  mov [R_SCRATCH], rax
  mov rax, cr4
  or eax, 1 << 16
  mov cr4, rax
  mov rax, 0xffff8000aabbccdd
  wrfsbase rax
  rdfsbase rbx
  mov [R_SCRATCH + 8], rbx
  mov rcx, -1
  rdfsbase ecx
  mov [R_SCRATCH + 16], rcx
  mov edx, 0x1234
  wrgsbase edx
  rdgsbase rdx
  mov [R_SCRATCH + 24], rdx
  mov qword [R_VEC], 0
${TRAP_RESUME('after2')}
  mov rax, 0x0001000000000000
  wrgsbase rax
after2:
  mov rax, [R_VEC]
  mov [R_SCRATCH + 32], rax
`);
  assert.equal(q(m, R.SCRATCH), 6n);
  assert.equal(q(m, R.SCRATCH + 8), 0xffff8000aabbccddn);
  assert.equal(q(m, R.SCRATCH + 16), 0xaabbccddn);
  assert.equal(q(m, R.SCRATCH + 24), 0x1234n);
  assert.equal(q(m, R.SCRATCH + 32), 13n);
});

test('CMPXCHG16B: equal stores RCX:RBX and sets ZF, unequal loads RDX:RAX, unaligned is #GP(0)', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
  mov qword [cell], 1
  mov qword [cell + 8], 2
  mov rax, 1
  mov rdx, 2
  mov rbx, 0x1111111111111111
  mov rcx, 0x2222222222222222
  lock cmpxchg16b [cell]
  setz byte [R_SCRATCH]
  mov rax, 7
  mov rdx, 8
  cmpxchg16b [cell]
  setz byte [R_SCRATCH + 1]
  mov [R_SCRATCH + 8], rax
  mov [R_SCRATCH + 16], rdx
${TRAP_RESUME('after')}
  cmpxchg16b [cell + 8]
after:
  mov rax, [R_VEC]
  mov [R_SCRATCH + 24], rax
  mov rax, [cell]
  mov [R_SCRATCH + 32], rax
  mov rax, [cell + 8]
  mov [R_SCRATCH + 40], rax
`, `
align 16
cell: dq 0, 0, 0, 0
`);
  const b = m.readPhysical(R.SCRATCH, 2);
  assert.deepEqual([b[0], b[1]], [1, 0]);
  assert.equal(q(m, R.SCRATCH + 8), 0x1111111111111111n);
  assert.equal(q(m, R.SCRATCH + 16), 0x2222222222222222n);
  assert.equal(q(m, R.SCRATCH + 24), 13n);
  assert.equal(q(m, R.SCRATCH + 32), 0x1111111111111111n);
  assert.equal(q(m, R.SCRATCH + 40), 0x2222222222222222n);
});

test('MOV CR8 is the local APIC\'s TPR bits 7:4, both ways; reserved bits are #GP(0)', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
  mov rbx, 0xfee00080                 ; the APIC's TPR (a disp32 alone would sign-extend)
  mov rax, 9
  mov cr8, rax
  mov eax, [rbx]
  mov [R_SCRATCH], rax
  mov dword [rbx], 0xa5
  mov r9, cr8
  mov [R_SCRATCH + 8], r9
${TRAP_RESUME('after')}
  mov rax, 0x10
  mov cr8, rax
after:
  mov rax, [R_VEC]
  mov [R_SCRATCH + 16], rax
`);
  assert.equal(q(m, R.SCRATCH), 0x90n);
  assert.equal(q(m, R.SCRATCH + 8), 0xan);
  assert.equal(q(m, R.SCRATCH + 16), 13n);
});

test('CPUID: long mode, NX, SYSCALL, RDTSCP, LAHF/SAHF, CMPXCHG16B, FSGSBASE, 48-bit linear addresses, no LA57', () => {
  const { m } = runLong(`
  mov eax, 0x80000000
  cpuid
  mov [R_SCRATCH], eax
  mov eax, 0x80000001
  cpuid
  mov [R_SCRATCH + 8], edx
  mov [R_SCRATCH + 16], ecx
  mov eax, 0x80000008
  cpuid
  mov [R_SCRATCH + 24], eax
  mov eax, 1
  cpuid
  mov [R_SCRATCH + 32], ecx
  mov eax, 7
  xor ecx, ecx
  cpuid
  mov [R_SCRATCH + 40], ebx
  mov [R_SCRATCH + 48], ecx
`);
  const edx = Number(q(m, R.SCRATCH + 8)), ecx = Number(q(m, R.SCRATCH + 16));
  assert.equal(q(m, R.SCRATCH), 0x80000008n);
  for (const [bit, name] of [[29, 'LM'], [20, 'NX'], [11, 'SYSCALL'], [27, 'RDTSCP'], [26, 'Page1GB']] as const) assert.ok((edx >>> bit) & 1, name);
  assert.ok(ecx & 1, 'LAHF/SAHF in 64-bit mode');
  assert.equal(Number(q(m, R.SCRATCH + 24)) & 0xffff, 0x3024, 'MAXPHYADDR 36, 48-bit linear');
  assert.ok((Number(q(m, R.SCRATCH + 32)) >>> 13) & 1, 'CX16');
  assert.ok(Number(q(m, R.SCRATCH + 40)) & 1, 'FSGSBASE');
  assert.equal((Number(q(m, R.SCRATCH + 48)) >>> 16) & 1, 0, 'no LA57');
});

test('compatibility mode: 32-bit code under long mode takes its interrupts through the 64-bit IDT', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
  jmp far dword [rel to_compat]
bits 32
compat:
  mov eax, 0x12345678
  mov [R_SCRATCH], eax
  mov dword [R_RESUME], compat_back
  mov dword [R_RESUME + 4], 0
  int3
compat_back:
  mov [R_SCRATCH + 8], esp
  jmp KCODE:back64
bits 64
back64:
  mov qword [R_SCRATCH + 16], 1
`, `
to_compat: dd compat
  dw KCODE32
`);
  assert.equal(q(m, R.SCRATCH), 0x12345678n);
  assert.equal(q(m, R.CS), 0x30n, 'the frame holds the compatibility-mode CS');
  assert.equal(q(m, R.SS), 0x10n);
  assert.equal(q(m, R.SCRATCH + 8) & 0xffffffffn, BigInt(STACKS.rsp), 'IRETQ back to compatibility mode restored ESP');
  assert.equal(q(m, R.SCRATCH + 16), 1n, 'far JMP from compatibility mode back to 64-bit code');
});

test('SYSENTER enters 64-bit code in IA-32e mode; SYSEXIT with REX.W returns to 64-bit ring 3, without it to compatibility mode', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
  mov ecx, 0x174                      ; SYSENTER_CS
  mov eax, KCODE
  xor edx, edx
  wrmsr
  mov ecx, 0x175                      ; SYSENTER_ESP
  mov eax, 0x8c000
  wrmsr
  mov ecx, 0x176                      ; SYSENTER_EIP
  mov eax, sys_enter
  wrmsr
  mov qword [R_SCRATCH + 64], 0
  mov rdx, user64
  mov rcx, 0x7000
  o64 sysexit
user64:
  mov ax, cs
  movzx eax, ax
  mov [R_SCRATCH], rax
  mov ax, ss
  movzx eax, ax
  mov [R_SCRATCH + 8], rax
  mov [R_SCRATCH + 16], rsp
  sysenter
sys_enter:
  mov ax, cs
  movzx eax, ax
  mov [R_SCRATCH + 24], rax
  mov [R_SCRATCH + 32], rsp
  inc qword [R_SCRATCH + 64]
  cmp qword [R_SCRATCH + 64], 2
  je .done
  mov edx, compat_user
  mov ecx, 0x7000
  sysexit
.done:
  cli
  hlt
bits 32
compat_user:
  mov eax, cs
  mov [R_SCRATCH + 40], eax
  mov eax, ss
  mov [R_SCRATCH + 48], eax
  sysenter
bits 64
`);
  assert.equal(q(m, R.SCRATCH), 0x2bn, 'SYSEXIT with REX.W: CS = SYSENTER_CS + 32, RPL 3');
  assert.equal(q(m, R.SCRATCH + 8), 0x33n, 'SS = SYSENTER_CS + 40, RPL 3');
  assert.equal(q(m, R.SCRATCH + 16), 0x7000n, 'RSP = RCX');
  assert.equal(q(m, R.SCRATCH + 24), 0x08n);
  assert.equal(q(m, R.SCRATCH + 32), 0x8c000n, 'RSP = SYSENTER_ESP');
  assert.equal(q(m, R.SCRATCH + 40) & 0xffffn, 0x1bn, 'SYSEXIT without REX.W: CS = SYSENTER_CS + 16');
  assert.equal(q(m, R.SCRATCH + 48) & 0xffffn, 0x23n);
  assert.equal(q(m, R.SCRATCH + 64), 2n, 'SYSENTER from compatibility mode entered the kernel');
});

test('IRET with a 32-bit operand in 64-bit mode pops five doublewords: here into compatibility mode', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
  sub rsp, 20
  mov dword [rsp], compat
  mov dword [rsp + 4], KCODE32
  mov dword [rsp + 8], 0x2
  mov dword [rsp + 12], 0x8f800
  mov dword [rsp + 16], KDATA
  iretd
bits 32
compat:
  mov eax, cs
  mov [R_SCRATCH], eax
  mov [R_SCRATCH + 8], esp
  jmp KCODE:back64
bits 64
back64:
  mov qword [R_SCRATCH + 16], 1
`);
  assert.equal(q(m, R.SCRATCH) & 0xffffn, 0x30n);
  assert.equal(q(m, R.SCRATCH + 8) & 0xffffffffn, 0x8f800n, 'ESP from the frame: SS:ESP are popped in 64-bit mode at the same privilege');
  assert.equal(q(m, R.SCRATCH + 16), 1n);
});

test('a far JMP through a 64-bit call gate lands on its target with nothing pushed; a bad upper half is #GP(selector)', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
  mov rax, target
  mov [gdt + 0x48], ax
  mov word [gdt + 0x48 + 2], KCODE
  mov word [gdt + 0x48 + 4], 0x8c00       ; 64-bit call gate, DPL 0, present
  shr rax, 16
  mov [gdt + 0x48 + 6], ax
  shr rax, 16
  mov [gdt + 0x48 + 8], eax
  mov dword [gdt + 0x48 + 12], 0
  mov [R_SCRATCH], rsp
  jmp far dword [rel gate_ptr]
target:
  mov [R_SCRATCH + 8], rsp
  mov dword [gdt + 0x48 + 12], 0x0c00     ; type 0xC in the upper half: not a 64-bit gate
  mov rax, after
  mov [R_RESUME], rax
  jmp far dword [rel gate_ptr]
after:
`, `
gate_ptr: dd 0
  dw FREESEL
`);
  assert.equal(q(m, R.SCRATCH + 8), q(m, R.SCRATCH), 'JMP pushes nothing');
  assert.deepEqual([q(m, R.VEC), q(m, R.ERR)], [13n, 0x48n]);
});

test('LLDT in IA-32e mode reads a 16-byte descriptor with a 64-bit base; a segment loaded from that LDT works', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
  mov rax, ldt
  mov word [gdt + 0x58], 0x17             ; limit: three entries
  mov [gdt + 0x58 + 2], ax
  shr rax, 16
  mov [gdt + 0x58 + 4], al
  mov byte [gdt + 0x58 + 5], 0x82         ; LDT, present
  mov [gdt + 0x58 + 7], ah
  shr rax, 16
  mov [gdt + 0x58 + 8], eax
  mov dword [gdt + 0x58 + 12], 0
  mov ax, 0x58
  lldt ax
  sldt bx
  movzx ebx, bx
  mov [R_SCRATCH], rbx
  mov qword [R_SCRATCH + 0x40], 0x1234
  mov ax, 0x0c                            ; LDT entry 1, RPL 0
  mov fs, ax
  mov rax, [fs:R_SCRATCH + 0x40 - 0x1000]
  mov [R_SCRATCH + 8], rax
  mov dword [gdt + 0x58 + 12], 0x0200     ; a type in the upper half
  mov rax, after
  mov [R_RESUME], rax
  mov ax, 0x58
  lldt ax
after:
`, `
align 8
ldt:
  dq 0
  dq 0x00cf92000000ffff | (0x1000 << 16)  ; data, base 0x1000
  dq 0
`);
  assert.equal(q(m, R.SCRATCH), 0x58n);
  assert.equal(q(m, R.SCRATCH + 8), 0x1234n, 'FS from the LDT: base 0x1000');
  assert.deepEqual([q(m, R.VEC), q(m, R.ERR)], [13n, 0x58n]);
});

test('a fault while delivering #DF in 64-bit mode is a triple fault', { skip: LONG_WAITS }, () => {
  const { stop } = runLong(`
  lidt [rel empty_idt]
  int3
`, `
empty_idt: dw 0
  dq 0
`);
  assert.equal(stop.kind, 'triple-fault');
});
