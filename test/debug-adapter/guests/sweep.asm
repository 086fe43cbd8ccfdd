; The reverse history under a memory budget: PASSES sweeps of stores over a 2 MiB array (each
; pass writes the pass number, counting down to 1), between the labels `early` and `done`.
section .multiboot
align 4
    dd 0x1BADB002, 0, -(0x1BADB002)

PASSES equ 16
ARRAY  equ 0x200000
DWORDS equ 0x80000

section .text
global _start, early, done
_start:
    mov esp, 0x90000
early:
    mov ebx, PASSES
pass:
    mov edi, ARRAY
    mov ecx, DWORDS
fill:
    mov [edi], ebx
    add edi, 4
    dec ecx
    jnz fill
    dec ebx
    jnz pass
done:
    mov al, 0
    out 0xf4, al
    jmp $
