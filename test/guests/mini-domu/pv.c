/* 64-bit PV start of day, as Mini-OS's x86 arch code does it: start_info from the domain
   builder, shared_info mapped by update_va_mapping, the trap table and callbacks registered,
   and the rest of the domain's memory mapped by building new L1 tables (made read-only,
   pinned, hooked into the L2 by mmu_update), frames found through the p2m list and the
   read-only M2P table at Xen's virtual address. */
#include "mini-domu.h"

#ifdef CONFIG_PARAVIRT
extern char hypervisor_callback[], failsafe_callback[];
extern char trap_0[], trap_6[], trap_13[], trap_14[];

#define PTE_PRESENT 0x001UL
#define PTE_RW      0x002UL
#define PTE_USER    0x004UL
#define PTE_ACCESSED 0x020UL
#define PTE_DIRTY   0x040UL
#define PTE_ADDR    0x000ffffffffff000UL
#define PAGE_PROT   (PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY)
#define TABLE_PROT  (PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED)

static start_info_t start_info;
static unsigned long *p2m;
static const unsigned long *const m2p = (const unsigned long *)MACH2PHYS_VIRT_START;
static char shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static char gnttab_area[4 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
shared_info_t *HYPERVISOR_shared_info;

#define HYPERVISOR_update_va_mapping(va, val, fl) HYPERCALL(__HYPERVISOR_update_va_mapping, va, val, fl, 0, 0)
#define HYPERVISOR_mmu_update(req, n, done, dom)  HYPERCALL(__HYPERVISOR_mmu_update, req, n, done, dom, 0)
#define HYPERVISOR_mmuext_op(op, n, done, dom)    HYPERCALL(__HYPERVISOR_mmuext_op, op, n, done, dom, 0)
#define HYPERVISOR_set_trap_table(t)              HYPERCALL(__HYPERVISOR_set_trap_table, t, 0, 0, 0, 0)
#define HYPERVISOR_callback_op(cmd, arg)          HYPERCALL(__HYPERVISOR_callback_op, cmd, arg, 0, 0, 0)

static void check(long rc, const char *what) {
  if (rc < 0) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s failed: %ld", what, rc);
    do_exit(msg);
  }
}

static int memcmp_magic(const char *m) {
  const char *want = "xen-3.0-x86_64";
  for (size_t i = 0; want[i]; i++) if (m[i] != want[i]) return 1;
  return 0;
}

/* Where the M2P is, as Linux asks before it reads it: Xen's whole reserved range for x86_64. */
static void check_machphys(void) {
  struct xen_machphys_mapping m;
  check(HYPERVISOR_memory_op(XENMEM_machphys_mapping, &m), "memory_op(machphys_mapping)");
  if (m.v_start != MACH2PHYS_VIRT_START || m.v_end != MACH2PHYS_VIRT_END || m.max_mfn != MACH2PHYS_NR_ENTRIES - 1)
    do_exit("XENMEM_machphys_mapping differs from xen-x86_64.h");
  printk("m2p: 0x%lx-0x%lx, max_mfn 0x%lx\n", m.v_start, m.v_end, m.max_mfn);
}

/* Segment bases through the MSRs, which Xen emulates for a 64-bit PV kernel (Linux's startup_xen
   sets GS_BASE this way): FS_BASE written by WRMSR must be what %fs: addresses and RDMSR reads. */
static unsigned long fs_probe = 0x66735f70726f6265UL;
static void check_msrs(void) {
  unsigned long base = (unsigned long)&fs_probe - 64;
  __asm__ volatile("wrmsr" :: "c"(0xc0000100), "a"((uint32_t)base), "d"((uint32_t)(base >> 32)));
  unsigned long through_fs;
  __asm__ volatile("mov %%fs:64, %0" : "=r"(through_fs));
  uint32_t lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000100));
  if (through_fs != fs_probe || (((unsigned long)hi << 32) | lo) != base) do_exit("FS_BASE by WRMSR/RDMSR does not hold");
  __asm__ volatile("wrmsr" :: "c"(0xc0000100), "a"(0), "d"(0));
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080));
  printk("msr: FS_BASE by wrmsr/rdmsr holds; EFER 0x%x\n", lo);
}

/* CPUID as a PV kernel must ask for it (Xen's forced-emulation prefix: ud2; .ascii "xen"; cpuid),
   so the answer is Xen's PV policy and not the bare CPU's. */
static void xen_cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
  __asm__ volatile("ud2a; .ascii \"xen\"; cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static void show_cpuid(void) {
  uint32_t a, b, c1, d1, c8, d8, b7, c7, d7;
  xen_cpuid(1, 0, &a, &b, &c1, &d1);
  xen_cpuid(0x80000001, 0, &a, &b, &c8, &d8);
  xen_cpuid(7, 0, &a, &b7, &c7, &d7);
  printk("cpuid: 1.edx 0x%x 1.ecx 0x%x 80000001.edx 0x%x 80000001.ecx 0x%x 7.ebx 0x%x 7.ecx 0x%x 7.edx 0x%x\n", d1, c1, d8, c8, b7, c7, d7);
}

/* CR4 as Linux's cpu_init writes it: Xen lets a PV kernel choose FSGSBASE (when its CPUID
   offers it) and drops bits it may not set (PGE) instead of faulting. */
static void check_cr4(void) {
  unsigned long cr4, after;
  uint32_t a, b7, c, d;
  xen_cpuid(7, 0, &a, &b7, &c, &d);
  __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
  __asm__ volatile("mov %0, %%cr4" :: "r"(cr4 | (1UL << 16) | (1UL << 7)));
  __asm__ volatile("mov %%cr4, %0" : "=r"(after));
  int fsgs = (b7 & 1) != 0;
  if ((after & (1UL << 7)) || (fsgs && !(after & (1UL << 16)))) do_exit("CR4 write not as Xen's pv_fixup_guest_cr4");
  if (fsgs) {
    unsigned long base = (unsigned long)&fs_probe - 8, back;
    __asm__ volatile("wrfsbase %0" :: "r"(base));
    __asm__ volatile("rdfsbase %0" : "=r"(back));
    unsigned long via;
    __asm__ volatile("mov %%fs:8, %0" : "=r"(via));
    if (back != base || via != fs_probe) do_exit("WRFSBASE/RDFSBASE under CR4.FSGSBASE");
    __asm__ volatile("wrfsbase %0" :: "r"(0UL));
  }
  printk("cr4: 0x%lx after setting FSGSBASE and PGE (FSGSBASE %s, PGE dropped)\n", after, fsgs ? "set, wrfsbase/rdfsbase hold" : "not offered");
}

void arch_init(void *boot_info) {
  memcpy(&start_info, boot_info, sizeof start_info);
  if (memcmp_magic(start_info.magic)) do_exit("start_info magic is not xen-3.0-x86_64");
  p2m = (unsigned long *)start_info.mfn_list;
  /* shared_info is given as a machine address: map it over a page of our own. */
  check(HYPERVISOR_update_va_mapping((unsigned long)shared_info_page, start_info.shared_info | PAGE_PROT, UVMF_INVLPG), "update_va_mapping(shared_info)");
  HYPERVISOR_shared_info = (shared_info_t *)shared_info_page;
  static trap_info_t traps[] = {
    { 0, 0, FLAT_KERNEL_CS, (unsigned long)trap_0 },
    { 6, 0, FLAT_KERNEL_CS, (unsigned long)trap_6 },
    { 13, 0, FLAT_KERNEL_CS, (unsigned long)trap_13 },
    { 14, 0, FLAT_KERNEL_CS, (unsigned long)trap_14 },
    { 0, 0, 0, 0 },
  };
  check(HYPERVISOR_set_trap_table(traps), "set_trap_table");
  struct callback_register event = { .type = CALLBACKTYPE_event, .flags = CALLBACKF_mask_events, .address = (unsigned long)hypervisor_callback };
  struct callback_register failsafe = { .type = CALLBACKTYPE_failsafe, .flags = CALLBACKF_mask_events, .address = (unsigned long)failsafe_callback };
  check(HYPERVISOR_callback_op(CALLBACKOP_register, &event), "callback_op(event)");
  check(HYPERVISOR_callback_op(CALLBACKOP_register, &failsafe), "callback_op(failsafe)");
  printk("start_info: %s, %lu pages, shared_info at 0x%lx, pt_base 0x%lx (%lu frames), mfn_list 0x%lx, flags 0x%x\n",
         start_info.magic, start_info.nr_pages, start_info.shared_info, start_info.pt_base, start_info.nr_pt_frames,
         start_info.mfn_list, start_info.flags);
  printk("command line: '%s'\n", (const char *)start_info.cmd_line);
  check_machphys();
  check_msrs();
  show_cpuid();
  check_cr4();
}


static uint64_t *table_of(uint64_t entry) { return (uint64_t *)(m2p[(entry & PTE_ADDR) >> PAGE_SHIFT] << PAGE_SHIFT); }

/* The L2 entry's table for `va` (the L4 and L3 entries must exist), and the L2 entry's machine address. */
static uint64_t *l2_of(unsigned long va, uint64_t *l2e_machine) {
  uint64_t *l4 = (uint64_t *)start_info.pt_base;
  uint64_t l4e = l4[(va >> 39) & 511];
  if (!(l4e & PTE_PRESENT)) do_exit("no L4 entry for the domain's memory");
  uint64_t *l3 = table_of(l4e);
  uint64_t l3e = l3[(va >> 30) & 511];
  if (!(l3e & PTE_PRESENT)) do_exit("no L3 entry for the domain's memory (more than 1 GiB?)");
  *l2e_machine = (l3e & PTE_ADDR) + 8 * ((va >> 21) & 511);
  return table_of(l3e);
}

/* Machine address of the L1 entry mapping `va` (which must be mapped by a 4 KiB page). */
static uint64_t l1e_machine(unsigned long va) {
  uint64_t l2m;
  uint64_t *l2 = l2_of(va, &l2m);
  uint64_t l2e = l2[(va >> 21) & 511];
  if (!(l2e & PTE_PRESENT) || (l2e & 0x80)) do_exit("page-table walk: no 4 KiB mapping");
  return (l2e & PTE_ADDR) + 8 * ((va >> PAGE_SHIFT) & 511);
}

static uint64_t l1e_machine_base(uint64_t *l2, unsigned long pfn) { return l2[(pfn >> 9) & 511] & PTE_ADDR; }

static unsigned long tables_built, pages_mapped;

/* A new L1 table from frame `pfn` for the 2 MiB region at `va`: zeroed, made read-only, pinned, hooked in. */
static void new_l1(unsigned long pfn, unsigned long va) {
  memset((void *)(pfn << PAGE_SHIFT), 0, PAGE_SIZE);
  mmu_update_t u = { .ptr = l1e_machine(pfn << PAGE_SHIFT) | MMU_NORMAL_PT_UPDATE, .val = (p2m[pfn] << PAGE_SHIFT) | (TABLE_PROT & ~PTE_RW) };
  check(HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF), "mmu_update(make L1 read-only)");
  struct mmuext_op pin = { .cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = p2m[pfn] };
  check(HYPERVISOR_mmuext_op(&pin, 1, NULL, DOMID_SELF), "mmuext_op(PIN_L1_TABLE)");
  uint64_t l2m;
  l2_of(va, &l2m);
  u.ptr = l2m | MMU_NORMAL_PT_UPDATE;
  u.val = (p2m[pfn] << PAGE_SHIFT) | TABLE_PROT;
  check(HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF), "mmu_update(hook L1 into L2)");
  tables_built++;
}

/* A batch as Linux issues its lazy MMU updates: remap a page read-only by update_va_mapping,
   ask the version, and an op Xen does not have, in one multicall; each entry's result comes
   back in its own multicall_entry (64 bytes each on x86_64). */
static void check_multicall(unsigned long pfn) {
  unsigned long va = pfn << PAGE_SHIFT;
  multicall_entry_t calls[3] = {
    { .op = __HYPERVISOR_update_va_mapping, .args = { va, (p2m[pfn] << PAGE_SHIFT) | (PAGE_PROT & ~PTE_RW), UVMF_INVLPG } },
    { .op = __HYPERVISOR_xen_version, .args = { XENVER_version, 0 } },
    { .op = 63, .args = { 0 } },
  };
  check(HYPERCALL(__HYPERVISOR_multicall, calls, 3, 0, 0, 0), "multicall");
  uint64_t l1e = *(uint64_t *)(m2p[l1e_machine(va) >> PAGE_SHIFT] << PAGE_SHIFT | (l1e_machine(va) & (PAGE_SIZE - 1)));
  if (l1e & PTE_RW) do_exit("update_va_mapping in a multicall left the page writable");
  printk("multicall: 3 entries, results %ld 0x%lx %ld\n", (long)calls[0].result, (unsigned long)calls[1].result, (long)calls[2].result);
}

/* Maps every page of the domain (the domain builder mapped only the bootstrap region). */
void arch_init_mm(unsigned long *start_pfn, unsigned long *max_pfn) {
  unsigned long first_free = PFN_UP(start_info.pt_base) + start_info.nr_pt_frames + 3;
  unsigned long nr = start_info.nr_pages;
  /* The bootstrap region ends at a 4 MiB boundary with at least 512 KiB to spare: find its end. */
  unsigned long pfn = first_free;
  for (;;) {
    uint64_t l2m;
    uint64_t *l2 = l2_of(pfn << PAGE_SHIFT, &l2m);
    uint64_t l2e = l2[(pfn >> 9) & 511];
    if (!(l2e & PTE_PRESENT)) break;
    uint64_t *l1 = table_of(l2e);
    if (!(l1[pfn & 511] & PTE_PRESENT)) break;
    pfn++;
  }
  unsigned long mapped_end = pfn;
  if (mapped_end < first_free + 128) do_exit("bootstrap mapping has less than 512 KiB of padding");
  static mmu_update_t batch[512];
  unsigned long next_table = first_free;
  while (pfn < nr) {
    unsigned long va = pfn << PAGE_SHIFT;
    uint64_t l2m;
    uint64_t *l2 = l2_of(va, &l2m);
    if (!(l2[(pfn >> 9) & 511] & PTE_PRESENT)) new_l1(next_table++, va);
    /* Fill this L1 up to the end of its 2 MiB or of memory, in one mmu_update. */
    uint64_t base = l1e_machine_base(l2, pfn);
    unsigned n = 0;
    do {
      batch[n].ptr = (base + 8 * (pfn & 511)) | MMU_NORMAL_PT_UPDATE;
      batch[n].val = (p2m[pfn] << PAGE_SHIFT) | PAGE_PROT;
      n++;
      pfn++;
    } while (pfn < nr && (pfn & 511) != 0);
    unsigned int done = 0;
    check(HYPERVISOR_mmu_update(batch, n, &done, DOMID_SELF), "mmu_update(map pages)");
    if (done != n) do_exit("mmu_update did not report all its updates done");
    pages_mapped += n;
  }
  /* Every page is reachable now: touch the last one. */
  volatile unsigned long *last = (unsigned long *)((nr - 1) << PAGE_SHIFT);
  *last = 0x6d696e69646f6d75UL;
  if (*last != 0x6d696e69646f6d75UL) do_exit("the last page does not keep what was written");
  /* The M2P agrees with the p2m list for every page. */
  for (unsigned long i = 0; i < nr; i++) if (m2p[p2m[i]] != i) do_exit("M2P and p2m disagree");
  printk("mm: bootstrap region maps pfn 0-%lu; built %lu L1 tables, mapped %lu more pages; M2P agrees with the p2m for all %lu\n",
         mapped_end - 1, tables_built, pages_mapped, nr);
  check_multicall(next_table++);
  *start_pfn = next_table;
  *max_pfn = nr;
}


struct xencons_interface *arch_console_ring(evtchn_port_t *port) {
  *port = start_info.console.domU.evtchn;
  return (struct xencons_interface *)(m2p[start_info.console.domU.mfn] << PAGE_SHIFT);
}

struct xenstore_domain_interface *arch_xenstore_ring(evtchn_port_t *port) {
  *port = start_info.store_evtchn;
  return (struct xenstore_domain_interface *)(m2p[start_info.store_mfn] << PAGE_SHIFT);
}

grant_entry_v1_t *arch_init_gnttab(unsigned int nr_frames) {
  xen_pfn_t frames[4];
  if (nr_frames > 4) nr_frames = 4;
  struct gnttab_setup_table setup = { .dom = DOMID_SELF, .nr_frames = nr_frames };
  set_xen_guest_handle(setup.frame_list, frames);
  check(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &setup, 1), "grant_table_op(setup_table)");
  if (setup.status != GNTST_okay) do_exit("GNTTABOP_setup_table status is not GNTST_okay");
  for (unsigned i = 0; i < nr_frames; i++) {
    check(HYPERVISOR_update_va_mapping((unsigned long)gnttab_area + i * PAGE_SIZE, (frames[i] << PAGE_SHIFT) | PAGE_PROT, UVMF_INVLPG),
          "update_va_mapping(grant frame)");
  }
  printk("gnttab: setup_table gave %u frames, first mfn 0x%lx\n", nr_frames, (unsigned long)frames[0]);
  return (grant_entry_v1_t *)gnttab_area;
}

unsigned long arch_frame_of(void *page) { return p2m[(unsigned long)page >> PAGE_SHIFT]; }

void local_irq_disable(void) { HYPERVISOR_shared_info->vcpu_info[0].evtchn_upcall_mask = 1; barrier(); }
int irqs_disabled(void) { return HYPERVISOR_shared_info->vcpu_info[0].evtchn_upcall_mask != 0; }

void local_irq_enable(void) {
  vcpu_info_t *v = &HYPERVISOR_shared_info->vcpu_info[0];
  barrier();
  v->evtchn_upcall_mask = 0;
  barrier();
  /* An event that arrived while masked is delivered on the next hypercall: force one. */
  if (v->evtchn_upcall_pending) HYPERVISOR_xen_version(0, 0);
}

void block_domain(uint64_t until) {
  if (monotonic_clock() >= until) return;
  HYPERVISOR_set_timer_op(until);
  /* Xen unmasks events, blocks, and delivers the upcall as the hypercall returns. */
  HYPERVISOR_sched_op(SCHEDOP_block, 0);
  local_irq_disable();
}
#endif
