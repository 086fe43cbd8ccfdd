; Idles the way Xen's Mini-OS does after boot: a one-shot timer ten seconds ahead
; (set_timer_op), then SCHEDOP_block until VIRQ_TIMER's event arrives; sixty times, ten
; virtual minutes in all. Prints the number of timer events and the system time that passed
; (vcpu_time_info.system_time, in ns, as two halves).
%include "pv-common.inc"

%define SLEEPS      60
%define STEP_NS     10000000000

PV_ENTRY
    call map_shared_info
    HYPERVISOR_set_callbacks FLAT_KERNEL_CS, upcall, FLAT_KERNEL_CS, failsafe
    mov dword [evt_arg], VIRQ_TIMER
    mov dword [evt_arg + 4], 0
    HYPERVISOR_event_channel_op EVTCHNOP_bind_virq, evt_arg
    mov eax, [evt_arg + 8]
    mov [timer_port], eax
    mov eax, [shared_va + VCPU_INFO_time + 16]
    mov [t0], eax
    mov eax, [shared_va + VCPU_INFO_time + 20]
    mov [t0 + 4], eax
.sleep:
    mov eax, [shared_va + VCPU_INFO_time + 16]
    mov edx, [shared_va + VCPU_INFO_time + 20]
    add eax, STEP_NS & 0xffffffff
    adc edx, STEP_NS >> 32
    mov ebx, eax
    mov ecx, edx
    call hypercall_page + __HYPERVISOR_set_timer_op * 32
    mov esi, [ticks]
.wait:
    PV_HALT
    cmp [ticks], esi
    je .wait
    cmp dword [ticks], SLEEPS
    jb .sleep
    SHOW "timer_events", [ticks]
    mov eax, [shared_va + VCPU_INFO_time + 16]
    mov edx, [shared_va + VCPU_INFO_time + 20]
    sub eax, [t0]
    sbb edx, [t0 + 4]
    mov [elapsed], eax
    SHOW "elapsed_ns_hi", edx
    SHOW "elapsed_ns_lo", [elapsed]
    xor ebx, ebx
    call shutdown

upcall:                          ; frame: EIP, CS, EFLAGS (events masked on entry)
    pushad
    mov eax, [pv_vcpu_info]
    mov byte [eax + VCPU_INFO_upcall_pending], 0
    xor ecx, ecx
    xchg ecx, [eax + VCPU_INFO_pending_sel]
    xor edx, edx
    xchg edx, [shared_va + 2048]          ; take every pending port (none is masked here)
    mov ecx, [timer_port]
    bt edx, ecx
    jnc .done
    inc dword [ticks]
.done:
    popad
    PV_IRET

failsafe:
    mov ebx, 3
    call shutdown

section .data
ticks: dd 0
timer_port: dd 0
t0: dd 0, 0
elapsed: dd 0
evt_arg: dd 0, 0, 0, 0
