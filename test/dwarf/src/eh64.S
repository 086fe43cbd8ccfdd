/* A hand-written x86-64 .eh_frame with the 64-bit pointer encodings gcc does not emit itself:
   FDE addresses as udata8 (absolute) and as pcrel|sdata8, a personality as sdata8, an LSDA
   pointer as udata8, and the 'S' (signal frame) augmentation; linked in the top 2 GiB.
   test/dwarf/x86-64.test.ts compares every row with readelf's frames-interp. */
        .text
        .globl _start
_start: push %rbp
        mov %rsp, %rbp
        call f1
        pop %rbp
        ret
f1:     sub $24, %rsp
        call f2
        add $24, %rsp
        ret
f2:     push %rbx
        push %r12
        pop %r12
        pop %rbx
        ret
f1_end:

        .section .eh_frame,"a",@progbits
/* CIE 1: "zR", FDE pointers absolute 8-byte (DW_EH_PE_udata8 = 0x04) */
cie1:   .long cie1_end - cie1_id
cie1_id: .long 0
        .byte 1
        .asciz "zR"
        .uleb128 1
        .sleb128 -8
        .uleb128 16
        .uleb128 1
        .byte 0x04
        .byte 0x0c, 7, 8          /* def_cfa rsp+8 */
        .byte 0x90, 1             /* offset r16 (rip) cfa-8 */
        .balign 8, 0
cie1_end:
fde1:   .long fde1_end - fde1_cie
fde1_cie: .long fde1_cie - cie1
        .quad _start
        .quad f1 - _start
        .uleb128 0
        .byte 0x41                /* advance 1 */
        .byte 0x0e, 16            /* def_cfa_offset 16 */
        .byte 0x86, 2             /* rbp at cfa-16 */
        .byte 0x44                /* advance 4 (mov; call is 5 bytes later) */
        .byte 0x0d, 6             /* def_cfa_register rbp */
        .balign 8, 0
fde1_end:
/* CIE 2: "zPLR" with a personality (sdata8, 0x0c), LSDA encoding udata8 and pcrel|sdata8 FDEs (0x1c); signal frame 'S' */
cie2:   .long cie2_end - cie2_id
cie2_id: .long 0
        .byte 1
        .asciz "zPLRS"
        .uleb128 1
        .sleb128 -8
        .uleb128 16
        .uleb128 11
        .byte 0x0c
        .quad 0x123456789a
        .byte 0x04
        .byte 0x1c
        .byte 0x0c, 7, 8
        .byte 0x90, 1
        .balign 8, 0
cie2_end:
fde2:   .long fde2_end - fde2_cie
fde2_cie: .long fde2_cie - cie2
        .quad f1 - .
        .quad f2 - f1
        .uleb128 8
        .quad 0
        .byte 0x44
        .byte 0x0e, 32
        .balign 8, 0
fde2_end:
fde3:   .long fde3_end - fde3_cie
fde3_cie: .long fde3_cie - cie2
        .quad f2 - .
        .quad f1_end - f2
        .uleb128 8
        .quad 0
        .byte 0x41
        .byte 0x0e, 16
        .byte 0x83, 2
        .byte 0x42
        .byte 0x0e, 24
        .byte 0x8c, 3
        .balign 8, 0
fde3_end:
        .long 0
        .section .note.GNU-stack,"",@progbits
