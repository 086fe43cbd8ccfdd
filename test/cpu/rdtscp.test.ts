// RDTSCP (0F 01 F9) with IA32_TSC_AUX (MSR 0xC0000103) and CPUID.80000001H:EDX[27], on guest
// code assembled by nasm; the decoding is checked against iced-x86, the exit reason against
// Intel's (51, RDTSCP, under RDTSC exiting).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, runFlat, runKernel, u32, R_VEC, R_ERR, R_SCRATCH } from './harness';
import { Machine } from '../../emulator/machine';
import { decodeInfo } from '../../emulator/isa';
import { decodeWithIced } from '../conformance/iced-decode';

test('RDTSCP decodes as iced-x86 decodes it, with and without prefixes', () => {
  for (const pre of [[], [0x66], [0xf3], [0x2e]]) {
    const bytes = new Uint8Array([...pre, 0x0f, 0x01, 0xf9, 0x90, 0x90, 0x90]);
    const iced = decodeWithIced(bytes, 32);
    assert.ok(iced, `iced rejects ${pre}`);
    assert.deepEqual(decodeInfo(bytes, 32), { length: iced!.length, mnemonic: iced!.mnemonic });
  }
});

test('CPUID advertises RDTSCP in leaf 0x80000001 EDX bit 27; RDTSCP returns the TSC in EDX:EAX and TSC_AUX in ECX', () => {
  const r = runFlat(`
  mov eax, 0x80000000
  cpuid
  mov [0x5000], eax
  mov eax, 0x80000001
  cpuid
  mov [0x5004], edx
  mov ecx, 0xc0000103        ; IA32_TSC_AUX
  mov eax, 0x12345678
  xor edx, edx
  wrmsr
  xor eax, eax
  rdmsr
  mov [0x5008], eax
  rdtsc
  mov [0x500c], eax
  mov [0x5010], edx
  mov ecx, 0xffffffff
  rdtscp
  mov [0x5014], eax
  mov [0x5018], edx
  mov [0x501c], ecx
  hlt`);
  assert.ok(u32(r.m, 0x5000) >= 0x80000001, 'highest extended leaf covers 0x80000001');
  assert.equal((u32(r.m, 0x5004) >>> 27) & 1, 1, 'CPUID.80000001H:EDX.RDTSCP');
  assert.equal(u32(r.m, 0x5008), 0x12345678, 'TSC_AUX reads back');
  assert.equal(u32(r.m, 0x501c), 0x12345678, 'RDTSCP loads TSC_AUX into ECX');
  const before = u32(r.m, 0x5010) * 2 ** 32 + u32(r.m, 0x500c);
  const after = u32(r.m, 0x5018) * 2 ** 32 + u32(r.m, 0x5014);
  assert.ok(after > before, `the TSC moves on between RDTSC and RDTSCP (${before} -> ${after})`);
});

test('TSC_AUX is 32 bits: WRMSR with bits 63:32 set is #GP(0); it resets to 0', () => {
  const bad = runKernel(`mov ecx, 0xc0000103\n mov eax, 1\n mov edx, 1\n wrmsr\n mov dword [R_VEC], 0x77`);
  assert.equal(u32(bad.m, R_VEC), 13);
  assert.equal(u32(bad.m, R_ERR), 0);
  const fresh = runKernel(`mov ecx, 0xc0000103\n rdmsr\n mov [R_SCRATCH], eax\n mov [R_SCRATCH + 4], edx\n mov ecx, 7\n rdtscp\n mov [R_SCRATCH + 8], ecx\n mov dword [R_VEC], 0x77`);
  assert.equal(u32(fresh.m, R_VEC), 0x77);
  assert.deepEqual([u32(fresh.m, R_SCRATCH), u32(fresh.m, R_SCRATCH + 4), u32(fresh.m, R_SCRATCH + 8)], [0, 0, 0]);
});

test('CR4.TSD makes RDTSCP #GP(0) outside ring 0, as RDTSC', () => {
  const r = runKernel(`
  mov eax, cr4
  or eax, 4                  ; TSD
  mov cr4, eax
  mov word [idt + 0x80 * 8 + 4], 0xee00
  push UDATA
  push 0x70000
  push 0x002
  push UCODE
  push user
  iretd
user:
  mov ax, UDATA              ; the handlers record through DS
  mov ds, ax
  mov es, ax
  rdtscp
  int 0x80`);
  assert.equal(u32(r.m, R_VEC), 13);
  assert.equal(u32(r.m, R_ERR), 0);
});

test('under RDTSC exiting, RDTSCP exits with reason 51 (RDTSCP) and RDTSC with 16; without it neither exits', () => {
  const code = assemble('rdtsc\n rdtscp\n hlt', 32, 0x100000);
  const run = (rdtsc: boolean): Machine => {
    const m = new Machine({ mode: 'hvm', memoryMiB: 16, exitControls: { preset: 'ept', overrides: { rdtsc } } });
    m.load({ memory: [{ paddr: 0x100000, bytes: code }], entry: { kind: 'flat32', eip: 0x100000, regs: { esp: 0x90000 } }, description: 'rdtscp' });
    m.run(100);
    return m;
  };
  const on = run(true).exits.recent(10);
  assert.deepEqual(on.filter((e) => e.reason === 16 || e.reason === 51).map((e) => [e.reason, e.reasonName, e.eip]),
    [[16, 'RDTSC', 0x100000], [51, 'RDTSCP', 0x100002]]);
  const off = run(false).exits.recent(10);
  assert.equal(off.filter((e) => e.reason === 16 || e.reason === 51).length, 0);
});
