; The assembly half of the C interrupt kernel (irq.c): its own flat GDT and an IDT with two gates:
; vector 0x30, whose stub saves the registers with PUSHA and calls c_handler(struct regs *),
; and vector 0x31, whose gate points at isr49, a C function with gcc's interrupt attribute.
%include "flat-gdt.inc"
global idt_init
extern c_handler
extern isr49

section .text
idt_init:
    FLAT_GDT_LOAD
    INTERRUPT_GATE 0x30, isr48
    INTERRUPT_GATE 0x31, isr49
    lidt [idt_desc]
    ret

isr48:
    push 0                           ; no error code
    push 0x30
    pusha
    push esp                         ; struct regs *
    call c_handler
    add esp, 4
    popa
    add esp, 8
    iretd

section .data
FLAT_GDT_DATA
idt_desc:
    dw 0x32 * 8 - 1
    dd idt

section .bss
align 8
idt: resb 0x32 * 8
