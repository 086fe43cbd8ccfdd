; paravirt: target=hvm  (the 32-bit half of a PVH kernel: it runs in the HVM container at ring 0)
; The PVH entry of the test kernels: XEN_ELFNOTE_PHYS32_ENTRY names pvh_start32, where Xen
; enters in 32-bit protected mode with paging off and EBX = the physical address of
; hvm_start_info. Before going to long mode (guest/boot64.inc) it proves the 32-bit half of
; the ABI: it finds Xen by CPUID 0x40000000, asks for the hypercall page through the MSR that
; leaf 0x40000002 names, and makes hypercalls through it with the 32-bit convention (EBX, ECX,
; EDX): console_io, and HVMOP_get_param of the console page, whose result it keeps for kmain.

%define BOOT64_MAIN pvh_main
%define BOOT64_TRAP pvh_trap
%include "boot64.inc"

XEN_ELFNOTE_PHYS32_ENTRY equ 18

section .note.Xen note alloc noexec nowrite align=4
    dd 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd pvh_start32

global pvh_start32, hypercall_page, pvh32_console_pfn, pvh32_console_rc, pvh32_xen_base
extern __boot64_bss_start

section .boot64.text
bits 32
pvh_start32:
    cli
    mov edi, ebx                        ; hvm_start_info, kept across the calls below
    mov esp, pvh32_stack_top
    ; Xen's leaves: scan 0x40000000.. for the signature, as a guest does.
    mov esi, 0x40000000
.scan:
    mov eax, esi
    cpuid
    cmp ebx, 0x566e6558                 ; "XenV"
    jne .next
    cmp ecx, 0x65584d4d                 ; "MMXe"
    jne .next
    cmp edx, 0x4d4d566e                 ; "nVMM"
    je .found
.next:
    add esi, 0x100
    cmp esi, 0x40010000
    jb .scan
    ud2                                 ; no Xen: nothing can be printed
.found:
    mov [pvh32_xen_base], esi
    lea eax, [esi + 2]
    cpuid                               ; EAX pages, EBX the MSR
    mov ecx, ebx
    mov eax, hypercall_page
    xor edx, edx
    wrmsr
    ; console_io(CONSOLEIO_write, len, buf)
    mov ebx, 0
    mov ecx, hello32_len
    mov edx, hello32
    call hypercall_page + 18 * 32
    ; hvm_op(HVMOP_get_param, &param) for HVM_PARAM_CONSOLE_PFN
    mov ebx, 1
    mov ecx, param32
    call hypercall_page + 34 * 32
    mov [pvh32_console_rc], eax
    mov eax, [param32 + 8]
    mov [pvh32_console_pfn], eax
    mov ebx, edi
    jmp boot64_start32

section .data
hello32: db "pvh: 32-bit hypercalls through the page", 10
hello32_len equ $ - hello32
align 8
param32:
    dw 0x7ff0                           ; DOMID_SELF
    dw 0
    dd 17                               ; HVM_PARAM_CONSOLE_PFN
    dq 0
pvh32_console_pfn: dd 0
pvh32_console_rc: dd 0
pvh32_xen_base: dd 0

section .bss
alignb 4096
hypercall_page: resb 4096
pvh32_stack: resb 1024
pvh32_stack_top:
