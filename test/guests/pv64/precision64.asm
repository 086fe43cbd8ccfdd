; 64-bit values a double cannot hold, through the paths where the hypervisor reads a 64-bit
; guest value: the debug registers (set_debugreg/get_debugreg and the emulated MOV to/from
; DRn, with Xen's checks), the emulated MOV to CR3 (bits above the frame number), mmu_update's
; command bits, mmuext_op(SET_LDT)'s arguments, vcpu_op's periodic timer limit and singleshot timer beyond 2^63,
; set_timer_op's negative timeout and a
; non-canonical RIP through the iret hypercall to the failsafe frame. Prints "name=<16 hex digits>" for
; test/pv64/precision.test.ts. The #GP handler counts faults and skips the 3-byte MOV.
bits 64
default rel
%include "pv64-common.inc"

section .bss
alignb 4096
shinfo: resb 4096
ldt_page: resb 4096
ext: resq 3
gp_count: resq 1
virq_arg: resd 4
sshot: resq 2
poll: resq 3
poll_ports: resd 2
req: resq 2
period: resq 1
resume_rsp: resq 1
fs_frame_rip: resq 1

section .data
align 16
traps:
    TRAP 13, 0, gp_handler
    dq 0, 0
cb_failsafe: dw CALLBACKTYPE_failsafe, 0
    dd 0
    dq failsafe

PV_ENTRY
    HYPERVISOR_set_trap_table traps

    ; set_debugreg/get_debugreg: all 64 bits of a user address (its high half is not the
    ; low half's sign), Xen's range and the non-canonical hole refused, DR7's upper half reserved.
    mov rax, 0x00007fff12345678
    HYPERVISOR_set_debugreg 0, rax
    SHOW "set_dr0_user", rax
    HYPERVISOR_get_debugreg 0
    SHOW "get_dr0_user", rax
    mov rax, 0xffffffff80123458
    HYPERVISOR_set_debugreg 1, rax
    SHOW "set_dr1_kernel", rax
    HYPERVISOR_get_debugreg 1
    SHOW "get_dr1_kernel", rax
    mov rax, 0xffff800000001000           ; Xen's own range
    HYPERVISOR_set_debugreg 2, rax
    SHOW "set_dr2_xen", rax
    mov rax, 0x0000800000000000           ; non-canonical
    HYPERVISOR_set_debugreg 2, rax
    SHOW "set_dr2_noncanonical", rax
    mov rax, 0xffff880000000000           ; the first address above Xen's range
    HYPERVISOR_set_debugreg 2, rax
    SHOW "set_dr2_above_xen", rax
    mov rax, 0x0000000100000000           ; DR7's upper half is reserved
    HYPERVISOR_set_debugreg 7, rax
    SHOW "set_dr7_high", rax
    mov rax, 0x00000001ffff0ff0
    HYPERVISOR_set_debugreg 6, rax
    SHOW "set_dr6_high", rax
    HYPERVISOR_get_debugreg 7
    SHOW "get_dr7", rax

    ; The emulated MOV to/from DRn with 64-bit registers.
    mov rax, 0x0000123456789ab8
    mov dr3, rax
    mov rbx, dr3
    SHOW "mov_dr3", rbx
    mov r9, 0xffffffff80abcdef
    mov dr2, r9
    mov r10, dr2
    SHOW "mov_dr2_r10", r10
    mov rax, dr0
    SHOW "mov_dr0", rax
    SHOW "gp_before_bad_dr", [gp_count]
    mov rax, 0xffff800000002000
    mov dr1, rax                          ; Xen's range: #GP
    mov rax, 0x0000000100000400
    mov dr7, rax                          ; upper half set: #GP
    SHOW "gp_after_bad_dr", [gp_count]
    mov rax, dr1
    SHOW "dr1_kept", rax
    mov rax, dr6
    SHOW "mov_dr6", rax

    ; MOV to CR3: the frame is all of bits 12-63 (xen_cr3_to_pfn); low bits are ignored.
    mov rax, cr3
    SHOW "cr3", rax
    or rax, 0x18                          ; PWT/PCD-position bits: not part of the frame
    mov cr3, rax
    SHOW "gp_after_cr3_low", [gp_count]
    mov rax, cr3
    bts rax, 52                           ; a frame 2^40 above the L4's: none
    mov cr3, rax
    SHOW "gp_after_cr3_bit52", [gp_count]
    mov rax, cr3
    bts rax, 63                           ; the no-flush bit of native PCID: no frame either
    mov cr3, rax
    SHOW "gp_after_cr3_bit63", [gp_count]
    mov rax, cr3
    SHOW "cr3_after", rax

    ; mmu_update: the command is ptr's low 3 bits; 4-7 are no command (-ENOSYS).
    mov rax, 0x1000000000000005           ; above 2^53: its low bits do not survive a double
    mov [req], rax
    mov qword [req + 8], 0
    HYPERVISOR_mmu_update req, 1, 0, DOMID_SELF
    SHOW "mmu_cmd5_high", rax
    mov qword [req], 5                    ; command 5 at machine address 0
    HYPERVISOR_mmu_update req, 1, 0, DOMID_SELF
    SHOW "mmu_cmd5_low", rax

    ; vcpu_op(set_periodic_timer): Xen allows up to STIME_DELTA_MAX = 2^62 - 1 ns.
    mov rax, 0x4000000000000000
    mov [period], rax
    HYPERVISOR_vcpu_op VCPUOP_set_periodic_timer, 0, period
    SHOW "periodic_2p62", rax
    mov rax, 0x3fffffffffffffff
    mov [period], rax
    HYPERVISOR_vcpu_op VCPUOP_set_periodic_timer, 0, period
    SHOW "periodic_2p62_less1", rax
    HYPERVISOR_vcpu_op VCPUOP_stop_periodic_timer, 0, 0

    ; vcpu_op(set_singleshot_timer) at 2^63 + 1 ns, "future" flag: Xen compares it unsigned
    ; (not in the past), then arms its signed timer with it (a time gone): it fires at once.
    ; Events stay masked; the timer VIRQ's pending bit in shared_info shows the firing.
    MAP_SHARED_INFO
    mov dword [virq_arg], VIRQ_TIMER
    mov dword [virq_arg + 4], 0
    HYPERVISOR_event_channel_op EVTCHNOP_bind_virq, virq_arg
    SHOW "bind_virq", rax
    mov rax, 0x8000000000000001
    mov [sshot], rax
    mov qword [sshot + 8], 1               ; VCPU_SSHOTTMR_future
    HYPERVISOR_vcpu_op VCPUOP_set_singleshot_timer, 0, sshot
    SHOW "singleshot_2p63", rax
    mov eax, [virq_arg + 8]
    SHOW "timer_port", rax
    bt [shinfo + 2048], rax
    setc al
    movzx eax, al
    SHOW "timer_pending", rax

    ; sched_op(SCHEDOP_poll) on that port, cleared, with the x86_64 struct sched_poll (an
    ; 8-byte handle) and a timeout of 2^63 + 1 ns, a time already gone to Xen's signed timer:
    ; it returns 0 at once. Then a port above the 1024 of 32-bit guests (the 64-bit ABI has 4096).
    mov eax, [virq_arg + 8]
    btr [shinfo + 2048], rax
    mov [poll_ports], eax
    mov dword [poll_ports + 4], 2000
    lea rax, [poll_ports]
    mov [poll], rax
    mov qword [poll + 8], 1
    mov rax, 0x8000000000000001
    mov [poll + 16], rax
    mov rbx, [shinfo + 32 + 16]             ; vcpu_time_info.system_time before
    mov rdi, SCHEDOP_poll
    lea rsi, [poll]
    call hypercall_page + __HYPERVISOR_sched_op * 32
    SHOW "poll_past", rax
    mov rax, [shinfo + 32 + 16]
    sub rax, rbx
    SHOW "poll_past_ns", rax                ; how long the poll slept
    lea rax, [poll_ports + 4]
    mov [poll], rax
    mov rdi, SCHEDOP_poll
    lea rsi, [poll]
    call hypercall_page + __HYPERVISOR_sched_op * 32
    SHOW "poll_port_2000", rax

    ; set_timer_op(-1): a negative s_time_t, which Xen arms for 100 ms from now (its guard
    ; against Linux's wrapped timeouts); read from the domain's state after the shutdown.
    mov rdi, -1
    call hypercall_page + __HYPERVISOR_set_timer_op * 32
    SHOW "set_timer_negative", rax

    ; mmuext_op(SET_LDT): nr_ents is an unsigned int in arg2's 8-byte union (its high half is
    ; not part of it); the address must be __addr_ok (Xen's range is not); with no entries
    ; the address is not looked at.
    mov dword [ext], MMUEXT_SET_LDT
    lea rax, [ldt_page]
    mov [ext + 8], rax
    mov rax, 0x0000000100000001             ; nr_ents 1, garbage above it
    mov [ext + 16], rax
    HYPERVISOR_mmuext_op ext, 1, 0, DOMID_SELF
    SHOW "set_ldt_high_garbage", rax
    mov rax, 0xffff800000000000             ; Xen's range
    mov [ext + 8], rax
    mov qword [ext + 16], 1
    HYPERVISOR_mmuext_op ext, 1, 0, DOMID_SELF
    SHOW "set_ldt_xen_range", rax
    mov rax, 0x8000000000000123             ; no entries: any address
    mov [ext + 8], rax
    mov qword [ext + 16], 0
    HYPERVISOR_mmuext_op ext, 1, 0, DOMID_SELF
    SHOW "set_ldt_none", rax

    ; An iret hypercall to a non-canonical RIP (above 2^53: its low bits do not survive a
    ; double) goes to the failsafe callback with that RIP, whole, in the frame.
    HYPERVISOR_callback_op CALLBACKOP_register, cb_failsafe
    SHOW "cb_failsafe", rax
    mov [resume_rsp], rsp
    mov rax, rsp
    push FLAT_KERNEL_SS
    push rax
    push 0x202
    push FLAT_KERNEL_CS & ~3                 ; RPL 0: an iret that stays in kernel mode
    mov rax, 0x8000000000000123
    push rax
    push 0
    jmp hypercall_page + __HYPERVISOR_iret * 32
fs_back:
    mov rsp, [resume_rsp]
    SHOW "failsafe_frame_rip", [fs_frame_rip]

    PRINT msg_done
    xor rdi, rdi
    call shutdown

gp_handler:                                 ; frame: RCX, R11, error code, RIP, ...
    inc qword [gp_count]
    add qword [rsp + 24], 3                 ; past the 3-byte MOV
    pop rcx
    pop r11
    add rsp, 8                              ; the error code
    push 0
    jmp hypercall_page + __HYPERVISOR_iret * 32

; The failsafe callback: frame RCX, R11, DS, ES, FS, GS, RIP, CS, RFLAGS, RSP, SS.
failsafe:
    mov rax, [rsp + 48]
    mov [fs_frame_rip], rax
    jmp fs_back

section .rodata
msg_done: db "precision64 done", 10, 0
