; Interrupt stubs as kernels write them: per-vector entry points push a vector number (and a
; dummy error code where the CPU pushes none), then a common stub saves the registers with
; PUSHA, points EBP at them and calls a dispatcher, which calls a leaf. Two faults go through
; it: a #DE (no error code) and a #GP from loading a bad selector (error code), each inside
; victim(), called from outer(), called from _start. The handler skips the 2-byte faulting
; instruction. The run ends at the debug-exit port with the count of traps.
%include "flat-gdt.inc"
section .multiboot
align 4
    dd 0x1BADB002, 0, -(0x1BADB002)

section .text
global _start
_start:
    mov esp, stack_top
    FLAT_GDT_LOAD
    INTERRUPT_GATE 0, isr0
    INTERRUPT_GATE 13, isr13
    lidt [idt_desc]
    xor ebp, ebp
    call outer
    mov al, [traps]
    out 0xf4, al
    jmp $

outer:
    push ebp
    mov ebp, esp
    call victim
    pop ebp
    ret

victim:
    push ebp
    mov ebp, esp
    push ebx
    xor ecx, ecx
    mov eax, 1
    xor edx, edx
.fault_de:
    div ecx
    mov ax, 0x1234
.fault_gp:
    mov ds, ax
    pop ebx
    pop ebp
    ret

isr0:
    push 0                           ; no error code from the CPU: a dummy one
    push 0
    jmp isr_common
isr13:
    push 13                          ; the CPU pushed the error code
    jmp isr_common

isr_common:
    pusha
    mov ebp, esp                     ; EBP no longer the interrupted code's: PUSHA saved it
    push ebp
.in_common:
    call dispatch
    add esp, 4
    popa
    add esp, 8
    iretd

dispatch:                            ; (regs *) -> counts, skips the faulting instruction
    push ebp
    mov ebp, esp
    call leaf
    mov eax, [ebp + 8]
    add dword [eax + 40], 2          ; the pushed EIP, past PUSHA's 32 bytes, vector and error code
    pop ebp
    ret

leaf:
    push ebp
    mov ebp, esp
    inc dword [traps]
.in_leaf:
    nop
    pop ebp
    ret

section .data
FLAT_GDT_DATA
idt_desc:
    dw 32 * 8 - 1
    dd idt
traps: dd 0

section .bss
align 8
idt: resb 32 * 8
stack: resb 4096
stack_top:
