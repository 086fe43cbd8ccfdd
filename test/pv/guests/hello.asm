; Boots, checks start of day, prints, shuts down with reason 0.
%include "pv-common.inc"
PV_ENTRY
    mov esi, msg_hello
    call puts
    mov esi, [start_info_ptr]
    mov esi, esi
    cmp dword [esi], 'xen-'
    jne .bad
    mov esi, msg_magic
    call puts
    xor ebx, ebx
    call shutdown
.bad:
    mov ebx, 3
    call shutdown
section .rodata
msg_hello: db "hello from ring 1", 10, 0
msg_magic: db "start_info magic ok", 10, 0
