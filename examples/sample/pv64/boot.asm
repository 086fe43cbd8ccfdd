; paravirt: target=pv64  (a 64-bit Xen PV kernel: it runs in ring 3, privileged instructions are errors)
; Entry of the 64-bit PV flavour: Xen ELF notes (8-byte addresses, as Linux writes them), the
; hypercall page, a stack, then kmain. Xen starts a 64-bit PV kernel in ring 3 with paging on
; (its bootstrap 4-level tables map the kernel from VIRT_BASE), RSI -> start_info, and the
; flat selectors FLAT_KERNEL_CS/SS loaded.
bits 64
default rel

%define PARAVIRT_NO_EXTERN
%include "paravirt64.inc"

PV_ELFNOTE XEN_ELFNOTE_GUEST_OS, db, "linux", 0      ; Xen accepts "linux" or the generic loader
PV_ELFNOTE XEN_ELFNOTE_GUEST_VERSION, db, "sample", 0
PV_ELFNOTE XEN_ELFNOTE_XEN_VERSION, db, "xen-3.0", 0
PV_ELFNOTE XEN_ELFNOTE_LOADER, db, "generic", 0
PV_ELFNOTE XEN_ELFNOTE_VIRT_BASE, dq, 0xFFFFFFFF80000000
PV_ELFNOTE XEN_ELFNOTE_PADDR_OFFSET, dq, 0
PV_ELFNOTE XEN_ELFNOTE_ENTRY, dq, _start
PV_ELFNOTE XEN_ELFNOTE_HYPERCALL_PAGE, dq, hypercall_page
PV_ELFNOTE XEN_ELFNOTE_FEATURES, db, "!writable_page_tables", 0

section .bss
alignb 4096
global hypercall_page
hypercall_page: resb 4096
alignb 16
stack: resb 16384
stack_top:

section .data
global xen_start_info
xen_start_info: dq 0

section .text
global _start
extern kmain, machine_exit
_start:
    cld
    lea rsp, [stack_top]
    mov [xen_start_info], rsi
    call kmain
    xor edi, edi
    call machine_exit
