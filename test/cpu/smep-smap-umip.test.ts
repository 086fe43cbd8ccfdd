// SMEP, SMAP (with CLAC/STAC, EFLAGS.AC and implicit supervisor accesses) and UMIP against the
// SDM (Vol. 3A 4.6 "Access Rights", 4.7 "Page-Fault Exceptions", 2.5 CR4.UMIP); CPUID leaf 7
// advertises all three. test/guests/src/smap.c compares the same with QEMU.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKernel, u32, R_VEC, R_ERR, R_CR2, R_SCRATCH } from './harness';

// Two-level paging: 0-4 MiB identity, supervisor, except the user page at 0x300000 (which
// holds "mov eax, 0x1234; ret").
const PAGING = (cr4: number): string => `
  mov edi, 0x200000
  mov ecx, 0x800
  xor eax, eax
  rep stosd
  mov dword [0x200000], 0x201007
  mov edi, 0x201000
  mov eax, 3
  mov ecx, 1024
.fill: stosd
  add eax, 0x1000
  loop .fill
  mov dword [0x201000 + 0x300 * 4], 0x300007
  mov dword [0x300000], 0x001234b8
  mov word [0x300004], 0xc300
  mov eax, 0x200000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80010000              ; PG, WP
  mov cr0, eax
  mov eax, cr4
  or eax, ${cr4}
  mov cr4, eax
`;
const SMEP = 1 << 20, SMAP = 1 << 21, UMIP = 1 << 11;

test('CPUID leaf 7 advertises SMEP, SMAP and UMIP; leaf 0 reports 0xD (XSAVE\'s leaf) as the highest basic leaf', () => {
  const r = runKernel(`
  xor eax, eax
  cpuid
  mov [R_SCRATCH], eax
  mov eax, 7
  xor ecx, ecx
  cpuid
  mov [R_SCRATCH + 4], ebx
  mov [R_SCRATCH + 8], ecx
  mov dword [R_VEC], 0x77`);
  assert.equal(u32(r.m, R_SCRATCH), 0xd);
  assert.equal((u32(r.m, R_SCRATCH + 4) >>> 7) & 1, 1, 'SMEP');
  assert.equal((u32(r.m, R_SCRATCH + 4) >>> 20) & 1, 1, 'SMAP');
  assert.equal((u32(r.m, R_SCRATCH + 8) >>> 2) & 1, 1, 'UMIP');
});

test('SMEP: ring 0 fetching from a user page is #PF with I/D|P; without SMEP it runs', () => {
  const off = runKernel(`${PAGING(0)}\n  mov eax, 0x300000\n  call eax\n  mov [R_SCRATCH], eax\n  mov dword [R_VEC], 0x77`);
  assert.equal(u32(off.m, R_VEC), 0x77);
  assert.equal(u32(off.m, R_SCRATCH), 0x1234);
  const on = runKernel(`${PAGING(SMEP)}\n  mov eax, [0x300000]\n  mov [R_SCRATCH], eax\n  mov eax, 0x300000\n  call eax\n  mov dword [R_VEC], 0x77`);
  assert.equal(u32(on.m, R_SCRATCH), 0x001234b8, 'data reads of the user page still work');
  assert.equal(u32(on.m, R_VEC), 14);
  assert.equal(u32(on.m, R_ERR), 0x11);
  assert.equal(u32(on.m, R_CR2), 0x300000);
});

test('SMAP: ring 0 data accesses to a user page fault unless EFLAGS.AC is set (STAC/CLAC, POPF)', () => {
  const read = runKernel(`${PAGING(SMAP)}\n  mov eax, [0x300000]\n  mov dword [R_VEC], 0x77`);
  assert.equal(u32(read.m, R_VEC), 14);
  assert.equal(u32(read.m, R_ERR), 0x1);
  assert.equal(u32(read.m, R_CR2), 0x300000);
  const write = runKernel(`${PAGING(SMAP)}\n  mov dword [0x300008], 1\n  mov dword [R_VEC], 0x77`);
  assert.equal(u32(write.m, R_VEC), 14);
  assert.equal(u32(write.m, R_ERR), 0x3);
  const windowed = runKernel(`${PAGING(SMAP)}
  stac
  mov eax, [0x300000]
  mov [R_SCRATCH], eax
  mov dword [0x300008], 0x55
  pushfd
  pop eax
  mov [R_SCRATCH + 4], eax
  clac
  mov eax, [0x300008]              ; the window is closed again
  mov dword [R_VEC], 0x77`);
  assert.equal(u32(windowed.m, R_SCRATCH), 0x001234b8);
  assert.equal((u32(windowed.m, R_SCRATCH + 4) >>> 18) & 1, 1, 'STAC sets EFLAGS.AC');
  assert.equal(u32(windowed.m, 0x300008), 0x55);
  assert.equal(u32(windowed.m, R_VEC), 14);
  assert.equal(u32(windowed.m, R_ERR), 0x1);
  const popf = runKernel(`${PAGING(SMAP)}\n  pushfd\n  or dword [esp], 1 << 18\n  popfd\n  mov eax, [0x300000]\n  mov dword [R_VEC], 0x77`);
  assert.equal(u32(popf.m, R_VEC), 0x77, 'AC set by POPF opens the window too');
});

test('SMAP: an implicit supervisor access (a descriptor read from an LDT on a user page) faults even with AC set', () => {
  const r = runKernel(`${PAGING(SMAP)}
  sgdt [R_SCRATCH]
  mov ebx, [R_SCRATCH + 2]          ; GDT base
  mov dword [ebx + 0x30], 0x0000001f ; LDT descriptor: base 0x300000, limit 31
  mov dword [ebx + 0x34], 0x00008230
  stac
  mov dword [0x300010], 0x0000ffff  ; LDT entry 2: flat data
  mov dword [0x300014], 0x00cf9200
  mov ax, 0x30
  lldt ax
  mov ax, 0x14                      ; LDT selector 2
  mov fs, ax
  mov dword [R_VEC], 0x77`);
  assert.equal(u32(r.m, R_VEC), 14);
  assert.equal(u32(r.m, R_ERR), 0x1, 'a supervisor read, present');
  assert.ok(u32(r.m, R_CR2) >= 0x300010 && u32(r.m, R_CR2) < 0x300018, `CR2 ${u32(r.m, R_CR2).toString(16)}`);
});

// Enter ring 3 (paging off) and run one instruction; the DPL-3 data segment lets the stubs record.
const ring3 = (cr4: number, insn: string): string => `
  mov eax, cr4
  or eax, ${cr4}
  mov cr4, eax
  mov ax, UDATA
  mov ds, ax
  mov es, ax
  push UDATA
  push 0x70000
  push 0x002
  push UCODE
  push .user
  iretd
.user:
  ${insn}
  mov dword [0x6100], 0x99          ; reached only if the instruction completed
  hlt`;

test('UMIP: SGDT, SIDT, SLDT, STR and SMSW are #GP(0) at ring 3 with CR4.UMIP and work without it', () => {
  for (const insn of ['sgdt [0x6000]', 'sidt [0x6000]', 'sldt ax', 'sldt [0x6000]', 'str ax', 'str [0x6000]', 'smsw ax', 'smsw [0x6000]']) {
    const on = runKernel(ring3(UMIP, insn));
    assert.equal(u32(on.m, R_VEC), 13, `${insn} with UMIP`);
    assert.equal(u32(on.m, R_ERR), 0, insn);
    assert.notEqual(u32(on.m, 0x6100), 0x99, insn);
    const off = runKernel(ring3(0, insn));
    assert.equal(u32(off.m, 0x6100), 0x99, `${insn} without UMIP`);
  }
  const ring0 = runKernel(`mov eax, cr4\n  or eax, ${UMIP}\n  mov cr4, eax\n  sgdt [R_SCRATCH]\n  smsw eax\n  mov dword [R_VEC], 0x77`);
  assert.equal(u32(ring0.m, R_VEC), 0x77, 'ring 0 is not restricted');
});

test('CLAC/STAC are #UD at ring 3', () => {
  for (const insn of ['clac', 'stac']) {
    const r = runKernel(ring3(0, insn));
    assert.equal(u32(r.m, R_VEC), 6, insn);
  }
});
