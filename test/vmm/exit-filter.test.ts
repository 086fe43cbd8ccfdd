import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExitFilter, ExitFilterError } from '../../emulator/machine/exit-filter';
import type { ExitRecord } from '../../emulator/machine';

function rec(reason: number, qualification: number, more: Partial<ExitRecord> = {}): ExitRecord {
  return { seq: 0, reason, reasonName: '', qualification, eip: 0x100000, cs: 8, cpl: 0, bytes: new Uint8Array(), icount: 0, handler: 'x', cycles: 0, ...more };
}
// Qualifications by the SDM's layouts: OUT 0xF4, AL; IN AL, DX from 0x3FD; MOV CR3, EBX; MOV EAX, CR0
const outF4 = rec(30, (0xf4 << 16) | 0x40);
const in3fd = rec(30, (0x3fd << 16) | 0x08);
const movCr3 = rec(28, 0x303);
const readCr0 = rec(28, 0x010);
const pf = rec(0, 0xdeadb000, { vector: 14, errorCode: 2 });
const vmcall = rec(18, 0, { value: 0x7fff });

test('a reason name alone selects that reason', () => {
  const f = compileExitFilter('IO_INSTRUCTION');
  assert.deepEqual([outF4, in3fd, movCr3, pf].map(f), [true, true, false, false]);
});

test('conditions over decoded qualification fields', () => {
  assert.deepEqual([outF4, in3fd].map(compileExitFilter('IO_INSTRUCTION port == 0xf4')), [true, false]);
  assert.deepEqual([outF4, in3fd].map(compileExitFilter('in && size == 1')), [false, true]);
  assert.deepEqual([movCr3, readCr0].map(compileExitFilter('CR_ACCESS cr == 3 && access == 0 && gpr == 3')), [true, false]);
  assert.deepEqual([pf, outF4].map(compileExitFilter('vector == 14 && (errorCode & 2) != 0')), [true, false]);
  assert.equal(compileExitFilter('linear >= 0xdead0000')(pf), true);
  assert.equal(compileExitFilter('VMCALL nr == 0x7fff')(vmcall), true);
  assert.equal(compileExitFilter('reason == CPUID || reason == VMCALL')(vmcall), true);
});

test('a field an exit does not have never matches, whatever the comparison', () => {
  assert.equal(compileExitFilter('port == 0xf4')(movCr3), false);
  assert.equal(compileExitFilter('port != 0xf4')(movCr3), false);
  assert.equal(compileExitFilter('!(port == 0xf4)')(movCr3), true);
});

test('bitwise operators bind tighter than comparisons', () => {
  assert.equal(compileExitFilter('qualification & 0x40 == 0x40')(outF4), true);
  assert.equal(compileExitFilter('qualification & 0x40 == 0x40')(in3fd), false);
});

test('bad filters are refused with a message that names the problem', () => {
  assert.throws(() => compileExitFilter(''), ExitFilterError);
  assert.throws(() => compileExitFilter('prot == 1'), /prot/);
  assert.throws(() => compileExitFilter('port == '), ExitFilterError);
  assert.throws(() => compileExitFilter('(port == 1'), /\)/);
  assert.throws(() => compileExitFilter('port == 1 2'), /2/);
  assert.throws(() => compileExitFilter('port = 1'), ExitFilterError);
  assert.throws(() => compileExitFilter('port == $'), /\$/);
});
