// PCID (SDM Vol. 3 §4.10.1, §4.10.4.1; Vol. 2 MOV CR, INVPCID): CR4.PCIDE's rules, CR3's PCID
// and bit 63, the TLB keeping translations per PCID with global ones shared, and INVPCID's
// four types. As in pge.test.ts, the stale translation read after a PTE changed shows what a
// PCID kept: at linear 0x400000 a page table maps X (0x400000, global) and Y (0x401000,
// not global), each holding its own address; both are then pointed at 0x402000 ("new").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKernel, u32, R_VEC } from './harness';
import { R, q, runLong } from './long-prelude';

const NEW = 0x6e6577n;
const X = 0x400000n, Y = 0x401000n;
const PCIDE = 1 << 17;

/** 64-bit code: PGE and PCIDE on, the 4 KiB page table in place, CR3 at PCID 1 with X and Y cached there, then both PTEs changed. */
const SETUP = `
  lea rdi, [pt]
  mov eax, 0x400003
  xor ecx, ecx
.fill:
  mov [rdi + rcx * 8], rax
  add eax, 0x1000
  inc ecx
  cmp ecx, 512
  jb .fill
  or qword [pt], 0x100                 ; X global
  mov dword [0x400000], 0x400000
  mov dword [0x401000], 0x401000
  mov dword [0x402000], ${NEW}
  lea rax, [pt + 3]
  mov [pd + 2 * 8], rax
  mov rax, cr3
  mov cr3, rax
  mov rax, cr4
  or rax, 0x80 | ${PCIDE}
  mov cr4, rax
  lea rbx, [pml4]
  lea rax, [rbx + 1]
  mov cr3, rax                         ; PCID 1 (flushed)
  mov eax, [0x400000]                  ; cached: X global, Y under PCID 1
  mov eax, [0x401000]
  mov qword [pt], 0x402103             ; X -> new, still global
  mov qword [pt + 8], 0x402003         ; Y -> new
`;

/** Reads X and Y (the quadwords at SCRATCH and SCRATCH + 8), then marks the run complete. */
const READ = `
  mov eax, [0x400000]
  mov [R_SCRATCH], rax
  mov eax, [0x401000]
  mov [R_SCRATCH + 8], rax
  mov qword [R_VEC], 0x77`;

const DATA = `align 16\ndesc: dq 0, 0\nalign 4096\npt: times 512 dq 0\n`;
const NOFLUSH = '0x8000000000000000';

/** CR3 <- pml4 | pcid, with bit 63 (no flush) when asked. */
const cr3 = (pcid: number, keep: boolean): string =>
  keep ? `mov rax, ${NOFLUSH} | ${pcid}\n  or rax, rbx\n  mov cr3, rax` : `lea rax, [rbx + ${pcid}]\n  mov cr3, rax`;

const invpcid = (type: number, pcid: number, lin: bigint): string =>
  `mov qword [desc], ${pcid}\n  mov rax, ${lin}\n  mov [desc + 8], rax\n  mov ecx, ${type}\n  invpcid rcx, [desc]`;

function afterSetup(steps: string): [bigint, bigint] {
  const r = runLong(`${SETUP}\n  ${steps}\n${READ}`, DATA);
  assert.equal(q(r.m, R.VEC), 0x77n, `faulted: vector ${q(r.m, R.VEC)} error ${q(r.m, R.ERR)} at ${q(r.m, R.RIP).toString(16)}`);
  return [q(r.m, R.SCRATCH), q(r.m, R.SCRATCH + 8)];
}

test('translations are kept per PCID: a switch with bit 63 set finds the PCID\'s own, global ones are shared', () => {
  // Still PCID 1, no CR3 write: both stale.
  assert.deepEqual(afterSetup(''), [X, Y]);
  // Same PCID, bit 63 set: nothing flushed.
  assert.deepEqual(afterSetup(cr3(1, true)), [X, Y]);
  // Same PCID, bit 63 clear: the PCID's non-global translations go, the global one stays.
  assert.deepEqual(afterSetup(cr3(1, false)), [X, NEW]);
  // To PCID 2 (flushed): Y is walked afresh there, X is global and shared.
  assert.deepEqual(afterSetup(cr3(2, false)), [X, NEW]);
  // To PCID 2 and back to PCID 1 without a flush: PCID 1's translation of Y was kept.
  assert.deepEqual(afterSetup(`${cr3(2, false)}\n  mov eax, [0x401000]\n  ${cr3(1, true)}`), [X, Y]);
  // ... and with a flush of PCID 1 on the way back it is gone.
  assert.deepEqual(afterSetup(`${cr3(2, false)}\n  ${cr3(1, false)}`), [X, NEW]);
  // PCID 2's own translation (walked after the change) comes back to PCID 2.
  assert.deepEqual(afterSetup(`${cr3(2, false)}\n  mov eax, [0x401000]\n  mov qword [pt + 8], 0x401003\n  ${cr3(1, true)}\n  ${cr3(2, true)}`), [X, NEW]);
  // A switch to PCID 2 with bit 63 set keeps PCID 1's translations too.
  assert.deepEqual(afterSetup(`${cr3(2, true)}\n  ${cr3(1, true)}`), [X, Y]);
});

test('INVLPG drops the page for the current PCID and the global translation', () => {
  assert.deepEqual(afterSetup('invlpg [0x401000]\n  invlpg [0x400000]'), [NEW, NEW]);
});

test('INVPCID honours PCIDs: type 0 one page of one PCID, type 1 one PCID, type 2 everything, type 3 every PCID but globals', () => {
  const away = cr3(2, false), back = cr3(1, true);
  // From PCID 2: type 0 for PCID 1's Y drops it; for PCID 2's Y it does not touch PCID 1's.
  assert.deepEqual(afterSetup(`${away}\n  ${invpcid(0, 1, Y)}\n  ${back}`), [X, NEW]);
  assert.deepEqual(afterSetup(`${away}\n  ${invpcid(0, 2, Y)}\n  ${back}`), [X, Y]);
  // Type 0 for the current PCID drops its page.
  assert.deepEqual(afterSetup(invpcid(0, 1, Y)), [X, NEW]);
  // Type 1: PCID 1's translations from PCID 2 go; another PCID's flush leaves them.
  assert.deepEqual(afterSetup(`${away}\n  ${invpcid(1, 1, 0n)}\n  ${back}`), [X, NEW]);
  assert.deepEqual(afterSetup(`${away}\n  ${invpcid(1, 3, 0n)}\n  ${back}`), [X, Y]);
  assert.deepEqual(afterSetup(invpcid(1, 1, 0n)), [X, NEW]);
  // Type 3: all PCIDs' non-global translations, the global one stays.
  assert.deepEqual(afterSetup(`${away}\n  ${invpcid(3, 0, 0n)}\n  ${back}`), [X, NEW]);
  // Type 2: everything.
  assert.deepEqual(afterSetup(`${away}\n  ${invpcid(2, 0, 0n)}\n  ${back}`), [NEW, NEW]);
});

test('CR3 under PCIDE: bits 11:0 read back as the PCID, bit 63 is not written; reserved bits #GP(0)', () => {
  const r = runLong(`${SETUP}\n  ${cr3(5, true)}\n  mov rax, cr3\n  mov [R_SCRATCH], rax\n  mov qword [R_VEC], 0x77`, DATA);
  assert.equal(q(r.m, R.VEC), 0x77n);
  const pml4 = q(r.m, R.SCRATCH) & ~0xfffn;
  assert.equal(q(r.m, R.SCRATCH), pml4 | 5n);
  const gp = (body: string): [bigint, bigint] => { const g = runLong(body, DATA); return [q(g.m, R.VEC), q(g.m, R.ERR)]; };
  assert.deepEqual(gp(`${SETUP}\n  mov rax, 1 << 40\n  or rax, rbx\n  mov cr3, rax`), [13n, 0n], 'bit 40 (above MAXPHYADDR)');
  // Without PCIDE, bit 63 is reserved.
  assert.deepEqual(gp(`lea rbx, [pml4]\n  mov rax, ${NOFLUSH}\n  or rax, rbx\n  mov cr3, rax`), [13n, 0n], 'bit 63 without PCIDE');
});

test('CR4.PCIDE: set only in IA-32e mode with CR3[11:0] = 0; CR0.PG cannot be cleared under it; CPUID.1:ECX.PCID', () => {
  const vec = (body: string): bigint => q(runLong(`${body}\n  mov qword [R_VEC], 0x77`, DATA).m, R.VEC);
  assert.equal(vec(`mov rax, cr4\n  or rax, ${PCIDE}\n  mov cr4, rax`), 0x77n);
  assert.equal(vec(`mov rax, cr3\n  or rax, 8\n  mov cr3, rax\n  mov rax, cr4\n  or rax, ${PCIDE}\n  mov cr4, rax`), 13n, 'CR3.PWT set');
  // In compatibility mode (CS 0x30), with PCIDE a CR0 write clearing PG is #GP(0); without
  // it the same write leaves IA-32e mode.
  const leave = (pcide: boolean): bigint => vec(`
  mov rax, cr4
  ${pcide ? `or rax, ${PCIDE}` : ''}
  mov cr4, rax
  push 0x30
  lea rax, [.compat]
  push rax
  retfq
bits 32
.compat:
  mov eax, cr0
  and eax, 0x7fffffff
  mov cr0, eax
  mov ecx, 0xc0000080
  rdmsr
  test eax, 0x400
  jnz .still
  mov dword [R_VEC], 0x77
  mov dword [R_VEC + 4], 0
.still:
  cli
  hlt
bits 64`);
  assert.equal(leave(true), 13n);
  assert.equal(leave(false), 0x77n);
  // Outside IA-32e mode (32-bit protected mode) PCIDE is #GP(0).
  const r = runKernel(`mov eax, cr4\n  or eax, ${PCIDE}\n  mov cr4, eax\n  mov dword [R_VEC], 0x77`);
  assert.equal(u32(r.m, R_VEC), 13);
  const c = runLong(`mov eax, 1\n  cpuid\n  mov [R_SCRATCH], rcx\n  mov qword [R_VEC], 0x77`);
  assert.equal((q(c.m, R.SCRATCH) >> 17n) & 1n, 1n);
});
