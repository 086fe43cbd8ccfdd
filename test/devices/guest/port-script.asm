; A multiboot guest that replays a script of port accesses and reports every read.
; The script is the first multiboot module: 8-byte records
;   u8 op, u8 size (1/2/4), u16 port, u32 value, where op is
;   1 out, 2 in, 3 spin `value` loop iterations, 4 read the dword at address `value`,
;   5 write the next record's value to the dword at address `value`,
;   6 read the byte port until (byte & value[15:8]) == value[7:0] or 2^30 tries, then report
;     the last byte read, 0 end.
; Each read is printed to the 0xE9 debug console as 8 hex digits and a newline; at the end
; the guest writes 0 to isa-debug-exit (exit status 1). Used to check the device models
; against QEMU's for the same access sequence.

bits 32
section .text
align 4
    dd 0x1BADB002
    dd 0x00000000
    dd -(0x1BADB002 + 0x00000000)


global _start
_start:
    cli
    mov esp, stack_top
    cmp eax, 0x2BADB002
    jne done
    test byte [ebx], 8              ; flags bit 3: modules present
    jz done
    cmp dword [ebx + 20], 0
    je done
    mov esi, [ebx + 24]
    mov esi, [esi]                  ; mod_start
next:
    movzx eax, byte [esi]
    movzx ecx, byte [esi + 1]
    movzx edx, word [esi + 2]
    mov ebx, [esi + 4]
    add esi, 8
    cmp al, 1
    je do_out
    cmp al, 2
    je do_in
    cmp al, 3
    je do_pause
    cmp al, 4
    je do_read
    cmp al, 5
    je do_write
    cmp al, 6
    je do_wait
    jmp done
do_wait:
    mov ecx, 1 << 30
.again:
    in al, dx
    mov ah, al
    and ah, bh
    cmp ah, bl
    je .seen
    dec ecx
    jnz .again
.seen:
    movzx eax, al
    jmp do_in.print
do_read:
    mov eax, [ebx]
    jmp do_in.print
do_write:
    mov eax, [esi + 4]
    add esi, 8
    mov [ebx], eax
    jmp next
do_out:
    mov eax, ebx
    cmp cl, 1
    jne .w
    out dx, al
    jmp next
.w: cmp cl, 2
    jne .d
    out dx, ax
    jmp next
.d: out dx, eax
    jmp next
do_in:
    xor eax, eax
    cmp cl, 1
    jne .w
    in al, dx
    jmp .print
.w: cmp cl, 2
    jne .d
    in ax, dx
    jmp .print
.d: in eax, dx
.print:
    mov ebx, eax
    mov ecx, 8
.digit:
    rol ebx, 4
    mov eax, ebx
    and eax, 15
    mov al, [hex + eax]
    mov dx, 0xe9
    out dx, al
    loop .digit
    mov al, 10
    out dx, al
    jmp next
do_pause:
    mov ecx, ebx
.spin:
    dec ecx
    jnz .spin
    jmp next
done:
    mov dx, 0xf4
    xor eax, eax
    out dx, al
.halt:
    hlt
    jmp .halt

section .rodata
hex: db "0123456789abcdef"

section .bss
align 16
    resb 4096
stack_top:
