; Idles for ten virtual minutes: the local APIC timer fires once a second (periodic, divide
; by 1, initial count 1e9 at the APIC's 1 GHz input) and the kernel halts between ticks,
; 600 times. The RTC is read before and after, so the kernel itself reports how much time
; passed; the PIC stays masked, so the APIC timer is the only thing that wakes it.
%include "common.inc"
bits 32
MULTIBOOT_HEADER

%define APIC        0xfee00000
%define TIMER_VEC   0x40
%define SLEEPS      600

global _start
_start:
    mov esp, stack_top
    lgdt [gdtr]                       ; Multiboot leaves GDTR undefined: a flat GDT of our own
    jmp 0x08:.flat
.flat:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov al, 0xff                      ; mask every ISA line at both PICs
    out 0x21, al
    out 0xa1, al
    ; One interrupt gate, at vector TIMER_VEC.
    mov eax, tick
    mov [idt + TIMER_VEC * 8], ax
    mov [idt + TIMER_VEC * 8 + 2], cs
    mov word [idt + TIMER_VEC * 8 + 4], 0x8e00
    shr eax, 16
    mov [idt + TIMER_VEC * 8 + 6], ax
    lidt [idtr]

    PUTS before
    call print_rtc

    mov dword [APIC + 0x0f0], 0x1ff          ; spurious vector register: APIC on
    mov dword [APIC + 0x3e0], 0x0b           ; divide by 1
    mov dword [APIC + 0x320], 0x20000 | TIMER_VEC   ; periodic
    mov dword [APIC + 0x380], 1000000000     ; one second
.sleep:
    sti
    hlt
    cli
    cmp dword [ticks], SLEEPS
    jb .sleep
    mov dword [APIC + 0x320], 0x10000        ; mask the timer

    PUTS after
    call print_rtc
    PUTS newline
    DEBUG_EXIT_WITH 0

tick:
    inc dword [ticks]
    mov dword [APIC + 0x0b0], 0              ; EOI
    iret

; Prints the RTC's hours:minutes:seconds (BCD, as the RTC keeps them by default).
print_rtc:
    mov bl, 4
    call print_cmos
    mov al, ':'
    out dx, al
    mov bl, 2
    call print_cmos
    mov al, ':'
    out dx, al
    mov bl, 0
    call print_cmos
    ret

print_cmos:                                  ; BL = register; prints two BCD digits
    mov al, bl
    out 0x70, al
    in al, 0x71
    mov ah, al
    shr al, 4
    add al, '0'
    mov dx, COM1
    out dx, al
    mov al, ah
    and al, 0x0f
    add al, '0'
    out dx, al
    ret

section .data
before: db "idle from ", 0
after: db " to ", 0
newline: db 10, 0
align 8
gdt: dq 0, 0x00cf9a000000ffff, 0x00cf92000000ffff
gdtr: dw 3 * 8 - 1
      dd gdt
idtr: dw 256 * 8 - 1
      dd idt
section .bss
alignb 8
idt: resb 256 * 8
ticks: resd 1
    resb 4096
stack_top:
