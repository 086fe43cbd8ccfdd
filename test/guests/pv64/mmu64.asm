; 4-level page-table work of a 64-bit PV kernel, printed as "name=<16 hex digits>" for
; test/pv64/mmu.test.ts: new L3/L2/L1 tables hooked into the running L4 by mmu_update,
; a PTE written with a plain store through the read-only mapping of its L1 (writable page
; tables), a store that would make a table writable refused (#PF to the guest), NX set
; through update_va_mapping's 64-bit value (an instruction fetch then faults with I/D),
; MMU_MACHPHYS_UPDATE writing an 8-byte M2P entry, and MMUEXT_UNPIN_TABLE.
bits 64
default rel
%include "pv64-common.inc"

%define LOW_VA 0x600000                     ; L4 0, L3 0, L2 3, L1 0

section .bss
alignb 4096
shinfo: resb 4096
t3: resb 4096
t2: resb 4096
t1: resb 4096
data_page: resb 4096
exec_page: resb 4096
req: resq 4
ops: resq 3
pf_count: resq 1
pf_err: resq 1
pf_resume: resq 1

section .data
align 16
traps:
    TRAP 14, 0, pf_handler
    dq 0, 0

PV_ENTRY
    HYPERVISOR_set_trap_table traps
    MAP_SHARED_INFO

    ; The three new tables are read-only in the kernel's mapping before they become tables.
    mov rdi, t3
    call make_ro
    mov rdi, t2
    call make_ro
    mov rdi, t1
    call make_ro
    SHOW "make_ro", rax
    ; L4[0] -> t3 (validated as an empty L3), t3[0] -> t2, t2[3] -> t1.
    mov rsi, [start_info_ptr]
    mov rax, [rsi + 88]
    call mfn_of
    shl rax, 12
    mov rbx, rax                            ; the L4's machine address
    mov [req], rbx
    mov rax, t3
    call mfn_of
    shl rax, 12
    or rax, 0x67
    mov [req + 8], rax
    HYPERVISOR_mmu_update req, 1, 0, DOMID_SELF
    SHOW "hook_l3", rax
    mov rax, t3
    call mfn_of
    shl rax, 12
    mov [req], rax
    mov rax, t2
    call mfn_of
    shl rax, 12
    or rax, 0x67
    mov [req + 8], rax
    HYPERVISOR_mmu_update req, 1, 0, DOMID_SELF
    SHOW "hook_l2", rax
    mov rax, t2
    call mfn_of
    shl rax, 12
    add rax, 3 * 8
    mov [req], rax
    mov rax, t1
    call mfn_of
    shl rax, 12
    or rax, 0x67
    mov [req + 8], rax
    HYPERVISOR_mmu_update req, 1, 0, DOMID_SELF
    SHOW "hook_l1", rax

    ; A PTE by a plain store: t1 is read-only here, the store faults and Xen emulates it.
    mov rax, 0x0123456789abcdef
    mov [data_page + 8], rax
    mov rax, data_page
    call mfn_of
    shl rax, 12
    mov r13, rax
    or rax, 0x63                            ; a kernel page: no USER (Xen adds it for a ring-3 kernel)
    mov [t1], rax
    mov rax, [LOW_VA + 8]
    SHOW "low_read", rax
    mov rax, [t1]
    SHOW "pte_after_store", rax
    SHOW "pf_after_ptwr", [pf_count]
    SHOW "data_mfn_addr", r13
    ; Read-modify-write forms on the entry, as Linux's clear_bit/test_and_clear_bit compile.
    lock and byte [t1], 0xfd                ; clear _PAGE_RW
    mov rax, [t1]
    SHOW "pte_after_and", rax
    lock btr qword [t1], 5                  ; clear _PAGE_ACCESSED, CF = the old bit
    setc al
    movzx rax, al
    SHOW "btr_cf", rax
    mov rax, [t1]
    SHOW "pte_after_btr", rax
    mov rax, [LOW_VA + 8]
    SHOW "low_read_ro", rax
    ; A store that would map t2 (an L2) writable is refused: the #PF reaches the guest.
    lea rax, [.after_bad_store]
    mov [pf_resume], rax
    mov rax, t2
    call mfn_of
    shl rax, 12
    or rax, 0x67
    mov [t1 + 8], rax
.after_bad_store:
    SHOW "pf_after_bad_store", [pf_count]
    SHOW "pf_bad_store_err", [pf_err]
    mov rax, [t1 + 8]
    SHOW "pte1_after_bad_store", rax

    ; NX in the high half of update_va_mapping's value: a fetch from the page faults.
    mov byte [exec_page], 0xc3              ; ret
    mov rax, exec_page
    call mfn_of
    shl rax, 12
    or rax, 0x63
    bts rax, 63
    mov rsi, rax
    mov rdi, exec_page
    mov rdx, UVMF_INVLPG
    call hypercall_page + __HYPERVISOR_update_va_mapping * 32
    SHOW "uvm_nx", rax
    lea rax, [.after_nx]
    mov [pf_resume], rax
    mov rax, exec_page
    call rax
.after_nx:
    SHOW "pf_after_nx", [pf_count]
    SHOW "pf_nx_err", [pf_err]

    ; MMU_MACHPHYS_UPDATE: the M2P entry of data_page's frame becomes 0x12345.
    mov rax, data_page
    call mfn_of
    mov r12, rax
    shl rax, 12
    or rax, MMU_MACHPHYS_UPDATE
    mov [req], rax
    mov qword [req + 8], 0x12345
    HYPERVISOR_mmu_update req, 1, 0, DOMID_SELF
    SHOW "machphys_update", rax
    mov rcx, 0xffff800000000000
    mov rax, [rcx + r12 * 8]
    SHOW "m2p_entry", rax

    ; Unpinning what is not pinned: -EINVAL; the bootstrap L4 is pinned.
    mov rax, t1
    call mfn_of
    mov qword [ops], MMUEXT_UNPIN_TABLE
    mov [ops + 8], rax
    HYPERVISOR_mmuext_op ops, 1, 0, DOMID_SELF
    SHOW "unpin_unpinned", rax
    ; Removing the L4's slot 0 drops the whole new branch.
    mov [req], rbx
    mov qword [req + 8], 0
    HYPERVISOR_mmu_update req, 1, 0, DOMID_SELF
    SHOW "unhook", rax
    ; t1 is an ordinary page again: it can be mapped writable.
    mov rax, t1
    call mfn_of
    shl rax, 12
    or rax, 0x67
    mov rsi, rax
    mov rdi, t1
    mov rdx, UVMF_INVLPG
    call hypercall_page + __HYPERVISOR_update_va_mapping * 32
    SHOW "remap_t1_rw", rax
    PRINT msg_done
    xor rdi, rdi
    call shutdown

; #PF: count, keep the error code, resume at [pf_resume] (frame: RCX, R11, err, RIP, ...).
pf_handler:
    inc qword [pf_count]
    push rax
    mov rax, [rsp + 8 + 16]
    mov [pf_err], rax
    mov rax, [pf_resume]
    mov [rsp + 8 + 24], rax
    pop rax
    pop rcx
    pop r11
    add rsp, 8
    push 0
    jmp hypercall_page + __HYPERVISOR_iret * 32

section .rodata
msg_done: db "mmu64 done", 10, 0
