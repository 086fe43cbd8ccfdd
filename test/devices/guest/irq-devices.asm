; Interrupt-driven device guest: each device raises real interrupts through the PIC or the
; local APIC and the handlers count them, so the printed lines do not depend on timing.
;   PIT channel 0 at ~1 kHz (mode 2) -> IRQ 0, 20 ticks
;   COM1 transmit driven by THR-empty interrupts -> IRQ 4
;   RTC periodic interrupt at 1024 Hz -> IRQ 8 through the cascade, 10 ticks
;   local APIC timer, periodic then one-shot; a fixed self-IPI
; Output goes to COM1 (polled, except the interrupt-driven line); exit via isa-debug-exit.
; Each handler switches its source off when it reaches its count, so a backlog of late
; ticks (QEMU catches up after the host deschedules it) cannot change the numbers.

bits 32
section .text
align 4
    dd 0x1BADB002, 0, -0x1BADB002

%define COM1 0x3f8
%define APIC 0xfee00000

global _start
_start:
    cli
    mov esp, stack_top
    lgdt [gdt_desc]
    jmp 0x08:.reload
.reload:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    call build_idt
    lidt [idt_desc]

    ; PIC: vectors 0x20-0x2F, everything masked.
    mov al, 0x11
    out 0x20, al
    out 0xa0, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x28
    out 0xa1, al
    mov al, 4
    out 0x21, al
    mov al, 2
    out 0xa1, al
    mov al, 1
    out 0x21, al
    out 0xa1, al
    mov al, 0xff
    out 0x21, al
    out 0xa1, al

    ; UART 115200 8N1, FIFO on, OUT2 for the IRQ line.
    mov dx, COM1 + 3
    mov al, 0x80
    out dx, al
    mov dx, COM1
    mov al, 1
    out dx, al
    mov dx, COM1 + 1
    xor al, al
    out dx, al
    mov dx, COM1 + 3
    mov al, 3
    out dx, al
    mov dx, COM1 + 2
    mov al, 0xc7
    out dx, al
    mov dx, COM1 + 4
    mov al, 0x0b
    out dx, al

    mov esi, msg_start
    call puts

    ; --- PIT channel 0, mode 2, count 1193 (~1 kHz) ---
    mov al, 0x34
    out 0x43, al
    mov al, 1193 & 0xff
    out 0x40, al
    mov al, 1193 >> 8
    out 0x40, al
    mov al, 0xfe
    out 0x21, al
    sti
.pit_wait:
    hlt
    cmp dword [pit_ticks], 20
    jb .pit_wait
    cli
    mov al, 0xff
    out 0x21, al
    mov esi, msg_pit
    call puts
    mov eax, [pit_ticks]
    call putdec
    call newline

    ; --- COM1 transmit by THR-empty interrupts ---
    mov dword [tx_ptr], msg_irq_tx
    mov al, 0xef
    out 0x21, al
    mov dx, COM1 + 1
    mov al, 0x02
    out dx, al                   ; THR is empty: the interrupt comes at once
    sti
.tx_wait:
    hlt
    cmp dword [tx_ptr], 0
    jne .tx_wait
    cli
    mov al, 0xff
    out 0x21, al
    mov esi, msg_tx_irqs
    call puts
    mov eax, [tx_irqs]
    call putdec
    call newline

    ; --- RTC periodic interrupt, 1024 Hz, through IRQ 8 and the cascade ---
    mov al, 0x0a
    out 0x70, al
    mov al, 0x26
    out 0x71, al
    mov al, 0x0c
    out 0x70, al
    in al, 0x71
    mov al, 0x0b
    out 0x70, al
    in al, 0x71
    or al, 0x40
    mov ah, al
    mov al, 0x0b
    out 0x70, al
    mov al, ah
    out 0x71, al
    mov al, 0xfb
    out 0x21, al
    mov al, 0xfe
    out 0xa1, al
    sti
.rtc_wait:
    hlt
    cmp dword [rtc_ticks], 10
    jb .rtc_wait
    cli
    mov al, 0x0b
    out 0x70, al
    in al, 0x71
    and al, 0xbf
    mov ah, al
    mov al, 0x0b
    out 0x70, al
    mov al, ah
    out 0x71, al
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    mov esi, msg_rtc
    call puts
    mov eax, [rtc_ticks]
    call putdec
    call newline

    ; --- local APIC: periodic timer, then one-shot, then a self IPI ---
    mov dword [APIC + 0xf0], 0x1ff
    mov dword [APIC + 0x3e0], 0x03          ; divide by 16
    mov dword [APIC + 0x320], 0x20030       ; periodic, vector 0x30
    mov dword [APIC + 0x380], 20000
    sti
.apic_wait:
    hlt
    cmp dword [apic_ticks], 5
    jb .apic_wait
    cli
    mov dword [APIC + 0x320], 0x10030       ; mask
    mov dword [APIC + 0x380], 0
    mov esi, msg_apic
    call puts
    mov eax, [apic_ticks]
    call putdec
    call newline

    mov dword [apic_ticks], 0
    mov dword [oneshot_phase], 1
    mov dword [APIC + 0x320], 0x00030       ; one-shot
    mov dword [APIC + 0x380], 5000
    sti
.oneshot_wait:
    hlt
    cmp dword [apic_ticks], 1
    jb .oneshot_wait
    ; Wait as long again: a one-shot must not fire twice.
    mov ecx, 200000
.spin:
    dec ecx
    jnz .spin
    cli
    mov esi, msg_oneshot
    call puts
    mov eax, [apic_ticks]
    call putdec
    mov esi, msg_current
    call puts
    mov eax, [APIC + 0x390]
    call putdec
    call newline

    mov dword [APIC + 0x310], 0
    mov dword [APIC + 0x300], 0x40031       ; fixed, self, vector 0x31
    sti
    nop
    cli
    mov esi, msg_ipi
    call puts
    mov eax, [ipi_count]
    call putdec
    call newline

    mov esi, msg_done
    call puts
    mov dx, 0xf4
    xor eax, eax
    out dx, al
.halt:
    cli
    hlt
    jmp .halt

; ---------------------------------------------------------------------------
irq_pit:
    push eax
    cmp dword [pit_ticks], 20
    jae .masked
    inc dword [pit_ticks]
    cmp dword [pit_ticks], 20
    jb .eoi
.masked:
    in al, 0x21
    or al, 0x01
    out 0x21, al
.eoi:
    mov al, 0x20
    out 0x20, al
    pop eax
    iret

irq_com1:
    push eax
    push edx
    push esi
    inc dword [tx_irqs]
    mov dx, COM1 + 2
    in al, dx                    ; identify (and clear the THR-empty indication)
    and al, 0x0e
    cmp al, 0x02
    jne .eoi
    mov esi, [tx_ptr]
    test esi, esi
    jz .eoi
    mov al, [esi]
    test al, al
    jz .finished
    mov dx, COM1
    out dx, al
    inc esi
    mov [tx_ptr], esi
    jmp .eoi
.finished:
    mov dword [tx_ptr], 0
    mov dx, COM1 + 1
    xor al, al
    out dx, al
.eoi:
    mov al, 0x20
    out 0x20, al
    pop esi
    pop edx
    pop eax
    iret

irq_rtc:
    push eax
    mov al, 0x0c
    out 0x70, al
    in al, 0x71
    test al, 0x40
    jz .eoi
    cmp dword [rtc_ticks], 10
    jae .eoi
    inc dword [rtc_ticks]
    cmp dword [rtc_ticks], 10
    jb .eoi
    mov al, 0x0b                      ; tenth tick: periodic interrupts off (register B, PIE)
    out 0x70, al
    in al, 0x71
    and al, 0xbf
    push eax
    mov al, 0x0b
    out 0x70, al
    pop eax
    out 0x71, al
