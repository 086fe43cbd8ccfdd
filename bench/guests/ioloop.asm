; I/O-loop guest for `npm run bench`: OUTS times `out dx, al` to the UART's data port,
; each a VM exit in a hardware hypervisor and a device access in an emulator.
;
; Counting regions (`; @count NAME` ... `; @end`) as in compute.asm.
; Serial protocol (COM1): 'S', then OUTS bytes '.', then 'E'; then isa-debug-exit with 0.

%ifndef OUTS
  %define OUTS 1000000
%endif

MB_MAGIC   equ 0x1BADB002
MB_FLAGS   equ 0x00000003
COM1       equ 0x3F8
DEBUG_EXIT equ 0xF4

section .multiboot progbits alloc noexec nowrite align=4
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

section .text progbits alloc exec nowrite align=4096
global _start
_start:
; @count prologue
    mov dx, COM1
    mov al, 'S'
    out dx, al
; @end
; @count start
    mov al, '.'
    mov ecx, OUTS
; @end
again:
; @count loop
    out dx, al
    dec ecx
    jnz again
; @end
; @count epilogue
    mov al, 'E'
    out dx, al
; @end
; @count exit
    mov dx, DEBUG_EXIT
    xor eax, eax
    out dx, al
; @end
halt:
    cli
    hlt
    jmp halt
