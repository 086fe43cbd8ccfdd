; One exit of each form at a labelled instruction, so the test can check the exit
; qualification the machine recorded there against the SDM's encoding, field by field.
; Run with --exit-control cr0Mask=0xffffffff so CLTS exits too.
%include "common.inc"
bits 32
MULTIBOOT_HEADER
global _start, f_in_dx, f_out_dx_ax, f_in_imm_eax, f_outsb, f_rep_outsw, f_insd
global f_apic_read, f_apic_write, f_mov_cr0_ebx, f_mov_cr4_ecx, f_clts, f_mov_dr7_eax, f_mov_ebx_dr6, f_rdmsr_pat, f_wrmsr_pat, f_cpuid
_start:
    mov esp, stack_top
    cld
    mov dx, 0x3fd
f_in_dx:
    in al, dx                     ; UART line status
    mov dx, 0x80
    mov ax, 0x1234
f_out_dx_ax:
    out dx, ax
f_in_imm_eax:
    in eax, 0x71                  ; CMOS data
    mov esi, chars
    mov dx, COM1
f_outsb:
    outsb                         ; writes 'F'
    mov dx, 0x80
    mov esi, chars
    mov ecx, 1
f_rep_outsw:
    rep outsw
    mov edi, buffer
f_insd:
    insd
f_apic_read:
    mov eax, [0xfee00030]         ; local APIC version register: MMIO, an EPT violation
    xor eax, eax
f_apic_write:
    mov [0xfee00080], eax         ; task priority register
    mov ebx, cr0
    xor ebx, 0x20                 ; flip CR0.NE (host-owned)
f_mov_cr0_ebx:
    mov cr0, ebx
    mov ecx, cr4
    or ecx, 0x10                  ; set CR4.PSE (host-owned)
f_mov_cr4_ecx:
    mov cr4, ecx
    mov eax, cr0
    or eax, 8
    mov cr0, eax                  ; set CR0.TS (an exit too with the full mask)
f_clts:
    clts
    xor eax, eax
f_mov_dr7_eax:
    mov dr7, eax
f_mov_ebx_dr6:
    mov ebx, dr6
    mov ecx, 0x277
f_rdmsr_pat:
    rdmsr
f_wrmsr_pat:
    wrmsr
    mov eax, 1
f_cpuid:
    cpuid
    DEBUG_EXIT_WITH 0x02
section .data
chars: db "FF", 0
section .bss
buffer: resb 16
    resb 1024
stack_top:
