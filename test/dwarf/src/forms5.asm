; Hand-written DWARF 5 using the indexed and newer forms gcc does not emit for a plain build:
; strx1-4, addrx1, rnglistx, loclistx, implicit_const, data16, line_strp, ref_udata. The test
; compares what DebugInfo reads with readelf's decoding of the same bytes.
bits 32
section .text
global _start
_start:
    times 0x30 nop

section .debug_abbrev noalloc
    db 1, 0x11, 1                       ; compile_unit, children
    db 0x03, 0x25                       ;   name strx1
    db 0x25, 0x26                       ;   producer strx2
    db 0x13, 0x05                       ;   language data2
    db 0x11, 0x29                       ;   low_pc addrx1
    db 0x12, 0x06                       ;   high_pc data4 (length)
    db 0x72, 0x17                       ;   str_offsets_base sec_offset
    db 0x73, 0x17                       ;   addr_base
    db 0x74, 0x17                       ;   rnglists_base
    db 0x8c, 0x01, 0x17                 ;   loclists_base (0x8c as uleb)
    db 0x1b, 0x1f                       ;   comp_dir line_strp
    db 0, 0
    db 2, 0x24, 0                       ; base_type
    db 0x03, 0x1a                       ;   name strx
    db 0x3e, 0x0b                       ;   encoding data1
    db 0x0b, 0x21, 4                    ;   byte_size implicit_const 4
    db 0, 0
    db 3, 0x2e, 1                       ; subprogram, children
    db 0x03, 0x27                       ;   name strx3
    db 0x55, 0x23                       ;   ranges rnglistx
    db 0x40, 0x18                       ;   frame_base exprloc
    db 0x49, 0x13                       ;   type ref4
    db 0x3b, 0x21, 7                    ;   decl_line implicit_const 7
    db 0x3f, 0x19                       ;   external flag_present
    db 0, 0
    db 4, 0x34, 0                       ; variable
    db 0x03, 0x28                       ;   name strx4
    db 0x49, 0x15                       ;   type ref_udata
    db 0x02, 0x22                       ;   location loclistx
    db 0, 0
    db 5, 0x24, 0                       ; base_type (16 bytes)
    db 0x03, 0x08                       ;   name string
    db 0x3e, 0x0b                       ;   encoding data1
    db 0x0b, 0x0b                       ;   byte_size data1
    db 0, 0
    db 6, 0x34, 0                       ; variable with a 16-byte constant
    db 0x03, 0x08                       ;   name string
    db 0x49, 0x13                       ;   type ref4
    db 0x1c, 0x1e                       ;   const_value data16
    db 0, 0
    db 7, 0x05, 0                       ; formal_parameter
    db 0x03, 0x25                       ;   name strx1
    db 0x49, 0x13                       ;   type ref4
    db 0x02, 0x18                       ;   location exprloc
    db 0, 0
    db 0

section .debug_info noalloc
cu:
    dd cu_end - cu - 4
    dw 5
    db 1, 4                             ; DW_UT_compile, address size
    dd 0                                ; abbrev offset
    db 1                                ; compile_unit
    db 0                                ;   name: string index 0
    dw 1                                ;   producer: string index 1
    dw 0x001d                           ;   language: C11
    db 0                                ;   low_pc: address index 0
    dd 0x30                             ;   high_pc: length
    dd 8                                ;   str_offsets_base
    dd 8                                ;   addr_base
    dd 12                               ;   rnglists_base
    dd 12                               ;   loclists_base
    dd 0                                ;   comp_dir: .debug_line_str offset 0
int_type equ $ - cu
    db 2                                ; base_type
    db 2                                ;   name: string index 2 (uleb)
    db 5                                ;   DW_ATE_signed
wide_type equ $ - cu
    db 5
    db "__int128", 0
    db 5, 16
    db 3                                ; subprogram
    db 3, 0, 0                          ;   name: string index 3 (strx3)
    db 0                                ;   ranges: list index 0
    db 1, 0x9c                          ;   frame_base: DW_OP_call_frame_cfa
    dd int_type                         ;   type
    db 7                                ;   formal_parameter
    db 5                                ;     name: string index 5
    dd int_type
    db 2, 0x91, 0x00                    ;     location: DW_OP_fbreg 0
    db 4                                ;   variable
    dd 4                                ;     name: string index 4 (strx4)
    db int_type                         ;     type (ref_udata)
    db 0                                ;     location: list index 0
    db 0                                ;   end of subprogram children
    db 6                                ; variable with a data16 constant
    db "wide_const", 0
    dd wide_type
    db 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x80
    db 0                                ; end of compile_unit children
cu_end:

section .debug_str noalloc
s_name: db "forms5.c", 0
s_prod: db "hand-written DWARF 5", 0
s_int:  db "int", 0
s_fn:   db "indexed_fn", 0
s_var:  db "listed_var", 0
s_arg:  db "arg", 0

section .debug_line_str noalloc
    db "/src/forms", 0

section .debug_str_offsets noalloc
so: dd so_end - so - 4
    dw 5, 0
    dd s_name - s_name, s_prod - s_name, s_int - s_name, s_fn - s_name, s_var - s_name, s_arg - s_name
so_end:

section .debug_addr noalloc
ad: dd ad_end - ad - 4
    dw 5
    db 4, 0
    dd 0x100000, 0x100020
ad_end:

section .debug_rnglists noalloc
rl: dd rl_end - rl - 4
    dw 5
    db 4, 0
    dd 1                                ; offset_entry_count
rl_base:
    dd rl_list - rl_base
rl_list:
    db 1, 0                             ; DW_RLE_base_addressx 0
    db 4, 0x00, 0x10                    ; DW_RLE_offset_pair 0x0-0x10
    db 7                                ; DW_RLE_start_length
    dd 0x100020
    db 0x08
    db 0                                ; DW_RLE_end_of_list
rl_end:

section .debug_loclists noalloc
ll: dd ll_end - ll - 4
    dw 5
    db 4, 0
    dd 1
ll_base:
    dd ll_list - ll_base
ll_list:
    db 3, 0, 0x08, 1, 0x50              ; DW_LLE_startx_length addr[0], 8 bytes: DW_OP_reg0
    db 4, 0x08, 0x10, 2, 0x91, 0x78     ; DW_LLE_offset_pair 0x8-0x10: DW_OP_fbreg -8
    db 8                                ; DW_LLE_start_length
    dd 0x100020
    db 0x04, 4, 0x33, 0x9f, 0x93, 0x04  ;   4 bytes: DW_OP_lit3 DW_OP_stack_value DW_OP_piece 4
    db 0                                ; DW_LLE_end_of_list
ll_end:
