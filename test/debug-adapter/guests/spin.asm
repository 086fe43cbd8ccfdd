; Prints "S", then counts in a loop forever: a guest that only a pause stops.
section .multiboot
align 4
    dd 0x1BADB002, 0, -(0x1BADB002)

section .text
global _start
_start:
    mov esp, stack_top
    mov dx, 0x3f8
    mov al, 'S'
    out dx, al
spin_loop:
    inc dword [spins]
    jmp spin_loop

section .bss
align 4
spins: resd 1
stack: resb 4096
stack_top:
