; kernel64.c linked in the top 2 GiB (gcc -mcmodel=kernel), loaded at 1 MiB: boot64.inc's
; higher-half layout, as the x86-64 sample uses.
%define BOOT64_VMA 0xFFFFFFFF80000000
%define BOOT64_MAIN kmain
%define BOOT64_TRAP on_trap
%include "boot64.inc"
