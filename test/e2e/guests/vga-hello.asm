; A Multiboot kernel that writes known text and colours to the VGA text buffer and moves the
; hardware cursor through the CRTC, then spins: what the Guest Screen view must show.
bits 32
section .text
align 4
    dd 0x1BADB002, 0, -0x1BADB002      ; Multiboot v1: magic, flags, checksum

global _start
_start:
    mov esi, msg
    mov edi, 0xB8000 + (1 * 80 + 0) * 2 ; row 1, column 0
    mov ah, 0x1E                        ; yellow on blue
.next:
    lodsb
    test al, al
    jz .done
    stosw
    jmp .next
.done:
    mov word [0xB8000 + (1 * 80 + 9) * 2], 0x4F21   ; '!' bright white on red
    mov dx, 0x3D4                       ; CRTC: cursor location high (0x0E) and low (0x0F)
    mov al, 0x0E
    out dx, al
    inc dx
    xor al, al
    out dx, al
    dec dx
    mov al, 0x0F
    out dx, al
    inc dx
    mov al, 2 * 80 + 5                  ; row 2, column 5
    out dx, al
.spin:
    pause
    jmp .spin

section .rodata
msg: db "PARAVIRT", 0
