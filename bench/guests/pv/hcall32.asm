; The 32-bit PV bench guest: two timed regions, each opened by 'S' and closed by 'E' on
; Xen's console (console_io), then the count of event upcalls the handler saw and a clean
; shutdown.
;   1. TRIPS hypercalls: xen_version(XENVER_version), the cheapest call there is: a
;      hypercall's round trip through the hypercall page.
;   2. TRIPS event round trips: EVTCHNOP_send on an IPI port bound to this vCPU, which Xen
;      answers with an upcall to the event callback on the way out; the callback clears the
;      pending bits and returns with the iret hypercall.
; TRIPS comes from the command line (-DTRIPS=n).
%include "pv-common.inc"

%ifndef TRIPS
%define TRIPS 100000
%endif

PV_ENTRY
    call map_shared_info
    HYPERVISOR_set_callbacks FLAT_KERNEL_CS, upcall, FLAT_KERNEL_CS, failsafe
    mov dword [evt_arg], 0
    HYPERVISOR_event_channel_op EVTCHNOP_bind_ipi, evt_arg
    test eax, eax
    jnz fail
    mov eax, [evt_arg + 4]
    mov [ipi_port], eax
    mov dword [send_arg], eax
    mov eax, [pv_vcpu_info]
    mov byte [eax + VCPU_INFO_upcall_mask], 0

    PRINT mark_s
    mov ebp, TRIPS
.hcall:
    mov ebx, XENVER_version
    xor ecx, ecx
    call hypercall_page + __HYPERVISOR_xen_version * 32
    dec ebp
    jnz .hcall
    PRINT mark_e

    PRINT mark_s
    mov ebp, TRIPS
.event:
    mov ebx, EVTCHNOP_send
    mov ecx, send_arg
    call hypercall_page + __HYPERVISOR_event_channel_op * 32
    dec ebp
    jnz .event
    PRINT mark_e

    SHOW "upcalls", [upcalls]
    mov ebx, SHUTDOWN_poweroff
    call shutdown

fail:
    SHOW "bind_ipi failed", eax
    mov ebx, SHUTDOWN_crash
    call shutdown

upcall:                          ; frame: EIP, CS, EFLAGS (events masked on entry)
    push eax
    push ebx
    mov eax, [pv_vcpu_info]
    mov byte [eax + VCPU_INFO_upcall_pending], 0
    mov dword [eax + VCPU_INFO_pending_sel], 0
    mov ebx, [ipi_port]
    btr [shared_va + 2048], ebx
    jnc .none
    inc dword [upcalls]
.none:
    pop ebx
    pop eax
    PV_IRET

failsafe:
    mov ebx, SHUTDOWN_crash
    call shutdown

section .rodata
mark_s: db "S", 0
mark_e: db "E", 0

section .data
align 4
evt_arg: dd 0, 0
send_arg: dd 0
ipi_port: dd 0
upcalls: dd 0
