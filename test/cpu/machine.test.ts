// The Machine API around the CPU: real-mode IVT delivery, breakpoints, single steps,
// snapshots, translation, HLT waiting for a timer interrupt, VM-exit records, CPUID/RDTSC.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, runFlat, runReal, u32 } from './harness';
import { Machine } from '../../emulator/machine';

test('real mode: INT n goes through the IVT, pushes FLAGS, CS, IP and IRET returns', () => {
  const r = runReal(`
  mov word [0x40 * 4], handler
  mov word [0x40 * 4 + 2], 0
  mov sp, 0x7000
  stc
  int 0x40
after:
  mov [0x600], bx
  cli
  hlt
handler:
  mov bp, sp
  mov ax, [bp]       ; IP
  mov [0x602], ax
  mov ax, [bp + 2]   ; CS
  mov [0x604], ax
  mov ax, [bp + 4]   ; FLAGS
  mov [0x606], ax
  pushf
  pop ax
  mov [0x608], ax
  mov bx, 0x1234
  iret`);
  assert.equal(r.stop.kind, 'halted');
  const w = (a: number) => r.m.readPhysical(a, 2)[0] | (r.m.readPhysical(a, 2)[1] << 8);
  assert.equal(w(0x600), 0x1234);
  assert.equal(w(0x604), 0);
  assert.equal(w(0x606) & 1, 1);                 // CF was set when pushed
  assert.equal(w(0x608) & 0x300, 0);             // IF and TF cleared in the handler
  assert.ok(w(0x602) > 0x7c00 && w(0x602) < 0x7c20);
});

test('breakpoint, single step, snapshot and restore', () => {
  const code = assemble(`
  mov eax, 1
target:
  add eax, 2
  add eax, 4
  mov [0x5000], eax
  hlt`);
  const m = new Machine({ memoryMiB: 4 });
  m.load({ memory: [{ paddr: 0x100000, bytes: code }], entry: { kind: 'flat32', eip: 0x100000 }, description: 't' });
  m.addBreakpoint(0x100005);
  assert.deepEqual(m.run(1000), { kind: 'breakpoint', address: 0x100005 });
  assert.equal(m.getRegisters().eax, 1);
  const snap = m.snapshot();
  assert.deepEqual(m.step(), { kind: 'step' });
  assert.deepEqual([m.getRegisters().eip, m.getRegisters().eax], [0x100008, 3]);
  assert.equal(m.run(1000).kind, 'halted');
  assert.equal(u32(m, 0x5000), 7);
  m.restore(snap);
  assert.deepEqual([m.getRegisters().eip, m.getRegisters().eax, u32(m, 0x5000)], [0x100005, 1, 0]);
  m.removeBreakpoint(0x100005);
  assert.equal(m.run(1000).kind, 'halted');
  assert.equal(u32(m, 0x5000), 7);
});

test('HLT with IF=1 waits in virtual time for the PIT interrupt through the PIC', () => {
  const r = runFlat(`
  lgdt [gdtr]
  lidt [idtr]
  mov al, 0x11          ; PIC ICW1..ICW4: vectors 0x20/0x28, cascade on IRQ2, 8086 mode
  out 0x20, al
  out 0xa0, al
  mov al, 0x20
  out 0x21, al
  mov al, 0x28
  out 0xa1, al
  mov al, 4
  out 0x21, al
  mov al, 2
  out 0xa1, al
  mov al, 1
  out 0x21, al
  out 0xa1, al
  mov al, 0xfe          ; only IRQ0
  out 0x21, al
  mov al, 0xff
  out 0xa1, al
  mov al, 0x34          ; PIT channel 0, lo/hi, mode 2
  out 0x43, al
  mov al, 0x9c          ; 11932 = 10 ms
  out 0x40, al
  mov al, 0x2e
  out 0x40, al
  sti
  hlt
  hlt
  cli
  mov eax, [ticks]
  mov [0x5000], eax
  hlt
irq0:
  inc dword [ticks]
  push eax
  mov al, 0x20
  out 0x20, al
  pop eax
  iretd
align 4
ticks: dd 0
idt:
  times 0x20 dq 0
  dw irq0 - $$ + 0x100000 & 0xffff
  dw 0x08
  dw 0x8e00
  dw (irq0 - $$ + 0x100000) >> 16
idtr:
  dw 0x21 * 8 - 1
  dd idt
gdt:
  dq 0
  dq 0x00cf9a000000ffff
  dq 0x00cf92000000ffff
gdtr:
  dw 23
  dd gdt`, 10_000_000);
  assert.equal(r.stop.kind, 'halted');
  assert.equal(u32(r.m, 0x5000), 2);
  // Two 10 ms periods went by in virtual time while only a few dozen instructions ran.
  assert.ok(r.m.icount < 200, `icount ${r.m.icount}`);
  assert.ok(r.m.cpu.ticks * 10 >= 19_000_000, `ticks ${r.m.cpu.ticks}`);
});

test('exits: CPUID records reason 10; OUT imm8 records reason 30 with the SDM qualification', () => {
  const r = runFlat(`xor eax, eax\n cpuid\n mov al, 0x41\n out 0x80, al\n mov dx, 0x3f8\n mov ax, 0x4142\n out dx, ax\n hlt`);
  const ex = r.m.exits.recent(10);
  const cpuid = ex.find((e) => e.reason === 10);
  assert.ok(cpuid, 'cpuid exit');
  const io = ex.filter((e) => e.reason === 30);
  assert.equal(io.length, 2);
  assert.equal(io[0].qualification >>> 0, (0x80 << 16) | (1 << 6) | 0);       // port 0x80, immediate, byte, out
  assert.equal(io[1].qualification >>> 0, (0x3f8 << 16) | 1);                  // port 0x3f8, DX form, word, out
});

