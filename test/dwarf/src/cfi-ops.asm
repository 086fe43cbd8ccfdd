; A .debug_frame written by hand with the CFA instructions gcc rarely emits for i386, for the
; readelf comparison: advance_loc1/2/4, offset_extended(_sf), restore_extended, undefined,
; same_value, register, remember/restore_state, def_cfa_sf, def_cfa_offset_sf,
; def_cfa_expression, expression, val_offset(_sf), val_expression, GNU_args_size.
bits 32
section .text
global _start
_start:
    times 0x400 nop

section .debug_frame noalloc
cie:
    dd cie_end - cie - 4
    dd 0xffffffff                       ; CIE id
    db 4                                ; version
    db 0                                ; augmentation ""
    db 4, 0                             ; address size, segment selector size
    db 1                                ; code alignment
    db 0x7c                             ; data alignment -4
    db 8                                ; return address column
    db 0x0c, 4, 4                       ; def_cfa esp+4
    db 0x88, 1                          ; offset eip at cfa-4
    align 4, db 0
cie_end:

fde1:
    dd fde1_end - fde1 - 4
    dd cie - cie                        ; CIE pointer (offset 0)
    dd 0x100000, 0x200                  ; initial location, range
    db 0x41                             ; advance_loc 1
    db 0x0e, 8                          ; def_cfa_offset 8
    db 0x05, 5, 2                       ; offset_extended ebp, 2*-4
    db 0x02, 0x10                       ; advance_loc1 16
    db 0x0d, 5                          ; def_cfa_register ebp
    db 0x07, 0                          ; undefined eax
    db 0x08, 3                          ; same_value ebx
    db 0x09, 6, 1                       ; register esi in ecx
    db 0x03, 0x20, 0x00                 ; advance_loc2 32
    db 0x0a                             ; remember_state
    db 0x11, 7, 0x7d                    ; offset_extended_sf edi, -3*-4 = +12
    db 0x12, 4, 0x7e                    ; def_cfa_sf esp, -2*-4 = 8
    db 0x2e, 16                         ; GNU_args_size 16
    db 0x04, 0x40, 0, 0, 0              ; advance_loc4 64
    db 0x13, 0x7d                       ; def_cfa_offset_sf -3*-4 = 12
    db 0x14, 3, 2                       ; val_offset ebx, 2*-4
    db 0x15, 6, 0x7f                    ; val_offset_sf esi, -1*-4 = +4
    db 0x44                             ; advance_loc 4
    db 0x0b                             ; restore_state
    db 0x06, 5                          ; restore_extended ebp
    db 0x44                             ; advance_loc 4
    db 0x0f, 3, 0x74, 0x10, 0x06        ; def_cfa_expression: breg4 16; deref
    db 0x10, 5, 2, 0x75, 0x08           ; expression ebp: breg5 8
    db 0x16, 7, 2, 0x75, 0x0c           ; val_expression edi: breg5 12
    db 0x44
    db 0xc5                             ; restore ebp
    db 0x0c, 4, 4                       ; def_cfa esp+4
    align 4, db 0
fde1_end:
