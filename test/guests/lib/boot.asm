; Multiboot v1 entry shared by every guest test kernel: zeroes .bss, takes a known
; stack, installs our own GDT/IDT/TSS (the loader's are unspecified), then calls kmain.
bits 32

MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00000003          ; page-aligned modules, memory info

section .multiboot progbits alloc noexec nowrite align=4
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

section .bss
align 16
boot_stack: resb 16384
global boot_stack_top
boot_stack_top:

section .text
global _start
extern kmain, lib_init, __bss_start, __bss_end, exit_guest
_start:
    cli
    cld
    mov esi, eax                  ; multiboot magic
    mov edi, __bss_start
    mov ecx, __bss_end
    sub ecx, edi
    xor eax, eax
    rep stosb
    mov esp, boot_stack_top
    push ebx
    push esi
    call lib_init
    call kmain
    push 0
    call exit_guest
.hang:
    hlt
    jmp .hang
