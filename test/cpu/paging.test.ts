// Paging: 2-level 4 KiB tables, PSE 4 MiB pages, PAE; CR2 and #PF error codes, A/D bits,
// CR0.WP, INVLPG (SDM Vol. 3, ch. 4: Tables 4-5/4-6 entry formats, §4.7 error codes, §4.8 A/D).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKernel, u32, R_VEC, R_ERR, R_EIP, R_CR2, R_COUNT, R_SCRATCH } from './harness';

/** Identity-maps 0..8 MiB with 4 KiB pages (flags `flags`), page directory at 2 MiB, and turns paging on. */
function paging4k(flags = 3): string {
  return `
PD equ 0x200000
PT equ 0x201000
  mov edi, PD
  xor eax, eax
  mov ecx, 1024
  rep stosd
  mov edi, PT
  mov eax, ${flags}
  mov ecx, 2048
.fill:
  mov [edi], eax
  add edi, 4
  add eax, 0x1000
  loop .fill
  mov dword [PD], PT | ${flags}
  mov dword [PD + 4], (PT + 0x1000) | ${flags}
  mov eax, PD
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
`;
}

const pte = (lin: number) => 0x201000 + (lin >>> 12) * 4;

test('#PF on a not-present PDE: CR2 is the address, error code 0 (read) / 2 (write)', () => {
  let r = runKernel(paging4k() + `mov dword [R_SCRATCH], here\nhere: mov eax, [0x900010]`);
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_ERR), u32(r.m, R_CR2), u32(r.m, R_EIP)], [14, 0, 0x900010, u32(r.m, R_SCRATCH)]);
  r = runKernel(paging4k() + `mov byte [0x900fff], 1`);
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_ERR), u32(r.m, R_CR2)], [14, 2, 0x900fff]);
});

test('a dword write straddling into a not-present page faults with CR2 at the page start and writes nothing', () => {
  const r = runKernel(paging4k() + `
  mov dword [0x500ffc], 0x11111111
  mov dword [PT + (0x501000 >> 12) * 4], 0
  invlpg [0x501000]
  mov eax, 0xaabbccdd
  mov [0x500ffe], eax`);
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_ERR), u32(r.m, R_CR2)], [14, 2, 0x501000]);
  assert.equal(u32(r.m, 0x500ffc), 0x11111111);
});

test('CR0.WP: a supervisor write to a read-only page faults (error 3) only when WP is set', () => {
  const ro = `and dword [PT + (0x500000 >> 12) * 4], ~2\n invlpg [0x500000]\n`;
  let r = runKernel(paging4k() + ro + `mov byte [0x500000], 7\n mov dword [R_SCRATCH], 0x600d`);
  assert.equal(u32(r.m, R_COUNT), 0);
  assert.equal(r.m.readPhysical(0x500000, 1)[0], 7);
  r = runKernel(paging4k() + ro + `mov eax, cr0\n or eax, 0x10000\n mov cr0, eax\n mov byte [0x500000], 7`);
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_ERR), u32(r.m, R_CR2)], [14, 3, 0x500000]);
  assert.equal(r.m.readPhysical(0x500000, 1)[0], 0);
});

test('accessed and dirty bits: a read sets A in PDE and PTE, a write sets D in the PTE', () => {
  const r = runKernel(paging4k() + `mov eax, [0x500000]\n mov byte [0x601000], 1`);
  const readPte = u32(r.m, pte(0x500000)), writePte = u32(r.m, pte(0x601000)), untouched = u32(r.m, pte(0x700000));
  assert.equal(readPte & 0x60, 0x20);
  assert.equal(writePte & 0x60, 0x60);
  assert.equal(untouched & 0x60, 0);
  assert.equal(u32(r.m, 0x200000) & 0x20, 0x20);
});

test('INVLPG makes a changed PTE visible', () => {
  const r = runKernel(paging4k() + `
  mov dword [0x300000], 0xaaaa
  mov dword [0x400000], 0xbbbb
  mov eax, [0x300000]
  mov dword [PT + (0x300000 >> 12) * 4], 0x400003
  invlpg [0x300000]
  mov eax, [0x300000]
  mov [R_SCRATCH], eax`);
  assert.equal(u32(r.m, R_SCRATCH), 0xbbbb);
});

test('PSE: a 4 MiB page maps 0x800000 onto physical 0x400000; reserved bit 21 faults with RSVD|P', () => {
  const pse = paging4k() + `
  mov eax, cr4
  or eax, 0x10
  mov cr4, eax
  mov dword [0x400010], 0x12345678
  mov dword [PD + 8], 0x400000 | 0x83
  mov eax, cr3
  mov cr3, eax
  mov eax, [0x800010]
  mov [R_SCRATCH], eax
`;
  let r = runKernel(pse);
  assert.equal(u32(r.m, R_SCRATCH), 0x12345678);
  assert.equal(r.m.translate(0x800010), 0x400010);
  r = runKernel(pse + `mov dword [PD + 12], 0x400000 | 0x83 | (1 << 21)\n mov eax, cr3\n mov cr3, eax\n mov eax, [0xc00000]`);
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_ERR), u32(r.m, R_CR2)], [14, 9, 0xc00000]);
});

test('PAE: 3-level walk with 2 MiB and 4 KiB pages; a not-present PDPTE faults', () => {
  const r = runKernel(`
PDPT equ 0x210000
PD0 equ 0x211000
PT0 equ 0x212000
  mov edi, PDPT
  xor eax, eax
  mov ecx, (0x213000 - PDPT) / 4
  rep stosd
  mov dword [PDPT], PD0 | 1
  mov dword [PD0], 0x000000 | 0x83      ; 0..2 MiB identity, 2 MiB page
  mov dword [PD0 + 8], PT0 | 3          ; 2..4 MiB through a page table
  mov dword [PD0 + 16], 0x000000 | 0x83 ; 4..6 MiB aliases 0..2 MiB
  mov ecx, 0
.f:
  lea eax, [ecx * 8]
  shl eax, 9
  add eax, 0x200000 | 3
  mov [PT0 + ecx * 8], eax
  inc ecx
  cmp ecx, 512
  jb .f
  mov eax, cr4
  or eax, 0x20
  mov cr4, eax
  mov eax, PDPT
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  mov dword [0x1000], 0xcafe
  mov eax, [0x401000]
  mov [R_SCRATCH], eax
  mov eax, [0x40000000]`);
  assert.equal(u32(r.m, R_SCRATCH), 0xcafe);
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_ERR), u32(r.m, R_CR2)], [14, 0, 0x40000000]);
  assert.equal(r.m.translate(0x401234), 0x1234);
});

test('PAE: loading CR3 with a reserved bit in a present PDPTE is #GP(0) and leaves CR3 unchanged', () => {
  const r = runKernel(`
PDPT equ 0x210000
  mov edi, PDPT
  xor eax, eax
  mov ecx, 0x2000 / 4
  rep stosd
  mov dword [PDPT], 0x211000 | 1
  mov dword [0x211000], 0x83
  mov dword [PDPT + 0x1000 + 0x20], 0x211000 | 1 | 4   ; a second PDPT with bit 2 set
  mov eax, cr4
  or eax, 0x20
  mov cr4, eax
  mov eax, PDPT
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  mov dword [R_SCRATCH], here
  mov eax, PDPT + 0x1000 + 0x20
here:
  mov cr3, eax`);
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_ERR), u32(r.m, R_EIP)], [13, 0, u32(r.m, R_SCRATCH)]);
  assert.equal(r.m.getRegisters().cr3, 0x210000);
});
