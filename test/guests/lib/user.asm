; Ring 3 entry through IRET, and the way back: int 0x81 (a DPL 3 gate) restores the
; kernel context saved by enter_user and returns from it.
bits 32
global enter_user, user_return_stub, saved_kernel_esp


section .bss
saved_kernel_esp: resd 1

section .text
; void enter_user(void (*fn)(void), u32 user_esp)
enter_user:
    push ebp
    push ebx
    push esi
    push edi
    mov [saved_kernel_esp], esp
    mov eax, [esp + 20]
    mov ecx, [esp + 24]
    push 0x23
    push ecx
    pushfd
    push 0x1B
    push eax
    mov dx, 0x23
    mov ds, dx
    mov es, dx
    mov fs, dx
    mov gs, dx
    iretd

user_return_stub:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov esp, [saved_kernel_esp]
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

