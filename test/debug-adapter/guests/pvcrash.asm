; A Xen PV kernel that reads CR0 (the hypervisor emulates it: a privileged-op record), then
; executes UD2 without a trap table: Xen has nowhere to bounce the #UD and crashes the domain.
%define PARAVIRT_NO_EXTERN
%include "paravirt.inc"

%include "xen-notes.inc"

section .text
global _start
_start:
    mov esp, stack_top
read_cr0:
    mov eax, cr0                     ; paravirt: ignore
    mov [cr0_seen], eax
crash_here:
    ud2
    jmp $

section .data
cr0_seen: dd 0

section .bss
alignb 4096
global hypercall_page
hypercall_page: resb 4096
global pv_vcpu_info
pv_vcpu_info: resd 1
stack: resb 8192
stack_top:
