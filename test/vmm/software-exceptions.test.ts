// INT3 and INTO are software exceptions (VT-x interruption type 6): with their bit set in the
// exception bitmap they exit as EXCEPTION_NMI; INT n with the same vector is a software
// interrupt and does not. And a debugger moving EIP of a halted CPU resumes it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Machine } from '../../emulator/machine';
import { assemble } from '../cpu/harness';
import { kernelSource } from '../cpu/kernel-prelude';

function run(body: string, bitmap: number): Machine {
  const m = new Machine({ mode: 'hvm', memoryMiB: 16, exitControls: { preset: 'ept', overrides: { exceptionBitmap: bitmap } } });
  m.load({ memory: [{ paddr: 0x100000, bytes: assemble(kernelSource(body), 32, 0x100000) }], entry: { kind: 'flat32', eip: 0x100000, regs: { esp: 0x90000 } }, description: 'test' });
  m.run(1_000_000);
  return m;
}

const BODY = `
  mov dword [R_RESUME], after1
  int3
after1:
  mov dword [R_RESUME], after2
  int 3
after2:
  mov dword [R_RESUME], after3
  mov al, 0x7f
  add al, 1
  into
after3:
  mov dword [R_RESUME], 0
  hlt
`;

test('INT3 and INTO exit through the exception bitmap; INT 3 does not', () => {
  const m = run(BODY, (1 << 3) | (1 << 4));
  const exc = m.exits.recent(50).filter((e) => e.reasonName === 'EXCEPTION_NMI');
  assert.deepEqual(exc.map((e) => e.vector), [3, 4]);
  // The guest still took all three through its IDT.
  const none = run(BODY, 0);
  assert.equal(none.exits.recent(50).filter((e) => e.reasonName === 'EXCEPTION_NMI').length, 0);
  assert.deepEqual(m.getRegisters(), none.getRegisters());
});

test('setting EIP of a halted CPU resumes it there', () => {
  const m = run(BODY, 0);
  const stop = m.run(1000);
  assert.equal(stop.kind, 'halted');
  // EIP is past the HLT; point it back at the HLT, which must run (and halt) once more.
  const hlt = m.getRegisters().eip - 1;
  assert.equal(m.readPhysical(hlt, 1)[0], 0xf4);
  m.setRegister('eip', hlt);
  const before = m.icount;
  assert.equal(m.run(1000).kind, 'halted');
  assert.equal(m.icount, before + 1, 'the CPU did not resume');
});
