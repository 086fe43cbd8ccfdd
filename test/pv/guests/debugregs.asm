; Debug registers of a PV kernel, through the emulated MOV to/from DRn and through the
; set_debugreg/get_debugreg hypercalls: a data breakpoint armed by one DR7 write traps on the
; very next store (#DB to the guest's handler, DR6.B0 set), DR4/DR5 alias DR6/DR7, and
; set_debugreg refuses DR7.GD, I/O breakpoints without CR4.DE and registers past DR7; the
; kernel's MOV to CR4 sets DE (and only the bits Xen leaves to a guest), which changes both.
%include "pv-common.inc"

%define DR7_WRITE_4B_G0  0x000D0202      ; GE, G0, R/W0 = 01 (write), LEN0 = 11 (4 bytes)

PV_ENTRY
    HYPERVISOR_set_trap_table traps

    ; 1. MOV: DR0 at `watched`, one DR7 write, then a store to it.
    mov eax, watched
    mov dr0, eax
    mov eax, DR7_WRITE_4B_G0
    mov dr7, eax
    mov dword [watched], 1
global after_store
after_store:
    SHOW "mov_db_count", [db_count]
    SHOW "mov_db_dr6", [db_dr6]
    SHOW "mov_db_eip", [db_eip]
    mov eax, dr7
    SHOW "mov_dr7", eax
    mov eax, dr5                         ; DR5 is DR7 while CR4.DE is clear
    SHOW "mov_dr5", eax
    xor eax, eax
    mov dr7, eax
    mov dword [watched], 2               ; disarmed: no trap
    SHOW "after_disarm_count", [db_count]

    ; 2. The hypercalls: the same breakpoint armed by set_debugreg.
    mov dword [db_count], 0
    HYPERVISOR_set_debugreg 7, DR7_WRITE_4B_G0
    SHOW "set_dr7", eax
    mov dword [watched], 3
    SHOW "hc_db_count", [db_count]
    SHOW "hc_db_dr6", [db_dr6]
    HYPERVISOR_get_debugreg 6            ; the handler wrote 0 to DR6: the fixed bits only
    SHOW "get_dr6", eax
    HYPERVISOR_get_debugreg 4            ; DR4 is DR6 while CR4.DE is clear
    SHOW "get_dr4", eax
    HYPERVISOR_set_debugreg 7, 0
    ; Refusals.
    HYPERVISOR_set_debugreg 7, 0x2000    ; GD
    SHOW "set_dr7_gd", eax
    HYPERVISOR_set_debugreg 7, 0x00020002 ; G0 with R/W0 = 10 (I/O), CR4.DE clear
    SHOW "set_dr7_io", eax
    HYPERVISOR_set_debugreg 8, 0
    SHOW "set_dr8", eax
    HYPERVISOR_get_debugreg 8
    SHOW "get_dr8", eax

    ; 3. CR4 as pv_fixup_guest_cr4 takes it: DE is the kernel's to set, PGE is not (dropped,
    ; no #GP). With DE set, DR4 no longer exists and I/O breakpoints are allowed.
    mov eax, cr4
    SHOW "cr4_before", eax
    or eax, 0x88                         ; DE | PGE
    mov cr4, eax
    mov eax, cr4
    SHOW "cr4_de", eax
    HYPERVISOR_get_debugreg 4
    SHOW "get_dr4_de", eax
    HYPERVISOR_set_debugreg 7, 0x00020002
    SHOW "set_dr7_io_de", eax
    HYPERVISOR_set_debugreg 7, 0
    PRINT msg_done
    xor ebx, ebx
    call shutdown

db_handler:                      ; a trap: EIP is past the store; frame EIP, CS, EFLAGS
    push eax
    inc dword [db_count]
    mov eax, dr6
    mov [db_dr6], eax
    mov eax, [esp + 4]
    mov [db_eip], eax
    xor eax, eax                     ; clear B0-B3, as a handler does
    mov dr6, eax
    pop eax
    PV_IRET

section .data
align 8
traps:
    TRAP 1, 0, db_handler
    dd 0, 0
db_count: dd 0
db_dr6: dd 0
db_eip: dd 0
align 4
watched: dd 0

section .rodata
msg_done: db "done", 10, 0
