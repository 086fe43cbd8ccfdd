; A Xen PV kernel whose run changes the hypervisor's state as it goes, for reverse execution:
; a trap table with a #DE handler (taken once), the event callback, VIRQ_TIMER bound to a port,
; a 1 ms periodic timer whose upcalls count `ticks` while the kernel blocks (and spins a
; while after each), then the timer
; stopped, "ticks=5" on the console and a shutdown with reason 0.
%define PARAVIRT_NO_EXTERN
%include "paravirt.inc"

%include "xen-notes.inc"

TICKS equ 5

section .text
global _start
_start:
    mov esp, stack_top
    ; shared_info mapped at shared_va: vcpu_info[0] is its first bytes.
    mov eax, [esi + START_INFO_shared_info]
    or eax, 0x63
    mov ebx, shared_va
    mov ecx, eax
    xor edx, edx
    mov esi, UVMF_INVLPG
    call hypercall_page + __HYPERVISOR_update_va_mapping * 32
    mov dword [pv_vcpu_info], shared_va
    HYPERVISOR_set_trap_table traps
    HYPERVISOR_set_callbacks FLAT_KERNEL_CS, upcall, FLAT_KERNEL_CS, failsafe
    xor ecx, ecx
    mov eax, 7
    div ecx                          ; #DE, bounced to de_handler, which skips it
    mov dword [bind_arg], VIRQ_TIMER
    mov dword [bind_arg + 4], 0
    HYPERVISOR_event_channel_op EVTCHNOP_bind_virq, bind_arg
    mov eax, [bind_arg + 8]
    mov [timer_port], eax
    mov dword [period], 1000000
    mov dword [period + 4], 0
    HYPERVISOR_vcpu_op VCPUOP_set_periodic_timer, 0, period
wait_tick:
    PV_HALT
    mov ecx, 20000                   ; 40k instructions between ticks: the debugger's stops
spin:                                ; are far enough apart for each to take a snapshot
    dec ecx
    jnz spin
    cmp dword [ticks], TICKS
    jb wait_tick
    HYPERVISOR_vcpu_op VCPUOP_stop_periodic_timer, 0, 0
    mov eax, [ticks]
    add al, '0'
    mov [msg_digit], al
    mov ecx, msg_len
    mov edx, msg
    mov ebx, CONSOLEIO_write
    call hypercall_page + __HYPERVISOR_console_io * 32
    push dword 0
    mov ecx, esp
    mov ebx, SCHEDOP_shutdown
    call hypercall_page + __HYPERVISOR_sched_op * 32
    jmp $

de_handler:                          ; frame: EIP, CS, EFLAGS
    inc dword [de_count]
    add dword [esp], 2
    PV_IRET

upcall:                              ; frame: EIP, CS, EFLAGS (events masked on entry)
    pushad
    mov eax, [pv_vcpu_info]
    mov byte [eax + VCPU_INFO_upcall_pending], 0
    xor ecx, ecx
    xchg ecx, [eax + VCPU_INFO_pending_sel]
    xor edx, edx
    xchg edx, [shared_va + 2048]     ; evtchn_pending[0]: take every pending port
    mov ecx, [timer_port]
    bt edx, ecx
    jnc no_tick
    inc dword [ticks]
tick_counted:
    nop
no_tick:
    popad
    PV_IRET

failsafe:
    push dword 3
    mov ecx, esp
    mov ebx, SCHEDOP_shutdown
    call hypercall_page + __HYPERVISOR_sched_op * 32
    jmp $

section .data
msg: db "ticks="
msg_digit: db "?", 10
msg_len equ $ - msg
align 8
traps:
    db 0, 0
    dw FLAT_KERNEL_CS
    dd de_handler
    times 8 db 0                     ; end of the table
de_count: dd 0
ticks: dd 0
timer_port: dd 0

section .bss
alignb 4096
global hypercall_page
hypercall_page: resb 4096
shared_va: resb 4096
global pv_vcpu_info
pv_vcpu_info: resd 1
bind_arg: resd 4
period: resd 2
stack: resb 8192
stack_top:
