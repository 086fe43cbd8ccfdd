/* Every register class of the x86-64 DWARF numbering in one CFA row, by the names GAS knows
   (general, XMM, x87, MMX, RFLAGS, segment registers, FS/GS base): test/dwarf/x86-64.test.ts
   reads readelf's names for the numbers GAS chose against arch.ts. */
        .text
        .globl _start
_start:
        .cfi_startproc
        nop
        .cfi_offset %rax, -16
        .cfi_offset %rdx, -24
        .cfi_offset %rcx, -32
        .cfi_offset %rsi, -40
        .cfi_offset %rdi, -48
        .cfi_offset %r8, -56
        .cfi_offset %r15, -64
        .cfi_offset %xmm0, -72
        .cfi_offset %xmm15, -80
        .cfi_offset %st, -88
        .cfi_offset %st(7), -96
        .cfi_offset %mm0, -104
        .cfi_offset %mm7, -112
        .cfi_offset %rflags, -120
        .cfi_offset %es, -128
        .cfi_offset %cs, -136
        .cfi_offset %ss, -144
        .cfi_offset %ds, -152
        .cfi_offset %fs, -160
        .cfi_offset %gs, -168
        .cfi_offset %fs.base, -176
        .cfi_offset %gs.base, -184
        nop
        ret
        .cfi_endproc
        .section .note.GNU-stack,"",@progbits
