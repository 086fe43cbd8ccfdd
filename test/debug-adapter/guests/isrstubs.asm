; The assembly half of the C interrupt kernel (irq.c): its own flat GDT, an IDT with one gate,
; vector 0x30, whose stub saves the registers with PUSHA and calls c_handler(struct regs *),
; and vector 0x31, whose gate points at isr49, a C function with gcc's interrupt attribute.
global idt_init
extern c_handler
extern isr49

section .text
idt_init:
    lgdt [gdt_desc]
    jmp 0x08:.reload
.reload:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, isr48
    mov [idt + 0x30 * 8], ax
    mov word [idt + 0x30 * 8 + 2], 0x08
    mov word [idt + 0x30 * 8 + 4], 0x8E00
    shr eax, 16
    mov [idt + 0x30 * 8 + 6], ax
    mov eax, isr49
    mov [idt + 0x31 * 8], ax
    mov word [idt + 0x31 * 8 + 2], 0x08
    mov word [idt + 0x31 * 8 + 4], 0x8E00
    shr eax, 16
    mov [idt + 0x31 * 8 + 6], ax
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
align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF            ; 0x08: flat 32-bit code
    dq 0x00CF92000000FFFF            ; 0x10: flat data
gdt_desc:
    dw gdt_desc - gdt - 1
    dd gdt
idt_desc:
    dw 0x32 * 8 - 1
    dd idt

section .bss
align 8
idt: resb 0x32 * 8
