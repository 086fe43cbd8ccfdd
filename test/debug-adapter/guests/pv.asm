; A minimal Xen PV kernel for the debugger: writes to the console, asks for the Xen version
; three times, then shuts down with reason 0.
%define PARAVIRT_NO_EXTERN
%include "paravirt.inc"

%include "xen-notes.inc"

section .text
global _start
_start:
    mov esp, stack_top
    mov ecx, msg_len
    mov edx, msg
    mov ebx, CONSOLEIO_write
    call hypercall_page + __HYPERVISOR_console_io * 32
    mov dword [rounds], 3
ask_version:
    call get_version
    dec dword [rounds]
    jnz ask_version
    push dword 0
    mov ecx, esp
    mov ebx, SCHEDOP_shutdown
    call hypercall_page + __HYPERVISOR_sched_op * 32
    jmp $

get_version:
    mov ebx, XENVER_version
    xor ecx, ecx
    call hypercall_page + __HYPERVISOR_xen_version * 32
    mov [version], eax
    ret

section .rodata
msg: db "pv hello", 10
msg_len equ $ - msg

section .data
rounds: dd 0
version: dd 0

section .bss
alignb 4096
global hypercall_page
hypercall_page: resb 4096
global pv_vcpu_info
pv_vcpu_info: resd 1
stack: resb 8192
stack_top:
