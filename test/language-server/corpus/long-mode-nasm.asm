; A 32-bit Multiboot entry that switches to long mode, then 64-bit kernel code (target=pv):
; each part is read in its own mode.
MSR_EFER        equ 0xC0000080
IA32_KERNEL_GS_BASE equ 0xC0000102
section .text
bits 32
global start32
start32:
    cli                                 ; expect: PV002
    lgdt [gdt64_desc]                   ; expect: PV015
    mov eax, cr4                        ; expect: PV011
    or eax, 1 << 5
    mov cr4, eax                        ; expect: PV010
    mov ecx, MSR_EFER
    rdmsr                               ; expect: PV026
    or eax, 1 << 8
    wrmsr                               ; expect: PV027
    jmp 0x08:start64

bits 64
start64:
    mov ecx, IA32_KERNEL_GS_BASE
    xor eax, eax
    xor edx, edx
    wrmsr                               ; expect: PV058
    mov rax, pml4
    mov cr3, rax                        ; expect: PV010
    invlpg [rdi]                        ; expect: PV023
    invpcid rax, [rsi]                  ; expect: PV048
    xor ecx, ecx
    xsetbv                              ; expect: PV047
    mov cr8, rax                        ; expect: PV056
    o64 sysret                          ; expect: PV052
    swapgs                              ; expect: PV050
    rdfsbase rax                        ; expect: PV053
    iretq                               ; expect: PV034
    hlt                                 ; expect: PV001
    syscall                             ; expect: PV051
    mov ecx, 0xC0000100                 ; FS base, but a label comes between
again:
    wrmsr                               ; expect: PV027

section .data
gdt64_desc: dw 0
            dq 0
pml4:       dq 0
