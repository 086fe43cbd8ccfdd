; PV flavour entry: Xen ELF notes, the hypercall page, a stack, then kmain. Xen starts us
; in ring 1 with paging on, ESI -> start_info and the flat ring-1 selectors loaded.
bits 32

%define PARAVIRT_NO_EXTERN
%include "paravirt.inc"

PV_ELFNOTE XEN_ELFNOTE_GUEST_OS, db, "linux", 0      ; Xen accepts "linux" or the generic loader
PV_ELFNOTE XEN_ELFNOTE_GUEST_VERSION, db, "sample", 0
PV_ELFNOTE XEN_ELFNOTE_XEN_VERSION, db, "xen-3.0", 0
PV_ELFNOTE XEN_ELFNOTE_LOADER, db, "generic", 0
PV_ELFNOTE XEN_ELFNOTE_VIRT_BASE, dd, 0xC0000000
PV_ELFNOTE XEN_ELFNOTE_PADDR_OFFSET, dd, 0xC0000000
PV_ELFNOTE XEN_ELFNOTE_ENTRY, dd, _start
PV_ELFNOTE XEN_ELFNOTE_HYPERCALL_PAGE, dd, hypercall_page
PV_ELFNOTE XEN_ELFNOTE_PAE_MODE, db, "yes", 0
PV_ELFNOTE XEN_ELFNOTE_FEATURES, db, "writable_page_tables|pae_pgdir_above_4gb", 0

section .bss
alignb 4096
global hypercall_page
hypercall_page: resb 4096
alignb 16
stack: resb 16384
stack_top:

section .data
global xen_start_info
xen_start_info: dd 0

section .text
global _start
extern kmain, machine_exit
_start:
    cld
    mov esp, stack_top
    mov [xen_start_info], esi
    call kmain
    push 0
    call machine_exit
