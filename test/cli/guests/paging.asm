; Paging and TLB work whose exits differ between the presets. It builds identity-mapped
; 4 KiB page tables for the first 4 MiB, loads CR3, turns paging on, reloads CR3
; CR3_RELOADS times, reads CR3 CR3_READS times and runs INVLPG INVLPG_COUNT times, then exits.
;   ept:            CR_ACCESS = 1 (the CR0 write that sets PG, a host-owned bit); INVLPG = 0
;   shadow-paging:  CR_ACCESS = 1 + 1 + CR3_RELOADS (loads) + CR3_READS (stores); INVLPG = INVLPG_COUNT
;   I/O: 1 (debug exit, value 0x05 -> status 11)
%include "common.inc"

%define CR3_RELOADS 7
%define CR3_READS 3
%define INVLPG_COUNT 11

bits 32
MULTIBOOT_HEADER
global _start
_start:
    mov esp, stack_top
    ; page table: 1024 entries mapping 0..4 MiB, present + writable
    mov edi, page_table
    mov eax, 0x003
    mov ecx, 1024
.fill:
    stosd
    add eax, 0x1000
    loop .fill
    mov dword [page_directory], page_table + 0x003

    mov eax, page_directory
    mov cr3, eax                  ; a CR3 load (exits only with shadow paging)
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax                  ; PG is host-owned in both presets: one CR access exit
    jmp .paged
.paged:
    mov ecx, CR3_RELOADS
.reload:
    mov eax, page_directory
    mov cr3, eax
    loop .reload

    mov ecx, CR3_READS
.read:
    mov eax, cr3
    loop .read

    mov ecx, INVLPG_COUNT
    mov ebx, 0x200000
.flush:
    invlpg [ebx]
    add ebx, 0x1000
    loop .flush

    DEBUG_EXIT_WITH 0x05

section .bss
align 4096
page_directory: resb 4096
page_table:     resb 4096
    resb 4096
stack_top:
