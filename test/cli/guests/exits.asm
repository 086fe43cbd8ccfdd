; A kernel whose VM exits can be counted from its source:
;   I/O:    len(hello) OUTs to COM1 + PORT80_LOOPS OUTs to port 0x80 + len(result) OUTs + 1 debug exit
;   CPUID:  CPUID_LOOPS
;   VMCALL: 1 (an unknown KVM hypercall number; the guest checks it got -1000, KVM_ENOSYS)
;   RDMSR:  1 (APIC_BASE 0x1B exits; SYSENTER_CS 0x174 is passed through)
;   WRMSR:  0 (SYSENTER_CS is passed through)
;   RDTSC:  0 (no RDTSC exiting in either preset)
; Ends with isa-debug-exit value 0x10 -> exit status 0x21 (33).
%include "common.inc"

%define PORT80_LOOPS 1000
%define CPUID_LOOPS 5

bits 32
MULTIBOOT_HEADER
global _start, port80_out
_start:
    mov esp, stack_top
    PUTS hello

    mov ecx, PORT80_LOOPS
    xor eax, eax
port80_loop:
port80_out:
    out 0x80, al
    dec ecx
    jnz port80_loop

    mov edi, CPUID_LOOPS
cpuid_loop:
    xor eax, eax
    cpuid
    dec edi
    jnz cpuid_loop

    mov ecx, 0x1b                 ; IA32_APIC_BASE: exits
    rdmsr
    mov ecx, 0x174                ; IA32_SYSENTER_CS: passed through
    rdmsr
    xor eax, eax
    xor edx, edx
    wrmsr                         ; passed through
    rdtsc

    mov eax, 0x7fff               ; no such KVM hypercall
    xor ebx, ebx
    vmcall
    cmp eax, -1000
    jne .bad
    PUTS good
    DEBUG_EXIT_WITH 0x10
.bad:
    PUTS bad
    DEBUG_EXIT_WITH 0x11

section .data
hello: db "hello from the exits kernel", 10, 0
good:  db "ENOSYS ok", 10, 0
bad:   db "ENOSYS wrong", 10, 0

section .bss
align 16
    resb 4096
stack_top:
