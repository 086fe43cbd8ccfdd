; The width-dependent parts of the Xen services as a 32-bit PV guest sees them (the 64-bit and
; PVH ones are test/guests/xen-services): the runstate area's x86_32 packing (uint64_t fields
; 4-byte aligned), XENVER_platform_parameters, setup_table's 4-byte frame list and the
; reserved grant entries, and FIFO events (control block, event words) on a 32-bit guest.
; Events stay masked throughout: the FIFO queue is read here, not by an upcall.
%include "pv-common.inc"

%define EVTCHNOP_init_control 11
%define EVTCHNOP_expand_array 12
%define XENVER_platform_parameters 5
%define FIFO_MASKED 0x40000000

PV_ENTRY
    call map_shared_info

    ; vcpu_runstate_info on x86_32: state 0, state_entry_time 4, time[4] at 12 (44 bytes).
    mov dword [rsarg], runstate
    mov dword [rsarg + 4], 0
    HYPERVISOR_vcpu_op VCPUOP_register_runstate_memory_area, 0, rsarg
    SHOW "runstate_rc", eax
    SHOW "runstate_state", [runstate]
    SHOW "runstate_entry_hi", [runstate + 8]
    SHOW "runstate_running_lo", [runstate + 12]
    SHOW "runstate_blocked_lo", [runstate + 28]
    SHOW "runstate_after_end", [runstate + 44]

    HYPERVISOR_xen_version XENVER_platform_parameters, pp
    SHOW "platform_parameters", eax
    SHOW "virt_start", [pp]

    ; Grant table: one frame through a 4-byte frame list, mapped; entries 0 and 1 seeded.
    mov word [gsetup], DOMID_SELF
    mov dword [gsetup + 4], 1
    mov dword [gsetup + 12], gframes
    HYPERVISOR_grant_table_op 2, gsetup, 1
    movsx eax, word [gsetup + 8]
    SHOW "gnt_setup_status", eax
    SHOW "gnt_frame_after", [gframes + 4]
    mov eax, [gframes]
    shl eax, 12
    or eax, 0x63
    HYPERVISOR_update_va_mapping gnt_va, eax, 0, UVMF_INVLPG
    SHOW "gnt_map", eax
    movzx eax, word [gnt_va]
    SHOW "gref0_flags", eax
    movzx eax, word [gnt_va + 2]
    SHOW "gref0_domid", eax
    mov esi, [start_info_ptr]
    mov eax, [gnt_va + 4]
    cmp eax, [esi + START_INFO_console_mfn]
    sete al
    movzx eax, al
    SHOW "gref0_is_console", eax

    ; FIFO: control block, one event-array page (every word MASKED), an IPI queued.
    mov eax, fifo_cb
    call va_to_mfn
    mov [ictl], eax
    mov dword [ictl + 8], 4                   ; misaligned offset first
    HYPERVISOR_event_channel_op EVTCHNOP_init_control, ictl
    SHOW "fifo_init_misaligned", eax
    mov dword [ictl + 8], 0
    HYPERVISOR_event_channel_op EVTCHNOP_init_control, ictl
    SHOW "fifo_init", eax
    movzx eax, byte [ictl + 16]
    SHOW "fifo_link_bits", eax
    mov edi, fifo_arr
    mov ecx, 1024
    mov eax, FIFO_MASKED
    rep stosd
    mov eax, fifo_arr
    call va_to_mfn
    mov [expand], eax
    HYPERVISOR_event_channel_op EVTCHNOP_expand_array, expand
    SHOW "fifo_expand", eax
    HYPERVISOR_event_channel_op EVTCHNOP_bind_ipi, bipi
    SHOW "fifo_bind_ipi", eax
    mov eax, [bipi + 4]
    mov dword [fifo_arr + eax * 4], 0
    mov [sendarg], eax
    HYPERVISOR_event_channel_op EVTCHNOP_send, sendarg
    SHOW "fifo_ready", [fifo_cb]
    mov eax, [fifo_cb + 8 + 7 * 4]
    cmp eax, [bipi + 4]
    sete al
    movzx eax, al
    SHOW "fifo_head_is_port", eax
    mov eax, [bipi + 4]
    mov eax, [fifo_arr + eax * 4]
    shr eax, 28
    SHOW "fifo_word_flags", eax
    movzx eax, byte [shared_va]               ; vcpu_info[0].evtchn_upcall_pending
    SHOW "fifo_upcall_pending", eax

    xor ebx, ebx                              ; SHUTDOWN_poweroff
    jmp shutdown

; EAX = a virtual address of ours -> its machine frame, through the p2m list.
va_to_mfn:
    push esi
    sub eax, 0xC0000000
    shr eax, 12
    mov esi, [start_info_ptr]
    mov esi, [esi + START_INFO_mfn_list]
    mov eax, [esi + eax * 4]
    pop esi
    ret

section .data
rsarg: dd 0, 0
pp: dd 0, 0
gsetup: dd 0, 0, 0, 0
gframes: dd 0, 0x5a5a5a5a
ictl: dd 0, 0, 0, 0, 0, 0                    ; control_gfn (u64), offset, vcpu, link_bits + pad
expand: dd 0, 0
bipi: dd 0, 0                                ; vcpu, port
sendarg: dd 0
runstate: times 12 dd 0x77777777

section .bss
alignb 4096
gnt_va: resb 4096
fifo_cb: resb 4096
fifo_arr: resb 4096
