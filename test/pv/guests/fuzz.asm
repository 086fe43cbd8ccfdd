; Calls random hypercall numbers with random arguments (xorshift32 from SEED): plain
; numbers, pointers into our own data, into the hypervisor's hole, unmapped, and small
; integers. Every call must come back with a result or end in a clean domain crash.
; sched_op (block/shutdown would just end the run early) is left to the other tests.
%include "pv-common.inc"
%ifndef SEED
%define SEED 12345
%endif
%ifndef ROUNDS
%define ROUNDS 4000
%endif

PV_ENTRY
    mov dword [rng], SEED
    mov dword [round], 0
.loop:
    call rand
    and eax, 63
    cmp eax, __HYPERVISOR_sched_op
    je .loop
    cmp eax, __HYPERVISOR_sched_op_compat
    je .loop
    mov [nr], eax
    call arg
    mov [args], eax
    call arg
    mov [args + 4], eax
    call arg
    mov [args + 8], eax
    call arg
    mov [args + 12], eax
    call arg
    mov [args + 16], eax
    mov eax, [nr]
    mov ebx, [args]
    mov ecx, [args + 4]
    mov edx, [args + 8]
    mov esi, [args + 12]
    mov edi, [args + 16]
    cmp eax, __HYPERVISOR_iret
    je .skip_iret                     ; jumping to iret with a random stack is tested separately
    shl eax, 5
    add eax, hypercall_page
    call eax
    cmp eax, 0
    jge .ok
    inc dword [errors]
.ok:
.skip_iret:
    mov esp, stack_top               ; random multicalls may not leave the stack as it was
    inc dword [round]
    cmp dword [round], ROUNDS
    jb .loop
    mov esi, msg
    call puts
    mov eax, [errors]
    call puthex
    mov esi, nl
    call puts
    xor ebx, ebx
    call shutdown

; xorshift32
rand:
    mov eax, [rng]
    mov edx, eax
    shl edx, 13
    xor eax, edx
    mov edx, eax
    shr edx, 17
    xor eax, edx
    mov edx, eax
    shl edx, 5
    xor eax, edx
    mov [rng], eax
    ret

; One argument: which kind depends on the next random number.
arg:
    call rand
    mov ecx, eax
    shr ecx, 29
    and eax, 0x1fffffff
    cmp ecx, 0
    je .small
    cmp ecx, 1
    je .buf
    cmp ecx, 2
    je .hole
    cmp ecx, 3
    je .zero
    call rand                          ; anything at all
    ret
.small: and eax, 15
    ret
.buf: and eax, 4095
    add eax, scratch                   ; inside our own writable scratch page
    ret
.hole: and eax, 0x07ffffff
    add eax, 0xF5800000                ; the hypervisor's area
    ret
.zero: xor eax, eax
    ret

section .rodata
msg: db "fuzz rounds done, errors=", 0

section .data
rng: dd 0
round: dd 0
errors: dd 0
nr: dd 0
args: dd 0, 0, 0, 0, 0

section .bss
alignb 4096
scratch: resb 8192
