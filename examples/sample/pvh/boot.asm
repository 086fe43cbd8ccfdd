; paravirt: target=pvh  (this flavour runs in Xen's PVH container: ring 0, VM exits, no legacy devices)
; Entry of the PVH flavour. Xen starts a PVH kernel at the address its XEN_ELFNOTE_PHYS32_ENTRY
; note names, in 32-bit protected mode with paging off and EBX = the physical address of
; struct hvm_start_info, so the same long-mode entry as the x86-64 flavour (guest/boot64.inc)
; takes it from there: page tables, GDT, TSS, IDT, then kmain. The kernel is linked in the top
; 2 GiB and loaded at 1 MiB like hvm64/; the hypercall page is a page of its .bss that
; console_init asks Xen to fill (xen-pvh.c).
%define BOOT64_VMA 0xFFFFFFFF80000000
%define BOOT64_MAIN kmain
%define BOOT64_TRAP trap_dispatch
%include "boot64.inc"

%define XEN_ELFNOTE_PHYS32_ENTRY 18

; The note names the physical entry: boot64_start32's load address.
section .note.Xen note alloc noexec nowrite align=4
    dd 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd boot64_start32 - BOOT64_VMA

section .bss
alignb 4096
global hypercall_page
hypercall_page: resb 4096
