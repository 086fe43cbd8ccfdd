// Compiled 64-bit blocks on addresses outside the sign-extended 32-bit range (LONG-MODE.md,
// "Compiled blocks"): memory operands through registers with other high halves, a stack in
// the kernel's upper half, LEA beyond the canonical range, and a non-canonical access that
// must fault. The same kernel runs with every block compiled at its first visit and with the
// interpreter alone; registers, memory and the fault must agree. The far window is mapped to
// other physical memory than the identity map at the same low 32 bits, so a far address
// looked up in the direct-mapped TLB by its low half would read the wrong page.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../emulator/machine';
import { assemble } from './harness';
import { longKernelSource, q, R, STACKS } from './long-prelude';

const BODY = `
  lea rax, [pd2]
  mov qword [pd2 + 8], 0x400087          ; FARBASE + 2 MiB -> physical 4 MiB
  or rax, 7
  mov [pdpt_far], rax
  mov rax, cr3
  mov cr3, rax
  mov dword [0x200000 + 0x100], 0x1111   ; identity 2 MiB: what the low half names
  mov dword [0x400000 + 0x100], 0x2222   ; physical 4 MiB: what the far address names
  mov eax, [0x200100]                    ; cache the identity page
  mov rbx, FARBASE + 0x200000
  lea rsp, [rbx + 0x8000]                ; a stack in the upper half, far from int32
  xor r8, r8
  xor r11, r11
  mov r9, 0x0123456789abcdef
  mov ecx, 3000
.loop:
  mov rdx, [rbx + 0x100]
  add rdx, rcx
  mov [rbx + rcx * 8 + 0x200], rdx
  mov esi, [rbx + 0x100]
  add r8, rsi
  push rdx
  call .f
  pop rsi
  lea rdi, [rsi + rbx * 2 + 5]
  xor r8, rdi
  lea r10, [r9 + r9 * 4 + 0x77]
  add r11, r10
  add r9, r10
  dec ecx
  jnz .loop
  mov [R_SCRATCH], r8
  mov [R_SCRATCH + 8], r11
  mov [R_SCRATCH + 16], rsp
  mov rax, [rbx + 0x200 + 8 * 1234]
  mov [R_SCRATCH + 24], rax
  mov r15, 0x0000900000000000
  mov qword [R_SCRATCH + 32], 0x77
  mov rax, [r15 + 8]                     ; non-canonical: #GP(0)
  mov qword [R_SCRATCH + 32], 0x99
  jmp .end
.f:
  add qword [rsp + 8], 3
  ret
.end:
`;
const DATA = 'align 4096\npd2: times 512 dq 0\n';

function run(compiled: boolean): { m: Machine; blocks: number } {
  const code = assemble(longKernelSource(BODY, DATA), 32, 0x100000);
  const m = new Machine({ mode: 'hvm', memoryMiB: 16 });
  m.load({ memory: [{ paddr: 0x100000, bytes: code }], entry: { kind: 'flat32', eip: 0x100000, regs: { esp: STACKS.rsp } }, description: 'far blocks' });
  m.cpu.blockThreshold = compiled ? 1 : 0;
  m.run(5_000_000);
  return { m, blocks: m.cpu.blocks?.compiled ?? 0 };
}

test('64-bit blocks on far addresses agree with the interpreter (far data, far stack, LEA modulo 2^64, #GP)', () => {
  const a = run(true), b = run(false);
  assert.ok(a.blocks > 0, 'blocks were compiled');
  assert.equal(b.blocks, 0);
  for (const off of [0, 8, 16, 24, 32]) {
    assert.equal(q(a.m, R.SCRATCH + off), q(b.m, R.SCRATCH + off), `result at +${off}`);
  }
  assert.equal(q(b.m, R.VEC), q(a.m, R.VEC), 'the same fault');
  assert.equal(q(a.m, R.VEC), 13n, '#GP from the non-canonical access');
  assert.equal(q(b.m, R.VEC), 13n);
  assert.equal(q(a.m, R.SCRATCH + 32), 0x77n, 'the faulting instruction did not complete');
  // The loop read the far page (0x2222 each trip), not the identity page its low half names.
  assert.equal(q(a.m, R.SCRATCH + 24), 0x2222n + 1234n);
  assert.equal(q(a.m, R.SCRATCH + 16), 0xffff800000208000n, 'RSP back where the loop started');
  assert.deepEqual(a.m.readPhysical(0x400000, 0x8000), b.m.readPhysical(0x400000, 0x8000), 'the far window\'s memory');
});

// A JMP in a block on page 0 to -16 (0xFFFFFFFFFFFFFFF0): RIP's low half stays an int32, but
// its high half changes from 0 to all ones. The block must hand that jump to the interpreter
// (taking the low half alone lands at 0x00000000FFFFFFF0, unmapped here: #PF). The code is
// written as bytes: at 0x1000 `mov eax, 5; jmp -16`, at the top of the address space (2 MiB
// page at physical 6 MiB) `mov rcx, 0x77; jmp rdx`, back to the body.
const ACROSS_ZERO = `
  mov rax, pd + 7
  mov [pdpt_hi + 511 * 8], rax
  mov qword [pd + 511 * 8], 0x600087
  mov rax, cr3
  mov cr3, rax
  mov dword [0x1000], 0x000005b8
  mov dword [0x1004], 0xefe6e900
  mov word [0x1008], 0xffff
  mov dword [0x7ffff0], 0x77c1c748
  mov dword [0x7ffff4], 0xff000000
  mov byte [0x7ffff8], 0xe2
  lea rdx, [rel .back]
  xor ecx, ecx
  mov eax, 0x1000
  jmp rax
.back:
  mov [R_SCRATCH], rcx
  mov [R_SCRATCH + 8], rax
`;

test('a compiled jump across 0 changes RIP\'s high half (the interpreter takes it)', () => {
  const runAcross = (compiled: boolean): Machine => {
    const code = assemble(longKernelSource(ACROSS_ZERO), 32, 0x100000);
    const m = new Machine({ mode: 'hvm', memoryMiB: 16 });
    m.load({ memory: [{ paddr: 0x100000, bytes: code }], entry: { kind: 'flat32', eip: 0x100000, regs: { esp: STACKS.rsp } }, description: 'across zero' });
    m.cpu.blockThreshold = compiled ? 1 : 0;
    m.run(1_000_000);
    return m;
  };
  const a = runAcross(true), b = runAcross(false);
  assert.ok((a.cpu.blocks?.compiled ?? 0) > 0, 'blocks were compiled');
  for (const m of [b, a]) {
    assert.equal(q(m, R.VEC), 0xffffffffffffffffn, 'no event');
    assert.equal(q(m, R.SCRATCH), 0x77n, 'the code at 0xFFFFFFFFFFFFFFF0 ran');
    assert.equal(q(m, R.SCRATCH + 8), 5n);
  }
});
