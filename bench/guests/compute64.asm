; 64-bit compute-loop guest for `npm run bench`: compute.asm's loop on 64-bit data in 64-bit
; mode. A Multiboot (v1) kernel entered in 32-bit protected mode, as GRUB and QEMU's -kernel
; enter it, that builds 4-level page tables (2 MiB pages over the first 8 MiB), enables PAE,
; EFER.LME and paging, and jumps into a 64-bit code segment; then it sweeps a 1 KiB array of
; 128 qwords PASSES times with 64-bit loads, stores, add/xor/shift/rotate and cmp/jcc.
;
; Instruction counts: as in compute.asm, every instruction of the run is inside a
; `; @count NAME` ... `; @end` region, one per line, none whose count depends on data.
;
; Serial protocol (COM1), compute.asm's: 'S' when the timed region starts, 'E' when it ends,
; then the low four bytes of the checksum (RBX, little-endian). Then isa-debug-exit (port
; 0xF4) with value 0.
;
; Build: nasm -f elf32 -DPASSES=n compute64.asm; ld -m elf_i386 -T guest.ld

%ifndef PASSES
  %define PASSES 1000
%endif

MB_MAGIC   equ 0x1BADB002
MB_FLAGS   equ 0x00000003
COM1       equ 0x3F8
DEBUG_EXIT equ 0xF4
QWORDS     equ 128                 ; 1 KiB array
SEED       equ 0x9E3779B97F4A7C15

section .multiboot progbits alloc noexec nowrite align=4
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

section .text progbits alloc exec write align=4096
bits 32
global _start
_start:
; @count setup32
    mov dword [pml4], pdpt + 3
    mov dword [pdpt], pd + 3
    mov dword [pd], 0x000083
    mov dword [pd + 8], 0x200083
    mov dword [pd + 16], 0x400083
    mov dword [pd + 24], 0x600083
    lgdt [gdtr]
    mov eax, cr4
    or eax, 0x20
    mov cr4, eax
    mov eax, pml4
    mov cr3, eax
    mov ecx, 0xC0000080
    rdmsr
    or eax, 0x100
    wrmsr
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    jmp 0x08:long64
; @end

bits 64
long64:
; @count prologue
    mov dx, COM1
    mov al, 'S'
    out dx, al
; @end
; @count start
    mov rbx, SEED
    mov ebp, PASSES
; @end
outer:
; @count outer
    lea rsi, [rel array]
    lea rdi, [rsi + QWORDS * 8]
; @end
inner:
; @count inner
    mov rax, [rsi]
    add rax, rbx
    mov rcx, rax
    shl rcx, 3
    xor rax, rcx
    ror rax, 7
    mov [rsi], rax
    add rbx, rax
    add rsi, 8
    cmp rsi, rdi
    jb inner
; @end
; @count outer_tail
    dec ebp
    jnz outer
; @end
; @count epilogue
    mov dx, COM1
    mov al, 'E'
    out dx, al
; @end
; @count checksum
    mov rax, rbx
    out dx, al
    shr rax, 8
    out dx, al
    shr rax, 8
    out dx, al
    shr rax, 8
    out dx, al
    mov dx, DEBUG_EXIT
    xor eax, eax
    out dx, al
; @end
halt:
    cli
    hlt
    jmp halt

align 8
gdt:
    dq 0
    dq 0x00af9a000000ffff          ; 0x08: 64-bit code
    dq 0x00cf92000000ffff          ; 0x10: data
gdtr:
    dw gdtr - gdt - 1
    dd gdt

    align 4096
array:
    times QWORDS dq 0
    align 4096
pml4:
    times 512 dq 0
pdpt:
    times 512 dq 0
pd:
    times 512 dq 0
