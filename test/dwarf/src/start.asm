; A multiboot kernel in NASM: nasm -F dwarf gives it a compile unit and a line table.
bits 32
section .multiboot
align 4
    dd 0x1BADB002, 0, -0x1BADB002

section .text
global _start
_start:
    mov esp, 0x90000
    call work
.halt:
    cli
    hlt
    jmp .halt

global work
work:
    push ebp
    mov ebp, esp
    mov eax, 42
    pop ebp
    ret
