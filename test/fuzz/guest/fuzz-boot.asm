; Bootstrap for the CPU fuzz test: puts the CPU into one mode, with every exception and
; interrupt vector leading to a handler that skips one byte past the return address and
; returns (so a run goes on through faults until its budget), then jumps to the fuzzed
; code at linear 0x10000.
; Loaded at 0000:7C00 in real mode. Assemble with -DMODE=n:
;   0 real mode, 1 16-bit protected mode, 2 32-bit protected mode, 3 ring 3,
;   4 two-level paging (4 KiB and 4 MiB pages), 5 PAE paging (4 KiB and 2 MiB pages)

%ifndef MODE
%error "MODE must be defined"
%endif

FUZZ        equ 0x10000
GDT_BASE    equ 0x1000
IDT_BASE    equ 0x1800
TSS_BASE    equ 0x2000
STACK0      equ 0x9000
STACK3      equ 0xA000

        bits 16
        org 0x7c00
start:
        jmp begin

rm_resume:
        push bp
        mov bp, sp
        inc word [bp + 2]                        ; one byte past the return address
        pop bp
        iret
rm_resume_end:

begin:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7000
        ; real-mode vectors all lead to rm_resume, copied to 0000:0600
        xor di, di
        mov cx, 256
.ivt:   mov word [di], 0x0600
        mov word [di + 2], 0
        add di, 4
        loop .ivt
        mov si, rm_resume
        mov di, 0x600
        mov cx, rm_resume_end - rm_resume
        rep movsb
%if MODE == 0
        jmp 0x1000:0x0000
%else
        ; copy the GDT where the fuzzed code is unlikely to look for it
        mov si, gdt
        mov di, GDT_BASE
        mov cx, gdt_end - gdt
        rep movsb
        ; protected-mode vectors: 32-bit interrupt gates to pm_resume, or pm_resume_err for the
        ; exceptions that push an error code; vector 0x80 callable from ring 3
        mov di, IDT_BASE
        mov cx, 256
.idt:   mov word [di], pm_resume
        mov word [di + 2], 0x08
        mov word [di + 4], 0x8e00
        mov word [di + 6], 0
        add di, 8
        loop .idt
        mov word [IDT_BASE + 0x80 * 8 + 4], 0xee00
        mov si, error_vectors
.err:   movzx di, byte [si]
        shl di, 3
        mov word [IDT_BASE + di], pm_resume_err
        inc si
        cmp si, error_vectors_end
        jb .err
        ; a TSS with the ring-0 stack for privilege changes, and no I/O bitmap
        mov dword [TSS_BASE + 4], STACK0
        mov word [TSS_BASE + 8], 0x10
        mov word [TSS_BASE + 0x66], 104
        lgdt [gdtr]
        lidt [idtr]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp 0x08:pm32

        bits 32
pm32:   mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax
        mov esp, STACK0
        mov ax, 0x38
        ltr ax
%if MODE == 1
        mov ax, 0x20
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, 0x8000
        jmp 0x18:0x0000                          ; 16-bit code segment based at FUZZ
%elif MODE == 2
        jmp 0x08:FUZZ
%elif MODE == 3
        push dword 0x33                          ; user SS
        push dword STACK3
        push dword 0x202                         ; IF=1, IOPL 0
        push dword 0x2b                          ; user CS
        push dword FUZZ
        iret
%elif MODE == 4
        ; PD at 0x20000: 0-4 MiB through a page table, 4-8 MiB as one 4 MiB page (PSE)
        mov edi, 0x21000
        mov eax, 0x7
        mov ecx, 1024
.pt:    stosd
        add eax, 0x1000
        loop .pt
        mov dword [0x20000], 0x21007
        mov dword [0x20004], 0x400087
        mov eax, cr4
        or eax, 0x10                             ; PSE
        mov cr4, eax
        mov eax, 0x20000
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80010000                       ; PG, WP
        mov cr0, eax
        jmp 0x08:FUZZ
%elif MODE == 5
        ; PDPT at 0x22000 -> PD at 0x23000: 0-2 MiB through a page table, 2-4 MiB as one 2 MiB page
        mov edi, 0x24000
        mov eax, 0x7
        mov ecx, 512
.pt:    mov [edi], eax
        mov dword [edi + 4], 0
        add edi, 8
        add eax, 0x1000
        loop .pt
        mov dword [0x22000], 0x23001
        mov dword [0x23000], 0x24007
        mov dword [0x23008], 0x200087
        mov eax, cr4
        or eax, 0x20                             ; PAE
        mov cr4, eax
        mov eax, 0x22000
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80010000                       ; PG, WP
        mov cr0, eax
        jmp 0x08:FUZZ
%endif

pm_resume_err:
        add esp, 4                               ; drop the error code
pm_resume:
        inc dword [esp]                          ; one byte past the faulting instruction's start
        iret

error_vectors: db 8, 10, 11, 12, 13, 14, 17
error_vectors_end:

        align 8
gdt:    dq 0
        dq 0x00cf9a000000ffff                    ; 0x08 flat 32-bit code, DPL 0
        dq 0x00cf92000000ffff                    ; 0x10 flat data, DPL 0
        dq 0x00009a010000ffff                    ; 0x18 16-bit code, base FUZZ, limit 64 KiB
        dq 0x000092000000ffff                    ; 0x20 16-bit data, base 0, limit 64 KiB
        dq 0x00cffa000000ffff                    ; 0x28 flat 32-bit code, DPL 3
        dq 0x00cff2000000ffff                    ; 0x30 flat data, DPL 3
        dq 0x0000890020000067                    ; 0x38 32-bit TSS at TSS_BASE
gdt_end:
gdtr:   dw 256 * 8 - 1                           ; entries past gdt_end are filled at random per run
        dd GDT_BASE
idtr:   dw 256 * 8 - 1
        dd IDT_BASE
%endif
