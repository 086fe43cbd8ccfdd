; paravirt: target=hvm  (this flavour runs on a bare PC: privileged instructions are VM exits, not errors)
; Multiboot v1 entry of the HVM flavour: a known stack and our own flat GDT, then kmain.
bits 32

MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00000003

section .multiboot progbits alloc noexec nowrite align=4
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

section .data
align 8
gdt:
    dq 0
    dq 0x00CF9B000000FFFF         ; 0x08 ring 0 code, flat
    dq 0x00CF93000000FFFF         ; 0x10 ring 0 data, flat
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd gdt

section .bss
align 16
stack: resb 16384
stack_top:

section .text
global _start
extern kmain, machine_exit
_start:
    cli
    cld
    mov esp, stack_top
    lgdt [gdtr]
    jmp 0x08:.flat
.flat:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    call kmain
    push 0
    call machine_exit
