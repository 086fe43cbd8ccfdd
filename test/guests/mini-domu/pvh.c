/* PVH start of day, as Mini-OS's x86 code does it without CONFIG_PARAVIRT: Xen found by its
   CPUID leaves, the hypercall page asked for through the MSR leaf 0x40000002 names,
   shared_info and the grant frames placed in our physical map by XENMEM_add_to_physmap, the
   console and xenstore found in HVM params, events delivered on an IDT vector named by
   HVM_PARAM_CALLBACK_IRQ. Memory is described by hvm_start_info's map and by
   XENMEM_memory_map, which must agree. */
#include "mini-domu.h"

#ifndef CONFIG_PARAVIRT
#define UPCALL_VECTOR 0xf3

extern char pvh_upcall[], pvh_trap_0[], pvh_trap_6[], pvh_trap_13[], pvh_trap_14[];

static struct hvm_start_info start_info;
static char shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static char gnttab_area[4 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
shared_info_t *HYPERVISOR_shared_info;

struct idt_gate { uint16_t off0, sel; uint8_t ist, type; uint16_t off1; uint32_t off2, zero; };
static struct idt_gate idt[256] __attribute__((aligned(16)));

static void check(long rc, const char *what) {
  if (rc < 0) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s failed: %ld", what, rc);
    do_exit(msg);
  }
}

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
  __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static void set_gate(int vec, void *fn) {
  unsigned long a = (unsigned long)fn;
  idt[vec] = (struct idt_gate){ (uint16_t)a, 0x08, 0, 0x8e, (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0 };
}

static uint64_t get_param(uint32_t index) {
  struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
  check(HYPERVISOR_hvm_op(HVMOP_get_param, &p), "hvm_op(get_param)");
  return p.value;
}

static void add_to_physmap(unsigned int space, unsigned long idx, void *page) {
  struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = space, .idx = idx, .gpfn = (unsigned long)page >> PAGE_SHIFT };
  check(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x), "memory_op(add_to_physmap)");
}

void arch_init(void *boot_info) {
  memcpy(&start_info, boot_info, sizeof start_info);
  /* Exceptions first: a fault from here on is reported, not a triple fault. */
  set_gate(0, pvh_trap_0);
  set_gate(6, pvh_trap_6);
  set_gate(13, pvh_trap_13);
  set_gate(14, pvh_trap_14);
  set_gate(UPCALL_VECTOR, pvh_upcall);
  struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = { sizeof idt - 1, (uint64_t)idt };
  __asm__ volatile("lidt %0" :: "m"(idtr));

  uint32_t base, a, b, c, d;
  for (base = 0x40000000; base < 0x40010000; base += 0x100) {
    cpuid(base, &a, &b, &c, &d);
    if (b == 0x566e6558 && c == 0x65584d4d && d == 0x4d4d566e && a - base >= 2) break; /* "XenVMMXenVMM" */
  }
  if (base >= 0x40010000) do_exit("no Xen CPUID leaves");
  uint32_t pages, msr;
  cpuid(base + 2, &pages, &msr, &c, &d);
  uint64_t page = (uint64_t)hypercall_page;
  __asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)page), "d"((uint32_t)(page >> 32)));
  /* Only now can anything be printed (console_io is a hypercall). */
  cpuid(base + 1, &a, &b, &c, &d);
  printk("Xen CPUID leaves at 0x%x, Xen %u.%u; %u hypercall page(s) through MSR 0x%x\n", base, a >> 16, a & 0xffff, pages, msr);
  if (start_info.magic != XEN_HVM_START_MAGIC_VALUE) do_exit("hvm_start_info magic is wrong");
  printk("hvm_start_info: version %u, flags 0x%x, %u modules, rsdp 0x%lx, command line '%s'\n", start_info.version, start_info.flags,
         start_info.nr_modules, (unsigned long)start_info.rsdp_paddr, start_info.cmdline_paddr ? (const char *)start_info.cmdline_paddr : "");
  add_to_physmap(XENMAPSPACE_shared_info, 0, shared_info_page);
  HYPERVISOR_shared_info = (shared_info_t *)shared_info_page;
  struct xen_hvm_param via = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
                                .value = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | UPCALL_VECTOR };
  check(HYPERVISOR_hvm_op(HVMOP_set_param, &via), "hvm_op(set_param CALLBACK_IRQ)");
}

void arch_init_mm(unsigned long *start_pfn, unsigned long *max_pfn) {
  /* XENMEM_memory_map fills BIOS E820 entries: 20 bytes each, packed. */
  static struct { uint64_t addr, size; uint32_t type; } __attribute__((packed)) e820[32];
  struct xen_memory_map map = { .nr_entries = 32 };
  set_xen_guest_handle(map.buffer, e820);
  check(HYPERVISOR_memory_op(XENMEM_memory_map, &map), "memory_op(memory_map)");
  unsigned long top = 0;
  for (unsigned i = 0; i < map.nr_entries; i++) {
    printk("e820: 0x%lx-0x%lx type %u\n", (unsigned long)e820[i].addr, (unsigned long)(e820[i].addr + e820[i].size - 1), e820[i].type);
    if (e820[i].type == 1 && e820[i].addr + e820[i].size > top) top = e820[i].addr + e820[i].size;
  }
  if (start_info.version >= 1 && start_info.memmap_paddr) {
    const struct hvm_memmap_table_entry *m = (const struct hvm_memmap_table_entry *)start_info.memmap_paddr;
    if (start_info.memmap_entries != map.nr_entries) do_exit("hvm_start_info memmap and XENMEM_memory_map differ in length");
    for (unsigned i = 0; i < map.nr_entries; i++)
      if (m[i].addr != e820[i].addr || m[i].size != e820[i].size || m[i].type != e820[i].type) do_exit("hvm_start_info memmap and XENMEM_memory_map differ");
  }
  if (top > (1UL << 30)) top = 1UL << 30;   /* what the boot page tables map */
  volatile unsigned long *last = (unsigned long *)(top - PAGE_SIZE);
  *last = 0x6d696e69646f6d75UL;
  if (*last != 0x6d696e69646f6d75UL) do_exit("the last page of RAM does not keep what was written");
  printk("mm: RAM up to 0x%lx, memory map agrees with hvm_start_info\n", top);
  extern char _end[];
  *start_pfn = PFN_UP((unsigned long)_end);
  *max_pfn = top >> PAGE_SHIFT;
}

struct xencons_interface *arch_console_ring(evtchn_port_t *port) {
  *port = (evtchn_port_t)get_param(HVM_PARAM_CONSOLE_EVTCHN);
  return (struct xencons_interface *)(get_param(HVM_PARAM_CONSOLE_PFN) << PAGE_SHIFT);
}

struct xenstore_domain_interface *arch_xenstore_ring(evtchn_port_t *port) {
  *port = (evtchn_port_t)get_param(HVM_PARAM_STORE_EVTCHN);
  return (struct xenstore_domain_interface *)(get_param(HVM_PARAM_STORE_PFN) << PAGE_SHIFT);
}

grant_entry_v1_t *arch_init_gnttab(unsigned int nr_frames) {
  if (nr_frames > 4) nr_frames = 4;
  for (unsigned i = 0; i < nr_frames; i++) add_to_physmap(XENMAPSPACE_grant_table, i, gnttab_area + i * PAGE_SIZE);
  printk("gnttab: %u frames placed at 0x%lx by add_to_physmap\n", nr_frames, (unsigned long)gnttab_area);
  return (grant_entry_v1_t *)gnttab_area;
}

unsigned long arch_frame_of(void *page) { return (unsigned long)page >> PAGE_SHIFT; }

void local_irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
void local_irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
int irqs_disabled(void) { unsigned long f; __asm__ volatile("pushf; pop %0" : "=r"(f)); return !(f & 0x200); }

void block_domain(uint64_t until) {
  if (monotonic_clock() >= until) return;
  HYPERVISOR_set_timer_op(until);
  /* With IF set, the upcall vector is injected as Xen wakes the vCPU. */
  local_irq_enable();
  HYPERVISOR_sched_op(SCHEDOP_block, 0);
  local_irq_disable();
}
#endif
