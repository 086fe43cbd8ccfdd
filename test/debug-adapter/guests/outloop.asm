; 400,000 OUTs to port 0x80 (each a VM exit the debugger records), 1,200,001 instructions in
; all, then `done`, then the exit port. For the debug adapter's bench: exit recording.
section .multiboot
align 4
    dd 0x1BADB002, 0, -(0x1BADB002)

section .text
global _start
_start:
    mov ecx, 400000
out_loop:
    out 0x80, al
    dec ecx
    jnz out_loop
done:
    mov al, 0
    out 0xf4, al
    jmp $
