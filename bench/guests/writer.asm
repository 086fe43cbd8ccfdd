; Reverse-history guest for `npm run bench`: PASSES sweeps of stores over an 8 MiB array (the
; working set of a small kernel: every snapshot interval rewrites pages the previous ones
; hold), about 10^9 instructions in all, between the labels `early` and `done`.
;
; Instructions retired when the CPU reaches `done`: 2 + PASSES * (4 + 4 * DWORDS).
; Build: nasm -f elf32 -DPASSES=n [-DDWORDS=n] writer.asm; ld -m elf_i386 -T guest.ld

%ifndef PASSES
  %define PASSES 120
%endif
%ifndef DWORDS
  %define DWORDS 0x200000          ; 8 MiB
%endif
ARRAY      equ 0x400000
DEBUG_EXIT equ 0xF4

section .multiboot
align 4
    dd 0x1BADB002, 0, -(0x1BADB002)

section .text
global _start, early, done
_start:
    mov esp, 0x90000
early:
    mov ebx, PASSES
pass:
    mov edi, ARRAY
    mov ecx, DWORDS
fill:
    mov [edi], ebx
    add edi, 4
    dec ecx
    jnz fill
    dec ebx
    jnz pass
done:
    mov al, 0
    out DEBUG_EXIT, al
    jmp $
