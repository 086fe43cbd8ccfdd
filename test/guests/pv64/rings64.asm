; The ring-3 kernel's life with its user space, and the hypercalls that refuse, as a 64-bit
; PV kernel sees them. Prints "name=<16 hex digits>" lines for test/pv64/rings.test.ts:
;   - errno values of refused page-table updates and bad arguments;
;   - an event upcall (bind_ipi + send) and its frame;
;   - user page tables built, pinned as an L4 and given with MMUEXT_NEW_USER_BASEPTR;
;   - iret to user mode, SYSCALL from user mode to the syscall callback (frame, masked
;     events), a VGCF_in_syscall return (RCX/R11 as SYSRET leaves them), INT 0x80 through
;     the trap table and back with RCX/R11 restored, a #PF on a kernel address from user
;     mode (CR2 in vcpu_info, the error code), GS bases kept apart for kernel and user;
;   - the failsafe callback on an iret to a selector that does not load.
; -DNO_USER_TABLE: iret to user mode without user page tables (Xen crashes the domain).
bits 64
default rel
%include "pv64-common.inc"

%define USER_CODE   0x400000
%define USER_STACK  0x402000               ; top of the stack page at 0x401000
%define USER_DATA   0x402000
%define VI_CR2      16
%define SH_PENDING  2048

section .bss
alignb 4096
u_l4: resb 4096
u_l3: resb 4096
u_l2: resb 4096
u_l1: resb 4096
u_stack: resb 4096
u_data: resb 4096
shinfo: resb 4096
spare_pt: resb 4096
kstack: resb 8192
kstack_top:
req: resq 4
ops: resq 6
tmp: resq 4
kvar: resq 1
upcalls: resq 1
up_rip: resq 1
up_cs: resq 1
up_mask: resq 1
up_mask_in_handler: resq 1
sys_frame_rip: resq 1
sys_frame_cs: resq 1
sys_frame_rsp: resq 1
sys_frame_ss: resq 1
sys_frame_rflags: resq 1
sys_rdi: resq 1
sys_mask: resq 1
sys_calls: resq 1
user_rcx: resq 1
user_r11: resq 1
user_gs: resq 1
int80_cs: resq 1
int80_rip: resq 1
int80_rcx: resq 1
int80_r11: resq 1
pf_cr2: resq 1
pf_err: resq 1
pf_cs: resq 1
fs_frame_cs: resq 1
fs_frame_rip: resq 1
fs_count: resq 1
se_rip: resq 1
se_cs: resq 1
se_rsp: resq 1
se_ss: resq 1
se_eax: resq 1
se_mask: resq 1
se_count: resq 1
virq_arg: resd 4
user_upcalls: resq 1
user_up_cs: resq 1
user_up_rsp_kernel: resq 1
resume_rsp: resq 1

section .data
align 16
traps:
    TRAP 13, 0, gp_handler
    TRAP 14, 0, pf_handler
    db 0x80, 3                             ; DPL 3: user space may INT 0x80
    dw FLAT_KERNEL_CS
    dd 0
    dq int80_handler
    dq 0, 0
cb_event: dw CALLBACKTYPE_event, 0
    dd 0
    dq upcall
cb_failsafe: dw CALLBACKTYPE_failsafe, 0
    dd 0
    dq failsafe
cb_syscall: dw CALLBACKTYPE_syscall, CALLBACKF_mask_events
    dd 0
    dq sys_entry
cb_sysenter: dw CALLBACKTYPE_sysenter, CALLBACKF_mask_events
    dd 0
    dq sysenter_entry
cb_bad: dw 99, 0
    dd 0
    dq sys_entry
cb_noncanon: dw CALLBACKTYPE_syscall, 0
    dd 0
    dq 0x0000900000000000
evt_arg: dd 0, 0, 0, 0

