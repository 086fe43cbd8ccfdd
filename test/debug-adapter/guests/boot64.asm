; The 64-bit debugger test kernel's entry: the project's long-mode boot code (guest/boot64.inc)
; with kernel64.c's kmain and its trap dispatcher.
%define BOOT64_MAIN kmain
%define BOOT64_TRAP on_trap
%include "boot64.inc"
