# GAS/AT&T entry code with size suffixes and %cr operands (target=pv).
    .text
    .globl entry
entry:
    cli                             # expect: PV002
    movl %cr0, %eax                 # expect: PV011
    orl $0x80000000, %eax
    movl %eax, %cr0                 # expect: PV010
    movl $pgdir, %eax
    movl %eax, %cr3                 # expect: PV010
    movl %cr2, %edx                 # expect: PV011
    outb %al, $0x80                 # expect: PV007
    inb $0x71, %al                  # expect: PV006
    inw %dx, %ax                    # expect: PV006
    pushfl                          # expect: PV004
    popfl                           # expect: PV005
    cli; sti                        # expect: PV002 PV003
    lidtl idt_desc                  # expect: PV016
    ltr %ax                         # expect: PV020
    movl %eax, %db7                 # expect: PV032
    movl %ss, %eax                  # expect: PV040
    movl %eax, %ss
    movl (%ebx), %eax
    call out
    jmp hlt
/* a block comment with hlt and
   cli inside it
   outb %al, $0x80 */
    clts                            # expect: PV012
    sysexit                         # expect: PV042
hlt:
    ret
out:
    .long 0
    .ascii "hlt; cli"
    invlpg (%ebx)                   # expect: PV023
    iret                            # expect: PV034
    .intel_syntax noprefix
    mov cr4, eax                    # expect: PV010
    mov eax, ebx
    .att_syntax prefix
    hlt                             # expect: PV001