PV_ENTRY
    HYPERVISOR_set_trap_table traps
    SHOW "set_trap_table", rax
    HYPERVISOR_callback_op CALLBACKOP_register, cb_event
    SHOW "cb_event", rax
    HYPERVISOR_callback_op CALLBACKOP_register, cb_failsafe
    SHOW "cb_failsafe", rax
    HYPERVISOR_callback_op CALLBACKOP_register, cb_syscall
    SHOW "cb_syscall", rax
    HYPERVISOR_callback_op CALLBACKOP_register, cb_bad
    SHOW "cb_bad_type", rax
    HYPERVISOR_callback_op CALLBACKOP_register, cb_noncanon
    SHOW "cb_noncanonical", rax
    HYPERVISOR_callback_op CALLBACKOP_unregister, cb_event
    SHOW "cb_unregister_event", rax
    HYPERVISOR_stack_switch FLAT_KERNEL_SS, kstack_top
    SHOW "stack_switch", rax

    ; shared_info mapped over the page `shinfo`.
    MAP_SHARED_INFO
    SHOW "map_shared_info", rax

    ; ---- refusals ----
    ; mmu_update on slot 256 of the running L4 (Xen's): -EINVAL.
    mov rsi, [start_info_ptr]
    mov rax, [rsi + 88]
    call mfn_of
    shl rax, 12
    add rax, 256 * 8
    mov [req], rax
    mov rax, [req]
    and rax, ~0xfff
    or rax, 0x67
    mov [req + 8], rax
    HYPERVISOR_mmu_update req, 1, 0, DOMID_SELF
    SHOW "mmu_xen_slot", rax
    ; update_va_mapping on an address in Xen's range: -EINVAL.
    mov rdi, 0xffff800000001000
    xor rsi, rsi
    xor rdx, rdx
    call hypercall_page + __HYPERVISOR_update_va_mapping * 32
    SHOW "uvm_xen_range", rax
    ; a console_io buffer in Xen's range: -EFAULT.
    mov rdi, CONSOLEIO_write
    mov rsi, 4
    mov rdx, 0xffff800000001000
    call hypercall_page + __HYPERVISOR_console_io * 32
    SHOW "console_xen_ptr", rax
    ; set_segment_base: an unknown `which` and a non-canonical base: -EINVAL.
    HYPERVISOR_set_segment_base 7, 0
    SHOW "segbase_bad_which", rax
    mov rsi, 0x0000800000000000
    HYPERVISOR_set_segment_base SEGBASE_FS, rsi
    SHOW "segbase_noncanonical", rax
    ; mmuext_op with an unknown command: -ENOSYS.
    mov qword [ops], 99
    HYPERVISOR_mmuext_op ops, 1, 0, DOMID_SELF
    SHOW "mmuext_unknown", rax

    ; ---- an event upcall: bind an IPI, unmask, send ----
    mov dword [evt_arg], 0
    HYPERVISOR_event_channel_op EVTCHNOP_bind_ipi, evt_arg
    SHOW "bind_ipi", rax
    mov eax, [evt_arg + 4]
    mov [evt_arg], eax
    mov byte [shinfo + 1], 0               ; evtchn_upcall_mask = 0
    HYPERVISOR_event_channel_op EVTCHNOP_send, evt_arg
    SHOW "send", rax
    SHOW "upcalls", [upcalls]
    SHOW "upcall_cs", [up_cs]
    SHOW "upcall_saved_mask", [up_mask]
    SHOW "upcall_mask_in_handler", [up_mask_in_handler]
    SHOW "upcall_rip", [up_rip]
    movzx rax, byte [shinfo + 1]
    SHOW "mask_after_iret", rax
    mov byte [shinfo + 1], 1

    ; ---- user page tables: L4 -> L3 -> L2 -> L1 mapping the user code, stack and data ----
    mov rax, u_l3
    call mfn_of
    shl rax, 12
    or rax, 0x67
    mov [u_l4], rax
    mov rax, u_l2
    call mfn_of
    shl rax, 12
    or rax, 0x67
    mov [u_l3], rax
    mov rax, u_l1
    call mfn_of
    shl rax, 12
    or rax, 0x67
    mov [u_l2 + 2 * 8], rax                ; 0x400000 is L2 index 2
    mov rax, user_code
    call mfn_of
    shl rax, 12
    or rax, 0x25                           ; read-only
    mov [u_l1], rax
    mov rax, u_stack
    call mfn_of
    shl rax, 12
    or rax, 0x67
    mov [u_l1 + 8], rax
    mov rax, u_data
    call mfn_of
    shl rax, 12
    or rax, 0x67
    mov [u_l1 + 16], rax
    mov rax, 0x1234567812345678
    mov [u_data], rax
    mov rax, 0xabcdef00abcdef00
    mov [kvar], rax
    ; The four tables become read-only in the kernel's mapping before they are used.
    mov rdi, u_l1
    call make_ro
    mov rdi, u_l2
    call make_ro
    mov rdi, u_l3
    call make_ro
    mov rdi, u_l4
    call make_ro
    SHOW "make_ro", rax
    ; A table mapped writable cannot be pinned: the spare page is still RW.
    mov rax, spare_pt
    call mfn_of
    mov qword [ops], MMUEXT_PIN_L4_TABLE
    mov [ops + 8], rax
    HYPERVISOR_mmuext_op ops, 1, 0, DOMID_SELF
    SHOW "pin_writable", rax
    ; Pin the user L4 (validates all four), then pinning it again is -EINVAL.
    mov rax, u_l4
    call mfn_of
    mov qword [ops], MMUEXT_PIN_L4_TABLE
    mov [ops + 8], rax
    HYPERVISOR_mmuext_op ops, 1, 0, DOMID_SELF
    SHOW "pin_l4", rax
    HYPERVISOR_mmuext_op ops, 1, 0, DOMID_SELF
    SHOW "pin_again", rax
    ; A validated table cannot be mapped writable again.
    mov rax, u_l4
    call mfn_of
    shl rax, 12
    or rax, 0x67
    mov rsi, rax
    mov rdi, u_l4
    mov rdx, UVMF_INVLPG
    call hypercall_page + __HYPERVISOR_update_va_mapping * 32
    SHOW "map_l4_writable", rax
    ; A superpage in the user L2 (PSE): -EINVAL.
    mov rax, u_l2
    call mfn_of
    shl rax, 12
    add rax, 3 * 8
    mov [req], rax
    mov qword [req + 8], 0x2000e7
    HYPERVISOR_mmu_update req, 1, 0, DOMID_SELF
    SHOW "mmu_l2_pse", rax
%ifndef NO_USER_TABLE
    mov rax, u_l4
    call mfn_of
    mov qword [ops], MMUEXT_NEW_USER_BASEPTR
    mov [ops + 8], rax
    HYPERVISOR_mmuext_op ops, 1, 0, DOMID_SELF
    SHOW "new_user_baseptr", rax
%endif

    ; ---- GS bases: the kernel's and the user's ----
    mov rsi, kvar
    HYPERVISOR_set_segment_base SEGBASE_GS_KERNEL, rsi
    SHOW "segbase_gs_kernel", rax
    HYPERVISOR_set_segment_base SEGBASE_GS_USER, USER_DATA
    SHOW "segbase_gs_user", rax
    mov rax, [gs:0]
    SHOW "kernel_gs_read", rax

    ; ---- a one-shot timer that will fire while user mode spins ----
    mov dword [virq_arg], VIRQ_TIMER
    mov dword [virq_arg + 4], 0
    HYPERVISOR_event_channel_op EVTCHNOP_bind_virq, virq_arg
    SHOW "bind_virq", rax
    mov rdi, [shinfo + 32 + 16]             ; vcpu_time_info.system_time
    add rdi, 3000000                        ; + 3 ms
    call hypercall_page + __HYPERVISOR_set_timer_op * 32
    SHOW "set_timer_op", rax

    ; ---- to user mode ----
    mov [resume_rsp], rsp
    push FLAT_USER_SS
    push USER_STACK
    push 0x202
    push FLAT_USER_CS
    push USER_CODE
    push 0                                  ; flags
    jmp hypercall_page + __HYPERVISOR_iret * 32

back_in_kernel:                             ; from the #PF handler, in kernel mode
    mov rsp, [resume_rsp]
    SHOW "sys_calls", [sys_calls]
    SHOW "sys_rdi", [sys_rdi]
    SHOW "sys_frame_rip", [sys_frame_rip]
    SHOW "sys_frame_cs", [sys_frame_cs]
    SHOW "sys_frame_rsp", [sys_frame_rsp]
    SHOW "sys_frame_ss", [sys_frame_ss]
    SHOW "sys_frame_rflags", [sys_frame_rflags]
    SHOW "sys_mask", [sys_mask]
    SHOW "user_rcx", [user_rcx]
    SHOW "user_r11", [user_r11]
    SHOW "user_gs", [user_gs]
    SHOW "int80_cs", [int80_cs]
    SHOW "int80_rip", [int80_rip]
    SHOW "int80_rcx", [int80_rcx]
    SHOW "int80_r11", [int80_r11]
    SHOW "pf_cr2", [pf_cr2]
    SHOW "pf_err", [pf_err]
    SHOW "pf_cs", [pf_cs]
    lea rax, [kvar]
    SHOW "kvar_addr", rax
    mov rax, [gs:0]
    SHOW "kernel_gs_after", rax
    SHOW "user_upcalls", [user_upcalls]
    SHOW "user_up_cs", [user_up_cs]
    SHOW "user_up_rsp_kernel", [user_up_rsp_kernel]
    SHOW "user_rsp_after_upcall", [u_data + 16]
    lea rax, [kstack_top]
    SHOW "kstack_top", rax

    ; ---- a compatibility-mode process: SYSENTER reaches the sysenter callback ----
    HYPERVISOR_callback_op CALLBACKOP_register, cb_sysenter
    SHOW "cb_sysenter", rax
    mov [resume_rsp], rsp
    push FLAT_USER_SS
    push USER_STACK
    push 0x202
    push FLAT_RING3_CS32
    push USER_CODE + (compat_code - user_code)
    push 0
    jmp hypercall_page + __HYPERVISOR_iret * 32
sysenter_back:
    mov rsp, [resume_rsp]
    SHOW "se_count", [se_count]
    SHOW "se_rip", [se_rip]
    SHOW "se_cs", [se_cs]
    SHOW "se_rsp", [se_rsp]
    SHOW "se_ss", [se_ss]
    SHOW "se_eax", [se_eax]
    SHOW "se_mask", [se_mask]

    ; ---- the failsafe callback: iret to a code selector that does not load ----
    mov [resume_rsp], rsp
    mov rax, rsp
    push FLAT_KERNEL_SS
    push rax
    push 0x202
    push 0x0f38                              ; no such descriptor (RPL 0: stays in kernel mode)
    lea rax, [fs_target]
    push rax
    push 0
    jmp hypercall_page + __HYPERVISOR_iret * 32
fs_target:
    ud2
fs_back:
    mov rsp, [resume_rsp]
    SHOW "failsafe_count", [fs_count]
    SHOW "failsafe_frame_cs", [fs_frame_cs]
    SHOW "failsafe_frame_rip", [fs_frame_rip]
    PRINT msg_done
    xor rdi, rdi
    call shutdown

; ---- the event callback: frame RCX, R11, RIP, CS|mask<<32, RFLAGS, RSP, SS ----
upcall:
    push rax                               ; the iret restores RAX from what the stub pushes: keep the guest's
    inc qword [upcalls]
    mov rax, [rsp + 8 + 16]
    mov [up_rip], rax
    mov eax, [rsp + 8 + 24]
    mov [up_cs], rax
    mov eax, [rsp + 8 + 28]
    mov [up_mask], rax
    movzx rax, byte [shinfo + 1]
    mov [up_mask_in_handler], rax
    mov eax, [rsp + 8 + 24]
    test al, 3
    jz .from_kernel
    inc qword [user_upcalls]                ; interrupted in user mode: CS keeps RPL 3
    mov [user_up_cs], rax
    mov [user_up_rsp_kernel], rsp
    mov byte [u_data + 8], 1                ; release the user's spin
.from_kernel:
    mov byte [shinfo], 0                   ; upcall_pending
    mov qword [shinfo + 8], 0              ; pending_sel
    mov qword [shinfo + SH_PENDING], 0
    pop rax
    pop rcx
    pop r11
    push 0
    jmp hypercall_page + __HYPERVISOR_iret * 32

; ---- SYSCALL from user mode: frame RCX, R11, RIP, CS, RFLAGS, RSP, SS (7 quadwords) ----
sys_entry:
    inc qword [sys_calls]
    movzx rax, byte [shinfo + 1]
    mov [sys_mask], rax
    cmp rdi, 2
    je .report
    cmp rdi, 3
    je .report80
    mov [sys_rdi], rdi
    mov rax, [rsp + 16]
    mov [sys_frame_rip], rax
    mov rax, [rsp + 24]
    mov [sys_frame_cs], rax
    mov rax, [rsp + 32]
    mov [sys_frame_rflags], rax
    mov rax, [rsp + 40]
    mov [sys_frame_rsp], rax
    mov rax, [rsp + 48]
    mov [sys_frame_ss], rax
    jmp .back
.report:
    mov [user_rcx], rsi
    mov [user_r11], rdx
    mov [user_gs], r10
    jmp .back
.report80:
    mov [int80_rcx], rsi
    mov [int80_r11], rdx
.back:
    ; Back to user mode the SYSRET way: RCX and R11 become RIP and RFLAGS.
    add rsp, 16                            ; drop RCX and R11
    push VGCF_in_syscall
    jmp hypercall_page + __HYPERVISOR_iret * 32

; ---- INT 0x80 from user mode: frame RCX, R11, RIP, CS, RFLAGS, RSP, SS ----
int80_handler:
    mov rax, [rsp + 24]
    mov [int80_cs], rax
    mov rax, [rsp + 16]
    mov [int80_rip], rax
    pop rcx
    pop r11
    push 0                                 ; a plain iret: RCX and R11 restored from the frame
    jmp hypercall_page + __HYPERVISOR_iret * 32

; ---- #PF: frame RCX, R11, error code, RIP, CS, ... ----
pf_handler:
    mov rax, [shinfo + VI_CR2]
    mov [pf_cr2], rax
    mov rax, [rsp + 16]
    mov [pf_err], rax
    mov rax, [rsp + 32]
    mov [pf_cs], rax
    jmp back_in_kernel

; ---- SYSENTER from compatibility mode: frame RCX, R11, RIP 0, CS 3, RFLAGS, RSP 0, SS ----
sysenter_entry:
    inc qword [se_count]
    mov [se_eax], rax
    mov rax, [rsp + 16]
    mov [se_rip], rax
    mov rax, [rsp + 24]
    mov [se_cs], rax
    mov rax, [rsp + 40]
    mov [se_rsp], rax
    mov rax, [rsp + 48]
    mov [se_ss], rax
    movzx rax, byte [shinfo + 1]
    mov [se_mask], rax
    jmp sysenter_back

gp_handler:
    PRINT msg_gp
    mov rdi, SHUTDOWN_crash
    call shutdown

; ---- the failsafe callback: frame RCX, R11, DS, ES, FS, GS, RIP, CS, RFLAGS, RSP, SS ----
failsafe:
    inc qword [fs_count]
    mov rax, [rsp + 48]
    mov [fs_frame_rip], rax
    mov rax, [rsp + 56]
    mov [fs_frame_cs], rax
    jmp fs_back

; ---- the user program, run at USER_CODE from its own page ----
section .text
align 4096
user_code:
    mov r10, [gs:0]                        ; the user's GS base: USER_DATA
    mov rdi, 0x55
    syscall                                ; -> sys_entry, back with RCX = RIP, R11 = RFLAGS
.after_first:
    mov rsi, rcx
    mov rdx, r11
    mov rdi, 2
    syscall                                ; report what the SYSRET-style return left
    mov rcx, 0x1111
    mov r11, 0x2222
    int 0x80
    mov rsi, rcx
    mov rdx, r11
    mov rdi, 3
    syscall                                ; report RCX/R11 after INT 0x80's iret
    mov rbx, rsp
    mov rsp, 0x8badf00ddeadbee1            ; user code may keep any value in RSP (non-canonical: only a use faults)
.spin:                                     ; until the timer's upcall, taken in user mode, says so
    pause
    cmp byte [abs USER_DATA + 8], 0
    je .spin
    mov [abs USER_DATA + 16], rsp          ; what the upcall's frame and the iret gave back
    mov rsp, rbx
    mov rax, [abs kvar]                    ; a kernel address: not mapped in the user tables
    ud2
align 256
bits 32
compat_code:                               ; a 32-bit process (CS FLAT_RING3_CS32)
    mov eax, 0x77
    sysenter
    ud2
bits 64
align 4096

section .rodata
msg_done: db "rings64 done", 10, 0
msg_gp: db "unexpected #GP", 10, 0
