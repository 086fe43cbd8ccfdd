; Mode switches and the descriptor caches: a segment register keeps its cached base and
; limit when CR0.PE changes until it is reloaded (so a protected-mode base is still used
; in real mode, and a real-mode base right after entering protected mode); "unreal" mode
; (4 GiB limits kept in real mode); 16-bit protected-mode code with operand-size prefixes;
; entering protected mode from real mode through a 16-bit code segment first.
bits 32
%include "macros.inc"
%include "rm16.inc"
global kmain
extern printf, gdt_set

section .text
kmain:
    push ebp
    push ebx
    push esi
    push edi
    ; test data
    mov dword [0x200000], 0x200000AA      ; seen through a PM base of 0x200000
    mov dword [0x20000], 0x00020000       ; seen through real-mode segment 0x2000
    mov dword [0x300000], 0x300000CC      ; reached with 32-bit offsets in unreal mode
    mov dword [0x30000], 0x00030000
    ; GDT slot 8 (0x40): data, base 0x200000, limit 0xFFFF, 16-bit
    push dword 0x00
    push dword 0x93
    push dword 0xFFFF
    push dword 0x200000
    push dword 8
    call gdt_set
    add esp, 20
    mov esi, rm_start
    mov edi, RM_BASE
    mov ecx, rm_end - rm_start
    rep movsb
    sgdt [R(saved_gdtr)]
    sidt [R(saved_idtr)]
    mov [R(saved_esp)], esp
    mov ax, 0x40
    mov fs, ax                 ; FS cache: base 0x200000
    mov ax, 0x10
    mov gs, ax                 ; GS cache: base 0, limit 4 GiB (for unreal mode)
    jmp 0x30:R(pm16)
back32:
    PRINT {"back in 32-bit protected mode", 10}
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

rm_start:
bits 16
pm16:
    ; 16-bit protected mode: operand-size prefixes work here as in real mode
    mov ax, 0x38
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, 0x11223344
    mov [R(pm16_value)], eax
    mov eax, cr0
    and eax, ~1
    mov cr0, eax
    jmp 0x0000:R(real)
real:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000
    RM_PRINT {"real mode", 10}
    mov eax, [R(pm16_value)]
    shr eax, 16
    RM_HEX "32-bit store from 16-bit pm, high half ", ax
    ; FS still has its protected-mode base 0x200000
    mov ax, [fs:0]
    RM_HEX "fs:0 with the cached pm base ", ax
    ; GS keeps its 4 GiB limit: a 32-bit offset above 64 KiB reaches 0x300000
    mov ebx, 0x300000
    mov ax, [gs:ebx]
    RM_HEX "gs:[300000] in unreal mode ", ax
    mov ax, [gs:ebx+2]
    RM_HEX "  high ", ax
    ; reloading FS in real mode gives base = selector * 16
    mov ax, 0x2000
    mov fs, ax
    mov ax, [fs:2]
    RM_HEX "fs=2000, fs:2 ", ax
    ; the selector value in real mode is just the paragraph
    mov ax, fs
    RM_HEX "fs reads ", ax
    ; now FS = 0x3000 (real mode base 0x30000) and enter protected mode without reloading it
    mov ax, 0x3000
    mov fs, ax
    cli
    lgdt [R(saved_gdtr)]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    ; still 16-bit code (CS cache unchanged) until the far jump: first to a 16-bit PM segment
    jmp 0x30:R(pm16_again)
pm16_again:
    mov ax, [fs:2]             ; FS cache still has base 0x30000
    mov [R(fs_after_pe)], ax
    mov ax, fs
    mov [R(fs_sel_after_pe)], ax
    jmp dword 0x08:R(pm32)
bits 32
pm32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, [R(saved_esp)]
    lidt [R(saved_idtr)]
    movzx eax, word [R(fs_after_pe)]
    push eax
    movzx eax, word [R(fs_sel_after_pe)]
    push eax
    push fmt_fs
    mov eax, printf            ; absolute: this code runs from its copy
    call eax
    add esp, 12
    mov ax, 0x10
    mov fs, ax
    mov gs, ax
    mov eax, back32
    jmp eax
bits 16
RM_HELPERS

align 4
saved_gdtr: dw 0
            dd 0
saved_idtr: dw 0
            dd 0
saved_esp: dd 0
pm16_value: dd 0
fs_after_pe: dw 0
fs_sel_after_pe: dw 0
rm_end:

section .rodata
fmt_fs: db "after setting PE: fs selector %04x, fs:2 through the real-mode base %04x", 10, 0
