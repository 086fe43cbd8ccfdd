; Its own GDT and an IDT with a #DE handler, then two divisions by zero; the handler counts and
; returns past the 2-byte DIV.
; The run ends at the debug-exit port with the count (status (2 << 1) | 1).
section .multiboot
align 4
    dd 0x1BADB002, 0, -(0x1BADB002)

section .text
global _start
_start:
    mov esp, stack_top
    lgdt [gdt_desc]
    jmp 0x08:.reload
.reload:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    ; interrupt gate for vector 0: offset de_handler, selector 0x08, present, DPL 0, 32-bit
    mov eax, de_handler
    mov [idt], ax
    mov word [idt + 2], 0x08
    mov word [idt + 4], 0x8E00
    shr eax, 16
    mov [idt + 6], ax
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
align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF          ; 0x08: flat 32-bit code
    dq 0x00CF92000000FFFF          ; 0x10: flat data
gdt_desc:
    dw gdt_desc - gdt - 1
    dd gdt
idt_desc:
    dw 8 * 8 - 1
    dd idt
hits: dd 0

section .bss
align 8
idt: resb 8 * 8
stack: resb 4096
stack_top:
