/* TRAP_ENTRY label, vec, has_error, frame: an exception entry for both flavours. It hands
   do_trap(vector, error code, RIP) what lies `frame` bytes above RSP (the error code when the
   exception has one, then RIP) and does not come back: do_trap reports it and crashes the
   domain. Included by entry-pv.S and entry-pvh.S. */
.macro TRAP_ENTRY label, vec, has_error, frame
  .globl \label
\label:
  .if \has_error == 0
  mov \frame(%rsp), %rdx
  xor %esi, %esi
  .else
  mov \frame(%rsp), %rsi
  mov \frame+8(%rsp), %rdx
  .endif
  mov $\vec, %edi
  and $-16, %rsp
  call do_trap
  ud2
.endm
