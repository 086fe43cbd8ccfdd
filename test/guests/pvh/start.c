/* PVH start of day, 64-bit: what the kernel finds (hvm_start_info, Xen's CPUID leaves, the
   HVM parameters the toolstack set) and the answers the hypervisor gives, each printed so the
   test compares them with what the loader and Xen's rules say. Ends with sched_op shutdown. */
#include "xen.h"

static char cmdline_copy[128];

static void show_start_info(const struct hvm_start_info *si) {
  printf("start_info magic=%x version=%u flags=%u modules=%u\n", si->magic, si->version, si->flags, si->nr_modules);
  const char *cmd = (const char *)si->cmdline_paddr;
  int i = 0;
  if (cmd) for (; cmd[i] && i < (int)sizeof cmdline_copy - 1; i++) cmdline_copy[i] = cmd[i];
  cmdline_copy[i] = 0;
  printf("cmdline=\"%s\"\n", cmdline_copy);
  const struct hvm_modlist_entry *m = (const struct hvm_modlist_entry *)si->modlist_paddr;
  for (u32 k = 0; k < si->nr_modules; k++) {
    const u8 *b = (const u8 *)m[k].paddr;
    printf("module %u paddr=%lx size=%lu first=%c%c%c%c\n", k, m[k].paddr, m[k].size, b[0], b[1], b[2], b[3]);
  }
  const struct hvm_memmap_table_entry *e = (const struct hvm_memmap_table_entry *)si->memmap_paddr;
  for (u32 k = 0; k < si->memmap_entries; k++) printf("memmap %lx %lx %u\n", e[k].addr, e[k].size, e[k].type);
  const char *rsdp = (const char *)si->rsdp_paddr;
  printf("rsdp=%lx sig=%c%c%c%c%c%c%c%c rev=%u\n", si->rsdp_paddr, rsdp[0], rsdp[1], rsdp[2], rsdp[3], rsdp[4], rsdp[5], rsdp[6], rsdp[7], (u8)rsdp[15]);
}

static void show_cpuid(void) {
  u32 base = pvh32_xen_base, a, b, c, d;
  cpuid(base, &a, &b, &c, &d);
  printf("cpuid base=%x max=%x sig=%c%c%c%c%c%c%c%c%c%c%c%c\n", base, a,
         b & 0xff, (b >> 8) & 0xff, (b >> 16) & 0xff, b >> 24, c & 0xff, (c >> 8) & 0xff, (c >> 16) & 0xff, c >> 24,
         d & 0xff, (d >> 8) & 0xff, (d >> 16) & 0xff, d >> 24);
  cpuid(base + 1, &a, &b, &c, &d);
  printf("cpuid version=%u.%u\n", a >> 16, a & 0xffff);
  cpuid(base + 2, &a, &b, &c, &d);
  printf("cpuid pages=%u msr=%x\n", a, b);
  cpuid(base + 4, &a, &b, &c, &d);
  printf("cpuid hvm flags=%x vcpu=%u domid=%u\n", a, b, c);
  cpuid(1, &a, &b, &c, &d);
  printf("cpuid hypervisor bit=%u\n", c >> 31);
}

