// A tiny flat protected-mode kernel wrapped around each test body: GDT (ring 0 and ring 3
// flat segments, a TSS), an IDT whose 256 stubs record the vector, error code, faulting EIP
// and CR2 at RESULT, then either resume at [RESUME] (if non-zero) or halt.

/** Physical address of the result block the stubs fill in. */
export const RESULT = 0x80000;
export const R_VEC = RESULT, R_ERR = RESULT + 4, R_EIP = RESULT + 8, R_CR2 = RESULT + 12, R_COUNT = RESULT + 16;
export const R_RESUME = RESULT + 20, R_CS = RESULT + 24, R_ESP = RESULT + 28, R_SCRATCH = RESULT + 0x40;

const ERROR_CODE_VECTORS = [8, 10, 11, 12, 13, 14, 17];

/** NASM source (bits 32, org 1 MiB) of a kernel that runs `body` at ring 0 after setup. */
export function kernelSource(body: string, data = ''): string {
  return `
RESULT equ 0x${RESULT.toString(16)}
R_VEC equ RESULT
R_ERR equ RESULT + 4
R_EIP equ RESULT + 8
R_CR2 equ RESULT + 12
R_COUNT equ RESULT + 16
R_RESUME equ RESULT + 20
R_CS equ RESULT + 24
R_ESP equ RESULT + 28
R_SCRATCH equ RESULT + 0x40
KCODE equ 0x08
KDATA equ 0x10
UCODE equ 0x1b
UDATA equ 0x23
TSSSEL equ 0x28

start:
  lgdt [gdtr]
  jmp KCODE:.reload
.reload:
  mov ax, KDATA
  mov ds, ax
  mov es, ax
  mov fs, ax
  mov gs, ax
  mov ss, ax
  mov esp, 0x90000
  ; TSS descriptor (base is a label, so it is patched in at run time)
  mov eax, tss
  mov [gdt + 0x28 + 2], ax
  shr eax, 16
  mov [gdt + 0x28 + 4], al
  mov [gdt + 0x28 + 7], ah
  mov dword [tss + 4], 0x8f000
  mov dword [tss + 8], KDATA
  mov word [tss + 0x66], 0x68
  mov ax, TSSSEL
  ltr ax
  ; IDT: interrupt gates to the stubs
  xor ecx, ecx
.idt:
  mov eax, [stubs + ecx * 4]
  mov [idt + ecx * 8], ax
  mov word [idt + ecx * 8 + 2], KCODE
  mov word [idt + ecx * 8 + 4], 0x8e00
  shr eax, 16
  mov [idt + ecx * 8 + 6], ax
  inc ecx
  cmp ecx, 256
  jb .idt
  lidt [idtr]
  mov dword [R_VEC], 0xffffffff
  mov dword [R_COUNT], 0
  mov dword [R_RESUME], 0
  jmp body

isr_common:
  pop eax
  mov [R_VEC], eax
  pop eax
  mov [R_ERR], eax
  mov eax, [esp]
  mov [R_EIP], eax
  mov eax, [esp + 4]
  mov [R_CS], eax
  mov [R_ESP], esp
  mov eax, cr2
  mov [R_CR2], eax
  inc dword [R_COUNT]
  mov eax, [R_RESUME]
  test eax, eax
  jz .stop
  mov [esp], eax
  iretd
.stop:
  cli
  hlt
  jmp .stop

%assign v 0
%rep 256
stub_ %+ v:
%if ${ERROR_CODE_VECTORS.map((v) => `v == ${v}`).join(' || ')}
  push dword v
%else
  push dword 0xffffffff
  push dword v
%endif
  jmp isr_common
%assign v v + 1
%endrep

align 4
stubs:
%assign v 0
%rep 256
  dd stub_ %+ v
%assign v v + 1
%endrep

align 8
gdt:
  dq 0
  dq 0x00cf9a000000ffff   ; 0x08 ring-0 code
  dq 0x00cf92000000ffff   ; 0x10 ring-0 data
  dq 0x00cffa000000ffff   ; 0x18 ring-3 code
  dq 0x00cff2000000ffff   ; 0x20 ring-3 data
  dq 0x0000890000000067   ; 0x28 TSS (base patched)
  times 10 dq 0           ; 0x30.. free for tests
gdt_end:
gdtr:
  dw gdt_end - gdt - 1
  dd gdt
align 8
idt:
  times 256 dq 0
idtr:
  dw 256 * 8 - 1
  dd idt
align 16
tss:
  times 0x68 db 0
  db 0xff

body:
${body}
  cli
  hlt

${data}
`;
}
