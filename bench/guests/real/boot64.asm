; The 64-bit real-code bench guests' way into long mode: guest/boot64.inc (Multiboot 1 and 2
; headers, 32-bit entry, 4-level tables, GDT with the SYSCALL/SYSRET order, 64-bit TSS and
; IDT), then kmain and trap_dispatch of kernel64.c.
%define BOOT64_MAIN kmain
%define BOOT64_TRAP trap_dispatch
%include "boot64.inc"
