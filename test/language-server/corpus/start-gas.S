/* A .S file: C preprocessor lines, macros and C comments around GAS code. */
#include "defs.h"
#define KSTACK 0x9000
#ifdef DEBUG
# define TRACE 1
#endif

.macro PORT_OUT port, val
    movb \val, %al
    outb %al, $\port                // expect: PV007
.endm

.macro hlt_forever
1:  hlt                             // expect: PV001
    jmp 1b
.endm

    .text
    .globl _start
_start:
    movl $KSTACK, %esp
    PORT_OUT 0x80, $1
    xsetbv                          // expect: PV047
    rdpmc                           // expect: PV030
    vmcall                          // expect: PV046
    monitor                         // expect: PV043
    mwait                           // expect: PV044
    pause
    lmsw %ax                        // expect: PV013
    smsw %ax                        // expect: PV014
    sgdtl gdt_save                  // expect: PV017
    sidtl idt_save                  // expect: PV018
    lldt %ax                        // expect: PV019
    sldt %ax                        // expect: PV021
    str %ax                         // expect: PV022
    larl %eax, %ebx                 # expect: PV036
    lsll %eax, %ebx                 # expect: PV037
    verr %ax                        # expect: PV038
    verw %ax                        # expect: PV039
    rdtscp                          # expect: PV029
    invd                            # expect: PV024
    hlt_forever
