; A small protected-mode kernel entry in NASM, written for bare metal / HVM.
; Markers name the rules the linter must report on that line (target=pv).
bits 32
%define STACK_TOP 0x90000
%define PORT_COM1 0x3f8
KERNEL_CS equ 0x08

%macro out 2                    ; a user macro named like an instruction
    push eax
    mov eax, %2
    pop eax
%endmacro

%macro save_all 0
    pushad
    pushfd                      ; expect: PV004
%endmacro

section .data
msg:    db "cli; hlt; in al, dx", 0     ; strings mention instructions
hlt:    dd 0                            ; a label named like an instruction
idt_ptr: dw 0
         dd 0

section .text
global _start
_start:
    cli                         ; expect: PV002
    mov esp, STACK_TOP
    mov eax, cr0                ; expect: PV011
    or eax, 1
    mov cr0, eax                ; expect: PV010
    lgdt [gdt_ptr]              ; expect: PV015
    lidt [idt_ptr]              ; expect: PV016
    mov ax, 0x10
    mov ds, ax
    mov ss, ax
    jmp KERNEL_CS:.flush
.flush:
    call hlt                    ; calling a function named hlt is ordinary
    mov eax, [hlt]
    out 0x80, al                ; the user macro above, not the instruction
    mov dx, PORT_COM1
    mov al, 'A'
    OUT dx, al                  ; expect: PV007
    in al, 0x60                 ; expect: PV006
    rep outsb                   ; expect: PV009
    mov eax, page_dir
    mov cr3, eax                ; expect: PV010
    invlpg [eax]                ; expect: PV023
    wbinvd                      ; expect: PV025
    rdmsr                       ; expect: PV026
    rdtsc                       ; expect: PV028
    cpuid                       ; expect: PV031
    mov dr7, ebx                ; expect: PV032
    push cs                     ; expect: PV040
    sti                         ; expect: PV003
    ; hlt in a comment is fine
.idle:
    hlt                         ; expect: PV001
    jmp .idle
    times 2 nop
    int 0x80
    iretd                       ; expect: PV034
    db 0x0f, 0x01, 0xd1         ; expect: PV047
smap_off: db 0fh, 01h, 0cah    ; expect: PV049
    db 0x0f, 0x22, 0xd8         ; expect: PV010
    db 0xf4                     ; one byte: a datum as often as a HLT
    db 0x0f, 0x01, 0xd1, 0x90   ; two instructions' bytes: not one spelled-out instruction
gdt_ptr: dw 0
         dd 0
page_dir: times 1024 dd 0
