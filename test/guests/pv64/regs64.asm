; Every register survives a bounce into the kernel and the iret hypercall back. All fifteen
; GPRs hold full 64-bit values (above 2^53, low bits set: values a double cannot hold) and
; RFLAGS has every arithmetic flag and DF set, then:
;   - a timer upcall is taken between two instructions of a spin that writes no register
;     and no flag (an indirect jump through a memory word the handler rewrites), the way a
;     timer tick lands in the middle of Linux's multi-precision arithmetic;
;   - an int3 goes through the trap table.
; Each handler does what Linux's Xen entry stubs do (pop RCX and R11 from the frame, return
; by the iret hypercall with flags 0); afterwards the kernel stores its registers and RFLAGS
; and prints them for test/pv64/bounce-regs.test.ts.
bits 64
default rel
%include "pv64-common.inc"

%define SH_PENDING 2048
%define PATTERN(n) (0xfedcba9876543201 + (n) * 0x0011001100110011)
%define ARITH_DF_FLAGS 0xcd5               ; CF PF AF ZF SF DF OF

; Loads PATTERN(n) into every GPR but RSP.
%macro LOAD_ALL 0
    mov rax, PATTERN(0)
    mov rcx, PATTERN(1)
    mov rdx, PATTERN(2)
    mov rbx, PATTERN(3)
    mov rbp, PATTERN(5)
    mov rsi, PATTERN(6)
    mov rdi, PATTERN(7)
    mov r8, PATTERN(8)
    mov r9, PATTERN(9)
    mov r10, PATTERN(10)
    mov r11, PATTERN(11)
    mov r12, PATTERN(12)
    mov r13, PATTERN(13)
    mov r14, PATTERN(14)
    mov r15, PATTERN(15)
    push ARITH_DF_FLAGS | 2
    popfq
%endmacro

; Stores RFLAGS and every GPR but RSP into %1 (17 quadwords: the registers by number, then
; RFLAGS), touching no register or flag before they are stored.
%macro STORE_ALL 1
    pushfq
    pop qword [%1 + 16 * 8]
    mov [%1 + 0 * 8], rax
    mov [%1 + 1 * 8], rcx
    mov [%1 + 2 * 8], rdx
    mov [%1 + 3 * 8], rbx
    mov [%1 + 5 * 8], rbp
    mov [%1 + 6 * 8], rsi
    mov [%1 + 7 * 8], rdi
    mov [%1 + 8 * 8], r8
    mov [%1 + 9 * 8], r9
    mov [%1 + 10 * 8], r10
    mov [%1 + 11 * 8], r11
    mov [%1 + 12 * 8], r12
    mov [%1 + 13 * 8], r13
    mov [%1 + 14 * 8], r14
    mov [%1 + 15 * 8], r15
    cld
%endmacro

; SHOW_ALL "prefix", area: prefix_rN=... for N = 0..15 but 4, and prefix_rflags.
%macro SHOW_ALL 2
%assign n 0
%rep 16
%if n != 4
    %defstr %%num %[n]
    %strcat %%name %1, "_r", %%num
    SHOW %%name, [%2 + n * 8]
%endif
%assign n n + 1
%endrep
    %strcat %%flags %1, "_rflags"
    SHOW %%flags, [%2 + 16 * 8]
%endmacro

section .bss
alignb 4096
shinfo: resb 4096
virq_arg: resd 4
upcalls: resq 1
int3s: resq 1
spin_target: resq 1
after_upcall_regs: resq 17
after_int3_regs: resq 17

section .data
align 16
traps:
    TRAP 3, 3, int3_handler                ; int3, DPL 3
    dq 0, 0
cb_event: dw CALLBACKTYPE_event, 0
    dd 0
    dq upcall

PV_ENTRY
    HYPERVISOR_set_trap_table traps
    SHOW "set_trap_table", rax
    HYPERVISOR_callback_op CALLBACKOP_register, cb_event
    SHOW "cb_event", rax
    MAP_SHARED_INFO
    SHOW "map_shared_info", rax

    ; ---- a timer upcall between two instructions ----
    lea rax, [spin]
    mov [spin_target], rax
    mov dword [virq_arg], VIRQ_TIMER
    mov dword [virq_arg + 4], 0
    HYPERVISOR_event_channel_op EVTCHNOP_bind_virq, virq_arg
    SHOW "bind_virq", rax
    mov rdi, [shinfo + 32 + 16]             ; vcpu_time_info.system_time
    add rdi, 1000000                        ; + 1 ms
    call hypercall_page + __HYPERVISOR_set_timer_op * 32
    SHOW "set_timer_op", rax
    mov byte [shinfo + 1], 0                ; evtchn_upcall_mask = 0
    LOAD_ALL
spin:
    jmp [spin_target]
after_upcall:
    STORE_ALL after_upcall_regs
    mov byte [shinfo + 1], 1
    SHOW "upcalls", [upcalls]
    SHOW_ALL "upcall", after_upcall_regs

    ; ---- an int3 through the trap table ----
    LOAD_ALL
    int3
    STORE_ALL after_int3_regs
    SHOW "int3s", [int3s]
    SHOW_ALL "int3", after_int3_regs
    xor rdi, rdi
    call shutdown

; The event callback, entered with RCX and R11 on the stack above Xen's frame.
upcall:
    pop rcx
    pop r11
    push rax
    inc qword [upcalls]
    mov byte [shinfo], 0                   ; upcall_pending
    mov qword [shinfo + 8], 0              ; pending_sel
    mov qword [shinfo + SH_PENDING], 0
    lea rax, [after_upcall]
    mov [spin_target], rax
    pop rax
    push 0
    jmp hypercall_page + __HYPERVISOR_iret * 32

int3_handler:
    pop rcx
    pop r11
    inc qword [int3s]
    push 0
    jmp hypercall_page + __HYPERVISOR_iret * 32
