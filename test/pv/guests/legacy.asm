; A kernel described the old way: a `__xen_guest` section of NAME=VALUE pairs instead of
; ELF notes, no hypercall page (so it traps with int 0x82 itself). Numbers and constants come
; from guest/paravirt.inc, which the hypercall table generates.
%include "paravirt.inc"
bits 32
section __xen_guest progbits noalloc
    db "GUEST_OS=linux,XEN_VER=xen-3.0,LOADER=generic,VIRT_BASE=0xC0000000,ELF_PADDR_OFFSET=0xC0000000,PAE=yes[extended-cr3]", 0

section .text
global _start
_start:
    mov eax, __HYPERVISOR_console_io
    mov ebx, CONSOLEIO_write
    mov ecx, msg_len
    mov edx, msg
    int 0x82
    mov eax, [esi + START_INFO_cmd_line] ; its first four bytes
    mov [cmd], eax
    mov eax, __HYPERVISOR_console_io
    mov ebx, CONSOLEIO_write
    mov ecx, 5
    mov edx, cmd
    int 0x82
    push dword SHUTDOWN_poweroff
    mov eax, __HYPERVISOR_sched_op
    mov ebx, SCHEDOP_shutdown
    mov ecx, esp
    int 0x82
    jmp $

section .data
msg: db "legacy __xen_guest kernel", 10
msg_len equ $ - msg
cmd: dd 0
     db 10
