/* 64-bit PV entry: the Xen notes a domain builder reads, the start of day (RSI = start_info,
   the kernel in ring 3 on Xen's flat selectors), the event and failsafe callbacks and the
   exception entries of the trap table. Xen's x86-64 bounce frame on the kernel stack is
   RCX, R11, [error code,] RIP, CS, RFLAGS, RSP, SS; the way back is the iret hypercall, whose
   stub pushes RAX, R11 and RCX above {flags, RIP, CS, RFLAGS, RSP, SS}. */
#define __XEN_INTERFACE_VERSION__ 0x00040d00
#include <xen/elfnote.h>
#include <xen/xen.h>

#include "xen-notes.h"
#include "trap-entry.h"
ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .quad 0)
ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad 0)
ELFNOTE(XEN_ELFNOTE_ENTRY, .quad _start)
ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page)
ELFNOTE(XEN_ELFNOTE_PAE_MODE, .asciz "yes")
ELFNOTE(XEN_ELFNOTE_FEATURES, .asciz "")

  .text
  .globl _start
_start:
  cld
  lea boot_stack_top(%rip), %rsp
  mov %rsi, %rdi
  call start_kernel
  ud2

/* Saves the registers C may clobber, calls `fn` on a 16-byte aligned stack, restores them. */
.macro CALL_C fn
  push %rax; push %rdx; push %rsi; push %rdi; push %r8; push %r9; push %r10
  push %rbp
  mov %rsp, %rbp
  and $-16, %rsp
  call \fn
  mov %rbp, %rsp
  pop %rbp
  pop %r10; pop %r9; pop %r8; pop %rdi; pop %rsi; pop %rdx; pop %rax
.endm

/* Back through the iret hypercall: RCX and R11 from the frame, flags 0 above RIP. */
.macro XEN_IRET
  pop %rcx
  pop %r11
  pushq $0
  jmp hypercall_page + __HYPERVISOR_iret * 32
.endm

  .globl hypervisor_callback
hypervisor_callback:
  CALL_C do_hypervisor_callback
  XEN_IRET

  .globl failsafe_callback
failsafe_callback:
  lea failsafe_text(%rip), %rdi
  call do_exit

/* Exceptions: Xen's bounce frame has RCX and R11 below the error code or RIP. */
TRAP_ENTRY trap_0, 0, 0, 16
TRAP_ENTRY trap_6, 6, 0, 16
TRAP_ENTRY trap_13, 13, 1, 16
TRAP_ENTRY trap_14, 14, 1, 16

  .section .rodata
failsafe_text: .asciz "failsafe callback: Xen could not load a segment"

  .bss
  .balign 4096
  .globl boot_stack
boot_stack: .skip 16384
boot_stack_top:

/* The hypercall page: Xen fills it before the kernel starts (XEN_ELFNOTE_HYPERCALL_PAGE). */
  .section .text.hypercall_page, "ax"
  .balign 4096
  .globl hypercall_page
hypercall_page: .skip 4096

  .section .note.GNU-stack, "", @progbits
