; The memory and miscellaneous hypercalls, each checked from the guest and printed as
; "name=value": mmu_update (refusals and a new L1 hooked in), mmuext_op (pin, unpin,
; new_baseptr, TLB ops, set_ldt), set_gdt and update_descriptor with a selector loaded from
; the guest's own GDT, multicall, memory_op, grant_table_op, vm_assist, callback_op,
; physdev_op(set_iopl) and what it allows, vcpu_op, xen_version, sched_op yield and
; shutdown_code, fpu_taskswitch, the debug registers. A MODE define picks the ending:
; 0 clean shutdown, 1 iret to ring 0, 2 an exception with no handler, 3 failsafe callback.
%include "pv-common.inc"
%ifndef MODE
%define MODE 0
%endif


; mmu_update with one request {ptr = %1 (machine address), val = %2}
%macro MMU1 2
    push dword %1
    pop dword [req]
    mov dword [req + 4], 0
    push dword %2
    pop dword [req + 8]
    mov dword [req + 12], 0
    HYPERVISOR_mmu_update req, 1, done, DOMID_SELF
%endmacro
%macro EXT1 3
    push dword %1
    pop dword [ext]
    push dword %2
    pop dword [ext + 4]
    push dword %3
    pop dword [ext + 8]
    HYPERVISOR_mmuext_op ext, 1, done, DOMID_SELF
%endmacro

