; RDMSR, WRMSR, RDTSC, RDPMC and HLT from the ring-1 kernel. Every probe prints its result
; registers and how many #GP bounces it caused ("name_gp"), so the test can tell an
; emulated instruction from a bounced one under both privileged-op policies.
%include "pv-common.inc"

; SHOWX "name", "_suffix", value: the same with a suffixed name.
%macro SHOWX 3
    PRINT %%s
    mov eax, %3
    call puthex
    PRINT nl
    section .rodata
    %%s: db %1, %2, "=", 0
    section .text
%endmacro

; Snapshot the #GP count before a probe, and print the difference after it.
%macro GP_BEGIN 1
    mov dword [skip], %1
    mov eax, [gp_count]
    mov [gp_before], eax
%endmacro
%macro GP_END 1
    mov eax, [gp_count]
    sub eax, [gp_before]
    mov [gp_delta], eax
    SHOWX %1, "_gp", [gp_delta]
%endmacro

; RD "name", msr: prints name_lo, name_hi (0xdeadbeef if nothing was written) and name_gp.
%macro RD 2
    GP_BEGIN 2
    mov ecx, %2
    mov eax, 0xdeadbeef
    mov edx, 0xdeadbeef
    rdmsr
    mov [lo], eax
    mov [hi], edx
    SHOWX %1, "_lo", [lo]
    SHOWX %1, "_hi", [hi]
    GP_END %1
%endmacro

; WR "name", msr, lo, hi: prints name_gp.
%macro WR 4
    GP_BEGIN 2
    mov ecx, %2
    mov eax, %3
    mov edx, %4
    wrmsr
    GP_END %1
%endmacro

PV_ENTRY
    HYPERVISOR_set_trap_table traps
    SHOW "set_trap_table", eax
%ifdef NO_GP_HANDLER
    ; Without a #GP handler, a refused read of an MSR the host has gives 0; one the host
    ; lacks is a #GP with nowhere to go (the domain crashes).
    RD "sysenter_cs", 0x174
    RD "mtrr_def_type", 0x2ff
    RD "xen_msr_1", 0x40000001
%endif

    ; TSC: the value read through RDMSR lies between two RDTSCs around it.
    GP_BEGIN 2
    rdtsc
    mov [t0], eax
    mov ecx, 0x10
    mov eax, 0xdeadbeef
    rdmsr
    mov [lo], eax
    rdtsc
    mov [t1], eax
    mov eax, [lo]
    sub eax, [t0]
    mov [d0], eax
    mov eax, [t1]
    sub eax, [lo]
    mov [d1], eax
    SHOW "tsc_after_rdtsc", [d0]
    SHOW "tsc_before_rdtsc", [d1]
    GP_END "tsc"

    RD "apic_base", 0x1b
    RD "ucode_rev", 0x8b
    RD "misc_enable", 0x1a0
    RD "pat", 0x277
    RD "efer", 0xc0000080
    RD "xen_hcall_msr", 0x40000000
    RD "perfctr0", 0xc1
    RD "evntsel0", 0x186
    RD "sysenter_cs", 0x174
    RD "mtrr_cap", 0xfe
    RD "mtrr_def_type", 0x2ff
    RD "platform_id", 0x17
    RD "platform_info", 0xce
    RD "misc_features", 0x140
    RD "perf_caps", 0x345
    RD "tsc_aux", 0xc0000103
    RD "xen_msr_1", 0x40000001
    RD "unknown", 0x12345678

    WR "w_misc_enable", 0x1a0, 0, 0
    WR "w_ucode_rev", 0x8b, 0, 0
    WR "w_ucode_rev_1", 0x8b, 1, 0
    WR "w_therm_control", 0x19a, 0x10, 0
    WR "w_misc_features", 0x140, 0, 0
    WR "w_misc_features_faulting", 0x140, 1, 0
    WR "w_perf_ctl", 0x199, 0x1234, 0
    WR "w_evntsel0", 0x186, 0x4300c0, 0
    WR "w_perfctr0", 0xc1, 0x1000, 0
    RD "perfctr0_after", 0xc1
    WR "w_tsc", 0x10, 0, 0
    WR "w_efer", 0xc0000080, 0, 0
    WR "w_efer_sce", 0xc0000080, 1, 0
    WR "w_sysenter_cs", 0x174, 0xe019, 0
    WR "w_apic_base", 0x1b, 0xfee00900, 0
    WR "w_xen_msr_1", 0x40000001, 0, 0
    WR "w_unknown", 0x12345678, 0, 0

    ; The hypercall-page MSR: a page index other than 0, a page-table frame and a frame
    ; outside the domain are refused; a frame of ours gets a working hypercall page.
    WR "w_hcall_index1", 0x40000000, hcall2 - 0xC0000000 + 1, 0
    mov esi, [start_info_ptr]
    mov eax, [esi + START_INFO_pt_base]
    sub eax, 0xC0000000
    mov [lo], eax
    WR "w_hcall_pt", 0x40000000, [lo], 0
    WR "w_hcall_foreign", 0x40000000, 0xfffff000, 0
    WR "w_hcall", 0x40000000, hcall2 - 0xC0000000, 0
    cmp dword [gp_delta], 0
    jne .no_page
    mov ebx, 0                               ; XENVER_version
    xor ecx, ecx
    call hcall2 + __HYPERVISOR_xen_version * 32
    mov [lo], eax
    SHOW "hcall2_version", [lo]
.no_page:
    HYPERVISOR_xen_version 0, 0
    mov [hi], eax
    SHOW "hcall_version", [hi]

    ; Not in Xen's list of emulated instructions: bounced under either policy.
    GP_BEGIN 2
    xor ecx, ecx
    rdpmc
    GP_END "rdpmc"
    GP_BEGIN 1
    hlt
    GP_END "hlt"

    SHOW "gp_total", [gp_count]
    xor ebx, ebx
    call shutdown

gp_handler:                      ; frame: error code, EIP, CS, EFLAGS
    SKIP_FAULT gp_count

section .data
align 8
traps:
%ifndef NO_GP_HANDLER
    TRAP 13, 0, gp_handler
%endif
    dd 0, 0
gp_count: dd 0
gp_before: dd 0
gp_delta: dd 0
skip: dd 0
lo: dd 0
hi: dd 0
t0: dd 0
t1: dd 0
d0: dd 0
d1: dd 0

section .bss
alignb 4096
hcall2: resb 4096
