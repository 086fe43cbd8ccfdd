; FIFO event channels from a 64-bit PV kernel, the unmask path Linux takes: a port is sent
; while its event word has MASKED set (no upcall), then the kernel asks EVTCHNOP_unmask with
; MASKED still set, as Linux's evtchn_fifo_unmask does when PENDING is set; Xen clears MASKED,
; links the port into its queue and raises the upcall. Prints for test/pv64/fifo.test.ts.
bits 64
default rel
%include "pv64-common.inc"

%define EVTCHNOP_init_control 11
%define EVTCHNOP_expand_array 12
%define MASKED  (1 << 30)
%define PENDING (1 << 31)
%define LINKED  (1 << 29)

section .bss
alignb 4096
shinfo: resb 4096
control: resb 4096
array: resb 4096
init_arg: resq 3
expand_arg: resq 1
evt_arg: resd 4
port: resq 1
upcalls: resq 1
head_seen: resq 1
ready_seen: resq 1

section .data
cb_event: dw CALLBACKTYPE_event, 0
    dd 0
    dq upcall

PV_ENTRY
    MAP_SHARED_INFO
    HYPERVISOR_callback_op CALLBACKOP_register, cb_event
    ; FIFO: the control block and one page of event words.
    lea rax, [control]
    call mfn_of
    mov [init_arg], rax
    HYPERVISOR_event_channel_op EVTCHNOP_init_control, init_arg
    SHOW "init_control", rax
    lea rax, [array]
    call mfn_of
    mov [expand_arg], rax
    HYPERVISOR_event_channel_op EVTCHNOP_expand_array, expand_arg
    SHOW "expand_array", rax
    mov dword [evt_arg], 0
    HYPERVISOR_event_channel_op EVTCHNOP_bind_ipi, evt_arg
    SHOW "bind_ipi", rax
    mov eax, [evt_arg + 4]
    mov [port], rax
    mov dword [array + rax * 4], MASKED
    mov byte [shinfo + 1], 0                ; events unmasked for the vCPU
    mov eax, [port]
    mov [evt_arg], eax
    HYPERVISOR_event_channel_op EVTCHNOP_send, evt_arg
    SHOW "send", rax
    SHOW "upcalls_while_masked", [upcalls]
    mov rax, [port]
    mov eax, [array + rax * 4]
    SHOW "word_after_send", rax
    ; PENDING is set: MASKED stays and Xen is asked, as Linux's clear_masked_cond leaves it.
    mov eax, [port]
    mov [evt_arg], eax
    HYPERVISOR_event_channel_op EVTCHNOP_unmask, evt_arg
    SHOW "unmask", rax
    SHOW "upcalls_after_unmask", [upcalls]
    SHOW "head_seen", [head_seen]
    SHOW "ready_seen", [ready_seen]
    SHOW "port", [port]
    mov rax, [port]
    mov eax, [array + rax * 4]
    SHOW "word_after_upcall", rax
    xor rdi, rdi
    call shutdown

; The upcall: take the head of queue 7 (the default priority), consume the port.
upcall:
    push rax
    push rbx
    inc qword [upcalls]
    mov byte [shinfo], 0
    mov eax, [control]
    mov [ready_seen], rax
    mov eax, [control + 8 + 7 * 4]
    mov [head_seen], rax
    mov dword [control + 8 + 7 * 4], 0
    and dword [control], ~(1 << 7)
    mov ebx, eax
    and dword [array + rbx * 4], ~(PENDING | LINKED)
    pop rbx
    pop rax
    pop rcx
    pop r11
    push 0
    jmp hypercall_page + __HYPERVISOR_iret * 32
