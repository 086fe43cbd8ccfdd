/* Entry, trap stubs and the ring switches of the real-code bench guests (GAS, i386).
 * The C side (kernel.c) sets up the GDT, IDT, TSS and paging; these stubs only move
 * registers between the CPU's frames and C calling conventions. */
    .section .multiboot, "a"
    .align 4
    .long 0x1BADB002, 0x00000003, -(0x1BADB002 + 0x00000003)

    .text
    .globl _start
_start:
    cli
    mov $kstack_top, %esp
    /* Multiboot loaders need not clear .bss: do it before any C runs. */
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    cld
    rep stosb
    mov $kstack_top, %esp
    call kmain
1:  hlt
    jmp 1b

/* #PF: the CPU pushed an error code. The handler gets (cr2, error code). */
    .globl pf_entry
pf_entry:
    pushal
    mov 32(%esp), %eax
    push %eax
    mov %cr2, %eax
    push %eax
    call page_fault
    add $8, %esp
    popal
    add $4, %esp
    iret

/* Any other exception: report and stop (the bench sees a wrong exit code). */
    .globl bad_entry
bad_entry:
    call bad_trap

/* int 0x80: eax = number, ebx = argument; the result goes back in eax. */
    .globl int80_entry
int80_entry:
    pushal
    push %ebx
    push %eax
    call syscall
    add $8, %esp
    mov %eax, 28(%esp)
    popal
    iret

/* SYSENTER: the user passes its resume address in edx and its stack in ecx (as Linux's
 * vDSO does); SYSEXIT takes them back from there. */
    .globl sysenter_entry
sysenter_entry:
    push %ecx
    push %edx
    push %ebx
    push %eax
    call syscall
    add $8, %esp
    pop %edx
    pop %ecx
    sysexit

/* enter_user(entry, user stack top): iret to ring 3; returns when the user program calls
 * leave_user's syscall, with that syscall's argument. */
    .globl enter_user
enter_user:
    push %ebp
    push %ebx
    push %esi
    push %edi
    mov %esp, kernel_resume_esp
    mov 20(%esp), %eax
    mov 24(%esp), %ecx
    mov $0x23, %dx
    mov %dx, %ds
    mov %dx, %es
    push $0x23
    push %ecx
    push $0x002
    push $0x1b
    push %eax
    iret

/* leave_user(value): called from a syscall handler; drops the trap frame and returns from
 * enter_user with value. */
    .globl leave_user
leave_user:
    mov 4(%esp), %eax
    mov kernel_resume_esp, %esp
    mov $0x10, %dx
    mov %dx, %ds
    mov %dx, %es
    pop %edi
    pop %esi
    pop %ebx
    pop %ebp
    ret

    .bss
    .align 16
    .globl kernel_resume_esp
kernel_resume_esp:
    .skip 4
    .globl kstack_top
    .skip 16384
kstack_top:
