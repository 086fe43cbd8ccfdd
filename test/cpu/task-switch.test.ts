// Hardware task switching: a double fault delivered through a task gate runs on a fresh
// TSS (the classic way to survive a #DF on a broken stack), with the back link, NT and
// busy bits the SDM describes (Vol. 3 §7.3, §6.15 "Interrupt 8").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKernel, u32, R_SCRATCH } from './harness';

test('#DF through a task gate switches to the handler TSS: back link, NT, busy bits, error code on the new stack', () => {
  const r = runKernel(`
  ; TSS descriptor for the #DF task in GDT slot 0x38
  mov eax, tss2
  mov word [gdt + 0x38], 0x67
  mov [gdt + 0x38 + 2], ax
  shr eax, 16
  mov [gdt + 0x38 + 4], al
  mov byte [gdt + 0x38 + 5], 0x89
  mov byte [gdt + 0x38 + 6], 0
  mov [gdt + 0x38 + 7], ah
  ; the #DF task's state
  mov dword [tss2 + 0x20], df_task
  mov dword [tss2 + 0x24], 2
  mov dword [tss2 + 0x38], 0x7f000
  mov word [tss2 + 0x48], KDATA
  mov word [tss2 + 0x4c], KCODE
  mov word [tss2 + 0x50], KDATA
  mov word [tss2 + 0x54], KDATA
  mov word [tss2 + 0x58], KDATA
  mov word [tss2 + 0x5c], KDATA
  ; IDT[8] = task gate to 0x38
  mov dword [idt + 8 * 8], 0x00380000
  mov dword [idt + 8 * 8 + 4], 0x00008500
  ; #GP's gate not present: #GP -> #NP -> #DF
  and byte [idt + 13 * 8 + 5], 0x7f
  mov esp, 0x8ff00
  mov ebx, 0x1234
  mov ax, 0x1000
faulting:
  mov ds, ax
  jmp $

df_task:
  mov eax, [esp]
  mov [R_SCRATCH], eax           ; error code
  mov [R_SCRATCH + 4], esp
  movzx eax, word [tss2]
  mov [R_SCRATCH + 8], eax       ; back link
  pushfd
  pop eax
  mov [R_SCRATCH + 12], eax      ; EFLAGS (NT)
  str ax
  movzx eax, ax
  mov [R_SCRATCH + 16], eax      ; TR
  mov eax, [tss + 0x20]
  mov [R_SCRATCH + 20], eax      ; interrupted EIP saved in the old TSS
  mov eax, [tss + 0x34]
  mov [R_SCRATCH + 24], eax      ; interrupted EBX saved in the old TSS
  mov eax, [gdt + 0x28 + 4]
  mov [R_SCRATCH + 28], eax      ; old TSS descriptor (still busy: CALL-type switch)
  mov eax, [gdt + 0x38 + 4]
  mov [R_SCRATCH + 32], eax      ; new TSS descriptor (busy)
  mov dword [R_SCRATCH + 36], faulting
  cli
  hlt`, `
align 16
tss2: times 0x68 db 0`);
  assert.equal(r.stop.kind, 'halted');
  const v = (o: number) => u32(r.m, R_SCRATCH + o);
  assert.equal(v(0), 0);                        // #DF pushes error code 0
  assert.equal(v(4), 0x7f000 - 4);              // ...on the new task's stack
  assert.equal(v(8), 0x28);                     // back link to the interrupted task
  assert.equal(v(12) & 0x4000, 0x4000);         // NT set
  assert.equal(v(16), 0x38);
  assert.equal(v(20), v(36));                   // the faulting instruction, to restart it
  assert.equal(v(24), 0x1234);
  assert.equal((v(28) >> 8) & 0xf, 0xb);        // busy 32-bit TSS
  assert.equal((v(32) >> 8) & 0xf, 0xb);
});

test('IRET with NT set returns to the interrupted task through the back link', () => {
  const r = runKernel(`
  mov eax, tss2
  mov word [gdt + 0x38], 0x67
  mov [gdt + 0x38 + 2], ax
  shr eax, 16
  mov [gdt + 0x38 + 4], al
  mov byte [gdt + 0x38 + 5], 0x89
  mov byte [gdt + 0x38 + 6], 0
  mov [gdt + 0x38 + 7], ah
  mov dword [tss2 + 0x20], task2
  mov dword [tss2 + 0x24], 2
  mov dword [tss2 + 0x38], 0x7f000
  mov word [tss2 + 0x48], KDATA
  mov word [tss2 + 0x4c], KCODE
  mov word [tss2 + 0x50], KDATA
  mov word [tss2 + 0x54], KDATA
  mov word [tss2 + 0x58], KDATA
  mov word [tss2 + 0x5c], KDATA
  mov ebx, 0x55
  call 0x38:0
  ; back in the first task
  mov [R_SCRATCH], ebx
  str ax
  movzx eax, ax
  mov [R_SCRATCH + 4], eax
  pushfd
  pop eax
  mov [R_SCRATCH + 8], eax
  mov eax, [gdt + 0x38 + 4]
  mov [R_SCRATCH + 12], eax
  jmp done
task2:
  mov ebx, 0x66        ; the first task's EBX comes back from its TSS
  iretd
done:`, `
align 16
tss2: times 0x68 db 0`);
  assert.equal(r.stop.kind, 'halted');
  const v = (o: number) => u32(r.m, R_SCRATCH + o);
  assert.equal(v(0), 0x55);
  assert.equal(v(4), 0x28);
  assert.equal(v(8) & 0x4000, 0);               // NT clear again in the first task
  assert.equal((v(12) >> 8) & 0xf, 0x9);        // the second TSS is no longer busy
});

test('a 16-bit TSS: CALL saves into the 32-bit TSS, loads IP/FLAGS/registers/selectors from the 286 layout', () => {
  const r = runKernel(`
  mov eax, tss16
  mov word [gdt + 0x38], 0x2b
  mov [gdt + 0x38 + 2], ax
  shr eax, 16
  mov [gdt + 0x38 + 4], al
  mov byte [gdt + 0x38 + 5], 0x81      ; available 16-bit TSS
  mov byte [gdt + 0x38 + 6], 0
  mov [gdt + 0x38 + 7], ah
  ; 0x40: 32-bit code segment based at 1 MiB, so a 16-bit IP can reach task2
  mov dword [gdt + 0x40], 0x0000ffff
  mov dword [gdt + 0x44], 0x004f9a10
  mov word [tss16 + 0x0e], task2 - 0x100000
  mov word [tss16 + 0x10], 2
  mov word [tss16 + 0x12], 0x1111       ; AX
  mov word [tss16 + 0x18], 0x4444       ; BX
  mov word [tss16 + 0x1a], 0x7000       ; SP
  mov word [tss16 + 0x22], KDATA        ; ES
  mov word [tss16 + 0x24], 0x40         ; CS
  mov word [tss16 + 0x26], KDATA        ; SS
  mov word [tss16 + 0x28], KDATA        ; DS
  mov ebx, 0xabcd0000
  call 0x38:0
  mov [R_SCRATCH + 8], ebx
  jmp done
task2:
  mov [R_SCRATCH], eax
  mov [R_SCRATCH + 4], ebx
  str ax
  mov [R_SCRATCH + 12], ax
  iretd
done:`, `
align 16
tss16: times 0x2c db 0`);
  assert.equal(r.stop.kind, 'halted', JSON.stringify(r.stop));
  const v = (o: number) => u32(r.m, R_SCRATCH + o);
  assert.equal(v(0) & 0xffff, 0x1111);
  assert.equal(v(4) & 0xffff, 0x4444);     // the low half comes from the 16-bit TSS (the SDM leaves the upper half open)
  assert.equal(v(8), 0xabcd0000);          // restored from the 32-bit TSS on the way back
  assert.equal(v(12) & 0xffff, 0x38);
});
