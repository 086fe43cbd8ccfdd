; Exercises the PV paths one after the other and prints "name=value" lines for the test:
; trap bounces (#DE, #PF with CR2, #GP from privileged instructions), the forced-emulation
; CPUID, event upcalls from VIRQ_TIMER (periodic and one-shot) and an IPI, SCHEDOP_poll
; with a timeout, the console ring, refused page-table updates, bad pointers, an unknown
; hypercall, and a trip to ring 3 and back through int 0x80.
%include "pv-common.inc"

PV_ENTRY
    call map_shared_info
    SHOW "map_shared_info", [map_rc]

    ; Trap table and callbacks.
    HYPERVISOR_set_trap_table traps
    SHOW "set_trap_table", eax
    HYPERVISOR_set_callbacks FLAT_KERNEL_CS, upcall, FLAT_KERNEL_CS, failsafe
    SHOW "set_callbacks", eax

    ; #DE: the handler skips the 2-byte div.
    xor ecx, ecx
    mov eax, 1
    div ecx
    SHOW "de_count", [de_count]
    SHOW "de_cs", [de_cs]

    ; #PF on a read of an unmapped address: CR2 and the error code.
    mov dword [skip], 5
    mov eax, [0x10000000]
    SHOW "pf_cr2", [pf_cr2]
    SHOW "pf_err", [pf_err]
    ; and a write to the read-only bootstrap page tables (error code P|W).
    mov esi, [start_info_ptr]
    mov edi, [esi + START_INFO_pt_base]
    mov dword [skip], 7
    mov dword [edi + 8], 0
    SHOW "pf2_err", [pf_err]
    SHOW "pf2_cr2_is_pt", [pf_cr2]

    ; Privileged instructions in ring 1.
    mov dword [skip], 3
    mov dword [gp_count], 0
    xor eax, eax
    mov eax, cr0
    SHOW "cr0", eax
    SHOW "gp_after_cr0", [gp_count]
    mov dword [skip], 1
    hlt
    SHOW "gp_after_hlt", [gp_count]
    mov dword [skip], 2
    out 0x80, al
    SHOW "gp_after_out", [gp_count]

    ; Forced-emulation CPUID.
    mov eax, 0x40000000
    PV_CPUID
    SHOW "cpuid_xen_ebx", ebx
    mov eax, 1
    PV_CPUID
    SHOW "cpuid1_ecx", ecx

    ; Event channels: VIRQ_TIMER, periodic 1 ms, three upcalls while blocked.
    mov dword [evt_arg], VIRQ_TIMER
    mov dword [evt_arg + 4], 0
    HYPERVISOR_event_channel_op EVTCHNOP_bind_virq, evt_arg
    SHOW "bind_virq", eax
    mov eax, [evt_arg + 8]
    mov [timer_port], eax
    SHOW "timer_port", eax
    mov eax, [shared_va + VCPU_INFO_time + 16]
    mov [t0], eax
    mov dword [period], 1000000
    mov dword [period + 4], 0
    HYPERVISOR_vcpu_op VCPUOP_set_periodic_timer, 0, period
    SHOW "set_periodic", eax
.wait:
    PV_HALT
    cmp dword [ticks], 3
    jb .wait
    HYPERVISOR_vcpu_op VCPUOP_stop_periodic_timer, 0, 0
    SHOW "ticks", [ticks]
    SHOW "upcalls_masked_in_handler", [mask_seen]
    mov eax, [shared_va + VCPU_INFO_time + 16]
    sub eax, [t0]
    SHOW "elapsed_ns_ge_3ms", eax

    ; One-shot timer through set_timer_op, 2 ms ahead.
    mov eax, [shared_va + VCPU_INFO_time + 16]
    mov edx, [shared_va + VCPU_INFO_time + 20]
    add eax, 2000000
    adc edx, 0
    mov ebx, eax
    mov ecx, edx
    call hypercall_page + __HYPERVISOR_set_timer_op * 32
    SHOW "set_timer_op", eax
.wait2:
    PV_HALT
    cmp dword [ticks], 4
    jb .wait2
    SHOW "ticks_after_oneshot", [ticks]

    ; An IPI to ourselves.
    mov dword [evt_arg], 0
    HYPERVISOR_event_channel_op EVTCHNOP_bind_ipi, evt_arg
    SHOW "bind_ipi", eax
    mov eax, [evt_arg + 4]
    mov [ipi_port], eax
    mov [evt_arg], eax
    HYPERVISOR_event_channel_op EVTCHNOP_send, evt_arg
    SHOW "send", eax
    SHOW "ipis", [ipis]

    ; A masked port collects its event without an upcall; EVTCHNOP_unmask delivers it.
    mov eax, [ipi_port]
    bts [shared_va + 2176], eax           ; mask the IPI port
    mov [evt_arg], eax
    HYPERVISOR_event_channel_op EVTCHNOP_send, evt_arg
    SHOW "ipis_while_masked", [ipis]
    mov eax, [ipi_port]
    mov [evt_arg], eax
    HYPERVISOR_event_channel_op EVTCHNOP_unmask, evt_arg
    SHOW "unmask", eax
    SHOW "ipis_after_unmask", [ipis]
    ; Unmasking with a plain store and no hypercall: the hypervisor's next tick delivers it.
    PV_CLI
    mov eax, [ipi_port]
    mov [evt_arg], eax
    HYPERVISOR_event_channel_op EVTCHNOP_send, evt_arg
    mov eax, [ipis]
    mov [ipis_before], eax
    mov eax, [pv_vcpu_info]
    mov byte [eax + VCPU_INFO_upcall_mask], 0
    mov ecx, 3000000
.spin:
    mov eax, [ipis]
    cmp eax, [ipis_before]
    jne .delivered
    dec ecx
    jnz .spin
.delivered:
    SHOW "late_delivery_spins_left", ecx

    ; alloc_unbound, its status, a send nobody hears, close, close again.
    mov word [evt_arg], DOMID_SELF
    mov word [evt_arg + 2], 0
    HYPERVISOR_event_channel_op EVTCHNOP_alloc_unbound, evt_arg
    SHOW "alloc_unbound", eax
    mov eax, [evt_arg + 4]
    mov [unbound_port], eax
    mov word [status_arg], DOMID_SELF
    mov [status_arg + 4], eax
    HYPERVISOR_event_channel_op EVTCHNOP_status, status_arg
    SHOW "unbound_status", [status_arg + 8]
    mov eax, [unbound_port]
    mov [evt_arg], eax
    HYPERVISOR_event_channel_op EVTCHNOP_send, evt_arg
    SHOW "send_unbound", eax
    mov eax, [unbound_port]
    mov [evt_arg], eax
    HYPERVISOR_event_channel_op EVTCHNOP_close, evt_arg
    SHOW "close", eax
    mov eax, [unbound_port]
    mov [evt_arg], eax
    HYPERVISOR_event_channel_op EVTCHNOP_close, evt_arg
    SHOW "close_again", eax
    mov dword [evt_arg], VIRQ_TIMER
    mov dword [evt_arg + 4], 0
    HYPERVISOR_event_channel_op EVTCHNOP_bind_virq, evt_arg
    SHOW "bind_virq_twice", eax

    ; Poll with events masked: nothing arrives, the 1 ms timeout ends it.
    PV_CLI
    mov eax, [ipi_port]
    mov [poll_ports], eax
    mov eax, [shared_va + VCPU_INFO_time + 16]
    mov [t0], eax
    mov edx, [shared_va + VCPU_INFO_time + 20]
    add eax, 1000000
    adc edx, 0
    mov dword [poll_arg], poll_ports
    mov dword [poll_arg + 4], 1
    mov [poll_arg + 8], eax
    mov [poll_arg + 12], edx
    HYPERVISOR_sched_op SCHEDOP_poll, poll_arg
    SHOW "poll", eax
    mov eax, [shared_va + VCPU_INFO_time + 16]
    sub eax, [t0]
    SHOW "poll_ns", eax
    PV_STI

    ; Status of the console's port.
    mov esi, [start_info_ptr]
    mov eax, [esi + START_INFO_console_evtchn]
    mov word [status_arg], DOMID_SELF
    mov [status_arg + 4], eax
    HYPERVISOR_event_channel_op EVTCHNOP_status, status_arg
    SHOW "status_rc", eax
    SHOW "console_status", [status_arg + 8]

    ; The console ring: map it, copy a line in, notify.
    mov esi, [start_info_ptr]
    mov eax, [esi + START_INFO_console_mfn]
    shl eax, 12
    or eax, 0x63
    HYPERVISOR_update_va_mapping cons_va, eax, 0, UVMF_INVLPG
    SHOW "map_console", eax
    mov esi, ring_msg
    mov edi, cons_va + 1024
    mov ecx, ring_msg_len
    rep movsb
    mov dword [cons_va + 3084], ring_msg_len  ; out_prod
    mov esi, [start_info_ptr]
    mov eax, [esi + START_INFO_console_evtchn]
    mov [evt_arg], eax
    HYPERVISOR_event_channel_op EVTCHNOP_send, evt_arg
    SHOW "ring_out_cons", [cons_va + 3080]

    ; Refused: the bootstrap L1 page tables mapped writable, a frame beyond the domain.
    mov esi, [start_info_ptr]
    mov edi, [esi + START_INFO_pt_base]
    mov eax, edi
    sub eax, 0xC0000000
    or eax, 0x63
    HYPERVISOR_update_va_mapping edi, eax, 0, UVMF_INVLPG
    SHOW "map_pt_writable", eax
    mov esi, [start_info_ptr]
    mov eax, [esi + START_INFO_nr_pages]
    add eax, 1000
    shl eax, 12
    or eax, 0x63
    HYPERVISOR_update_va_mapping cons_va, eax, 0, UVMF_INVLPG
    SHOW "map_foreign", eax
    ; ...while a read-only mapping of a page table is fine.
    mov esi, [start_info_ptr]
    mov edi, [esi + START_INFO_pt_base]
    mov eax, edi
    sub eax, 0xC0000000
    or eax, 0x21
    HYPERVISOR_update_va_mapping cons_va, eax, 0, UVMF_INVLPG
    SHOW "map_pt_readonly", eax

    ; Bad pointers and numbers.
    HYPERVISOR_console_io CONSOLEIO_write, 4, 0xF5800000
    SHOW "console_bad_ptr", eax
    HYPERVISOR_console_io CONSOLEIO_write, 4, 0x20000000
    SHOW "console_unmapped", eax
    mov eax, 60
    int 0x82
    SHOW "unknown_hypercall", eax
    HYPERVISOR_xen_version XENVER_version, 0
    SHOW "xen_version", eax

    ; Ring 3: user page mapped user-accessible, kernel stack registered, iret to it.
    mov eax, user_page
    sub eax, 0xC0000000
    or eax, 0x67
    HYPERVISOR_update_va_mapping user_page, eax, 0, UVMF_INVLPG
    HYPERVISOR_stack_switch FLAT_KERNEL_DS, kstack_top
    push dword FLAT_USER_DS
    push dword user_page + 4096
    push dword 0x202
    push dword FLAT_USER_CS
    push dword user_code
    PV_IRET

; ---- handlers ----
de_handler:                      ; frame: EIP, CS, EFLAGS
    inc dword [de_count]
    mov eax, [esp + 4]
    mov [de_cs], eax
    add dword [esp], 2
    PV_IRET

pf_handler:                      ; frame: error code, EIP, CS, EFLAGS
    push eax
    mov eax, [esp + 4]
    mov [pf_err], eax
    PV_READ_CR2 eax
    mov [pf_cr2], eax
    mov eax, [skip]
    add [esp + 8], eax
    pop eax
    add esp, 4
    PV_IRET

gp_handler:
    SKIP_FAULT gp_count

upcall:                          ; frame: EIP, CS, EFLAGS (events masked on entry)
    pushad
    mov eax, [pv_vcpu_info]
    movzx ecx, byte [eax + VCPU_INFO_upcall_mask]
    add [mask_seen], ecx
    mov byte [eax + VCPU_INFO_upcall_pending], 0
    xor ecx, ecx
    xchg ecx, [eax + VCPU_INFO_pending_sel]
    mov edx, [shared_va + 2048]
    mov ebx, [shared_va + 2176]
    not ebx
    and edx, ebx
    mov ebx, edx
    not ebx
    lock and [shared_va + 2048], ebx
    mov ecx, [timer_port]
    bt edx, ecx
    jnc .no_timer
    inc dword [ticks]
.no_timer:
    mov ecx, [ipi_port]
    test ecx, ecx
    jz .no_ipi
    bt edx, ecx
    jnc .no_ipi
    inc dword [ipis]
.no_ipi:
    popad
    PV_IRET

failsafe:
    PRINT msg_failsafe
    mov ebx, 3
    call shutdown

syscall_handler:                 ; from ring 3: EIP, CS, EFLAGS, ESP, SS
    mov bx, FLAT_KERNEL_DS           ; the return to ring 3 left DS/ES null, as IRET does
    mov ds, bx
    mov es, bx
    mov [user_eax], eax
    mov eax, [esp + 4]
    mov [user_cs], eax
    mov eax, [esp + 16]
    mov [user_ss], eax
    SHOW "user_cs", [user_cs]
    SHOW "user_ss", [user_ss]
    SHOW "user_eax", [user_eax]
    SHOW "kernel_cs_now", cs
    PRINT msg_done
    xor ebx, ebx
    call shutdown

section .data
align 8
traps:
    TRAP 0, 0, de_handler
    TRAP 13, 0, gp_handler
    TRAP 14, 0, pf_handler
    TRAP 0x80, 3, syscall_handler
    dd 0, 0
de_count: dd 0
de_cs: dd 0
pf_err: dd 0
pf_cr2: dd 0
gp_count: dd 0
skip: dd 0
ticks: dd 0
ipis: dd 0
mask_seen: dd 0
timer_port: dd 0
ipi_port: dd 0
unbound_port: dd 0
ipis_before: dd 0
t0: dd 0
period: dd 0, 0
evt_arg: dd 0, 0, 0, 0
status_arg: dd 0, 0, 0, 0, 0, 0
poll_ports: dd 0
poll_arg: dd 0, 0, 0, 0
user_cs: dd 0
user_ss: dd 0
user_eax: dd 0

align 4096
user_page:
user_code:
    mov eax, 0x1234
    int 0x80
    jmp $
align 4096, db 0

section .rodata
msg_failsafe: db "failsafe callback", 10, 0
msg_done: db "done", 10, 0
ring_msg: db "through the console ring", 10
ring_msg_len equ $ - ring_msg

section .bss
alignb 4096
cons_va: resb 4096
kstack: resb 4096
kstack_top:
