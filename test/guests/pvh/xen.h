/* What the PVH test kernels know of Xen: hypercalls through the page entry.asm asked for
   (64-bit convention: RDI, RSI, RDX, R10, R8; result in RAX), the structures they pass, and
   console output through console_io. Numbers are Xen's public headers'. */
#ifndef PVH_XEN_H
#define PVH_XEN_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef long s64;

extern u8 hypercall_page[4096];
extern u32 pvh32_console_pfn, pvh32_console_rc, pvh32_xen_base;

static inline long hcall5(int nr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5) {
  register u64 r10 __asm__("r10") = a4;
  register u64 r8 __asm__("r8") = a5;
  long ret;
  __asm__ volatile("call *%[entry]"
                   : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                   : [entry] "r"(hypercall_page + nr * 32)
                   : "memory", "rcx", "r9", "r11");
  return ret;
}
#define HCALL(nr, a, b, c) hcall5(nr, (u64)(a), (u64)(b), (u64)(c), 0, 0)

enum { HC_mmu_update = 1, HC_set_trap_table = 0, HC_memory_op = 12, HC_update_va_mapping = 14, HC_xen_version = 17,
       HC_console_io = 18, HC_iret = 23, HC_set_segment_base = 25, HC_sched_op = 29, HC_callback_op = 30,
       HC_event_channel_op = 32, HC_hvm_op = 34, HC_sysctl = 35 };
enum { HVMOP_set_param = 0, HVMOP_get_param = 1, HVMOP_set_evtchn_upcall_vector = 23 };
enum { HVM_PARAM_CALLBACK_IRQ = 0, HVM_PARAM_STORE_PFN = 1, HVM_PARAM_STORE_EVTCHN = 2, HVM_PARAM_IDENT_PT = 12,
       HVM_PARAM_CONSOLE_PFN = 17, HVM_PARAM_CONSOLE_EVTCHN = 18 };
enum { XENMEM_memory_map = 9, XENMEM_add_to_physmap = 7, XENMEM_machphys_mapping = 12 };
#define DOMID_SELF 0x7ff0

struct xen_hvm_param { u16 domid; u16 pad; u32 index; u64 value; };
struct xen_hvm_evtchn_upcall_vector { u32 vcpu; u8 vector; };
struct xen_memory_map { u32 nr_entries; u32 pad; void *buffer; };
struct e820entry { u64 addr; u64 size; u32 type; } __attribute__((packed));
struct xen_add_to_physmap { u16 domid; u16 size; u32 space; u64 idx; u64 gpfn; };

struct hvm_start_info {
  u32 magic, version, flags, nr_modules;
  u64 modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
  u32 memmap_entries, reserved;
};
struct hvm_modlist_entry { u64 paddr, size, cmdline_paddr, reserved; };
struct hvm_memmap_table_entry { u64 addr, size; u32 type, reserved; };

void print(const char *s);
int printf(const char *fmt, ...);
long get_param(u32 index, u64 *value);
long set_param(u32 index, u64 value);
void poweroff(void) __attribute__((noreturn));
struct boot64_frame;
/* Called for interrupts (vectors 0x20 and up) instead of the crash every exception gets. */
extern void (*volatile irq_hook)(struct boot64_frame *f);

static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d) {
  __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}
static inline void wrmsr(u32 msr, u64 v) { __asm__ volatile("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory"); }
#endif
