; PV flavour entry: Xen ELF notes, the hypercall page, a stack, then kmain. Xen starts us
; in ring 1 with paging on, ESI -> start_info and the flat ring-1 selectors loaded.
bits 32

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
    XEN_NOTE 6, db "linux", 0                  ; GUEST_OS (Xen accepts "linux" or the generic loader)
    XEN_NOTE 7, db "sample", 0                 ; GUEST_VERSION
    XEN_NOTE 5, db "xen-3.0", 0                ; XEN_VERSION
    XEN_NOTE 8, db "generic", 0                ; LOADER
    XEN_NOTE 3, dd 0xC0000000                  ; VIRT_BASE
    XEN_NOTE 4, dd 0xC0000000                  ; PADDR_OFFSET
    XEN_NOTE 1, dd _start                      ; ENTRY
    XEN_NOTE 2, dd hypercall_page              ; HYPERCALL_PAGE
    XEN_NOTE 9, db "yes", 0                    ; PAE_MODE
    XEN_NOTE 10, db "!writable_page_tables|pae_pgdir_above_4gb", 0

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
