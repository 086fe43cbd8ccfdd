; The smallest guest: raw UART writes with LSR polling, the multiboot magic, debug exit.
bits 32
%include "macros.inc"
extern multiboot_magic
global kmain

section .text
kmain:
    mov esi, msg
.next:
    lodsb
    test al, al
    jz .done
    mov ah, al
    mov dx, 0x3FD
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    mov dx, 0x3F8
    mov al, ah
    out dx, al
    jmp .next
.done:
    cmp dword [multiboot_magic], 0x2BADB002
    jne .bad
    PRINT {"multiboot magic ok", 10}
    jmp .out
.bad:
    PRINT {"multiboot magic BAD", 10}
.out:
    mov edx, 0x12345678
    bswap edx
    push edx
    push fmt
    call printf
    add esp, 8
    ret

section .rodata
msg: db "hello from a guest", 10, 0
fmt: db "bswap %08x", 10, 0