test('CPUID identity: vendor, family 6 signature and the documented feature bits; RDTSC is deterministic', () => {
  const src = `
  xor eax, eax
  cpuid
  mov [0x5000], ebx
  mov [0x5004], edx
  mov [0x5008], ecx
  mov [0x500c], eax
  mov eax, 1
  cpuid
  mov [0x5010], eax
  mov [0x5014], edx
  mov [0x5020], ecx
  rdtsc
  mov [0x5018], eax
  mov [0x501c], edx
  hlt`;
  const a = runFlat(src), b = runFlat(src);
  const vendor = new TextDecoder().decode(a.m.readPhysical(0x5000, 12));
  assert.equal(vendor, 'GenuineIntel');
  assert.ok(u32(a.m, 0x500c) >= 1);
  assert.equal((u32(a.m, 0x5010) >> 8) & 0xf, 6);
  const edx = u32(a.m, 0x5014);
  // FPU 0, PSE 3, TSC 4, MSR 5, PAE 6, CX8 8, APIC 9, SEP 11, PGE 13, CMOV 15.
  for (const bit of [0, 3, 4, 5, 6, 8, 9, 11, 13, 15]) assert.equal((edx >>> bit) & 1, 1, `feature bit ${bit}`);
  // FXSR 24, SSE 25, SSE2 26 (sse-*.ts); no MMX 23 (not modelled), TM 29, IA64 30.
  for (const bit of [24, 25, 26]) assert.equal((edx >>> bit) & 1, 1, `feature bit ${bit}`);
  for (const bit of [23, 29, 30]) assert.equal((edx >>> bit) & 1, 0, `no MMX/TM/IA64 (bit ${bit})`);
  // ECX: SSE3 0, SSSE3 9, XSAVE 26; not SSE4.1 19, SSE4.2 20, AVX 28, nor OSXSAVE 27 while CR4.OSXSAVE is clear.
  const ecx = u32(a.m, 0x5020);
  for (const bit of [0, 9, 26]) assert.equal((ecx >>> bit) & 1, 1, `ECX bit ${bit}`);
  for (const bit of [19, 20, 27, 28]) assert.equal((ecx >>> bit) & 1, 0, `ECX bit ${bit}`);
  assert.equal(u32(a.m, 0x5018), u32(b.m, 0x5018));
  assert.ok(u32(a.m, 0x5018) > 0);
});

test('translate and readLinear follow paging; unmapped addresses give null', () => {
  const r = runFlat(`
  mov edi, 0x200000
  xor eax, eax
  mov ecx, 2048
  rep stosd
  mov dword [0x200000], 0x201003
  mov dword [0x201000 + 4 * 0x100], 0x100003   ; 0x100000 -> 0x100000 (the code)
  mov dword [0x201000 + 4 * 0x5], 0x300003     ; 0x5000 -> 0x300000
  mov dword [0x300010], 0xfeedf00d
  mov eax, 0x200000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  hlt`);
  assert.equal(r.m.translate(0x5010), 0x300010);
  assert.equal(r.m.translate(0x6000), null);
  assert.equal(r.m.readLinear(0x6000, 4), null);
  assert.deepEqual(Array.from(r.m.readLinear(0x5010, 4)!), [0x0d, 0xf0, 0xed, 0xfe]);
});

test('exit qualifications: CR access (SDM Table 28-3), string I/O with REP, INVLPG address, RDMSR', () => {
  const code = assemble(`
  mov eax, cr0
  or eax, 0x40000000        ; CD: a host-owned CR0 bit
  mov cr0, eax
  mov ebx, 0x5000
  mov cr3, ebx              ; exits under shadow paging
  mov edx, cr3              ; CR3 store
  invlpg [0x123456]
  mov dx, 0x3f8
  mov esi, 0x2000
  mov ecx, 3
  rep outsb
  mov ecx, 0x1b
  rdmsr
  hlt`);
  const m = new Machine({ memoryMiB: 4, exitControls: { preset: 'shadow-paging' } });
  m.load({ memory: [{ paddr: 0x100000, bytes: code }], entry: { kind: 'flat32', eip: 0x100000 }, description: 't' });
  assert.equal(m.run(1000).kind, 'halted');
  const ex = m.exits.recent(50);
  const cr = ex.filter((e) => e.reason === 28).map((e) => e.qualification >>> 0);
  // mov cr0, eax: CR 0, type 0 (to CR), GPR 0; mov cr3, ebx: CR 3, GPR 3; mov edx, cr3: type 1, GPR 2.
  assert.deepEqual(cr, [0x000, 0x303, 0x213]);
  const inv = ex.find((e) => e.reason === 14);
  assert.equal(inv?.qualification, 0x123456);
  const io = ex.filter((e) => e.reason === 30);
  assert.equal(io.length, 3);
  assert.equal(io[0].qualification >>> 0, (0x3f8 << 16) | (1 << 5) | (1 << 4));   // byte, out, string, REP, DX
  const msr = ex.find((e) => e.reason === 31);
  assert.equal(msr?.msr, 0x1b);
});
