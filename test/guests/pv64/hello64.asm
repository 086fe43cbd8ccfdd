; Start of day of a 64-bit PV kernel: prints what the domain builder handed over (the
; registers, start_info's fields, the selectors, a read of the M2P through Xen's slot 256),
; makes a few hypercalls and shuts down with reason 0. -DINIT_P2M: the kernel also carries
; XEN_ELFNOTE_INIT_P2M with Linux's value (its p2m list mapped at 512 GiB, out of the kernel's
; mapping) and prints the p2m fields of start_info.
bits 64
default rel
%include "pv64-common.inc"

%ifdef INIT_P2M
section .note.Xen
    XEN_NOTE 15, dq 0x8000000000          ; XEN_ELFNOTE_INIT_P2M: PUD_SIZE * PTRS_PER_PUD, as Linux asks
%endif
section .text
global _start
_start:
    mov [start_info_ptr], rsi
    mov rbx, rsp                         ; the boot stack the builder gave
    lea rsp, [stack_top]
    PRINT msg_hello
    SHOW "entry_rsi", [start_info_ptr]
    SHOW "entry_rsp", rbx
    mov ax, cs
    movzx rax, ax
    SHOW "cs", rax
    mov ax, ss
    movzx rax, ax
    SHOW "ss", rax
    mov rsi, [start_info_ptr]
    SHOW "magic_lo", [rsi]
    SHOW "magic_hi", [rsi + 8]
    SHOW "nr_pages", [rsi + 32]
    SHOW "shared_info", [rsi + 40]
    SHOW "store_mfn", [rsi + 56]
    mov eax, [rsi + 64]
    SHOW "store_evtchn", rax
    SHOW "console_mfn", [rsi + 72]
    mov eax, [rsi + 80]
    SHOW "console_evtchn", rax
    SHOW "pt_base", [rsi + 88]
    SHOW "nr_pt_frames", [rsi + 96]
    SHOW "mfn_list", [rsi + 104]
    SHOW "first_p2m_pfn", [rsi + 1152]
    SHOW "nr_p2m_frames", [rsi + 1160]
    mov rdx, [rsi + 104]
    SHOW "p2m_first", [rdx]
    mov rax, [rsi + 32]
    SHOW "p2m_last", [rdx + rax * 8 - 8]
    ; The M2P entry of the L4's machine frame: pt_base's pfn, found through the p2m.
    mov rax, [rsi + 88]
    mov rcx, VIRT_BASE
    sub rax, rcx
    shr rax, 12                          ; pfn of the L4
    mov rdx, [rsi + 104]
    mov rdx, [rdx + rax * 8]             ; p2m: its mfn
    SHOW "l4_mfn", rdx
    mov rcx, 0xffff800000000000
    mov rax, [rcx + rdx * 8]             ; M2P: back to the pfn
    SHOW "m2p_of_l4", rax
    mov rdi, XENVER_version
    xor rsi, rsi
    call hypercall_page + __HYPERVISOR_xen_version * 32
    SHOW "xen_version", rax
    lea rax, [hypercall_page]
    SHOW "hypercall_page", rax
    ; An unknown hypercall number: -ENOSYS.
    mov eax, 60
    mov rdi, 0
    push rcx
    push r11
    syscall
    pop r11
    pop rcx
    SHOW "unknown_hypercall", rax
    PRINT msg_bye
    xor rdi, rdi
    call shutdown

section .rodata
msg_hello: db "hello from a 64-bit PV kernel in ring 3", 10, 0
msg_bye: db "bye", 10, 0
