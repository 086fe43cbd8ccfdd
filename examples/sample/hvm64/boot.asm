; paravirt: target=hvm  (this flavour runs on a bare PC: privileged instructions are VM exits, not errors)
; Entry of the x86-64 flavour. The kernel is linked in the top 2 GiB (gcc -mcmodel=kernel) and
; loaded at 1 MiB; guest/boot64.inc is its way from the Multiboot entry into long mode: the
; Multiboot 1 and Multiboot2 headers, the 32-bit entry, 4-level page tables with the higher
; half mapped, GDT, TSS with IST stacks, IDT, and then kmain, the same kmain as the other
; flavours. When kmain returns the boot code leaves through isa-debug-exit with 0.
%define BOOT64_VMA 0xFFFFFFFF80000000
%define BOOT64_MAIN kmain
%define BOOT64_TRAP trap_dispatch
%include "boot64.inc"