void pvh_main(u32 magic, u64 info) {
  (void)magic;
  /* boot64.inc zeroed .bss, the page with it: ask again, now from 64-bit code. */
  wrmsr(0x40000000, (u64)hypercall_page);
  printf("pvh: 64-bit, 32-bit get_param rc=%d console pfn=%x\n", (int)pvh32_console_rc, pvh32_console_pfn);
  printf("stub0=%x %x %x %x %x %x %x %x %x iret=%x %x pad=%x\n", hypercall_page[0], hypercall_page[1], hypercall_page[2],
         hypercall_page[3], hypercall_page[4], hypercall_page[5], hypercall_page[6], hypercall_page[7], hypercall_page[8],
         hypercall_page[23 * 32], hypercall_page[23 * 32 + 1], hypercall_page[9]);
  show_start_info((const struct hvm_start_info *)info);
  show_cpuid();

  long v = HCALL(HC_xen_version, 0, 0, 0);
  printf("xen_version=%lu.%lu\n", v >> 16, v & 0xffff);
  u32 feat[2] = { 0, 0 };
  long frc = HCALL(HC_xen_version, 6, feat, 0);
  printf("get_features rc=%ld map=%x\n", frc, feat[1]);

  u64 val;
  long rc;
  rc = get_param(HVM_PARAM_CONSOLE_PFN, &val); printf("param console_pfn rc=%ld value=%lx\n", rc, val);
  rc = get_param(HVM_PARAM_CONSOLE_EVTCHN, &val); printf("param console_evtchn rc=%ld value=%lu\n", rc, val);
  rc = get_param(HVM_PARAM_STORE_PFN, &val); printf("param store_pfn rc=%ld value=%lx\n", rc, val);
  rc = get_param(HVM_PARAM_STORE_EVTCHN, &val); printf("param store_evtchn rc=%ld value=%lu\n", rc, val);
  rc = get_param(HVM_PARAM_IDENT_PT, &val); printf("param ident_pt rc=%ld\n", rc);
  rc = get_param(99, &val); printf("param 99 rc=%ld\n", rc);
  rc = set_param(HVM_PARAM_STORE_PFN, 5); printf("set store_pfn rc=%ld\n", rc);
  rc = set_param(HVM_PARAM_CALLBACK_IRQ, (2ul << 56) | 0x05); printf("set callback vector 5 rc=%ld\n", rc);
  rc = set_param(HVM_PARAM_CALLBACK_IRQ, (2ul << 56) | 0xf3); printf("set callback vector f3 rc=%ld\n", rc);
  rc = get_param(HVM_PARAM_CALLBACK_IRQ, &val); printf("param callback_irq rc=%ld value=%lx\n", rc, val);
  { struct xen_hvm_param p = { 0x1234, 0, HVM_PARAM_CONSOLE_PFN, 0 }; printf("get_param other domain rc=%ld\n", HCALL(HC_hvm_op, HVMOP_get_param, &p, 0)); }
  { struct xen_hvm_evtchn_upcall_vector u = { 0, 0x0f }; printf("upcall vector 0f rc=%ld\n", HCALL(HC_hvm_op, HVMOP_set_evtchn_upcall_vector, &u, 0)); }
  { struct xen_hvm_evtchn_upcall_vector u = { 1, 0xf3 }; printf("upcall vector vcpu1 rc=%ld\n", HCALL(HC_hvm_op, HVMOP_set_evtchn_upcall_vector, &u, 0)); }
  { struct xen_hvm_evtchn_upcall_vector u = { 0, 0xf3 }; printf("upcall vector f3 rc=%ld\n", HCALL(HC_hvm_op, HVMOP_set_evtchn_upcall_vector, &u, 0)); }
  printf("hvm_op 77 rc=%ld\n", HCALL(HC_hvm_op, 77, 0, 0));
  printf("hvm_op bad pointer rc=%ld\n", HCALL(HC_hvm_op, HVMOP_get_param, 0x7fff00000000ul, 0));

  struct e820entry map[8];
  struct xen_memory_map mm = { 8, 0, map };
  rc = HCALL(HC_memory_op, XENMEM_memory_map, &mm, 0);
  printf("memory_map rc=%ld entries=%u\n", rc, mm.nr_entries);
  for (u32 k = 0; k < mm.nr_entries && rc == 0; k++) printf("e820 %lx %lx %u\n", map[k].addr, map[k].size, map[k].type);
  mm.nr_entries = 1;
  long src = HCALL(HC_memory_op, XENMEM_memory_map, &mm, 0);
  printf("memory_map short rc=%ld entries=%u\n", src, mm.nr_entries);
  printf("machphys_mapping rc=%ld\n", HCALL(HC_memory_op, XENMEM_machphys_mapping, 0, 0));
  { struct xen_add_to_physmap x = { DOMID_SELF, 0, 0, 0, 0x300 }; printf("add_to_physmap shared_info rc=%ld\n", HCALL(HC_memory_op, XENMEM_add_to_physmap, &x, 0)); }

  /* multicall: each entry through the HVM table, results written back; no nesting. */
  {
    struct { u64 op, result, args[6]; } mc[4] = {
      { HC_xen_version, 0x5555, { 0 } },
      { HC_mmu_update, 0x5555, { 0 } },
      { HC_hvm_op, 0x5555, { HVMOP_get_param, 0 } },
      { 13, 0x5555, { 0, 0 } },
    };
    struct xen_hvm_param p = { DOMID_SELF, 0, HVM_PARAM_CONSOLE_EVTCHN, 0 };
    mc[2].args[1] = (u64)&p;
    long mrc = HCALL(13, mc, 4, 0);
    printf("multicall rc=%ld results=%lx %ld %ld %ld param=%lu\n", mrc, mc[0].result, (long)mc[1].result, (long)mc[2].result, (long)mc[3].result, p.value);
  }

  /* PV-only hypercalls do not exist for an HVM container. */
  printf("mmu_update rc=%ld\n", HCALL(HC_mmu_update, 0, 0, 0));
  printf("update_va_mapping rc=%ld\n", HCALL(HC_update_va_mapping, 0, 0, 0));
  printf("set_trap_table rc=%ld\n", HCALL(HC_set_trap_table, 0, 0, 0));
  printf("set_segment_base rc=%ld\n", HCALL(HC_set_segment_base, 0, 0, 0));
  printf("callback_op rc=%ld\n", HCALL(HC_callback_op, 0, 0, 0));
  printf("sysctl rc=%ld\n", HCALL(HC_sysctl, 0, 0, 0));
  printf("hypercall 60 rc=%ld\n", hcall5(60, 0, 0, 0, 0, 0));

  /* No legacy devices: every port reads all ones. */
  printf("ports 3f8=%x 3fd=%x 20=%x 21=%x 40=%x 61=%x 64=%x 71=%x 80=%x cf8=%x\n", inb(0x3f8), inb(0x3fd), inb(0x20), inb(0x21),
         inb(0x40), inb(0x61), inb(0x64), inb(0x71), inb(0x80), inl(0xcf8));
  outb(0x70, 0x0a);
  outb(0xf4, 0x01);           /* no isa-debug-exit either: the run goes on */
  print("pvh: done\n");
  poweroff();
}