.eoi:
    mov al, 0x20
    out 0xa0, al
    out 0x20, al
    pop eax
    iret

apic_timer:
    cmp dword [apic_ticks], 5
    jae .stop
    inc dword [apic_ticks]
    cmp dword [apic_ticks], 5
    jb .eoi
.stop:
    cmp dword [oneshot_phase], 0
    jne .eoi
    mov dword [APIC + 0x320], 0x10030       ; fifth periodic tick: mask the timer
.eoi:
    mov dword [APIC + 0xb0], 0
    iret

apic_ipi:
    inc dword [ipi_count]
    mov dword [APIC + 0xb0], 0
    iret

spurious:
    iret

unexpected:
    mov esi, msg_unexpected
    call puts
    mov dx, 0xf4
    mov al, 0x7f
    out dx, al
    jmp _start.halt

; ---------------------------------------------------------------------------
build_idt:
    xor ecx, ecx
.fill:
    mov eax, unexpected
    cmp ecx, 0x20
    jne .n1
    mov eax, irq_pit
.n1: cmp ecx, 0x24
    jne .n2
    mov eax, irq_com1
.n2: cmp ecx, 0x28
    jne .n3
    mov eax, irq_rtc
.n3: cmp ecx, 0x30
    jne .n4
    mov eax, apic_timer
.n4: cmp ecx, 0x31
    jne .n5
    mov eax, apic_ipi
.n5: cmp ecx, 0x27
    je .sp
    cmp ecx, 0x2f
    je .sp
    cmp ecx, 0xff
    jne .set
.sp: mov eax, spurious
.set:
    mov [idt + ecx * 8], ax
    mov word [idt + ecx * 8 + 2], 0x08
    mov word [idt + ecx * 8 + 4], 0x8e00
    shr eax, 16
    mov [idt + ecx * 8 + 6], ax
    inc ecx
    cmp ecx, 256
    jb .fill
    ret

putc:                            ; al
    push edx
    push eax
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop eax
    mov dx, COM1
    out dx, al
    pop edx
    ret

puts:                            ; esi
    push eax
.next:
    mov al, [esi]
    test al, al
    jz .done
    call putc
    inc esi
    jmp .next
.done:
    pop eax
    ret

newline:
    push eax
    mov al, 10
    call putc
    pop eax
    ret

putdec:                          ; eax, unsigned
    push eax
    push ebx
    push ecx
    push edx
    mov ebx, 10
    xor ecx, ecx
.div:
    xor edx, edx
    div ebx
    push edx
    inc ecx
    test eax, eax
    jnz .div
.out:
    pop eax
    add al, '0'
    call putc
    loop .out
    pop edx
    pop ecx
    pop ebx
    pop eax
    ret

section .data
align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff
    dq 0x00cf92000000ffff
gdt_desc:
    dw gdt_desc - gdt - 1
    dd gdt
idt_desc:
    dw 256 * 8 - 1
    dd idt

pit_ticks: dd 0
tx_ptr: dd 0
tx_irqs: dd 0
rtc_ticks: dd 0
apic_ticks: dd 0
ipi_count: dd 0
oneshot_phase: dd 0

msg_start: db "irq-devices", 10, 0
msg_pit: db "pit ticks ", 0
msg_irq_tx: db "uart line sent by THRE interrupts", 10, 0
msg_tx_irqs: db "uart tx interrupts ", 0
msg_rtc: db "rtc periodic ", 0
msg_apic: db "apic periodic ", 0
msg_oneshot: db "apic one-shot ", 0
msg_current: db " current ", 0
msg_ipi: db "self ipi ", 0
msg_done: db "done", 10, 0
msg_unexpected: db "unexpected interrupt", 10, 0

section .bss
align 16
idt: resb 256 * 8
    resb 8192
stack_top:
