// CR4.PGE and the G bit (SDM Vol. 3A 4.10.2.4, 4.10.4.1): a CR3 load drops the non-global
// translations and keeps the global ones; INVLPG and a toggle of CR4.PGE drop global ones too.
// The stale translation a test reads after changing a PTE is what shows which were kept.
// PAT: CPUID.1:EDX.PAT is advertised, the PAT bits of PTEs and large PDEs are not reserved.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKernel, u32, R_VEC, R_ERR, R_SCRATCH } from './harness';

// 0-4 MiB identity with 4 KiB pages; the pages at 0x300000 (G set) and 0x301000 (G clear)
// each hold their own address; 0x302000 holds "new".
const SETUP = (pge: boolean): string => `
  mov edi, 0x200000
  mov ecx, 0x800
  xor eax, eax
  rep stosd
  mov dword [0x200000], 0x201003
  mov edi, 0x201000
  mov eax, 3
  mov ecx, 1024
.fill: stosd
  add eax, 0x1000
  loop .fill
  or dword [0x201000 + 0x300 * 4], 0x100
  mov dword [0x300000], 0x300000
  mov dword [0x301000], 0x301000
  mov dword [0x302000], 0x6e6577
  mov eax, cr4
  ${pge ? 'or eax, 0x80' : 'and eax, ~0x80'}
  mov cr4, eax
  mov eax, 0x200000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  mov eax, [0x300000]               ; cache both translations
  mov eax, [0x301000]
  mov dword [0x201000 + 0x300 * 4], 0x302103   ; both now point at 0x302000 (G kept on the first)
  mov dword [0x201000 + 0x301 * 4], 0x302003
  mov eax, cr3
  mov cr3, eax
  mov eax, [0x300000]
  mov [R_SCRATCH], eax
  mov eax, [0x301000]
  mov [R_SCRATCH + 4], eax
`;

test('with CR4.PGE a CR3 load keeps a global translation and drops the others; INVLPG drops it', () => {
  const r = runKernel(`${SETUP(true)}
  invlpg [0x300000]
  mov eax, [0x300000]
  mov [R_SCRATCH + 8], eax
  mov dword [R_VEC], 0x77`);
  assert.equal(u32(r.m, R_VEC), 0x77);
  assert.equal(u32(r.m, R_SCRATCH), 0x300000, 'the global page still maps to its old frame');
  assert.equal(u32(r.m, R_SCRATCH + 4), 0x6e6577, 'the non-global page was walked again');
  assert.equal(u32(r.m, R_SCRATCH + 8), 0x6e6577, 'INVLPG drops the global translation');
});

test('a toggle of CR4.PGE flushes global translations; without PGE the G bit keeps nothing', () => {
  const toggled = runKernel(`${SETUP(true)}
  mov eax, cr4
  and eax, ~0x80
  mov cr4, eax
  mov eax, [0x300000]
  mov [R_SCRATCH + 8], eax
  mov dword [R_VEC], 0x77`);
  assert.equal(u32(toggled.m, R_SCRATCH), 0x300000);
  assert.equal(u32(toggled.m, R_SCRATCH + 8), 0x6e6577);
  const off = runKernel(`${SETUP(false)}\n  mov dword [R_VEC], 0x77`);
  assert.equal(u32(off.m, R_SCRATCH), 0x6e6577, 'G without CR4.PGE is not global');
  assert.equal(u32(off.m, R_SCRATCH + 4), 0x6e6577);
});

test('PAT: CPUID.1:EDX.PAT; the PAT bit of a 4 KiB PTE (bit 7) and of 4 MiB/2 MiB PDEs (bit 12) is not reserved', () => {
  const r = runKernel(`
  mov eax, 1
  cpuid
  mov [R_SCRATCH + 12], edx
  ${SETUP(false)}
  or dword [0x201000 + 0x301 * 4], 0x80       ; PAT in a PTE
  invlpg [0x301000]
  mov eax, [0x301000]
  mov [R_SCRATCH + 8], eax
  mov dword [0x200004], 0x400083 | 0x1000     ; 4 MiB page at 4 MiB with PAT (PSE on below)
  mov eax, cr4
  or eax, 0x10
  mov cr4, eax
  mov eax, [0x400000]
  mov dword [R_VEC], 0x77`);
  assert.equal((u32(r.m, R_SCRATCH + 12) >>> 16) & 1, 1, 'CPUID.1:EDX.PAT');
  assert.equal(u32(r.m, R_SCRATCH + 8), 0x6e6577);
  assert.equal(u32(r.m, R_VEC), 0x77, `vector ${u32(r.m, R_VEC)} error ${u32(r.m, R_ERR)}`);
});
