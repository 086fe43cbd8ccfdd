; The 64-bit test kernels' entry: guest/boot64.inc, linked where it is loaded (1 MiB), into
; lib_start (start.c) and trap_dispatch (trap.c).
%define BOOT64_MAIN lib_start
%define BOOT64_TRAP trap_dispatch
%include "boot64.inc"
