; Privileged instructions of a ring-3 64-bit PV kernel, as Xen's emulate_privileged_op
; treats them, and the M2P queries. Prints "name=<16 hex digits>" for test/pv64/privops.test.ts.
; The #GP handler counts the faults it receives and skips the faulting instruction by the
; length the kernel put in `skip`.
bits 64
default rel
%include "pv64-common.inc"

%define MSR_EFER        0xc0000080
%define MSR_FS_BASE     0xc0000100
%define MSR_GS_BASE     0xc0000101
%define MSR_SHADOW_GS   0xc0000102
%define XENMEM_machphys_mfn_list 5
%define XENMEM_machphys_mapping 12

section .bss
alignb 4096
shinfo: resb 4096
fsdata: resq 2
gsdata: resq 2
gp_count: resq 1
skip: resq 1
mapping: resq 3
mfnlist_arg: resq 3
mfns: resq 8
iopl_arg: resd 2
mc: resq 16                                 ; two multicall entries of 64 bytes
alignb 4096
scratch: resb 4096
msr_hcall_page: resb 4096                    ; filled by the hypercall-page MSR
reqs: resq 2 * 600                          ; 600 mmu_update requests
done_count: resq 1

section .data
align 16
traps:
    TRAP 13, 0, gp_handler
    dq 0, 0

