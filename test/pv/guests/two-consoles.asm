; Writes its output the way Mini-OS's printk does once its console is up: each line both to
; Xen's console (console_io) and to the domain's console ring, after one line that only
; console_io carries (before the ring is mapped). The host must keep the two streams apart.
%include "pv-common.inc"

%define LINES 3

PV_ENTRY
    PRINT early
    mov esi, [start_info_ptr]
    mov eax, [esi + START_INFO_console_mfn]
    shl eax, 12
    or eax, 0x63
    HYPERVISOR_update_va_mapping cons_va, eax, 0, UVMF_INVLPG
    mov esi, [start_info_ptr]
    mov eax, [esi + START_INFO_console_evtchn]
    mov [evt_arg], eax
.line:
    mov al, [count]
    add al, '1'
    mov [both_msg + 5], al
    PRINT both_msg
    call ring_write
    inc byte [count]
    cmp byte [count], LINES
    jb .line
    xor ebx, ebx
    call shutdown

; both_msg into the ring's output side (xencons_interface: out at 1024, 2048 bytes,
; out_cons at 3080, out_prod at 3084), then a notification on the console port.
ring_write:
    pushad
    mov edx, [cons_va + 3084]
    mov esi, both_msg
.copy:
    mov al, [esi]
    test al, al
    jz .done
    mov ecx, edx
    and ecx, 2047
    mov [cons_va + 1024 + ecx], al
    inc edx
    inc esi
    jmp .copy
.done:
    mov [cons_va + 3084], edx
    HYPERVISOR_event_channel_op EVTCHNOP_send, evt_arg
    popad
    ret

section .data
count: db 0
evt_arg: dd 0, 0
early: db "early: console_io only", 10, 0
both_msg: db "both 0: console_io and the ring", 10, 0

section .bss
alignb 4096
cons_va: resb 4096
