; A Xen PV kernel that reads CR0 (the hypervisor emulates it: a privileged-op record), then
; executes UD2 without a trap table: Xen has nowhere to bounce the #UD and crashes the domain.
%define PARAVIRT_NO_EXTERN
%include "paravirt.inc"

%macro XEN_NOTE 2+
    align 4
    dd 4, %%desc_end - %%desc, %1
    db "Xen", 0
%%desc:
    %2
%%desc_end:
    align 4
%endmacro

section .note.Xen note alloc noexec nowrite align=4
    XEN_NOTE 6, db "linux", 0
    XEN_NOTE 5, db "xen-3.0", 0
    XEN_NOTE 8, db "generic", 0
    XEN_NOTE 3, dd 0xC0000000
    XEN_NOTE 4, dd 0xC0000000
    XEN_NOTE 1, dd _start
    XEN_NOTE 2, dd hypercall_page
    XEN_NOTE 9, db "yes", 0

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
