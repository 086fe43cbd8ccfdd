// Long mode as the SDM describes it (Vol. 3 §9.8.5 entering and leaving IA-32e mode, §4.5
// 4-level paging, Vol. 1 §3.3.7.1 canonical addresses), run by a guest built by nasm: it
// builds 4-level page tables, enables PAE, sets EFER.LME, turns paging on (LMA), jumps into
// a 64-bit code segment, runs code that uses REX-extended registers, byte registers under
// REX and RIP-relative operands, returns to compatibility mode and leaves long mode.
// The CPU's own walk and canonical checks are then read directly against the tables built.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFlat, u32 } from './harness';
import { FAULT } from '../../emulator/cpu/memory-access';
import * as K from '../../emulator/cpu/constants';

const TABLES = `
  mov edi, 0x200000
  mov ecx, 0x4000 / 4
  xor eax, eax
  rep stosd
  mov dword [0x200000], 0x201003          ; PML4[0] -> PDPT
  mov dword [0x201000], 0x202003          ; PDPT[0] -> PD
  xor ecx, ecx
.pd:
  mov eax, ecx
  shl eax, 21
  or eax, 0x83                            ; 2 MiB pages, identity, writable
  mov [0x202000 + ecx * 8], eax
  inc ecx
  cmp ecx, 8
  jb .pd
  mov dword [0x200008], 0x203003          ; PML4[1] (linear 0x80_0000_0000) -> PDPT2
  mov dword [0x203000], 0x83              ; PDPT2[0]: a 1 GiB page at physical 0
  mov dword [0x203008], 0x40000083        ; PDPT2[1]: a 1 GiB page at physical 1 GiB (no memory there)
  lgdt [gdtr]
`;

const ENTER = `
  mov eax, cr4
  or eax, 0x20                            ; PAE
  mov cr4, eax
  mov eax, 0x200000
  mov cr3, eax
  mov ecx, 0xc0000080
  rdmsr
  or eax, 0x100                           ; LME
  wrmsr
  mov eax, cr0
  or eax, 0x80000000                      ; PG: IA-32e mode active, compatibility mode for now
  mov cr0, eax
  mov ecx, 0xc0000080
  rdmsr
  mov [0x7000], eax                       ; EFER with LMA
  jmp 0x18:long64
`;

const GDT = `
align 8
gdt:
  dq 0
  dq 0x00cf9a000000ffff                   ; 0x08 flat 32-bit code
  dq 0x00cf92000000ffff                   ; 0x10 flat data
  dq 0x00af9a000000ffff                   ; 0x18 64-bit code (L=1, D=0)
gdtr:
  dw gdtr - gdt - 1
  dd gdt
`;

const LONG64 = `
bits 64
long64:
  mov r9d, [rel val1]                     ; REX.R, RIP-relative
  mov r10d, r9d
  add r10d, r10d                          ; REX.R and REX.B
  mov [rel result], r10d
  lea r11d, [r9 + r10 * 4 + 3]            ; SIB with REX.X and REX.B
  mov [rel result + 4], r11d
  mov esi, [rel val2]
  mov edx, esi
  mov [rel result + 8], sil                  ; SIL (REX) is ESI's low byte
  mov [rel result + 9], dh                   ; without REX, encoding 6 is DH
  mov r15d, 7
  mov [rel result + 12], r15d
  cmp r9d, 0x11111111
  jne .bad
  mov dword [rel result + 16], 0x600d
.bad:
  hlt
  jmp far dword [rel to32]                ; back to 32-bit code (m16:32; REX.W would make it m16:64)
to32:
  dd compat
  dw 0x08
val1: dd 0x11111111
val2: dd 0x5678
bits 32
compat:
  mov eax, cr0
  and eax, 0x7fffffff                     ; paging off: IA-32e mode inactive
  mov cr0, eax
  mov ecx, 0xc0000080
  rdmsr
  mov [0x7004], eax
  hlt
`;

const OUT = 0x7100;
const SOURCE = `result equ ${OUT}\n${TABLES}${ENTER}${LONG64}${GDT}`;

test('entering long mode: PAE + LME + PG sets LMA; a far jump to a CS with L runs 64-bit code with REX registers and RIP-relative operands', () => {
  const m = runFlat(SOURCE).m, cpu = m.cpu;
  assert.equal(u32(m, 0x7000), 0x500, 'EFER after CR0.PG: LME | LMA');
  assert.equal(cpu.lma, true);
  assert.equal(cpu.long64, true, 'CS.L with LMA: 64-bit mode');
  assert.equal(u32(m, OUT), 0x22222222, 'r10d = r9d + r9d');
  assert.equal(u32(m, OUT + 4), (0x11111111 + 0x22222222 * 4 + 3) >>> 0, 'LEA with REX.X/REX.B');
  assert.equal(m.readPhysical(OUT + 8, 1)[0], 0x78, 'SIL');
  assert.equal(m.readPhysical(OUT + 9, 1)[0], 0x56, 'DH without REX');
  assert.equal(u32(m, OUT + 16), 0x600d);
  assert.equal(cpu.regs[9], 0x11111111);
  assert.equal(cpu.regsHi[9], 0, 'a 32-bit write zeroes the high half');
});

function enteredLongMode() {
  const m = runFlat(SOURCE).m;
  assert.equal(m.cpu.long64, true);
  return m;
}

function faultOf(f: () => unknown): number {
  try { f(); } catch (e) {
    if (e === FAULT) return 0;
    throw e;
  }
  return -1;
}

test('4-level walk: 2 MiB and 1 GiB pages; far (non sign-extended 32-bit) addresses read and write through the tagged TLB', () => {
  const m = enteredLongMode(), cpu = m.cpu;
  const far = 0x80_0000_0000;   // PML4[1] -> 1 GiB page at physical 0
  assert.equal(cpu.peekTranslate(0x123456), 0x123456);
  assert.equal(cpu.peekTranslate(far + 0x345678), 0x345678);
  assert.equal(cpu.peekTranslate(0x1000000), -1, 'PD entry 8 is not present');
  assert.equal(cpu.peekTranslate(0x100_0000_0000), -1, 'PML4[2] is not present');
  m.writePhysical(0x7200, Uint8Array.of(0x78, 0x56, 0x34, 0x12));
  assert.equal(cpu.rd32(far + 0x7200), 0x12345678);
  cpu.wr32(far + 0x7204, 0x0badf00d | 0);
  assert.equal(u32(m, 0x7204), 0x0badf00d);
  // A far address and a near one with the same low 32 bits are different pages.
  m.writePhysical(0x7208, Uint8Array.of(1, 0, 0, 0));
  cpu.wr32(0x7208, 1);
  assert.equal(cpu.rd32(far + 0x7208), 1);
  const farAlias = 0x80_0000_0000 + 0x4000_0000 + 0x7208;   // PDPT2[1]: 1 GiB above, no RAM
  assert.notEqual(cpu.peekTranslate(farAlias), cpu.peekTranslate(0x7208));
  // Accessed bits were set at every level of the far walk.
  assert.equal(u32(m, 0x200008) & 0x20, 0x20, 'PML4E accessed');
  assert.equal(u32(m, 0x203000) & 0x60, 0x60, '1 GiB PDPTE accessed and dirty');
});

test('4-level walk faults: not present, reserved bits (PS in a PML4E, 1 GiB alignment), NX with EFER.NXE, CR2 holds the 64-bit address', () => {
  const m = enteredLongMode(), cpu = m.cpu;
  const far = 0x80_0000_0000;
  assert.equal(faultOf(() => cpu.rd32(0x100_0000_0000)), 0);
  assert.equal(cpu.excVector, K.PF);
  assert.equal(cpu.excCode, 0);
  assert.equal(cpu.cr2, 0x100_0000_0000);
  // A 1 GiB page with bit 13 set (bits 29:13 are reserved in a 1 GiB PDPTE).
  m.writePhysical(0x203010, Uint8Array.of(0x83, 0x20, 0, 0));
  assert.equal(faultOf(() => cpu.wr32(far + 0x8000_0000, 1)), 0);
  assert.equal(cpu.excCode, 0x8 | 0x2 | 0x1, 'RSVD | W | P');
  // XD in the 1 GiB PDPTE: data reads fine, a fetch faults with I/D once NXE is on.
  m.writePhysical(0x203004, Uint8Array.of(0, 0, 0, 0x80));
  cpu.flushTlb();
  assert.equal(faultOf(() => cpu.xlate(far + 0x5000, false, false, true)), 0, 'bit 63 without NXE is reserved');
  assert.equal(cpu.excCode, 0x8 | 0x1, 'RSVD | P; I/D is reported only with NXE (or SMEP)');
  cpu.writeEfer(cpu.efer | K.EFER_NXE);
  assert.equal(cpu.xlate(far + 0x5000, false, false), 0x5000);
  assert.equal(faultOf(() => cpu.xlate(far + 0x5000, false, false, true)), 0);
  assert.equal(cpu.excCode, 0x10 | 0x1);
});

test('canonical checks: #GP(0) for data, #SS(0) for the stack, through FS/GS bases too', () => {
  const m = enteredLongMode(), cpu = m.cpu;
  assert.equal(cpu.lin64(K.DS, 0x1000, 0x7fff, 4, false), 0x7fff_0000_1000);
  assert.equal(cpu.lin64(K.DS, 0, -1, 4, false), -0x1_0000_0000);
  assert.equal(faultOf(() => cpu.lin64(K.DS, 0, 0x8000, 4, false)), 0);
  assert.deepEqual([cpu.excVector, cpu.excCode], [K.GP, 0]);
  assert.equal(faultOf(() => cpu.lin64(K.SS, 0, 0xffff7fff | 0, 8, true)), 0);
  assert.deepEqual([cpu.excVector, cpu.excCode], [K.SSF, 0]);
  // The last byte counts: 4 bytes at 0x7fff_ffff_fffe run past the lower half.
  assert.equal(faultOf(() => cpu.lin64(K.DS, -2, 0x7fff, 4, false)), 0);
  // FS base 0x7fff_ffff_f000 + 0x2000 is not canonical; DS ignores its base.
  cpu.segBase[K.FS] = 0xfffff000 | 0; cpu.segBaseHi[K.FS] = 0x7fff;
  assert.equal(faultOf(() => cpu.lin64(K.FS, 0x2000, 0, 4, false)), 0);
  assert.equal(cpu.lin64(K.FS, 0x10, 0, 4, false), 0x7fff_ffff_f010);
  cpu.segBase[K.DS] = 0x1000;
  assert.equal(cpu.lin64(K.DS, 0x10, 0, 4, false), 0x10);
});

// The host CPU is the reference: on x86-64 Linux a load through a non-canonical [r13+8] or
// [r12] is SIGSEGV (#GP), through [rbp+8] SIGBUS (#SS). SS is the default segment for RSP and
// RBP only; R12 and R13 share their low three encoding bits but default to DS.
test('canonical checks by base register: RBP and RSP bases fault #SS(0), R12 and R13 bases #GP(0)', () => {
  const m = enteredLongMode(), cpu = m.cpu;
  const at = (cpu.eip >>> 0) - 1;  // the HLT the guest stopped on
  const cases: Array<[string, number[], number, number]> = [
    ['mov rax, [r13+8]', [0x49, 0x8b, 0x45, 0x08], 13, K.GP],
    ['mov rax, [r12] (SIB)', [0x49, 0x8b, 0x04, 0x24], 12, K.GP],
    ['mov rax, [r13+rax*1+8] (SIB)', [0x49, 0x8b, 0x44, 0x05, 0x08], 13, K.GP],
    ['mov rax, [rbp+8]', [0x48, 0x8b, 0x45, 0x08], 5, K.SSF],
    ['mov rax, [rsp] (SIB)', [0x48, 0x8b, 0x04, 0x24], 4, K.SSF],
    ['mov rax, [rbp+rax*1+8] (SIB)', [0x48, 0x8b, 0x44, 0x05, 0x08], 5, K.SSF],
  ];
  for (const [what, bytes, base, vector] of cases) {
    m.writePhysical(at, Uint8Array.from(bytes));
    cpu.regs[0] = 0; cpu.regsHi[0] = 0;
    cpu.regs[base] = 0; cpu.regsHi[base] = 0x80000000 | 0;
    cpu.eip = at; cpu.halted = false;
    cpu.excVector = -1;
    assert.equal(faultOf(() => cpu.execOne()), 0, `${what} faults`);
    assert.deepEqual([cpu.excVector, cpu.excCode], [vector, 0], what);
  }
});

test('mode rules: CR0.PG cannot be cleared in 64-bit mode, CR4.PAE cannot be cleared with LMA, EFER.LME cannot change with paging on; leaving through compatibility mode clears LMA', () => {
  const m = enteredLongMode(), cpu = m.cpu;
  assert.equal(faultOf(() => cpu.writeCr0(cpu.cr0 & 0x7fffffff)), 0);
  assert.equal(cpu.excVector, K.GP);
  assert.equal(faultOf(() => cpu.writeCr4(cpu.cr4 & ~K.CR4_PAE)), 0);
  assert.equal(faultOf(() => cpu.writeEfer(cpu.efer & ~K.EFER_LME)), 0);
  assert.equal(cpu.lma, true);
  // Continue the guest: HLT, then the far jump to 32-bit code and CR0.PG off.
  cpu.halted = false;
  m.run(100_000);
  assert.equal(u32(m, 0x7004), 0x100, 'EFER: LME stays, LMA clear');
  assert.equal(cpu.lma, false);
  assert.equal(cpu.long64, false);
});

test('entering long mode with CR4.PAE clear, or with CS.L set, is #GP(0)', () => {
  const m = enteredLongMode(), cpu = m.cpu;
  cpu.halted = false;
  m.run(100_000);
  assert.equal(cpu.lma, false);
  assert.equal(faultOf(() => cpu.writeCr4(cpu.cr4 & ~K.CR4_PAE)), -1);
  assert.equal(faultOf(() => cpu.writeCr0(cpu.cr0 | K.CR0_PG)), 0, 'PAE clear');
  cpu.writeCr4(cpu.cr4 | K.CR4_PAE);
  cpu.segAttr[K.CS] |= K.A_L;
  assert.equal(faultOf(() => cpu.writeCr0(cpu.cr0 | K.CR0_PG)), 0, 'CS.L set');
  cpu.segAttr[K.CS] &= ~K.A_L;
  cpu.writeCr0(cpu.cr0 | K.CR0_PG);
  assert.equal(cpu.lma, true);
  assert.equal(cpu.long64, false, 'a 32-bit CS: compatibility mode');
});
