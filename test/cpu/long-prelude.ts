// A tiny 64-bit kernel wrapped around each test body, the long-mode twin of kernel-prelude.ts:
// entered in flat 32-bit protected mode, it builds 4-level page tables (the first 16 MiB by
// 2 MiB pages at 0, at 0xFFFF800000000000 and at 0xFFFFFFFF80000000, and the local APIC's
// page), sets CR4.PAE, EFER.LME/NXE/SCE and CR0.PG, and far-jumps to 64-bit code, which loads
// a GDT with 64-bit and 32-bit segments for rings 0 and 3, a 64-bit TSS (RSP0, IST1, IST2) and
// a 64-bit IDT whose 256 stubs record the event at RESULT, then resume at [R_RESUME] or halt.

import { Machine } from '../../emulator/machine';
import type { StopReason } from '../../emulator/machine';
import { assemble } from './harness';

/** Physical address of the result block the stubs fill in (quadwords). */
export const RESULT = 0x80000;
export const R = {
  VEC: RESULT, ERR: RESULT + 8, RIP: RESULT + 16, CS: RESULT + 24, RFLAGS: RESULT + 32, RSP: RESULT + 40, SS: RESULT + 48,
  CR2: RESULT + 56, COUNT: RESULT + 64, RESUME: RESULT + 72, FRAME: RESULT + 80, SAVE: RESULT + 88, SCRATCH: RESULT + 0x80,
} as const;
/** Stack tops: the body's RSP, the TSS's RSP0, IST1 and IST2. */
export const STACKS = { rsp: 0x90000, rsp0: 0x8f000, ist1: 0x8e000, ist2: 0x8d000 } as const;

const ERROR_CODE_VECTORS = [8, 10, 11, 12, 13, 14, 17];

/** NASM source (org 1 MiB) of a kernel that runs the 64-bit `body` at ring 0 after setup. */
export function longKernelSource(body: string, data = ''): string {
  return `
RESULT equ 0x${RESULT.toString(16)}
R_VEC equ ${R.VEC}
R_ERR equ ${R.ERR}
R_RIP equ ${R.RIP}
R_CS equ ${R.CS}
R_RFLAGS equ ${R.RFLAGS}
R_RSP equ ${R.RSP}
R_SS equ ${R.SS}
R_CR2 equ ${R.CR2}
R_COUNT equ ${R.COUNT}
R_RESUME equ ${R.RESUME}
R_FRAME equ ${R.FRAME}
R_SCRATCH equ ${R.SCRATCH}
R_SAVE equ ${R.SAVE}
KCODE equ 0x08
KDATA equ 0x10
UCODE32 equ 0x1b
UDATA equ 0x23
UCODE equ 0x2b
KCODE32 equ 0x30
TSSSEL equ 0x38
FREESEL equ 0x48
HIGH equ 0xffffffff80000000
FARBASE equ 0xffff800000000000

bits 32
start:
  lgdt [gdtr32]
  jmp KCODE32:.flat
.flat:
  mov ax, KDATA
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov esp, 0x${STACKS.rsp.toString(16)}
  ; page tables: link the levels (the tables are labels, so the entries are built here)
  mov eax, pdpt_lo + 7
  mov [pml4], eax
  mov eax, pdpt_far + 7
  mov [pml4 + 256 * 8], eax
  mov eax, pdpt_hi + 7
  mov [pml4 + 511 * 8], eax
  mov eax, pd + 7
  mov [pdpt_lo], eax
  mov [pdpt_far], eax
  mov [pdpt_hi + 510 * 8], eax
  mov eax, pd_apic + 7
  mov [pdpt_lo + 3 * 8], eax
  mov dword [pd_apic + 0x1f7 * 8], 0xfee0009b
  xor ecx, ecx
.pd:
  mov eax, ecx
  shl eax, 21
  or eax, 0x87
  mov [pd + ecx * 8], eax
  inc ecx
  cmp ecx, 8
  jb .pd
  mov eax, cr4
  or eax, 0x20              ; PAE
  mov cr4, eax
  mov eax, pml4
  mov cr3, eax
  mov ecx, 0xc0000080
  rdmsr
  or eax, 0x901             ; LME, NXE, SCE
  wrmsr
  mov eax, cr0
  or eax, 0x80000001
  mov cr0, eax
  jmp KCODE:long_entry

bits 64
long_entry:
  lgdt [gdtr]
  mov ax, KDATA
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov fs, ax
  mov gs, ax
  mov rsp, 0x${STACKS.rsp.toString(16)}
  mov rax, tss
  mov [gdt + 0x38 + 2], ax
  shr rax, 16
  mov [gdt + 0x38 + 4], al
  mov [gdt + 0x38 + 7], ah
  mov qword [tss + 4], 0x${STACKS.rsp0.toString(16)}
  mov qword [tss + 0x24], 0x${STACKS.ist1.toString(16)}
  mov qword [tss + 0x2c], 0x${STACKS.ist2.toString(16)}
  mov word [tss + 0x66], 0x68
  mov ax, TSSSEL
  ltr ax
  xor ecx, ecx
.idt:
  mov rax, [stubs + rcx * 8]
  mov rdi, rcx
  shl rdi, 4
  add rdi, idt
  mov [rdi], ax
  mov word [rdi + 2], KCODE
  mov word [rdi + 4], 0x8e00
  shr rax, 16
  mov [rdi + 6], ax
  shr rax, 16
  mov [rdi + 8], eax
  mov dword [rdi + 12], 0
  inc ecx
  cmp ecx, 256
  jb .idt
  lidt [idtr]
  mov qword [R_VEC], -1
  mov qword [R_COUNT], 0
  mov qword [R_RESUME], 0
  jmp body

isr_common:
  ; only MOVs between the stub's pushes and IRETQ: the body's registers are kept but RAX,
  ; which is saved beside the result block
  mov [R_SAVE], rax
  mov rax, [rsp]
  mov [R_VEC], rax
  mov rax, [rsp + 8]
  mov [R_ERR], rax
  lea rax, [rsp + 16]
  mov [R_FRAME], rax
  mov rax, [rsp + 16]
  mov [R_RIP], rax
  mov rax, [rsp + 24]
  mov [R_CS], rax
  mov rax, [rsp + 32]
  mov [R_RFLAGS], rax
  mov rax, [rsp + 40]
  mov [R_RSP], rax
  mov rax, [rsp + 48]
  mov [R_SS], rax
  mov rax, cr2
  mov [R_CR2], rax
  inc qword [R_COUNT]
  mov rax, [R_RESUME]
  test rax, rax
  jz .stop
  mov [rsp + 16], rax
  mov rax, [R_SAVE]
  lea rsp, [rsp + 16]
  iretq
.stop:
  cli
  hlt
  jmp .stop

%assign v 0
%rep 256
stub_ %+ v:
%if ${ERROR_CODE_VECTORS.map((v) => `v == ${v}`).join(' || ')}
  push qword v
%else
  push qword -1
  push qword v
%endif
  jmp isr_common
%assign v v + 1
%endrep

align 8
stubs:
%assign v 0
%rep 256
  dq stub_ %+ v
%assign v v + 1
%endrep

align 16
gdt:
  dq 0
  dq 0x00af9a000000ffff   ; 0x08 ring-0 64-bit code
  dq 0x00cf92000000ffff   ; 0x10 ring-0 data
  dq 0x00cffa000000ffff   ; 0x18 ring-3 32-bit code (SYSRET to compatibility mode)
  dq 0x00cff2000000ffff   ; 0x20 ring-3 data
  dq 0x00affa000000ffff   ; 0x28 ring-3 64-bit code
  dq 0x00cf9a000000ffff   ; 0x30 ring-0 32-bit code (compatibility mode)
  dq 0x0000890000000067   ; 0x38 64-bit TSS, low half (base patched)
  dq 0                    ; ... high half
  times 8 dq 0            ; 0x48.. free for tests
gdt_end:
gdtr32:
  dw gdt_end - gdt - 1
  dd gdt
gdtr:
  dw gdt_end - gdt - 1
  dq gdt
align 16
idt:
  times 256 dq 0, 0
idtr:
  dw 256 * 16 - 1
  dq idt
align 16
tss:
  times 0x68 db 0
  db 0xff

body:
${body}
  cli
  hlt

${data}

align 4096
pml4: times 512 dq 0
pdpt_lo: times 512 dq 0
pdpt_far: times 512 dq 0
pdpt_hi: times 512 dq 0
pd: times 512 dq 0
pd_apic: times 512 dq 0
`;
}

export interface LongRun { m: Machine; stop: StopReason }

/** Assemble and run `body` in 64-bit mode on an HVM machine (16 MiB). */
export function runLong(body: string, data = '', budget = 2_000_000, options: ConstructorParameters<typeof Machine>[0] = { mode: 'hvm', memoryMiB: 16 }): LongRun {
  const code = assemble(longKernelSource(body, data), 32, 0x100000);
  const m = new Machine(options);
  m.load({ memory: [{ paddr: 0x100000, bytes: code }], entry: { kind: 'flat32', eip: 0x100000, regs: { esp: STACKS.rsp } }, description: 'long-mode test' });
  const stop = m.run(budget);
  return { m, stop };
}

/** A quadword of guest physical memory as a BigInt. */
export function q(m: Machine, addr: number): bigint {
  const b = m.readPhysical(addr, 8);
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

/**
 * Why the long-mode tests cannot run yet, or undefined when they can: they need the CPU core's
 * 64-bit operands (MOV r64, imm64 and PUSH/POP of 64-bit registers), probed here on a kernel
 * of this prelude. A skipped test names that reason; the probe passing runs them all.
 */
export const LONG_WAITS: string | undefined = (() => {
  const { m } = runLong(`
  mov rax, 0x1122334455667788
  push rax
  pop rbx
  mov [R_SCRATCH], rbx
  mov [R_SCRATCH + 8], rsp`);
  const ready = q(m, R.SCRATCH) === 0x1122334455667788n && q(m, R.SCRATCH + 8) === BigInt(STACKS.rsp);
  return ready ? undefined : 'waits for the CPU core\'s 64-bit operands (MOV r64, imm64; PUSH/POP r64)';
})();
