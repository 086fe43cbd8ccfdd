; Compute-loop guest for `npm run bench`: a 32-bit Multiboot kernel that sweeps a 1 KiB
; array PASSES times with loads, stores, add/xor/shift/rotate and cmp/jcc.
;
; The bench derives the exact dynamic instruction count from this file: it counts the
; instructions between each `; @count NAME` and the next `; @end` and multiplies by the
; trip counts (PASSES, DWORDS). Keep every instruction of the run inside such a region,
; one instruction per line, and no instruction whose count depends on the data.
;
; Serial protocol (COM1): 'S' when the timed region starts, 'E' when it ends, then the four
; bytes of the checksum (EBX, little-endian) so every engine's result can be compared.
; Then isa-debug-exit (port 0xF4) with value 0.
;
; Build: nasm -f elf32 -DPASSES=n -DSHARED=0|1 compute.asm; ld -m elf_i386 -T guest.ld
; SHARED=1 puts the array in the same 4 KiB page as the loop, so every store lands in a
; page that holds code being executed.

%ifndef PASSES
  %define PASSES 1000
%endif
%ifndef SHARED
  %define SHARED 0
%endif

MB_MAGIC   equ 0x1BADB002
MB_FLAGS   equ 0x00000003          ; page-align modules, want memory info
COM1       equ 0x3F8
DEBUG_EXIT equ 0xF4
DWORDS     equ 256                 ; 1 KiB array
SEED       equ 0x9E3779B9

section .multiboot progbits alloc noexec nowrite align=4
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

section .text progbits alloc exec write align=4096
global _start
_start:
; @count prologue
    mov dx, COM1
    mov al, 'S'
    out dx, al
; @end
; @count start
    mov ebx, SEED
    mov ebp, PASSES
; @end
outer:
; @count outer
    mov esi, array
    lea edi, [esi + DWORDS * 4]
; @end
inner:
; @count inner
    mov eax, [esi]
    add eax, ebx
    mov ecx, eax
    shl ecx, 3
    xor eax, ecx
    ror eax, 7
    mov [esi], eax
    add ebx, eax
    add esi, 4
    cmp esi, edi
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
    mov eax, ebx
    out dx, al
    shr eax, 8
    out dx, al
    shr eax, 8
    out dx, al
    shr eax, 8
    out dx, al
    mov dx, DEBUG_EXIT
    xor eax, eax
    out dx, al
; @end
halt:
    cli
    hlt
    jmp halt

%if SHARED
    align 64                       ; same page as the loop above
%else
    align 4096                     ; a page of its own
%endif
array:
    times DWORDS dd 0
%if SHARED
    %if (array - _start) + DWORDS * 4 > 4096
        %error "array does not share the code's page"
    %endif
%endif
