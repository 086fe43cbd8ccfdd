; An empty IDT, then INT3: #GP, #DF, triple fault.
section .multiboot
align 4
    dd 0x1BADB002, 0, -(0x1BADB002)

section .text
global _start
_start:
    mov esp, stack_top
    lidt [empty_idt]
    nop
fault_here:
    int3
    jmp $

section .data
empty_idt: dw 0
           dd 0

section .bss
stack: resb 4096
stack_top:
