; 16-bit gates used from 32-bit code: a 16-bit interrupt gate (type 6) pushes FLAGS, CS
; and IP as words and its handler's 16-bit IRET pops them; a 16-bit call gate (type 4)
; pushes CS and IP as words and a 16-bit RETF returns. The stack stays 32-bit (SS.B=1),
; so ESP moves by 6 and 4. The code runs from a copy below 64 KiB, since a 16-bit return
; address cannot reach the kernel at 1 MiB.
bits 32
%include "macros.inc"
%include "rm16.inc"
global kmain
extern printf, idt, gdt

section .text
kmain:
    push ebp
    push ebx
    push esi
    push edi
    mov esi, rm_start
    mov edi, RM_BASE
    mov ecx, rm_end - rm_start
    rep movsb
    ; IDT[0x70]: 16-bit interrupt gate -> 0x30:h16 (0x30 is the 16-bit code segment)
    mov eax, 0x00300000 | R(h16)
    mov [idt + 0x70 * 8], eax
    mov dword [idt + 0x70 * 8 + 4], 0x00008600
    ; GDT[8] (0x40): 16-bit call gate, DPL 0 -> 0x30:cg16
    mov eax, 0x00300000 | R(cg16)
    mov [gdt + 8 * 8], eax
    mov dword [gdt + 8 * 8 + 4], 0x00008400
    mov eax, R(low32)
    jmp eax
back:
    push dword [R(int_sp_delta)]
    push dword [R(int_ip_ok)]
    push dword [R(int_cs)]
    push dword [R(int_flags)]
    push dword [R(int_after_delta)]
    push fmt_int
    call printf
    add esp, 24
    push dword [R(call_sp_delta)]
    push dword [R(call_ip_ok)]
    push dword [R(call_cs)]
    push dword [R(call_after_delta)]
    push fmt_call
    call printf
    add esp, 20
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

section .rodata
fmt_int: db "16-bit int gate: esp after return moved %d, pushed flags %04x cs %04x ip ok %d, frame %d bytes", 10, 0
fmt_call: db "16-bit call gate: esp after return moved %d, pushed cs %04x ip ok %d, frame %d bytes", 10, 0

section .text
rm_start:
bits 32
low32:
    mov ebx, esp
    push dword 0x00000802          ; OF set, IF clear
    popfd
    int 0x70
after_int:
    sub ebx, esp
    mov [R(int_after_delta)], ebx
    mov ebx, esp
    call 0x40:0
after_call:
    sub ebx, esp
    mov [R(call_after_delta)], ebx
    mov eax, back
    jmp eax

bits 16
h16:
    mov [R(int_sp_delta)], ebx
    sub dword [R(int_sp_delta)], esp
    mov ax, [esp]
    cmp ax, R(after_int)
    sete byte [R(int_ip_ok)]
    mov ax, [esp + 2]
    mov [R(int_cs)], ax
    mov ax, [esp + 4]
    and ax, 0x0FD5
    mov [R(int_flags)], ax
    iret
cg16:
    mov [R(call_sp_delta)], ebx
    sub dword [R(call_sp_delta)], esp
    mov ax, [esp]
    cmp ax, R(after_call)
    sete byte [R(call_ip_ok)]
    mov ax, [esp + 2]
    mov [R(call_cs)], ax
    retf

align 4
int_after_delta: dd 0
int_sp_delta: dd 0
int_ip_ok: dd 0
int_cs: dd 0
int_flags: dd 0
call_after_delta: dd 0
call_sp_delta: dd 0
call_ip_ok: dd 0
call_cs: dd 0
rm_end:
