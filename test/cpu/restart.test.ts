// Precise, restartable faults: a REP string instruction that faults part-way leaves ECX,
// ESI and EDI describing exactly the elements done, and resumes from there after the
// handler fixes the page (SDM Vol. 1 §7.3.9.1; Vol. 3 §6.5 "faults ... restartable").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKernel, u32, R_VEC, R_ERR, R_CR2, R_COUNT, R_SCRATCH, R_ESP } from './harness';

const PAGING = `
  mov edi, 0x200000
  xor eax, eax
  mov ecx, 1024
  rep stosd
  mov edi, 0x201000
  mov eax, 3
  mov ecx, 2048
.fill:
  mov [edi], eax
  add edi, 4
  add eax, 0x1000
  loop .fill
  mov dword [0x200000], 0x201000 | 3
  mov dword [0x200004], 0x202000 | 3
  mov eax, 0x200000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
`;

test('REP MOVSB faulting on the destination page resumes where it stopped', () => {
  const r = runKernel(PAGING + `
  mov edi, 0x300000          ; source pattern 0..63
  xor eax, eax
.pat:
  mov [edi + eax], al
  inc eax
  cmp eax, 64
  jb .pat
  mov dword [0x201000 + (0x601000 >> 12) * 4], 0
  invlpg [0x601000]
  mov dword [R_RESUME], fixup
  mov esi, 0x300000
  mov edi, 0x600ff0
  mov ecx, 64
  cld
copy:
  rep movsb
  mov [R_SCRATCH + 12], ecx
  jmp done
fixup:
  mov [R_SCRATCH], ecx
  mov [R_SCRATCH + 4], esi
  mov [R_SCRATCH + 8], edi
  mov dword [0x201000 + (0x601000 >> 12) * 4], 0x601003
  invlpg [0x601000]
  jmp copy
done:`);
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_ERR), u32(r.m, R_CR2), u32(r.m, R_COUNT)], [14, 2, 0x601000, 1]);
  assert.deepEqual([u32(r.m, R_SCRATCH), u32(r.m, R_SCRATCH + 4), u32(r.m, R_SCRATCH + 8)], [48, 0x300010, 0x601000]);
  assert.equal(u32(r.m, R_SCRATCH + 12), 0);
  const copied = r.m.readPhysical(0x600ff0, 64);
  assert.deepEqual(Array.from(copied), Array.from({ length: 64 }, (_, i) => i));
});

test('REP STOSD going downwards (DF=1) into a not-present page stops with ECX counting the rest', () => {
  const r = runKernel(PAGING + `
  mov dword [0x201000 + (0x5ff000 >> 12) * 4], 0
  invlpg [0x5ff000]
  std
  mov edi, 0x600008
  mov ecx, 10
  mov eax, 0x55aa55aa
  rep stosd`);
  // 0x600008, 0x600004, 0x600000 are written; 0x5ffffc faults with 7 left.
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_CR2)], [14, 0x5ffffc]);
  const regs = r.m.getRegisters();
  assert.deepEqual([regs.ecx, regs.edi], [7, 0x5ffffc]);
  assert.equal(u32(r.m, 0x600000), 0x55aa55aa);
});

test('a faulting POP into memory leaves ESP unchanged; a CALL whose target read faults pushes nothing', () => {
  // The handler runs on the same stack: the frame it finds at R_ESP sits right below the
  // interrupted ESP (EIP, CS, EFLAGS), so the interrupted ESP is R_ESP + 12.
  let r = runKernel(PAGING + `push 0x77\n pop dword [0x900000]`);
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_CR2)], [14, 0x900000]);
  assert.equal(u32(r.m, R_ESP) + 12, 0x90000 - 4);
  r = runKernel(PAGING + `call [0x900000]`);
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_CR2)], [14, 0x900000]);
  assert.equal(u32(r.m, R_ESP) + 12, 0x90000);
});

test('large REP STOSD and REP MOVSB across many pages end with the registers the SDM defines', () => {
  const r = runKernel(`
  cld
  mov edi, 0x400003
  mov ecx, 70000
  mov eax, 0x01020304
  rep stosd
  mov [R_SCRATCH], edi
  mov [R_SCRATCH + 4], ecx
  mov esi, 0x400003
  mov edi, 0x600001
  mov ecx, 280000
  rep movsb
  mov [R_SCRATCH + 8], esi
  mov [R_SCRATCH + 12], edi
  ; overlapping forward copy replicates the first element (dwords, distance 4)
  mov dword [0x700000], 0xaabbccdd
  mov esi, 0x700000
  mov edi, 0x700004
  mov ecx, 1000
  rep movsd`);
  assert.deepEqual([u32(r.m, R_SCRATCH), u32(r.m, R_SCRATCH + 4)], [0x400003 + 280000, 0]);
  assert.deepEqual([u32(r.m, R_SCRATCH + 8), u32(r.m, R_SCRATCH + 12)], [0x400003 + 280000, 0x600001 + 280000]);
  assert.equal(u32(r.m, 0x600001 + 4 * 69999), 0x01020304);
  assert.equal(u32(r.m, 0x600001 + 280000), 0);
  assert.equal(u32(r.m, 0x700000 + 4 * 1000), 0xaabbccdd);
  assert.equal(u32(r.m, 0x700000 + 4 * 1001), 0);
});
