; Real mode, entered from protected mode and left again, three round trips: the switch
; itself (16-bit PM segment, CR0.PE off, far jump), segment:offset arithmetic, the IVT
; (INT n, #DE and #UD through it, with the pushed IP/CS/FLAGS), operand- and address-size
; prefixes, PUSHF/POPF bits 12-15, far CALL/RETF, 16-bit address wrap in string
; instructions and effective addresses, and the way back to 32-bit protected mode.
bits 32
%include "macros.inc"
%include "rm16.inc"
global kmain
extern printf

section .text
kmain:
    push ebp
    push ebx
    push esi
    push edi
    ; copy the 16-bit part below 1 MiB
    mov esi, rm_start
    mov edi, RM_BASE
    mov ecx, rm_end - rm_start
    rep movsb
    mov ebx, 1
round_loop:
    mov [R(round_no)], bx
    sgdt [R(saved_gdtr)]
    sidt [R(saved_idtr)]
    mov [R(saved_esp)], esp
    jmp 0x30:R(pm16_entry)
back_in_pm32:
    movzx ebx, word [R(round_no)]    ; registers did not survive real mode
    inc ebx
    cmp ebx, 3
    jbe round_loop
    movzx eax, word [R(round_no)]
    push eax
    push done_fmt
    call printf
    add esp, 8
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

section .rodata
done_fmt: db "back in 32-bit protected mode after round %d", 10, 0

section .text
rm_start:
bits 16
pm16_entry:
    mov ax, 0x38
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr0
    and eax, ~1
    mov cr0, eax
    jmp 0x0000:R(rm_entry)
rm_entry:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7000
    lidt [R(rm_idtr)]
    RM_HEX "real mode, round ", [R(round_no)]
    mov eax, cr0
    RM_HEX "cr0 low ", ax

    ; segment arithmetic: 1234:0010 is linear 12350, also 1235:0000
    mov ax, 0x1234
    mov es, ax
    mov word [es:0x0010], 0xBEEF
    mov ax, 0x1235
    mov fs, ax
    RM_HEX "1235:0000 = ", [fs:0x0000]
    mov ax, 0x1000
    mov gs, ax
    RM_HEX "1000:2350 = ", [gs:0x2350]

    ; INT n through the IVT
    mov word [0x30 * 4], R(int30)
    mov word [0x30 * 4 + 2], 0
    mov word [0 * 4], R(int_de)
    mov word [0 * 4 + 2], 0
    mov word [6 * 4], R(int_ud)
    mov word [6 * 4 + 2], 0
    push word 0x08D7
    popf
    mov ax, 0
    int 0x30
after_int30:
    pushf
    pop word [R(seen_flags3)]
    RM_HEX "int 30 returned ax ", ax
    RM_HEX "  pushed ip ok ", [R(seen_ip_ok)]
    RM_HEX "  pushed cs ", [R(seen_cs)]
    RM_HEX "  pushed flags ", [R(seen_flags)]
    RM_HEX "  flags in handler ", [R(seen_flags2)]
    mov ax, [R(seen_flags3)]
    and ax, 0x0FD5
    RM_HEX "  flags after iret ", ax

    ; #DE: IP points at the DIV; the handler skips it
    mov ax, 100
    xor bx, bx
    xor dx, dx
de_insn:
    div bx
    RM_HEX "#DE ip ok ", [R(de_ok)]
    ; #UD
ud_insn:
    ud2
    RM_HEX "#UD ip ok ", [R(ud_ok)]

    ; 32-bit operands and addresses in real mode
    mov eax, 0x12345678
    ror eax, 16
    RM_HEX "eax ror 16, low ", ax
    shr eax, 16
    RM_HEX "  high ", ax
    mov ax, 0x1234
    mov es, ax
    mov esi, 0x10
    RM_HEX "es:[esi] ", [es:esi]
    mov ecx, 0x00010003
    mov ax, cx
    RM_HEX "ecx low ", ax
    movzx eax, byte [R(byte_80)]
    movsx ebx, byte [R(byte_80)]
    shr ebx, 16
    RM_HEX "movzx ", ax
    RM_HEX "movsx high ", bx

    ; PUSHF/POPF: IOPL and NT can be set in real mode, bit 15 stays 0
    push word 0xF0D5
    popf
    pushf
    pop ax
    RM_HEX "popf f0d5 -> ", ax
    push word 0x0002
    popf

    ; far call / retf
    call 0x0000:R(farfn)
    RM_HEX "far call returned ", ax

    ; 16-bit address wrap: STOSB at DI=FFFE for 4 bytes
    mov ax, 0x2000
    mov es, ax
    mov dword [es:0x0000], 0
    mov di, 0xFFFE
    mov cx, 4
    mov al, 0x77
    cld
    rep stosb
    RM_HEX "di after wrap ", di
    RM_HEX "es:0000 ", [es:0x0000]
    ; effective address wrap: [bx+si] with bx=ffff si=2 is offset 1
    mov bx, 0xFFFF
    mov si, 2
    lea ax, [bx+si]
    RM_HEX "lea bx+si ", ax
    lea ax, [bx+si+0x10]
    RM_HEX "lea bx+si+10 ", ax
    mov bp, 0xFFF0
    lea ax, [bp+di-0x20]
    RM_HEX "lea bp+di-20 ", ax
    ; loop and jcxz
    mov cx, 5
    xor ax, ax
.l: add ax, cx
    loop .l
    RM_HEX "loop sum ", ax
    xor cx, cx
    mov ax, 1
    jcxz .z
    mov ax, 2
.z: RM_HEX "jcxz ", ax
    ; 16-bit multiply/divide and sign extension
    mov ax, 0xFFFF
    cwd
    RM_HEX "cwd dx ", dx
    mov ax, 300
    mov bx, 7
    mul bx
    RM_HEX "mul ax ", ax
    mov ax, 1000
    cwd
    idiv bx
    RM_HEX "idiv ax ", ax
    RM_HEX "idiv dx ", dx

    ; back to protected mode
    cli
    lgdt [R(saved_gdtr)]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword 0x08:R(pm32_back)

int30:
    pushf
    pop word [R(seen_flags2)]
    push bp
    mov bp, sp
    mov ax, [bp + 2]
    cmp ax, R(after_int30)
    sete al
    movzx ax, al
    mov [R(seen_ip_ok)], ax
    mov ax, [bp + 4]
    mov [R(seen_cs)], ax
    mov ax, [bp + 6]
    and ax, 0x0FD5
    mov [R(seen_flags)], ax
    and word [R(seen_flags2)], 0x0FD5
    mov ax, 0x5A5A
    pop bp
    iret
int_de:
    push bp
    mov bp, sp
    cmp word [bp + 2], R(de_insn)
    sete byte [R(de_ok)]
    add word [bp + 2], 2
    pop bp
    iret
int_ud:
    push bp
    mov bp, sp
    cmp word [bp + 2], R(ud_insn)
    sete byte [R(ud_ok)]
    add word [bp + 2], 2
    pop bp
    iret
farfn:
    mov ax, 0xFA11
    retf

RM_HELPERS

bits 32
pm32_back:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, [R(saved_esp)]
    lidt [R(saved_idtr)]
    mov eax, back_in_pm32      ; absolute: this code runs from its copy
    jmp eax

align 4
rm_idtr: dw 0x3FF
         dd 0
saved_gdtr: dw 0
            dd 0
saved_idtr: dw 0
            dd 0
saved_esp: dd 0
round_no: dw 0
seen_ip_ok: dw 0
seen_cs: dw 0
seen_flags: dw 0
seen_flags2: dw 0
seen_flags3: dw 0
de_ok: dw 0
ud_ok: dw 0
byte_80: db 0x80
rm_end:
