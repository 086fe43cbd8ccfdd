/*
 * paravirt.h - Xen x86_32 PV interface for guest kernels written in C (gcc -m32).
 *
 * Hypercalls go through the hypercall page: the kernel reserves one page-aligned page named
 * `hypercall_page` (and names it in the XEN_ELFNOTE_HYPERCALL_PAGE note); the hypervisor
 * fills slot N with `mov eax, N; int 0x82; ret`, so hypercall N is `call hypercall_page+N*32`.
 * Arguments go in EBX, ECX, EDX, ESI, EDI; the result comes back in EAX (negative errno on
 * failure). Numbers and layouts follow Xen's public headers (xen.h, arch-x86/xen-x86_32.h,
 * sched.h, event_channel.h, vcpu.h, callback.h).
 *
 * The kernel defines two symbols this header declares:
 *   hypercall_page  - the page-aligned, page-sized hypercall page;
 *   pv_vcpu_info    - a pointer to this vCPU's vcpu_info (shared_info->vcpu_info[0] on a
 *                     single-vCPU guest), set at start of day after mapping shared_info.
 *
 * The pv_* functions replace single privileged instructions one for one; the paravirt
 * language server rewrites `asm volatile("hlt")` into `pv_halt()` and so on.
 */
#ifndef PARAVIRT_H
#define PARAVIRT_H

#ifdef __ASSEMBLER__
#error "paravirt.h is for C; assembly files include paravirt.inc (NASM) or paravirt-gas.inc (GAS)"
#endif

#include <stdint.h>

/* ---- hypercall numbers (xen.h) ---- */
#define __HYPERVISOR_set_trap_table 0
#define __HYPERVISOR_mmu_update 1
#define __HYPERVISOR_set_gdt 2
#define __HYPERVISOR_stack_switch 3
#define __HYPERVISOR_set_callbacks 4
#define __HYPERVISOR_fpu_taskswitch 5
#define __HYPERVISOR_sched_op_compat 6
#define __HYPERVISOR_platform_op 7
#define __HYPERVISOR_set_debugreg 8
#define __HYPERVISOR_get_debugreg 9
#define __HYPERVISOR_update_descriptor 10
#define __HYPERVISOR_memory_op 12
#define __HYPERVISOR_multicall 13
#define __HYPERVISOR_update_va_mapping 14
#define __HYPERVISOR_set_timer_op 15
#define __HYPERVISOR_event_channel_op_compat 16
#define __HYPERVISOR_xen_version 17
#define __HYPERVISOR_console_io 18
#define __HYPERVISOR_physdev_op_compat 19
#define __HYPERVISOR_grant_table_op 20
#define __HYPERVISOR_vm_assist 21
#define __HYPERVISOR_update_va_mapping_otherdomain 22
#define __HYPERVISOR_iret 23
#define __HYPERVISOR_vcpu_op 24
#define __HYPERVISOR_set_segment_base 25
#define __HYPERVISOR_mmuext_op 26
#define __HYPERVISOR_nmi_op 28
#define __HYPERVISOR_sched_op 29
#define __HYPERVISOR_callback_op 30
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_physdev_op 33
#define __HYPERVISOR_hvm_op 34

/* ---- sched_op (sched.h) ---- */
#define SCHEDOP_yield           0
#define SCHEDOP_block           1
#define SCHEDOP_shutdown        2
#define SCHEDOP_poll            3
#define SCHEDOP_shutdown_code   5
#define SHUTDOWN_poweroff       0
#define SHUTDOWN_reboot         1
#define SHUTDOWN_suspend        2
#define SHUTDOWN_crash          3
#define SHUTDOWN_watchdog       4

/* ---- console_io (xen.h) ---- */
#define CONSOLEIO_write         0
#define CONSOLEIO_read          1

/* ---- xen_version (version.h) ---- */
#define XENVER_version          0
#define XENVER_get_features     6
#define XENFEAT_writable_page_tables        0
#define XENFEAT_writable_descriptor_tables  1
#define XENFEAT_auto_translated_physmap     2
#define XENFEAT_supervisor_mode_kernel      3

/* ---- mmu_update / update_va_mapping / mmuext_op (xen.h) ---- */
#define MMU_NORMAL_PT_UPDATE    0
#define MMU_MACHPHYS_UPDATE     1
#define MMU_PT_UPDATE_PRESERVE_AD 2
#define UVMF_NONE               0
#define UVMF_TLB_FLUSH          1
#define UVMF_INVLPG             2
#define UVMF_ALL                4
#define MMUEXT_PIN_L1_TABLE     0
#define MMUEXT_PIN_L2_TABLE     1
#define MMUEXT_PIN_L3_TABLE     2
#define MMUEXT_PIN_L4_TABLE     3
#define MMUEXT_UNPIN_TABLE      4
#define MMUEXT_NEW_BASEPTR      5
#define MMUEXT_TLB_FLUSH_LOCAL  6
#define MMUEXT_INVLPG_LOCAL     7
#define MMUEXT_TLB_FLUSH_MULTI  8
#define MMUEXT_INVLPG_MULTI     9
#define MMUEXT_TLB_FLUSH_ALL    10
#define MMUEXT_INVLPG_ALL       11
#define MMUEXT_FLUSH_CACHE      12
#define MMUEXT_SET_LDT          13
#define MMUEXT_NEW_USER_BASEPTR 15
#define MMUEXT_CLEAR_PAGE       16
#define MMUEXT_COPY_PAGE        17
#define DOMID_SELF              0x7FF0U

/* ---- vm_assist ---- */
#define VMASST_CMD_enable       0
#define VMASST_CMD_disable      1
#define VMASST_TYPE_writable_pagetables 2
#define VMASST_TYPE_pae_extended_cr3    3
#define VMASST_TYPE_architectural_iopl  4
#define PHYSDEVOP_set_iopl      6

/* ---- event channels (event_channel.h) ---- */
#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq      1
#define EVTCHNOP_bind_pirq      2
#define EVTCHNOP_close          3
#define EVTCHNOP_send           4
#define EVTCHNOP_status         5
#define EVTCHNOP_alloc_unbound  6
#define EVTCHNOP_bind_ipi       7
#define EVTCHNOP_bind_vcpu      8
#define EVTCHNOP_unmask         9
#define VIRQ_TIMER              0
#define VIRQ_DEBUG              1
#define VIRQ_CONSOLE            2

/* ---- vcpu_op (vcpu.h) ---- */
#define VCPUOP_initialise       0
#define VCPUOP_up               1
#define VCPUOP_down             2
#define VCPUOP_is_up            3
#define VCPUOP_register_runstate_memory_area 5
#define VCPUOP_set_periodic_timer 6
#define VCPUOP_stop_periodic_timer 7
#define VCPUOP_set_singleshot_timer 8
#define VCPUOP_stop_singleshot_timer 9
#define VCPUOP_register_vcpu_info 10

/* ---- callback_op (callback.h) ---- */
#define CALLBACKOP_register     0
#define CALLBACKOP_unregister   1
#define CALLBACKTYPE_event      0
#define CALLBACKTYPE_failsafe   1
#define CALLBACKTYPE_syscall    2
#define CALLBACKTYPE_sysenter   3
#define CALLBACKTYPE_nmi        4

/* ---- start-of-day selectors (arch-x86/xen-x86_32.h) ---- */
#define FLAT_RING1_CS           0xE019
#define FLAT_RING1_DS           0xE021
#define FLAT_RING1_SS           0xE021
#define FLAT_RING3_CS           0xE02B
#define FLAT_RING3_DS           0xE033
#define FLAT_RING3_SS           0xE033
#define FLAT_KERNEL_CS          FLAT_RING1_CS
#define FLAT_KERNEL_DS          FLAT_RING1_DS
#define FLAT_KERNEL_SS          FLAT_RING1_SS
#define FLAT_USER_CS            FLAT_RING3_CS
#define FLAT_USER_DS            FLAT_RING3_DS
#define FLAT_USER_SS            FLAT_RING3_SS
#define HYPERVISOR_VIRT_START   0xF5800000UL

/* ---- shared structures (32-bit layouts) ---- */
struct vcpu_time_info {
    uint32_t version;            /* 0: odd while Xen updates the record */
    uint32_t pad0;
    uint64_t tsc_timestamp;      /* 8 */
    uint64_t system_time;        /* 16: ns since boot at tsc_timestamp */
    uint32_t tsc_to_system_mul;  /* 24 */
    int8_t   tsc_shift;          /* 28 */
    uint8_t  flags;              /* 29 */
    uint8_t  pad1[2];
};

struct arch_vcpu_info {
    unsigned long cr2;           /* page-fault address for the guest's #PF handler */
    unsigned long pad[5];
};

struct vcpu_info {
    uint8_t evtchn_upcall_pending;   /* 0 */
    uint8_t evtchn_upcall_mask;      /* 1: 1 = events masked (the PV "IF = 0") */
    unsigned long evtchn_pending_sel;/* 4 */
    struct arch_vcpu_info arch;      /* 8 */
    struct vcpu_time_info time;      /* 32 */
};                                    /* 64 bytes */

struct shared_info {
    struct vcpu_info vcpu_info[32];  /* 0 */
    unsigned long evtchn_pending[32];/* 2048 */
    unsigned long evtchn_mask[32];   /* 2176 */
    uint32_t wc_version;             /* 2304 */
    uint32_t wc_sec;                 /* 2308 */
    uint32_t wc_nsec;                /* 2312 */
    /* arch part at 2316 */
};

#define SIF_PRIVILEGED  (1U << 0)
#define SIF_INITDOMAIN  (1U << 1)

struct start_info {
    char magic[32];                  /* 0: "xen-3.0-x86_32p" */
    unsigned long nr_pages;          /* 32 */
    unsigned long shared_info;       /* 36: machine address of shared_info */
    uint32_t flags;                  /* 40 */
    unsigned long store_mfn;         /* 44 */
    uint32_t store_evtchn;           /* 48 */
    union {
        struct { unsigned long mfn; uint32_t evtchn; } domU;   /* 52, 56 */
        struct { uint32_t info_off; uint32_t info_size; } dom0;
    } console;
    unsigned long pt_base;           /* 60 */
    unsigned long nr_pt_frames;      /* 64 */
    unsigned long mfn_list;          /* 68 */
    unsigned long mod_start;         /* 72 */
    unsigned long mod_len;           /* 76 */
    char cmd_line[1024];             /* 80 */
    unsigned long first_p2m_pfn;     /* 1104 */
    unsigned long nr_p2m_frames;     /* 1108 */
};                                    /* 1112 bytes */

struct trap_info {
    uint8_t vector;
    uint8_t flags;                   /* bits 0-1: lowest DPL that may `int` it; bit 2: mask events */
    uint16_t cs;
    unsigned long address;           /* 0 ends the table */
};

struct mmu_update { uint64_t ptr; uint64_t val; };

struct mmuext_op {
    unsigned int cmd;
    union { unsigned long mfn; unsigned long linear_addr; } arg1;
    union { unsigned int nr_ents; const void *vcpumask; unsigned long src_mfn; } arg2;
};

struct sched_shutdown { unsigned int reason; };
struct evtchn_bind_virq { uint32_t virq; uint32_t vcpu; uint32_t port; };
struct evtchn_send { uint32_t port; };
struct callback_register { uint16_t type; uint16_t flags; unsigned long cs; unsigned long eip; };

/* ---- the hypercall page and this vCPU's shared record (defined by the kernel) ---- */
extern char hypercall_page[4096];
extern volatile struct vcpu_info *pv_vcpu_info;

/* ---- raw hypercalls: number is a compile-time constant, arguments in EBX..EDI ---- */
#define PV__STR1(x) #x
#define PV__STR(x) PV__STR1(x)
#define PV__CALL(nr) "call hypercall_page+(" PV__STR(nr) "*32)"

/* A debug build of Xen poisons all five argument registers, used or not, so every form
   lists EBX..EDI as outputs or clobbers. */
#define _pv_hypercall0(nr) ({ long __r;                                              \
    __asm__ __volatile__(PV__CALL(nr) : "=a"(__r)                                    \
        : : "ebx", "ecx", "edx", "esi", "edi", "memory", "cc"); __r; })
#define _pv_hypercall1(nr, a1) ({ long __r, __b;                                     \
    __asm__ __volatile__(PV__CALL(nr) : "=a"(__r), "=b"(__b)                         \
        : "1"((long)(a1)) : "ecx", "edx", "esi", "edi", "memory", "cc"); __r; })
#define _pv_hypercall2(nr, a1, a2) ({ long __r, __b, __c;                            \
    __asm__ __volatile__(PV__CALL(nr) : "=a"(__r), "=b"(__b), "=c"(__c)              \
        : "1"((long)(a1)), "2"((long)(a2)) : "edx", "esi", "edi", "memory", "cc"); __r; })
#define _pv_hypercall3(nr, a1, a2, a3) ({ long __r, __b, __c, __d;                   \
    __asm__ __volatile__(PV__CALL(nr) : "=a"(__r), "=b"(__b), "=c"(__c), "=d"(__d)   \
        : "1"((long)(a1)), "2"((long)(a2)), "3"((long)(a3))                          \
        : "esi", "edi", "memory", "cc"); __r; })
#define _pv_hypercall4(nr, a1, a2, a3, a4) ({ long __r, __b, __c, __d, __S;          \
    __asm__ __volatile__(PV__CALL(nr)                                                \
        : "=a"(__r), "=b"(__b), "=c"(__c), "=d"(__d), "=S"(__S)                      \
        : "1"((long)(a1)), "2"((long)(a2)), "3"((long)(a3)), "4"((long)(a4))         \
        : "edi", "memory", "cc"); __r; })
#define _pv_hypercall5(nr, a1, a2, a3, a4, a5) ({ long __r, __b, __c, __d, __S, __D; \
    __asm__ __volatile__(PV__CALL(nr)                                                \
        : "=a"(__r), "=b"(__b), "=c"(__c), "=d"(__d), "=S"(__S), "=D"(__D)           \
        : "1"((long)(a1)), "2"((long)(a2)), "3"((long)(a3)), "4"((long)(a4)),        \
          "5"((long)(a5)) : "memory", "cc"); __r; })

/* ---- HYPERVISOR_<name>(args...): one per hypercall, arguments in Xen's order ---- */
#define HYPERVISOR_set_trap_table(table) _pv_hypercall1(__HYPERVISOR_set_trap_table, table)
#define HYPERVISOR_mmu_update(req, count, success_count, foreigndom) _pv_hypercall4(__HYPERVISOR_mmu_update, req, count, success_count, foreigndom)
#define HYPERVISOR_set_gdt(frame_list, entries) _pv_hypercall2(__HYPERVISOR_set_gdt, frame_list, entries)
#define HYPERVISOR_stack_switch(ss, esp) _pv_hypercall2(__HYPERVISOR_stack_switch, ss, esp)
#define HYPERVISOR_set_callbacks(event_selector, event_address, failsafe_selector, failsafe_address) _pv_hypercall4(__HYPERVISOR_set_callbacks, event_selector, event_address, failsafe_selector, failsafe_address)
#define HYPERVISOR_fpu_taskswitch(set) _pv_hypercall1(__HYPERVISOR_fpu_taskswitch, set)
#define HYPERVISOR_sched_op_compat(cmd, arg) _pv_hypercall2(__HYPERVISOR_sched_op_compat, cmd, arg)
#define HYPERVISOR_platform_op(op) _pv_hypercall1(__HYPERVISOR_platform_op, op)
#define HYPERVISOR_set_debugreg(reg, value) _pv_hypercall2(__HYPERVISOR_set_debugreg, reg, value)
#define HYPERVISOR_get_debugreg(reg) _pv_hypercall1(__HYPERVISOR_get_debugreg, reg)
#define HYPERVISOR_update_descriptor(ma_lo, ma_hi, desc_lo, desc_hi) _pv_hypercall4(__HYPERVISOR_update_descriptor, ma_lo, ma_hi, desc_lo, desc_hi)
#define HYPERVISOR_memory_op(cmd, arg) _pv_hypercall2(__HYPERVISOR_memory_op, cmd, arg)
#define HYPERVISOR_multicall(call_list, nr_calls) _pv_hypercall2(__HYPERVISOR_multicall, call_list, nr_calls)
#define HYPERVISOR_update_va_mapping(va, new_val_lo, new_val_hi, flags) _pv_hypercall4(__HYPERVISOR_update_va_mapping, va, new_val_lo, new_val_hi, flags)
#define HYPERVISOR_set_timer_op(timeout_lo, timeout_hi) _pv_hypercall2(__HYPERVISOR_set_timer_op, timeout_lo, timeout_hi)
#define HYPERVISOR_event_channel_op_compat(op) _pv_hypercall1(__HYPERVISOR_event_channel_op_compat, op)
#define HYPERVISOR_xen_version(cmd, arg) _pv_hypercall2(__HYPERVISOR_xen_version, cmd, arg)
#define HYPERVISOR_console_io(cmd, count, buffer) _pv_hypercall3(__HYPERVISOR_console_io, cmd, count, buffer)
#define HYPERVISOR_physdev_op_compat(op) _pv_hypercall1(__HYPERVISOR_physdev_op_compat, op)
#define HYPERVISOR_grant_table_op(cmd, uop, count) _pv_hypercall3(__HYPERVISOR_grant_table_op, cmd, uop, count)
#define HYPERVISOR_vm_assist(cmd, type) _pv_hypercall2(__HYPERVISOR_vm_assist, cmd, type)
#define HYPERVISOR_update_va_mapping_otherdomain(va, new_val_lo, new_val_hi, flags, domid) _pv_hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, va, new_val_lo, new_val_hi, flags, domid)
#define HYPERVISOR_vcpu_op(cmd, vcpuid, extra_args) _pv_hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpuid, extra_args)
#define HYPERVISOR_set_segment_base(which, base) _pv_hypercall2(__HYPERVISOR_set_segment_base, which, base)
#define HYPERVISOR_mmuext_op(op, count, success_count, domid) _pv_hypercall4(__HYPERVISOR_mmuext_op, op, count, success_count, domid)
#define HYPERVISOR_nmi_op(cmd, arg) _pv_hypercall2(__HYPERVISOR_nmi_op, cmd, arg)
#define HYPERVISOR_sched_op(cmd, arg) _pv_hypercall2(__HYPERVISOR_sched_op, cmd, arg)
#define HYPERVISOR_callback_op(cmd, arg) _pv_hypercall2(__HYPERVISOR_callback_op, cmd, arg)
#define HYPERVISOR_event_channel_op(cmd, arg) _pv_hypercall2(__HYPERVISOR_event_channel_op, cmd, arg)
#define HYPERVISOR_physdev_op(cmd, arg) _pv_hypercall2(__HYPERVISOR_physdev_op, cmd, arg)
#define HYPERVISOR_hvm_op(op, arg) _pv_hypercall2(__HYPERVISOR_hvm_op, op, arg)

/* ---- one-for-one replacements for privileged instructions ---- */
#define pv_barrier() __asm__ __volatile__("" : : : "memory")

/* cli: mask event delivery (a store to shared memory, no hypercall). */
static inline void pv_irq_disable(void)
{
    pv_vcpu_info->evtchn_upcall_mask = 1;
    pv_barrier();
}

/* sti: unmask, then have Xen deliver anything that arrived while masked. */
static inline void pv_irq_enable(void)
{
    pv_barrier();
    pv_vcpu_info->evtchn_upcall_mask = 0;
    pv_barrier();
    if (pv_vcpu_info->evtchn_upcall_pending)
        (void)HYPERVISOR_xen_version(XENVER_version, 0);
}

/* pushf; cli  ->  flags = pv_irq_save();   popf -> pv_irq_restore(flags); */
static inline unsigned long pv_irq_save(void)
{
    unsigned long masked = pv_vcpu_info->evtchn_upcall_mask;
    pv_irq_disable();
    return masked;
}