PV_ENTRY
    call map_shared_info
    mov esi, [start_info_ptr]
    mov eax, [esi + START_INFO_nr_pages]
    mov [nr_pages], eax
    mov eax, [esi + START_INFO_pt_base]
    mov [pt_base], eax
    sub eax, 0xC0000000
    shr eax, 12
    mov [l3_mfn], eax

    ; --- mmu_update ---
    ; The L2 of slot 3 is the frame after the L3; entry 0 of the L1 after it maps 0xC0000000.
    mov eax, [l3_mfn]
    inc eax
    mov [l2_mfn], eax
    add eax, 1
    mov [l1_mfn], eax
    ; Make the L1's own frame writable through itself: refused.
    mov eax, [l1_mfn]
    shl eax, 12
    mov ebx, eax
    or ebx, 0x63
    mov ecx, [pt_base]
    sub ecx, 0xC0000000
    shr ecx, 12
    sub ecx, [l1_mfn]
    neg ecx                           ; (unused: keeps the index math visible)
    mov edx, [pt_base]
    sub edx, 0xC0000000               ; PTE index of the L3 page in the first L1 = its pfn
    shr edx, 12
    shl edx, 3
    add eax, edx                      ; machine address of the PTE mapping the L3 page
    mov [pte_of_l3], eax
    mov ecx, [l3_mfn]
    shl ecx, 12
    or ecx, 0x63
    MMU1 [pte_of_l3], ecx
    SHOW "mmu_pt_writable", eax
    ; A frame beyond the domain: refused.
    mov ecx, [nr_pages]
    add ecx, 5000
    shl ecx, 12
    or ecx, 0x63
    MMU1 [pte_of_l3], ecx
    SHOW "mmu_foreign", eax
    ; Writing into the hypervisor's slot of the slot-3 L2: refused.
    mov eax, [l2_mfn]
    shl eax, 12
    add eax, 500 * 8
    MMU1 eax, 0x1067
    SHOW "mmu_hv_slot", eax
    ; Bad request pointer.
    HYPERVISOR_mmu_update 0xF5800000, 1, 0, DOMID_SELF
    SHOW "mmu_bad_ptr", eax
    ; New L1 for 0x40000000: clear, pin, hook into a new L2 in L3 slot 1, then map a page there.
    mov eax, [nr_pages]
    dec eax
    mov [new_l2], eax
    dec eax
    mov [new_l1], eax
    dec eax
    mov [new_page], eax
    EXT1 MMUEXT_CLEAR_PAGE, [new_l2], 0
    SHOW "clear_page", eax
    EXT1 MMUEXT_CLEAR_PAGE, [new_l1], 0
    EXT1 MMUEXT_PIN_L1_TABLE, [new_l1], 0
    SHOW "pin_l1", eax
    EXT1 MMUEXT_PIN_L1_TABLE, [new_l1], 0
    SHOW "pin_l1_again", eax
    EXT1 MMUEXT_PIN_L2_TABLE, [new_l2], 0
    SHOW "pin_l2", eax
    mov ecx, [new_l1]
    shl ecx, 12
    or ecx, 0x67
    mov eax, [new_l2]
    shl eax, 12
    add eax, 0                        ; index 0: 0x40000000
    MMU1 eax, ecx
    SHOW "hook_l1", eax
    mov ecx, [new_l2]
    shl ecx, 12
    or ecx, 1
    mov eax, [l3_mfn]
    shl eax, 12
    add eax, 8                        ; slot 1
    MMU1 eax, ecx
    SHOW "hook_l2", eax
    mov eax, [new_page]
    shl eax, 12
    or eax, 0x63
    HYPERVISOR_update_va_mapping 0x40000000, eax, 0, UVMF_INVLPG
    SHOW "map_new", eax
    mov dword [0x40000000], 0xfeedbeef
    mov eax, [0x40000000]
    SHOW "new_page_reads", eax
    ; A pinned L1 may not be mapped writable anywhere.
    mov eax, [new_l1]
    shl eax, 12
    or eax, 0x63
    HYPERVISOR_update_va_mapping 0x40001000, eax, 0, UVMF_INVLPG
    SHOW "map_pinned_l1_rw", eax
    ; Unpinning the L1 leaves it an L1 (the L2 still refers to it): still refused.
    EXT1 MMUEXT_UNPIN_TABLE, [new_l1], 0
    SHOW "unpin_l1", eax
    mov eax, [new_l1]
    shl eax, 12
    or eax, 0x63
    HYPERVISOR_update_va_mapping 0x40001000, eax, 0, UVMF_INVLPG
    SHOW "map_l1_still_rw", eax
    ; Unhook it from the L2: now it is ordinary memory again and may be mapped writable.
    mov eax, [new_l2]
    shl eax, 12
    MMU1 eax, 0
    SHOW "unhook_l1", eax
    ; (0x40000000 has no L1 now, so map the freed frame through the kernel's own area.)
    mov eax, [new_l1]
    shl eax, 12
    or eax, 0x63
    HYPERVISOR_update_va_mapping scratch_va, eax, 0, UVMF_INVLPG
    SHOW "map_freed_l1_rw", eax
    EXT1 MMUEXT_PIN_L4_TABLE, [new_l1], 0
    SHOW "pin_l4", eax
    EXT1 MMUEXT_TLB_FLUSH_LOCAL, 0, 0
    SHOW "tlb_flush", eax
    EXT1 MMUEXT_INVLPG_LOCAL, 0x40000000, 0
    SHOW "invlpg", eax
    EXT1 MMUEXT_FLUSH_CACHE, 0, 0
    SHOW "flush_cache", eax
    EXT1 99, 0, 0
    SHOW "mmuext_unknown", eax
    ; new_baseptr to the same L3 (it is already an L3): works, and the kernel keeps running.
    EXT1 MMUEXT_NEW_BASEPTR, [l3_mfn], 0
    SHOW "new_baseptr", eax
    ; new_baseptr to a frame that is not a valid L3 (our writable data page): refused.
    mov eax, scratch_va
    sub eax, 0xC0000000
    shr eax, 12
    EXT1 MMUEXT_NEW_BASEPTR, eax, 0
    SHOW "new_baseptr_bad", eax

    ; --- descriptors: an LDT-less GDT page of our own with one ring-1 data segment ---
    mov eax, gdt_page
    sub eax, 0xC0000000
    shr eax, 12
    mov [gdt_mfn], eax
    ; The page must not be writable-mapped: remap it read-only first.
    shl eax, 12
    or eax, 0x21
    HYPERVISOR_update_va_mapping gdt_page, eax, 0, UVMF_INVLPG
    mov eax, [gdt_mfn]
    mov [frames], eax
    HYPERVISOR_set_gdt frames, 16
    SHOW "set_gdt", eax
    ; update_descriptor: entry 2 (selector 0x11 with RPL 1) = flat data, DPL 0 (Xen raises it to 1).
    mov eax, [gdt_mfn]
    shl eax, 12
    add eax, 16
    HYPERVISOR_update_descriptor eax, 0, 0x0000ffff, 0x00cf9200
    SHOW "update_descriptor", eax
    mov ax, 0x11
    mov fs, ax
    mov eax, [fs:nr_pages]
    SHOW "fs_load_works", eax
    movzx eax, byte [gdt_page + 16 + 5]
    SHOW "stored_access_byte", eax
    ; A call gate is refused.
    mov eax, [gdt_mfn]
    shl eax, 12
    add eax, 24
    HYPERVISOR_update_descriptor eax, 0, 0x00080000, 0x0000ec00
    SHOW "update_callgate", eax
    mov ax, FLAT_KERNEL_DS
    mov fs, ax

    ; --- multicall: xen_version + an unknown number + a bad console pointer ---
    mov dword [mc], __HYPERVISOR_xen_version
    mov dword [mc + 8], XENVER_version
    mov dword [mc + 32], 60
    mov dword [mc + 64], __HYPERVISOR_console_io
    mov dword [mc + 72], CONSOLEIO_write
    mov dword [mc + 76], 4
    mov dword [mc + 80], 0xF5800000
    HYPERVISOR_multicall mc, 3
    SHOW "multicall", eax
    SHOW "mc0", [mc + 4]
    SHOW "mc1", [mc + 36]
    SHOW "mc2", [mc + 68]

    ; --- memory_op ---
    mov word [dom], DOMID_SELF
    HYPERVISOR_memory_op 3, dom           ; XENMEM_current_reservation
    SHOW "current_reservation", eax
    HYPERVISOR_memory_op 4, dom           ; XENMEM_maximum_reservation
    SHOW "maximum_reservation", eax
    HYPERVISOR_memory_op 2, 0             ; XENMEM_maximum_ram_page
    SHOW "maximum_ram_page", eax
    mov dword [mmap], 4
    mov dword [mmap + 4], e820
    HYPERVISOR_memory_op 9, mmap          ; XENMEM_memory_map
    SHOW "memory_map", eax
    SHOW "e820_entries", [mmap]
    SHOW "e820_size", [e820 + 8]
    SHOW "e820_type", [e820 + 16]
    HYPERVISOR_memory_op 1000, 0
    SHOW "memory_op_unknown", eax

    ; --- grant tables ---
    mov word [gnt], DOMID_SELF
    HYPERVISOR_grant_table_op 6, gnt, 1   ; query_size
    SHOW "gnt_query", eax
    SHOW "gnt_max", [gnt + 8]
    mov word [gsetup], DOMID_SELF
    mov dword [gsetup + 4], 1
    mov dword [gsetup + 12], gframes
    HYPERVISOR_grant_table_op 2, gsetup, 1 ; setup_table
    SHOW "gnt_setup", eax
    movsx eax, word [gsetup + 8]
    SHOW "gnt_setup_status", eax
    mov eax, [gframes]
    shl eax, 12
    or eax, 0x63
    HYPERVISOR_update_va_mapping scratch_va, eax, 0, UVMF_INVLPG
    SHOW "map_grant_frame", eax

    ; --- vm_assist, callback_op, physdev_op ---
    HYPERVISOR_vm_assist VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3
    SHOW "vm_assist", eax
    HYPERVISOR_vm_assist VMASST_CMD_enable, 30
    SHOW "vm_assist_bad", eax
    mov dword [feat], 0
    HYPERVISOR_xen_version XENVER_get_features, feat
    SHOW "features", [feat + 4]
    mov word [cb], CALLBACKTYPE_event
    mov word [cb + 2], 0
    mov dword [cb + 4], FLAT_KERNEL_CS
    mov dword [cb + 8], upcall_stub
    HYPERVISOR_callback_op CALLBACKOP_register, cb
    SHOW "callback_register", eax
    mov word [cb], CALLBACKTYPE_event
    HYPERVISOR_callback_op CALLBACKOP_unregister, cb
    SHOW "callback_unregister_event", eax
    mov word [cb], 9
    HYPERVISOR_callback_op CALLBACKOP_register, cb
    SHOW "callback_bad_type", eax
    HYPERVISOR_set_trap_table traps
    ; Without IOPL, cli and out are #GP bounces; with set_iopl(1) Xen emulates them.
    mov dword [gp_count], 0
    mov dword [skip], 1
    cli
    SHOW "cli_gp", [gp_count]
    mov dword [iopl], 1
    HYPERVISOR_physdev_op 6, iopl         ; PHYSDEVOP_set_iopl
    SHOW "set_iopl", eax
    mov dword [skip], 1
    cli
    mov eax, [pv_vcpu_info]
    movzx eax, byte [eax + VCPU_INFO_upcall_mask]
    SHOW "cli_masks", eax
    SHOW "cli_gp_after_iopl", [gp_count]
    mov dx, 0x3f8
    in al, dx
    and eax, 0xff
    SHOW "in_all_ones", eax
    mov dword [iopl], 0
    HYPERVISOR_physdev_op 6, iopl
    HYPERVISOR_physdev_op 1000, iopl
    SHOW "physdev_unknown", eax

    ; --- vcpu_op, xen_version, sched_op, fpu, debug registers ---
    HYPERVISOR_vcpu_op VCPUOP_is_up, 0, 0
    SHOW "is_up", eax
    HYPERVISOR_vcpu_op VCPUOP_is_up, 1, 0
    SHOW "is_up_vcpu1", eax
    mov eax, vinfo_page
    sub eax, 0xC0000000
    shr eax, 12
    mov [vinfo], eax
    mov dword [vinfo + 4], 0
    mov dword [vinfo + 8], 128
    HYPERVISOR_vcpu_op VCPUOP_register_vcpu_info, 0, vinfo
    SHOW "register_vcpu_info", eax
    movzx eax, byte [vinfo_page + 128 + VCPU_INFO_upcall_pending]
    SHOW "new_vcpu_info_pending", eax
    mov eax, [vinfo_page + 128 + VCPU_INFO_time + 16]
    mov ebx, [shared_va + VCPU_INFO_time + 16]
    cmp eax, ebx
    setae al
    movzx eax, al
    SHOW "new_vcpu_info_time", eax
    mov dword [pv_vcpu_info], vinfo_page + 128
    HYPERVISOR_xen_version 1, xbuf
    SHOW "extraversion", eax
    mov eax, [xbuf]
    SHOW "extraversion_text", eax
    HYPERVISOR_xen_version 3, xbuf
    mov eax, [xbuf]
    SHOW "capabilities_text", eax
    HYPERVISOR_xen_version 5, xbuf        ; XENVER_platform_parameters
    SHOW "virt_start", [xbuf]
    HYPERVISOR_sched_op SCHEDOP_yield, 0
    SHOW "yield", eax
    mov dword [reason], 7
    HYPERVISOR_sched_op SCHEDOP_shutdown_code, reason
    SHOW "shutdown_code", eax
    HYPERVISOR_fpu_taskswitch 1
    SHOW "fpu_ts_set", eax
    mov dword [skip], 3
    mov dword [gp_count], 0
    mov eax, cr0
    and eax, 8
    SHOW "cr0_ts", eax
    HYPERVISOR_fpu_taskswitch 0
    HYPERVISOR_set_debugreg 0, 0x12345678
    SHOW "set_dr0", eax
    HYPERVISOR_get_debugreg 0
    SHOW "get_dr0", eax
    HYPERVISOR_set_debugreg 1, 0xF5800000
    SHOW "set_dr1_hv", eax
    HYPERVISOR_stack_switch FLAT_KERNEL_DS, stack_top
    SHOW "stack_switch", eax

    ; --- long batches are done in slices (continuations) ---
    HYPERVISOR_console_io CONSOLEIO_write, 9000, long_text
    SHOW "long_console", eax
    mov eax, mmu_scratch              ; an ordinary page: NORMAL_PT_UPDATE is a plain write
    sub eax, 0xC0000000
    mov edi, big_req
    xor ecx, ecx
.fill:
    mov edx, ecx
    and edx, 511
    lea edx, [eax + edx * 8]
    mov [edi], edx
    mov dword [edi + 4], 0
    mov [edi + 8], ecx
    mov dword [edi + 12], 0
    add edi, 16
    inc ecx
    cmp ecx, 1500
    jb .fill
    mov dword [done], 0
    HYPERVISOR_mmu_update big_req, 1500, done, DOMID_SELF
    SHOW "long_mmu_update", eax
    SHOW "long_mmu_done", [done]
    SHOW "long_mmu_last", [mmu_scratch + (1499 % 512) * 8]

    ; --- writable page tables: plain stores into an L1 through its read-only mapping ---
    mov edi, [pt_base]
    add edi, 2 * 4096                 ; the first bootstrap L1 (after the L3 and the slot-3 L2)
    mov eax, scratch2
    sub eax, 0xC0000000
    shr eax, 12
    lea edi, [edi + eax * 8]          ; the entry that maps scratch2
    mov eax, [new_page]
    shl eax, 12
    or eax, 0x63
    mov [edi], eax                    ; emulated: scratch2 now maps new_page
    mov eax, [scratch2]
    SHOW "ptwr_mov_reads", eax
    mov eax, [edi]
    mov edx, [edi + 4]
    mov ebx, scratch2
    sub ebx, 0xC0000000
    or ebx, 0x63
    xor ecx, ecx
    lock cmpxchg8b [edi]              ; back to scratch2's own frame
    setz al
    movzx eax, al
    SHOW "ptwr_cmpxchg8b_zf", eax
    mov eax, [scratch2]
    SHOW "ptwr_restored_reads", eax
    ; PAE Linux's ptep_set_wrprotect: `lock btr` of _PAGE_BIT_RW, the old bit in CF; a
    ; byte-sized OR puts it back.
    lock btr dword [edi], 1
    setc al
    movzx eax, al
    SHOW "ptwr_btr_cf", eax
    mov eax, [edi]
    and eax, 0x63
    SHOW "ptwr_btr_flags", eax
    lock or byte [edi], 2
    mov eax, [edi]
    and eax, 0x63
    SHOW "ptwr_or_flags", eax
    ; The high half first while the low half says present: the entry is not present until
    ; the low half comes.
    mov dword [edi + 4], 1
    mov eax, [edi]
    and eax, 1
    SHOW "ptwr_high_first_p", eax
    mov dword [edi + 4], 0
    mov eax, scratch2
    sub eax, 0xC0000000
    or eax, 0x63
    mov [edi], eax
    mov eax, [scratch2]
    SHOW "ptwr_rejoined_reads", eax
    mov dword [pf_count], 0
    mov dword [skip], 2
    mov eax, [l1_mfn]
    shl eax, 12
    or eax, 0x63
    mov [edi], eax                    ; maps the L1 itself writable: refused, the #PF is the guest's
    SHOW "ptwr_refused_pf", [pf_count]

    ; --- the hypervisor's area: the M2P table reads, nothing there is writable or mappable ---
    mov dword [pf_count], 0
    mov dword [skip], 5
    mov [0xF5800000], eax             ; A3 imm32: 5 bytes
    SHOW "hole_write_pf", [pf_count]
    mov eax, [0xF5800000 + 4 * 7]     ; machine_to_phys_mapping[7]
    SHOW "m2p_7", eax
    HYPERVISOR_update_va_mapping 0xF5800000, 0x7063, 0, UVMF_INVLPG
    SHOW "map_into_hole", eax

%if MODE == 1
    ; iret to ring 0: Xen crashes the domain.
    push dword 0x202
    push dword 0xE008
    push dword _start
    PV_IRET
%elif MODE == 2
    HYPERVISOR_set_trap_table 0
    ud2
%elif MODE == 4
    mov ebx, SHUTDOWN_crash
    call shutdown
%elif MODE == 5
    mov ebx, SHUTDOWN_reboot
    call shutdown
%elif MODE == 6
    ; register_vcpu_info left every selector bit set: acknowledge them, then block with no
    ; timer armed and no event source, for good.
    mov eax, [pv_vcpu_info]
    mov byte [eax + VCPU_INFO_upcall_pending], 0
    mov dword [eax + VCPU_INFO_pending_sel], 0
    HYPERVISOR_sched_op SCHEDOP_block, 0
%elif MODE == 3
    ; iret with a CS that cannot be loaded: Xen calls the failsafe callback.
    HYPERVISOR_set_callbacks FLAT_KERNEL_CS, upcall_stub, FLAT_KERNEL_CS, failsafe
    push dword 0x202
    push dword 0x0ff9                 ; GDT index 0x1ff, RPL 1: beyond our 16 entries
    push dword _start
    PV_IRET
%endif
    PRINT msg_done
    xor ebx, ebx
    call shutdown

failsafe:                            ; frame: DS, ES, FS, GS, EIP, CS, EFLAGS
    mov eax, [esp + 20]
    mov [fs_cs], eax
    SHOW "failsafe_cs", [fs_cs]
    mov ebx, 0
    call shutdown

gp_handler:
    SKIP_FAULT gp_count

upcall_stub:
    PV_IRET

pf_handler:
    SKIP_FAULT pf_count

section .data
align 8
traps:
    TRAP 13, 0, gp_handler
    TRAP 14, 0, pf_handler
    dd 0, 0
req: dd 0, 0, 0, 0
ext: dd 0, 0, 0
done: dd 0
nr_pages: dd 0
pt_base: dd 0
l3_mfn: dd 0
l2_mfn: dd 0
l1_mfn: dd 0
pte_of_l3: dd 0
new_l1: dd 0
new_l2: dd 0
new_page: dd 0
gdt_mfn: dd 0
frames: dd 0
dom: dd 0
mmap: dd 0, 0
e820: times 4 dd 0, 0, 0, 0, 0
gnt: dd 0, 0, 0, 0
gsetup: dd 0, 0, 0, 0
gframes: dd 0, 0
feat: dd 0, 0
cb: dd 0, 0, 0
gp_count: dd 0
pf_count: dd 0
skip: dd 0
iopl: dd 0
vinfo: dd 0, 0, 0, 0
reason: dd 0
fs_cs: dd 0
mc: times 3 * 8 dd 0
xbuf: times 256 dd 0

section .rodata
msg_done: db "done", 10, 0
long_text: times 8999 db "x"
    db 10

section .bss
alignb 4096
scratch_va: resb 4096
gdt_page: resb 4096
vinfo_page: resb 4096
scratch2: resb 4096
big_req: resb 1500 * 16
alignb 4096
mmu_scratch: resb 4096
