; A flat real-mode program (paravirt run --format flat --real-mode): loaded at 0x7C00 and
; entered with CS:IP at its first byte. Prints one line, then isa-debug-exit value 3.
bits 16
org 0x7c00
    mov si, msg
    mov dx, 0x3f8
.next:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .next
.done:
    mov al, 3
    out 0xf4, al
    hlt
msg: db "real mode", 10, 0
