/* A 64-bit kernel's system-call entry and CPU setup in GAS (.S, target=pv): the 64-bit set. */
#define MSR_STAR        0xc0000081
#define MSR_LSTAR       0xc0000082
#define MSR_GS_BASE     0xc0000101
    .code64
    .text
    .globl syscall_entry
syscall_entry:
    swapgs                                  /* expect: PV050 */
    movq %rsp, %gs:16
    movq %gs:8, %rsp
    pushq %r11
    pushq %rcx
    call do_syscall
    popq %rcx
    popq %r11
    movq %gs:16, %rsp
    swapgs                                  /* expect: PV050 */
    sysretq                                 /* expect: PV052 */

    .globl cpu_setup
cpu_setup:
    movl $MSR_LSTAR, %ecx
    leaq syscall_entry(%rip), %rax
    movq %rax, %rdx
    shrq $32, %rdx
    wrmsr                                   /* expect: PV059 */
    movl $MSR_STAR, %ecx
    movl $0, %eax
    movl $0x00230010, %edx
    wrmsr                                   /* expect: PV059 */
    movl $MSR_GS_BASE, %ecx
    movl percpu_base(%rip), %eax
    movl percpu_base+4(%rip), %edx
    wrmsr                                   /* expect: PV058 */
    movl $0xc0000080, %ecx                  /* EFER: no rule of its own */
    rdmsr                                   /* expect: PV026 */
    orl $1, %eax
    wrmsr                                   /* expect: PV027 */
    movq %cr4, %rax                         /* expect: PV011 */
    orq $(1 << 16), %rax
    movq %rax, %cr4                         /* expect: PV010 */
    wrfsbase %rdi                           /* expect: PV054 */
    wrgsbase %rsi                           /* expect: PV055 */
    rdgsbase %rax                           /* expect: PV053 */
    movq %rax, %cr8                         /* expect: PV056 */
    movq %cr8, %rbx                         /* expect: PV057 */
    movq %cs, %rax                          /* expect: PV040 */
    pushfq                                  /* expect: PV004 */
    popfq                                   /* expect: PV005 */
    ret

    .globl return_to_user
return_to_user:
    iretq                                   /* expect: PV034 */
    syscall                                 /* expect: PV051 */

    .data
percpu_base:
    .quad 0
