; A kernel described the old way: a `__xen_guest` section of NAME=VALUE pairs instead of
; ELF notes, no hypercall page (so it traps with int 0x82 itself).
bits 32
section __xen_guest progbits noalloc
    db "GUEST_OS=linux,XEN_VER=xen-3.0,LOADER=generic,VIRT_BASE=0xC0000000,ELF_PADDR_OFFSET=0xC0000000,PAE=yes[extended-cr3]", 0

section .text
global _start
_start:
    mov eax, 18                  ; console_io
    mov ebx, 0                   ; CONSOLEIO_write
    mov ecx, msg_len
    mov edx, msg
    int 0x82
    mov eax, [esi + 80]          ; start_info.cmd_line, first four bytes
    mov [cmd], eax
    mov eax, 18
    mov ebx, 0
    mov ecx, 5
    mov edx, cmd
    int 0x82
    push dword 0                 ; SHUTDOWN_poweroff
    mov eax, 29                  ; sched_op
    mov ebx, 2                   ; SCHEDOP_shutdown
    mov ecx, esp
    int 0x82
    jmp $

section .data
msg: db "legacy __xen_guest kernel", 10
msg_len equ $ - msg
cmd: dd 0
     db 10
