; Multiboot entry of the source-tree kernel: a stack, kmain(), then its result to
; isa-debug-exit (the machine ends with status (al << 1) | 1).
MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0

section .multiboot
align 4
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

section .text
global _start
extern kmain
_start:
    mov esp, stack_top
    call kmain
    mov dx, 0xf4
    out dx, al                  ; @entry-exit
.hang:
    cli
    hlt
    jmp .hang

section .bss
align 16
stack: resb 16384
stack_top:
