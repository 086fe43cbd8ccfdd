// VM exits from IA-32e mode carry what VT-x saves there: the 64-bit RIP (its high half beside
// eip), whether the code was 64-bit (CS.L), 64-bit guest-linear addresses in qualifications
// (INVLPG) and register numbers 8-15 (MOV CR). The kernel runs its exiting code through the
// 0xFFFFFFFF80000000 alias of its own pages, so each RIP's high half is known: 0xFFFFFFFF.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCrAccess } from '../../emulator/isa/exit-qualification';
import { describeExit } from '../../emulator/trace/describe-exit';
import { LONG_WAITS, R, q, runLong } from '../cpu/long-prelude';

const SHADOW = { mode: 'hvm' as const, memoryMiB: 16, exitControls: { preset: 'shadow-paging' as const, overrides: { cr8Load: true, cr8Store: true } } };

test('exits from upper-half 64-bit code: RIP high half, CS.L, INVLPG\'s 64-bit address, registers 8-15', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
  mov rax, HIGH + high_code
  jmp rax
high_code:
  lea rbx, [rel high_code]
  mov [R_SCRATCH], rbx
  invlpg [HIGH + 0x1000]
  mov r9, cr3
  mov cr3, r9
  mov r12, 5
  mov cr8, r12
  mov r13, cr8
  jmp far dword [rel to_compat]
bits 32
compat:
  cpuid
  cli
  hlt
bits 64
`, `
to_compat: dd compat
  dw KCODE32
`, 2_000_000, SHADOW);
  const exits = m.exits.recent(200);
  const upper = q(m, R.SCRATCH);
  assert.equal(upper >> 32n, 0xffffffffn, 'the code ran in the upper half');
  const after = exits.filter((e) => e.ripHi === 0xffffffff);
  const invlpg = after.find((e) => e.reasonName === 'INVLPG');
  assert.ok(invlpg, 'INVLPG exit from the upper half');
  assert.equal(invlpg.long64, true);
  assert.equal(invlpg.qualification, 0x80001000);
  assert.equal(invlpg.qualificationHi, 0xffffffff);
  assert.equal(describeExit(invlpg), 'INVLPG 0xffffffff80001000');
  const cr = after.filter((e) => e.reasonName === 'CR_ACCESS').map((e) => e.qualification);
  assert.deepEqual(cr, [
    encodeCrAccess(3, 1, 9),    // MOV R9, CR3
    encodeCrAccess(3, 0, 9),    // MOV CR3, R9
    encodeCrAccess(8, 0, 12),   // MOV CR8, R12
    encodeCrAccess(8, 1, 13),   // MOV R13, CR8
  ]);
  assert.equal(describeExit(after.find((e) => e.qualification === encodeCrAccess(8, 0, 12))!), 'MOV to CR8 from R12 value 0x5');
  // CPUID from compatibility mode: 32-bit code, no high half.
  const cpuid = exits.filter((e) => e.reasonName === 'CPUID').at(-1)!;
  assert.equal(cpuid.long64, false);
  assert.equal(cpuid.ripHi, 0);
  assert.ok(cpuid.eip > 0x100000 && cpuid.eip < 0x200000);
});

test('a #PF intercepted through the exception bitmap reports the 64-bit linear address (CR2)', { skip: LONG_WAITS }, () => {
  const { m } = runLong(`
  mov rax, after
  mov [R_RESUME], rax
  mov rbx, FARBASE + 0x1000010
  mov rax, [rbx]
after:
`, '', 2_000_000, SHADOW);
  const pf = m.exits.recent(200).filter((e) => e.reasonName === 'EXCEPTION_NMI' && e.vector === 14).at(-1);
  assert.ok(pf, 'the #PF exited');
  assert.equal(pf.qualification, 0x01000010);
  assert.equal(pf.qualificationHi, 0xffff8000);
  assert.equal(pf.errorCode, 0);
  assert.equal(describeExit(pf), '#PF (vector 14) error code 0x0 at linear 0xffff800001000010');
  assert.equal(q(m, R.CR2), 0xffff800001000010n);
});
