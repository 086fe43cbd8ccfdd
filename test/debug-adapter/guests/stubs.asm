; Handler stubs for the interrupt-frame map (test/debug-adapter/interrupt-stubs.test.ts), never
; run: two entries share a shared stub (one with a CPU error code, one with a dummy), one stub
; moves ESP in a way the map does not follow, one has two ways into an instruction with
; different stack depths.
bits 32
section .text
global entry_a, entry_b, shared, after_ds, after_call, skip_done, odd, after_and, conflict, merged
entry_a:                             ; vector 3: no error code from the CPU
    push 0
    push 3
    jmp shared
entry_b:                             ; vector 14: the CPU pushed an error code
    push 14
    jmp shared
shared:
    pusha
    mov ebp, esp
    test eax, eax
    jz skip_done
    push eax
    pop eax
skip_done:
    push ds
after_ds:
    call handler
after_call:
    pop ds
    popa
    add esp, 8
    iretd
odd:                                 ; vector 5
    and esp, -16
after_and:
    push eax
    iretd
conflict:                            ; vector 6
    test eax, eax
    jz merged
    push eax
merged:
    iretd
handler:
    ret
