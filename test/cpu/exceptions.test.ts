// Exceptions and their error codes, double and triple fault (SDM Vol. 3, ch. 6: Table 6-1
// vectors, §6.13 error codes, Table 6-5 double-fault conditions).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKernel, u32, R_VEC, R_ERR, R_EIP, R_COUNT, R_SCRATCH } from './harness';

const NO_ERR = 0xffffffff;

function fault(body: string, data = '') {
  const r = runKernel(body, data);
  assert.equal(r.stop.kind, 'halted', JSON.stringify(r.stop));
  return { m: r.m, vec: u32(r.m, R_VEC), err: u32(r.m, R_ERR), eip: u32(r.m, R_EIP), at: u32(r.m, R_SCRATCH), count: u32(r.m, R_COUNT) };
}

test('#DE: divide by zero faults at the DIV with no error code', () => {
  const f = fault(`mov dword [R_SCRATCH], here\n xor ecx, ecx\n mov eax, 1\nhere: div ecx`);
  assert.deepEqual([f.vec, f.err, f.eip], [0, NO_ERR, f.at]);
});

test('#DE: quotient overflow of IDIV', () => {
  const f = fault(`mov dword [R_SCRATCH], here\n mov edx, 0xffffffff\n mov eax, 0x80000000\n mov ecx, -1\nhere: idiv ecx`);
  assert.deepEqual([f.vec, f.eip], [0, f.at]);
});

test('#UD for UD2 and for LOCK on a register operand', () => {
  assert.deepEqual((({ vec, eip, at }) => [vec, eip === at])(fault(`mov dword [R_SCRATCH], here\nhere: ud2`)), [6, true]);
  assert.equal(fault(`lock add eax, ebx`).vec, 6);
});

test('INT3 and INTO are traps: the saved EIP is the next instruction', () => {
  const f = fault(`mov dword [R_SCRATCH], after\n int3\nafter: nop`);
  assert.deepEqual([f.vec, f.err, f.eip], [3, NO_ERR, f.at]);
  const o = fault(`mov dword [R_SCRATCH], after\n mov al, 0x7f\n add al, 1\n into\nafter: nop`);
  assert.deepEqual([o.vec, o.eip], [4, o.at]);
});

test('BOUND out of range raises #BR', () => {
  const f = fault(`mov eax, 11\n mov dword [R_SCRATCH], here\nhere: bound eax, [bounds]`, `bounds: dd 0, 10`);
  assert.deepEqual([f.vec, f.eip], [5, f.at]);
});

test('#GP with the selector as error code for a selector beyond the GDT limit', () => {
  const f = fault(`mov ax, 0x1003\n mov dword [R_SCRATCH], here\nhere: mov ds, ax`);
  assert.deepEqual([f.vec, f.err, f.eip], [13, 0x1000, f.at]);
});

test('#NP with the selector for a not-present data segment; #GP(0) for SS = null', () => {
  // GDT slot 0x38: a data segment with P = 0.
  const f = fault(`mov dword [gdt + 0x38], 0x0000ffff\n mov dword [gdt + 0x3c], 0x00cf1200\n mov ax, 0x38\n mov ds, ax`);
  assert.deepEqual([f.vec, f.err], [11, 0x38]);
  const s = fault(`xor eax, eax\n mov ss, ax`);
  assert.deepEqual([s.vec, s.err], [13, 0]);
});

test('segment limit: a dword read crossing a byte-granular limit is #GP(0)', () => {
  const setup = `mov dword [gdt + 0x40], 0x00000fff\n mov dword [gdt + 0x44], 0x00409200\n mov ax, 0x40\n mov fs, ax\n`;
  assert.equal(fault(setup + `mov eax, [fs:0xffc]\n mov dword [R_VEC], 0x55`).vec, 0x55);
  const f = fault(setup + `mov dword [R_SCRATCH], here\nhere: mov eax, [fs:0xffd]`);
  assert.deepEqual([f.vec, f.err, f.eip], [13, 0, f.at]);
});

test('double fault: #GP whose gate is not present becomes #NP, and two contributory faults make #DF(0)', () => {
  const f = fault(`and byte [idt + 13 * 8 + 5], 0x7f\n mov ax, 0x1000\n mov ds, ax`);
  assert.deepEqual([f.vec, f.err, f.count], [8, 0, 1]);
});

test('triple fault: no usable IDT stops the machine and records exit reason 2', () => {
  const r = runKernel(`lidt [bad_idtr]\n int3`, `bad_idtr: dw 0\n dd 0`);
  assert.equal(r.stop.kind, 'triple-fault');
  const reasons = r.m.exits.recent(50).map((e) => e.reason);
  assert.ok(reasons.includes(2), `exit reasons ${reasons}`);
});

test('RDMSR of an unknown MSR is #GP(0); known MSRs read back what was written', () => {
  const f = fault(`mov ecx, 0x12345\n mov dword [R_SCRATCH], here\nhere: rdmsr`);
  assert.deepEqual([f.vec, f.err, f.eip], [13, 0, f.at]);
  const r = runKernel(`mov ecx, 0x175\n mov eax, 0xdeadbeef\n xor edx, edx\n wrmsr\n xor eax, eax\n rdmsr\n mov [R_SCRATCH], eax`);
  assert.equal(u32(r.m, R_SCRATCH), 0xdeadbeef);
});

test('an instruction longer than 15 bytes is #GP(0); exactly 15 bytes executes', () => {
  const ok = runKernel(`mov esi, R_SCRATCH - 0x100\n xor ecx, ecx\n db 0x3e, 0x3e, 0x3e, 0x3e\n add dword [esi + ecx * 4 + 0x100], 0x12345678\n mov dword [R_VEC], 0x77`);
  assert.equal(u32(ok.m, R_VEC), 0x77);
  assert.equal(u32(ok.m, R_SCRATCH), 0x12345678);
  const f = fault(`mov esi, R_SCRATCH - 0x100\n xor ecx, ecx\n mov dword [R_SCRATCH + 4], here\nhere: db 0x3e, 0x3e, 0x3e, 0x3e, 0x3e\n add dword [esi + ecx * 4 + 0x100], 0x12345678`);
  assert.deepEqual([f.vec, f.err, f.eip === u32(f.m, R_SCRATCH + 4)], [13, 0, true]);
  assert.equal(u32(f.m, R_SCRATCH), 0);
});
