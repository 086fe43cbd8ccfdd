/* One C-callable hypercall: long hypercall5(nr, a1..a5). The System V arguments (RDI, RSI,
   RDX, RCX, R8, R9) are moved into Xen's 64-bit convention (RDI, RSI, RDX, R10, R8; number in
   RAX) and the call goes through the hypercall page, whose stubs Xen wrote: `syscall` ones for
   a 64-bit PV guest, `vmcall` ones for PVH. */
  .text
  .globl hypercall5
hypercall5:
  mov %rdi, %rax
  mov %rsi, %rdi
  mov %rdx, %rsi
  mov %rcx, %rdx
  mov %r8, %r10
  mov %r9, %r8
  shl $5, %rax
  lea hypercall_page(%rip), %r11
  add %r11, %rax
  call *%rax
  ret

  .section .note.GNU-stack, "", @progbits
