; 100 million instructions of counting (dec + jnz, 50M times), then `done`, then the exit port.
section .multiboot
align 4
    dd 0x1BADB002, 0, -(0x1BADB002)

section .text
global _start
_start:
    mov ecx, 50000000
count_loop:
    dec ecx
    jnz count_loop
done:
    mov al, 0
    out 0xf4, al
    jmp $
