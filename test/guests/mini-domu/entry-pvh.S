/* PVH entry: XEN_ELFNOTE_PHYS32_ENTRY, reached in 32-bit protected mode with paging off and
   EBX = the physical address of hvm_start_info. The kernel is linked where it is loaded, so
   it identity-maps the first GiB with 2 MiB pages, enters long mode on its own GDT and calls
   start_kernel(start_info). Interrupts arrive through its IDT: the exceptions and the event
   channel upcall vector (HVM_PARAM_CALLBACK_IRQ, type vector). */
#define __XEN_INTERFACE_VERSION__ 0x00040d00
#include <xen/elfnote.h>

#include "xen-notes.h"
#include "trap-entry.h"
ELFNOTE(XEN_ELFNOTE_PHYS32_ENTRY, .long pvh_start)

#define KCODE 0x08
#define KDATA 0x10

  .section .text.entry, "ax"
  .code32
  .globl pvh_start
pvh_start:
  cli
  cld
  mov %ebx, %esi
  mov $boot_stack_top, %esp
  /* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = i * 2 MiB (present, writable, large). */
  mov $pvh_pml4, %edi
  mov $pvh_pdpt + 3, %eax
  mov %eax, (%edi)
  mov $pvh_pdpt, %edi
  mov $pvh_pd + 3, %eax
  mov %eax, (%edi)
  mov $pvh_pd, %edi
  mov $0x83, %eax
  mov $512, %ecx
1:
  mov %eax, (%edi)
  movl $0, 4(%edi)
  add $0x200000, %eax
  add $8, %edi
  loop 1b
  mov %cr4, %eax
  or $0x20, %eax              /* PAE */
  mov %eax, %cr4
  mov $pvh_pml4, %eax
  mov %eax, %cr3
  mov $0xC0000080, %ecx       /* EFER.LME */
  rdmsr
  or $0x100, %eax
  wrmsr
  mov %cr0, %eax
  or $0x80000001, %eax        /* PG | PE */
  mov %eax, %cr0
  lgdt pvh_gdt_desc
  ljmp $KCODE, $2f
  .code64
2:
  mov $KDATA, %eax
  mov %eax, %ds
  mov %eax, %es
  mov %eax, %ss
  mov %eax, %fs
  mov %eax, %gs
  mov $boot_stack_top, %rsp
  mov %esi, %edi
  call start_kernel
  ud2

/* The event channel upcall: an interrupt gate, so IF is clear until IRETQ. */
  .text
  .globl pvh_upcall
pvh_upcall:
  push %rax; push %rcx; push %rdx; push %rsi; push %rdi
  push %r8; push %r9; push %r10; push %r11
  push %rbp
  mov %rsp, %rbp
  and $-16, %rsp
  call do_hypervisor_callback
  mov %rbp, %rsp
  pop %rbp
  pop %r11; pop %r10; pop %r9; pop %r8
  pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rax
  iretq

/* Exceptions through the IDT: the CPU's frame, the error code or RIP on top. */
TRAP_ENTRY pvh_trap_0, 0, 0, 0
TRAP_ENTRY pvh_trap_6, 6, 0, 0
TRAP_ENTRY pvh_trap_13, 13, 1, 0
TRAP_ENTRY pvh_trap_14, 14, 1, 0

  .section .rodata
  .balign 8
pvh_gdt:
  .quad 0
  .quad 0x00af9a000000ffff    /* 0x08: 64-bit code */
  .quad 0x00cf92000000ffff    /* 0x10: data */
pvh_gdt_end:
pvh_gdt_desc:
  .word pvh_gdt_end - pvh_gdt - 1
  .quad pvh_gdt

  .bss
  .balign 4096
pvh_pml4: .skip 4096
pvh_pdpt: .skip 4096
pvh_pd:   .skip 4096
  .globl boot_stack
boot_stack: .skip 16384
boot_stack_top:

/* The hypercall page: Xen writes its VMCALL stubs here when start of day asks through the MSR. */
  .section .text.hypercall_page, "ax"
  .balign 4096
  .globl hypercall_page
hypercall_page: .skip 4096

  .section .note.GNU-stack, "", @progbits
