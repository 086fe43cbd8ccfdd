; The 64-bit PV bench guest: hcall32.asm's program in the 64-bit PV ABI (a ring-3 kernel,
; hypercalls through the SYSCALL stubs of the hypercall page with arguments in RDI, RSI,
; RDX, R10, R8). Two timed regions between 'S' and 'E' on Xen's console:
;   1. TRIPS xen_version(XENVER_version) hypercalls;
;   2. TRIPS event round trips: EVTCHNOP_send on an IPI port bound to this vCPU, the upcall
;      Xen delivers on the way out (RCX and R11 pushed above the iret frame), and the
;      callback's return through the iret hypercall (flags word 0 on top of the frame).
; Then the count of upcalls the callback saw, and shutdown. TRIPS comes from -DTRIPS=n.
bits 64
default rel
%include "pv64-common.inc"

%ifndef TRIPS
%define TRIPS 100000
%endif

%define SHARED_INFO64_evtchn_pending 2048

PV_ENTRY
    ; Map shared_info at shared_va: update_va_mapping(va, pte, UVMF_INVLPG).
    mov rax, [rsi + START_INFO64_shared_info]
    or rax, 0x67                         ; present, writable, user (a ring-3 kernel), accessed, dirty
    lea rdi, [shared_va]
    mov rsi, rax
    mov rdx, UVMF_INVLPG
    call hypercall_page + __HYPERVISOR_update_va_mapping * 32
    test rax, rax
    jnz fail
    lea rax, [shared_va]
    mov [pv_vcpu_info], rax
    ; The event callback: callback_op(CALLBACKOP_register, {CALLBACKTYPE_event, 0, upcall}).
    lea rax, [upcall]
    mov [cb_address], rax
    HYPERVISOR_callback_op CALLBACKOP_register, cb_event
    test rax, rax
    jnz fail
    mov dword [evt_arg], 0
    lea rsi, [evt_arg]
    HYPERVISOR_event_channel_op EVTCHNOP_bind_ipi, rsi
    test rax, rax
    jnz fail
    mov eax, [evt_arg + 4]
    mov [ipi_port], eax
    mov [send_arg], eax
    mov rax, [pv_vcpu_info]
    mov byte [rax + VCPU_INFO_upcall_mask], 0

    PRINT mark_s
    mov rbp, TRIPS
.hcall:
    mov rdi, XENVER_version
    xor rsi, rsi
    call hypercall_page + __HYPERVISOR_xen_version * 32
    dec rbp
    jnz .hcall
    PRINT mark_e

    PRINT mark_s
    mov rbp, TRIPS
.event:
    mov rdi, EVTCHNOP_send
    lea rsi, [send_arg]
    call hypercall_page + __HYPERVISOR_event_channel_op * 32
    dec rbp
    jnz .event
    PRINT mark_e

    mov eax, [upcalls]
    SHOW "upcalls", rax
    xor rdi, rdi
    call shutdown

fail:
    SHOW "setup failed", rax
    mov rdi, SHUTDOWN_crash
    call shutdown

upcall:                                  ; [rsp] RCX, [rsp+8] R11, then RIP, CS, RFLAGS, RSP, SS
    pop rcx
    pop r11
    push rax
    push rbx
    mov rax, [pv_vcpu_info]
    mov byte [rax + VCPU_INFO_upcall_pending], 0
    mov qword [rax + VCPU_INFO_pending_sel], 0
    mov ebx, [ipi_port]
    lea rax, [shared_va]
    btr [rax + SHARED_INFO64_evtchn_pending], rbx
    jnc .none
    inc dword [upcalls]
.none:
    pop rbx
    pop rax
    PV_IRET

section .rodata
mark_s: db "S", 0
mark_e: db "E", 0

section .data
align 8
cb_event:
    dw CALLBACKTYPE_event
    dw 0
    dd 0
cb_address: dq 0
evt_arg: dd 0, 0
send_arg: dd 0
ipi_port: dd 0
upcalls: dd 0

section .bss
alignb 4096
shared_va: resb 4096
