/* The ring switches of the 64-bit real-code bench guests (GAS, x86-64): the SYSCALL entry
 * and the way into and out of ring 3. Exceptions and int 0x80 come through guest/boot64.inc's
 * stubs into trap_dispatch (kernel64.c). */
    .text

/* SYSCALL: RAX = number, RBX = argument, result in RAX. SYSCALL leaves the user's stack in
 * place, so the entry switches to the kernel's own; it keeps every register but RAX and the
 * two SYSCALL takes (RCX, R11), as a kernel's entry does. */
    .globl syscall_entry
syscall_entry:
    mov %rsp, user_rsp(%rip)
    lea boot64_rsp0_top(%rip), %rsp
    push %rcx
    push %r11
    push %rdi
    push %rsi
    push %rdx
    push %r8
    push %r9
    push %r10
    mov %rax, %rdi
    mov %rbx, %rsi
    call syscall
    pop %r10
    pop %r9
    pop %r8
    pop %rdx
    pop %rsi
    pop %rdi
    pop %r11
    pop %rcx
    mov user_rsp(%rip), %rsp
    sysretq

/* enter_user(entry, user stack top): IRETQ to 64-bit ring 3 (CS 0x2B, SS 0x23); returns when
 * the user program's SYS_EXIT reaches leave_user, with its argument. */
    .globl enter_user
enter_user:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, kernel_resume_rsp(%rip)
    pushq $0x23
    push %rsi
    pushq $0x002
    pushq $0x2b
    push %rdi
    iretq

/* leave_user(value): from a system call handler, on whichever kernel stack; drops it and
 * returns from enter_user with value. */
    .globl leave_user
leave_user:
    mov %rdi, %rax
    mov kernel_resume_rsp(%rip), %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

    .bss
    .align 8
kernel_resume_rsp:
    .skip 8
user_rsp:
    .skip 8
