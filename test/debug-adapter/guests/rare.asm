; reverseContinue past intervals that cannot hold a hit. A loop of ITER iterations (EBX counts
; up); `mark` is reached every 32768 iterations (a breakpoint there makes the stops, and so the
; snapshots, of the forward run); in the first half, every 16th iteration calls `rare`, on a page
; of its own (hot enough to be compiled); iteration 100000 calls `once`, on the same page
; (interpreted: it runs once; code on that page runs in every interval of the first half). The guest's memory says where a stop is: [LAST] is the
; iteration `rare` last saw, [CALLS] how many calls it counted, [ONCE] what `once` stored.
ITER  equ 0x100000
HALF  equ 0x80000
CALLS equ 0x200000
LAST  equ 0x200004
ONCE  equ 0x200008

section .multiboot
align 4
    dd 0x1BADB002, 0, -(0x1BADB002)

section .text
global _start, mark, done, once, rare, rare_count
_start:
    mov esp, 0x90000
    xor ebx, ebx
top:
    mov eax, ebx
    and eax, 0x7fff
    cmp eax, 0x7fff
    jne nomark
mark:
    nop
nomark:
    cmp ebx, 100000
    jne noonce
    call once
noonce:
    cmp ebx, HALF
    jae next
    test ebx, 15
    jnz next
    call rare
next:
    inc ebx
    cmp ebx, ITER
    jb top
done:
    mov al, 0
    out 0xf4, al
    jmp $

align 4096
rare:
    mov [LAST], ebx
rare_count:
    inc dword [CALLS]
    ret
once:
    mov [ONCE], ebx
    ret