PV_ENTRY
    HYPERVISOR_set_trap_table traps
    MAP_SHARED_INFO

    ; FS, GS and the shadow GS base through WRMSR, read back by RDMSR and used.
    mov rax, 0x1111222233334444
    mov [fsdata], rax
    mov rax, 0x5555666677778888
    mov [gsdata], rax
    lea rax, [fsdata]
    mov rdx, rax
    shr rdx, 32
    mov ecx, MSR_FS_BASE
    wrmsr
    lea rax, [gsdata]
    mov rdx, rax
    shr rdx, 32
    mov ecx, MSR_GS_BASE
    wrmsr
    mov eax, 0x00400000
    xor edx, edx
    mov ecx, MSR_SHADOW_GS
    wrmsr
    mov rax, [fs:0]
    SHOW "fs_read", rax
    mov rax, [gs:0]
    SHOW "gs_read", rax
    mov ecx, MSR_FS_BASE
    rdmsr
    shl rdx, 32
    or rax, rdx
    SHOW "rdmsr_fs", rax
    mov ecx, MSR_SHADOW_GS
    rdmsr
    shl rdx, 32
    or rax, rdx
    SHOW "rdmsr_shadow_gs", rax
    mov ecx, MSR_EFER
    rdmsr
    SHOW "rdmsr_efer", rax
    ; A non-canonical base is #GP.
    mov qword [skip], 2
    mov eax, 0
    mov edx, 0x00008000
    mov ecx, MSR_FS_BASE
    wrmsr
    SHOW "gp_after_noncanonical", [gp_count]

    ; Control registers.
    mov rax, cr0
    SHOW "cr0", rax
    mov rax, cr4
    SHOW "cr4", rax
    mov rax, cr3
    SHOW "cr3", rax
    mov rsi, [start_info_ptr]
    mov rax, [rsi + 88]                    ; pt_base (virtual): its frame is the bootstrap L4
    mov rcx, VIRT_BASE
    sub rax, rcx
    shr rax, 12
    mov rdx, [rsi + 104]
    mov rax, [rdx + rax * 8]
    SHOW "l4_mfn", rax
    mov rax, cr3
    mov cr3, rax                           ; a new base pointer: the same L4, validated again
    SHOW "cr3_written", rax
    mov rax, 0xffffffff80123456
    mov cr2, rax
    mov rax, [shinfo + 16]
    SHOW "cr2_in_vcpu_info", rax
    mov rax, cr2
    SHOW "cr2_read", rax
    mov rax, 0x8badf00ddeadbee1            ; any value, kept whole: not an address, above 2^53
    mov cr2, rax
    mov rbx, cr2
    SHOW "cr2_any", rbx

    ; CR4: the guest's bits (FSGSBASE, OSXSAVE) are taken, the others ignored.
    mov rax, cr4
    or rax, (1 << 16) | (1 << 18) | (1 << 7) ; FSGSBASE, OSXSAVE, and PGE (not the guest's)
    mov cr4, rax
    mov rax, cr4
    SHOW "cr4_after", rax
    rdfsbase rax                            ; works in ring 3 now
    SHOW "rdfsbase", rax
    xor ecx, ecx
    mov eax, 3                              ; x87 | SSE
    xor edx, edx
    xsetbv
    xor ecx, ecx
    xgetbv
    SHOW "xcr0", rax

    ; CLI with IOPL 0 faults; after physdev_op(set_iopl, 1) it masks events.
    mov qword [gp_count], 0
    mov qword [skip], 1
    cli
    SHOW "gp_after_cli", [gp_count]
    mov dword [iopl_arg], 1
    HYPERVISOR_physdev_op PHYSDEVOP_set_iopl, iopl_arg
    SHOW "set_iopl", rax
    mov byte [shinfo + 1], 0
    cli
    movzx rax, byte [shinfo + 1]
    SHOW "mask_after_cli", rax
    sti
    movzx rax, byte [shinfo + 1]
    SHOW "mask_after_sti", rax
    SHOW "gp_after_sti", [gp_count]
    ; HLT is not emulated: #GP.
    hlt
    SHOW "gp_after_hlt", [gp_count]
    ; In from a port: all ones (no ports are the domain's).
    xor eax, eax
    in al, 0x71
    SHOW "in_al", rax

    ; The M2P: where it is, its first frames.
    HYPERVISOR_memory_op XENMEM_machphys_mapping, mapping
    SHOW "machphys_mapping", rax
    SHOW "m2p_start", [mapping]
    SHOW "m2p_end", [mapping + 8]
    SHOW "m2p_max_mfn", [mapping + 16]
    mov dword [mfnlist_arg], 8
    lea rax, [mfns]
    mov [mfnlist_arg + 8], rax
    HYPERVISOR_memory_op XENMEM_machphys_mfn_list, mfnlist_arg
    SHOW "machphys_mfn_list", rax
    mov eax, [mfnlist_arg + 16]
    SHOW "m2p_chunks", rax
    SHOW "m2p_first_mfn", [mfns]
    ; multicall with the 64-bit entry layout {op, result, args[6]} of 8 bytes each.
    mov qword [mc], __HYPERVISOR_xen_version
    mov qword [mc + 16], XENVER_version
    mov qword [mc + 64], 60                 ; no such hypercall
    HYPERVISOR_multicall mc, 2
    SHOW "multicall", rax
    SHOW "mc_result0", [mc + 8]
    SHOW "mc_result1", [mc + 64 + 8]

    ; 600 mmu_update requests in one call: more than one slice, so the hypercall is continued
    ; (RIP back on the SYSCALL, the arguments advanced, the count flagged) and runs to the end.
    lea rax, [scratch]
    call mfn_of_ro
    shl rax, 12
    lea rdi, [reqs]
    xor rcx, rcx
.fill:
    mov rdx, rcx
    and rdx, 511
    lea rdx, [rax + rdx * 8]
    mov [rdi], rdx                          ; ptr: an entry of the scratch page (an ordinary page)
    mov [rdi + 8], rcx                      ; val
    add rdi, 16
    inc rcx
    cmp rcx, 600
    jne .fill
    HYPERVISOR_mmu_update reqs, 600, done_count, DOMID_SELF
    SHOW "mmu_600", rax
    SHOW "mmu_600_done", [done_count]
    SHOW "scratch_last", [scratch + 87 * 8]

    ; The hypercall page through Xen's MSR (CPUID leaf 0x40000002 names it): the frame's
    ; machine address, page 0, in EDX:EAX. Xen fills it for the guest's ABI; call through it.
    lea rax, [msr_hcall_page]
    call mfn_of_ro
    shl rax, 12
    mov rdx, rax
    shr rdx, 32
    mov ecx, 0x40000000
    wrmsr
    xor edi, edi                            ; XENVER_version
    xor esi, esi
    call msr_hcall_page + __HYPERVISOR_xen_version * 32
    SHOW "msr_hcall_version", rax
    PRINT msg_done
    xor rdi, rdi
    call shutdown

; mfn_of_ro: RAX = kernel address -> RAX = its frame (p2m lookup).
mfn_of_ro:
    push rcx
    push rdx
    mov rcx, VIRT_BASE
    sub rax, rcx
    shr rax, 12
    mov rdx, [start_info_ptr]
    mov rdx, [rdx + 104]
    mov rax, [rdx + rax * 8]
    pop rdx
    pop rcx
    ret

gp_handler:                                 ; frame: RCX, R11, error code, RIP, ...
    inc qword [gp_count]
    push rax
    mov rax, [skip]
    add [rsp + 8 + 24], rax
    pop rax
    pop rcx
    pop r11
    add rsp, 8                              ; the error code
    push 0
    jmp hypercall_page + __HYPERVISOR_iret * 32

section .rodata
msg_done: db "privops64 done", 10, 0