static inline void pv_irq_restore(unsigned long masked)
{
    if (masked) pv_irq_disable(); else pv_irq_enable();
}

/* hlt: block until an event is pending (SCHEDOP_block also unmasks events). */
static inline void pv_halt(void)
{
    (void)HYPERVISOR_sched_op(SCHEDOP_block, 0);
}

/* mov cr3, x: x is a machine address (PV page tables hold machine frames). */
static inline void pv_write_cr3(unsigned long cr3)
{
    struct mmuext_op op;
    op.cmd = MMUEXT_NEW_BASEPTR;
    op.arg1.mfn = cr3 >> 12;
    op.arg2.nr_ents = 0;
    (void)HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF);
}

/* mov x, cr2: Xen stores the faulting address in vcpu_info before the #PF bounce. */
static inline unsigned long pv_read_cr2(void)
{
    return pv_vcpu_info->arch.cr2;
}

/* invlpg (addr) */
static inline void pv_invlpg(const volatile void *addr)
{
    struct mmuext_op op;
    op.cmd = MMUEXT_INVLPG_LOCAL;
    op.arg1.linear_addr = (unsigned long)addr;
    op.arg2.nr_ents = 0;
    (void)HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF);
}

/* clts */
static inline void pv_clts(void)
{
    (void)HYPERVISOR_fpu_taskswitch(0);
}

/* wbinvd */
static inline void pv_wbinvd(void)
{
    struct mmuext_op op;
    op.cmd = MMUEXT_FLUSH_CACHE;
    op.arg1.mfn = 0;
    op.arg2.nr_ents = 0;
    (void)HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF);
}

/* mov drN, x */
static inline void pv_set_debugreg(int reg, unsigned long value)
{
    (void)HYPERVISOR_set_debugreg(reg, value);
}

/* mov x, drN */
static inline unsigned long pv_get_debugreg(int reg)
{
    return (unsigned long)HYPERVISOR_get_debugreg(reg);
}

/* Xen's forced-emulation prefix: the hypervisor traps the #UD and answers the filtered
   CPUID leaves. Use as the template: __asm__ volatile(PV_ASM_CPUID : "=a"(a), ...). */
#define PV_ASM_CPUID "ud2a; .ascii \"xen\"; cpuid"

/* Write a string to the hypervisor console. */
static inline long pv_console_write(const char *buf, unsigned long len)
{
    return HYPERVISOR_console_io(CONSOLEIO_write, len, buf);
}

/* Stop the domain with a shutdown reason (SHUTDOWN_poweroff, SHUTDOWN_crash, ...). */
static inline void pv_shutdown(unsigned int reason)
{
    struct sched_shutdown s;
    s.reason = reason;
    (void)HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}

/* ---- start-of-day helpers: Xen ELF notes (elfnote.h) ---- */
#define XEN_ELFNOTE_INFO            0
#define XEN_ELFNOTE_ENTRY           1
#define XEN_ELFNOTE_HYPERCALL_PAGE  2
#define XEN_ELFNOTE_VIRT_BASE       3
#define XEN_ELFNOTE_PADDR_OFFSET    4
#define XEN_ELFNOTE_XEN_VERSION     5
#define XEN_ELFNOTE_GUEST_OS        6
#define XEN_ELFNOTE_GUEST_VERSION   7
#define XEN_ELFNOTE_LOADER          8
#define XEN_ELFNOTE_PAE_MODE        9
#define XEN_ELFNOTE_FEATURES        10
#define XEN_ELFNOTE_BSD_SYMTAB      11

/* PV_ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz, "\"Paravirt\"") at file scope emits one note. */
#define PV_ELFNOTE(type, directive, value)                                          \
    __asm__(".pushsection .note.Xen, \"a\", @note\n\t.balign 4\n\t.long 4\n\t"        \
            ".long 2f - 1f\n\t.long " PV__STR(type) "\n\t.asciz \"Xen\"\n"              \
            "1:\t" #directive " " value "\n2:\n\t.balign 4\n\t.popsection")

#endif /* PARAVIRT_H */
