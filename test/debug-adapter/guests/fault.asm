; Its own GDT and an IDT with a #DE handler, then two divisions by zero; the handler counts and
; returns past the 2-byte DIV.
; The run ends at the debug-exit port with the count (status (2 << 1) | 1).
%include "flat-gdt.inc"
section .multiboot
align 4
    dd 0x1BADB002, 0, -(0x1BADB002)

section .text
global _start
_start:
    mov esp, stack_top
    FLAT_GDT_LOAD
    INTERRUPT_GATE 0, de_handler
    lidt [idt_desc]
    xor ecx, ecx
    xor edx, edx
first_trap:
    div ecx
second_trap:
    div ecx
    mov al, [hits]
    out 0xf4, al
    jmp $

de_handler:
    inc dword [hits]
    add dword [esp], 2
    iretd

section .data
FLAT_GDT_DATA
idt_desc:
    dw 8 * 8 - 1
    dd idt
hits: dd 0

section .bss
align 8
idt: resb 8 * 8
stack: resb 4096
stack_top:
