/* Interrupt entry as the CPU makes it in 64-bit mode (SDM Vol. 3, 6.14.2): SS, RSP, RFLAGS,
   CS, RIP (and an error code for some vectors) pushed on the handler's stack. Run natively in
   ring 3 the "interrupt" is built by fake_interrupt*, and IRETQ returns to the same ring.
   The entry stubs describe that frame in CFI and mark it a signal frame ('S'), as a kernel's
   entry code does, so an unwinder steps from the handler to the interrupted instruction. */
        .text
        .globl fake_interrupt
        .type fake_interrupt, @function
fake_interrupt:                 /* rdi = handler, rsi = argument */
        .cfi_startproc
        .cfi_remember_state
        mov %rsp, %rax
        push $0x2b              /* SS */
        .cfi_adjust_cfa_offset 8
        push %rax               /* RSP: the interrupted stack, return address on top */
        .cfi_adjust_cfa_offset 8
        pushfq
        .cfi_adjust_cfa_offset 8
        push $0x33              /* CS */
        .cfi_adjust_cfa_offset 8
        lea resume(%rip), %rcx
        push %rcx               /* RIP: the "interrupted" instruction */
        .cfi_adjust_cfa_offset 8
        jmp isr_entry
        .cfi_restore_state
resume:
        ret
        .cfi_endproc
        .size fake_interrupt, .-fake_interrupt

        .globl fake_interrupt_error
        .type fake_interrupt_error, @function
fake_interrupt_error:           /* rdi = handler, rsi = argument, rdx = error code */
        .cfi_startproc
        .cfi_remember_state
        mov %rsp, %rax
        push $0x2b
        .cfi_adjust_cfa_offset 8
        push %rax
        .cfi_adjust_cfa_offset 8
        pushfq
        .cfi_adjust_cfa_offset 8
        push $0x33
        .cfi_adjust_cfa_offset 8
        lea resume_error(%rip), %rcx
        push %rcx
        .cfi_adjust_cfa_offset 8
        push %rdx               /* the error code */
        .cfi_adjust_cfa_offset 8
        jmp isr_entry_error
        .cfi_restore_state
resume_error:
        ret
        .cfi_endproc
        .size fake_interrupt_error, .-fake_interrupt_error

/* Without an error code: RIP at CFA-40, RSP at CFA-16 (CFA = the old SS slot's end). */
        .type isr_entry, @function
isr_entry:
        .cfi_startproc simple
        .cfi_signal_frame
        .cfi_def_cfa %rsp, 40
        .cfi_offset %rip, -40
        .cfi_offset %rsp, -16
        push %rbp
        .cfi_adjust_cfa_offset 8
        .cfi_offset %rbp, -48
        mov %rsp, %rbp
        .cfi_def_cfa_register %rbp
        and $-16, %rsp
        mov %rdi, %rax
        mov %rsi, %rdi
        call *%rax
        mov %rbp, %rsp
        .cfi_def_cfa_register %rsp
        pop %rbp
        .cfi_adjust_cfa_offset -8
        .cfi_restore %rbp
        iretq
        .cfi_endproc
        .size isr_entry, .-isr_entry

/* With an error code: it sits below RIP, so RIP is at CFA-40 of a 48-byte frame. */
        .type isr_entry_error, @function
isr_entry_error:
        .cfi_startproc simple
        .cfi_signal_frame
        .cfi_def_cfa %rsp, 48
        .cfi_offset %rip, -40
        .cfi_offset %rsp, -16
        push %rbx
        .cfi_adjust_cfa_offset 8
        .cfi_offset %rbx, -56
        mov %rsp, %rbx
        .cfi_def_cfa_register %rbx
        and $-16, %rsp
        mov %rdi, %rax
        mov %rsi, %rdi
        call *%rax
        mov %rbx, %rsp
        .cfi_def_cfa_register %rsp
        pop %rbx
        .cfi_adjust_cfa_offset -8
        .cfi_restore %rbx
        add $8, %rsp            /* drop the error code, as a handler must before IRETQ */
        .cfi_adjust_cfa_offset -8
        iretq
        .cfi_endproc
        .size isr_entry_error, .-isr_entry_error
        .section .note.GNU-stack,"",@progbits
