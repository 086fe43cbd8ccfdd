; Xen's virtual IOPL for a PV guest, both ways of setting it: CLI and OUT 0x80, run in the
; kernel (ring 1) and in user mode (ring 3), under each IOPL. A #GP bounce sets a bit in a
; mask the test compares with Xen's rules:
;   physdev_op(set_iopl): the kernel counts as CPL 1, user code as CPL 3;
;   vm_assist(architectural_iopl): the kernel counts as CPL 0, and the IOPL is the one in the
;   EFLAGS of the latest iret hypercall frame.
; Bit of a run: iopl_index * 4 + insn * 2 + user (iopl_index 0, 1, 2 for IOPL 0, 1, 3;
; insn 0 CLI, 1 OUT; user 0 kernel, 1 ring 3). Last, the forced-emulation CPUID from ring 3.
%include "pv-common.inc"

; RUN insn(0 cli, 1 out), user(0, 1), iopl, bit
%macro RUN 4
    mov dword [gp_count], 0
  %if %2 == 0
    mov dword [skip], %1 + 1          ; cli is 1 byte, out imm8 2
    %if %1 == 0
    cli
    %else
    out 0x80, al
    %endif
  %else
    mov dword [skip], %1 + 1
    mov eax, user_cli + %1 * (user_out - user_cli)
    mov ecx, %3
    call to_user
  %endif
    cmp dword [gp_count], 0
    je %%kept
    or dword [faults], 1 << %4
%%kept:
%endmacro

; RUNS iopl, index: the four runs under one IOPL.
%macro RUNS 2
    RUN 0, 0, %1, %2 * 4
    RUN 0, 1, %1, %2 * 4 + 1
    RUN 1, 0, %1, %2 * 4 + 2
    RUN 1, 1, %1, %2 * 4 + 3
%endmacro

; BY_PHYSDEV iopl, index: set the IOPL with physdev_op(set_iopl), then the four runs.
%macro BY_PHYSDEV 2
    mov dword [iopl_arg], %1
    HYPERVISOR_physdev_op PHYSDEVOP_set_iopl, iopl_arg
    RUNS %1, %2
%endmacro

; BY_IRET iopl, index: an iret to ring 3 whose EFLAGS carry the IOPL, and back; then the runs.
%macro BY_IRET 2
    mov eax, user_nop
    mov ecx, %1
    call to_user
    RUNS %1, %2
%endmacro

PV_ENTRY
    call map_shared_info
    HYPERVISOR_set_trap_table traps
    ; Ring 3 runs on the user page; ring transitions land on kstack.
    mov eax, user_page
    sub eax, 0xC0000000
    or eax, 0x67
    HYPERVISOR_update_va_mapping user_page, eax, 0, UVMF_INVLPG
    HYPERVISOR_stack_switch FLAT_KERNEL_DS, kstack_top

    ; 1. physdev_op(set_iopl).
    mov dword [faults], 0
    BY_PHYSDEV 0, 0
    BY_PHYSDEV 1, 1
    BY_PHYSDEV 3, 2
    SHOW "set_iopl_faults", [faults]

    ; 2. vm_assist(architectural_iopl): the IOPL comes from iret frames.
    HYPERVISOR_vm_assist VMASST_CMD_enable, VMASST_TYPE_architectural_iopl
    SHOW "vm_assist", eax
    mov dword [faults], 0
    BY_IRET 0, 0
    BY_IRET 1, 1
    BY_IRET 3, 2
    SHOW "architectural_faults", [faults]

    ; 3. Xen's forced-emulation CPUID from ring 3: Xen's leaf 0x40000000, EBX "XenV".
    mov eax, user_cpuid
    xor ecx, ecx
    call to_user
    SHOW "user_cpuid_ebx", [user_ebx]
    PRINT msg_done
    xor ebx, ebx
    call shutdown

; to_user: runs the user stub at EAX in ring 3 with IOPL ECX in the iret frame's EFLAGS;
; the stub ends with int 0x80, which comes back here.
to_user:
    pushad
    mov [kernel_esp], esp
    shl ecx, 12
    or ecx, 0x202
    push dword FLAT_USER_DS
    push dword user_page + 4096
    push ecx
    push dword FLAT_USER_CS
    push eax
    PV_IRET
back_from_user:
    popad
    ret

syscall_handler:                 ; from ring 3: back into to_user's frame (EBX kept for the test)
    mov ax, FLAT_KERNEL_DS
    mov ds, ax
    mov es, ax
    mov [user_ebx], ebx
    mov esp, [kernel_esp]
    jmp back_from_user

gp_handler:                      ; frame: error code, EIP, CS, EFLAGS [, ESP, SS]
    push eax
    push ds                          ; null when the fault came from ring 3 (IRET cleared it)
    mov ax, FLAT_KERNEL_DS
    mov ds, ax
    inc dword [gp_count]
    mov eax, [skip]
    add [esp + 12], eax
    pop ds
    pop eax
    add esp, 4
    PV_IRET

section .data
align 8
traps:
    TRAP 13, 0, gp_handler
    TRAP 0x80, 3, syscall_handler
    dd 0, 0
faults: dd 0
gp_count: dd 0
skip: dd 0
iopl_arg: dd 0
kernel_esp: dd 0
user_ebx: dd 0

align 4096
user_page:
user_cli:
    cli
    int 0x80
user_out:
    out 0x80, al
    int 0x80
user_nop:
    int 0x80
user_cpuid:
    mov eax, 0x40000000
    PV_CPUID
    int 0x80
align 4096, db 0

section .bss
kstack: resb 4096
kstack_top:

section .rodata
msg_done: db "done", 10, 0
