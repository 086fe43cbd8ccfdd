/* XENMEM_add_to_physmap of Xen's own frames where Linux puts them: above the memory map, in
   guest-physical space nothing populates (Linux allocates it as "Xen scratch", 128 MiB
   aligned, and places its grant frames there). The guest maps grant frame 0 there, writes a
   grant entry through it and has Xen copy through that grant (GNTTABOP_copy reads the entry
   from the frame, so the copy shows Xen and the guest see the same page); moves the frame to
   another page (its old page is empty again); maps grant frame 1 just above 4 GiB, where Linux
   puts its frames with 256 MiB of RAM; places shared_info above RAM and reads the time Xen
   keeps in it. Xen's own frames, before they are placed, are nothing the guest can reach; a
   hypercall's arguments inside a placed frame are reached through it. Numbers are Xen's public
   headers'. */
#include "xen.h"

enum { HC_grant_table_op = 20, GNTTABOP_copy = 5, GNTCOPY_source_gref = 1, GTF_permit_access = 1 };
enum { XENMAPSPACE_shared_info = 0, XENMAPSPACE_grant_table = 1 };

struct grant_entry_v1 { u16 flags; u16 domid; u32 frame; };
struct gnttab_copy_ptr { u64 u; u16 domid; u16 offset; u32 pad; };
struct gnttab_copy { struct gnttab_copy_ptr source, dest; u16 len, flags; short status; u16 pad; };

extern u64 boot64_pdpt_low[512];

static u8 src_page[4096] __attribute__((aligned(4096)));
static u8 dst_page[4096] __attribute__((aligned(4096)));

static long place(u32 space, u64 idx, u64 gpfn) {
  struct xen_add_to_physmap x = { DOMID_SELF, 0, space, idx, gpfn };
  return HCALL(HC_memory_op, XENMEM_add_to_physmap, &x, 0);
}

/* Xen copies 16 bytes from grant `ref` of our own table (granted to ourselves) into dst_page. */
static int copy_through(u32 ref) {
  struct gnttab_copy c = { { ref, DOMID_SELF, 0, 0 }, { (u64)dst_page >> 12, DOMID_SELF, 0, 0 }, 16, GNTCOPY_source_gref, 99, 0 };
  long rc = HCALL(HC_grant_table_op, GNTTABOP_copy, &c, 1);
  return rc != 0 ? (int)rc : c.status;
}

void pvh_main(u32 magic, u64 info) {
  (void)magic;
  wrmsr(0x40000000, (u64)hypercall_page);
  const struct hvm_start_info *si = (const struct hvm_start_info *)info;
  const struct hvm_memmap_table_entry *e = (const struct hvm_memmap_table_entry *)si->memmap_paddr;
  u64 top = 0;
  for (u32 k = 0; k < si->memmap_entries; k++) if (e[k].addr + e[k].size > top) top = e[k].addr + e[k].size;
  /* As Linux's unpopulated-memory allocator: the first 128 MiB boundary above the map. */
  u64 scratch = (top + (128ul << 20) - 1) & ~((128ul << 20) - 1);
  u32 a, b, c, d;
  cpuid(pvh32_xen_base + 4, &a, &b, &c, &d);
  u16 domid = (u16)c;
  printf("physmap: map end=%lx scratch=%lx domid=%u\n", top, scratch, domid);

  /* Xen's own frames (here just after the special pages, in no memory-map entry) are no gfn of
     the domain's until it places one: a read is all ones, a write goes nowhere, the domain runs
     on (an EPT violation Xen's null handler completes). 0x800 is shared_info's evtchn_pending. */
  volatile u32 *hv = (volatile u32 *)top;
  u32 hv_before = hv[0x200];
  hv[0x200] = 0x12345678;
  printf("hypervisor frame before=%x after_write=%x\n", hv_before, hv[0x200]);

  volatile u32 *empty = (volatile u32 *)(scratch + 0x3000);
  printf("empty before=%x\n", empty[0]);

  u64 gpfn = scratch >> 12;
  printf("grant frame 0 rc=%ld\n", place(XENMAPSPACE_grant_table, 0, gpfn));
  volatile struct grant_entry_v1 *gt = (volatile struct grant_entry_v1 *)scratch;
  for (int i = 0; i < 16; i++) src_page[i] = (u8)('a' + i);
  gt[8].domid = domid;
  gt[8].frame = (u32)((u64)src_page >> 12);
  __asm__ volatile("" ::: "memory");
  gt[8].flags = GTF_permit_access;
  int st = copy_through(8);
  printf("copy via frame at scratch status=%d dst=%c%c%c%c\n", st, dst_page[0], dst_page[1], dst_page[2], dst_page[15]);
  gt[8].flags = 0;
  for (int i = 0; i < 16; i++) dst_page[i] = 0;
  printf("copy after revoke status=%d\n", copy_through(8));

  /* The frame moves: its old page is empty again, the new one shows the entries. */
  gt[8].flags = GTF_permit_access;
  printf("grant frame 0 again rc=%ld\n", place(XENMAPSPACE_grant_table, 0, gpfn + 1));
  volatile struct grant_entry_v1 *gt2 = (volatile struct grant_entry_v1 *)(scratch + 0x1000);
  printf("old page=%x new page frame=%x flags=%u\n", *(volatile u32 *)scratch, gt2[8].frame == (u32)((u64)src_page >> 12), gt2[8].flags);
  st = copy_through(8);
  printf("copy via moved frame status=%d dst=%c%c\n", st, dst_page[0], dst_page[15]);

  /* Grant frame 1 at 4 GiB + 128 MiB - 4 KiB (Linux's gpfn 0x107fff), reached through a 1 GiB
     page at linear 4 GiB: grant ref 520 is entry 8 of frame 1. */
  boot64_pdpt_low[4] = 0x100000000ul | 0x83;
  __asm__ volatile("mov %%cr3, %%rax; mov %%rax, %%cr3" ::: "rax", "memory");
  volatile struct grant_entry_v1 *hi = (volatile struct grant_entry_v1 *)0x107fff000ul;
  printf("high before=%x\n", *(volatile u32 *)hi);
  printf("grant frame 1 at 107fff rc=%ld\n", place(XENMAPSPACE_grant_table, 1, 0x107fff));
  hi[8].domid = domid;
  hi[8].frame = (u32)((u64)src_page >> 12);
  __asm__ volatile("" ::: "memory");
  hi[8].flags = GTF_permit_access;
  for (int i = 0; i < 16; i++) dst_page[i] = 0;
  st = copy_through(520);
  printf("copy via frame above 4g status=%d dst=%c%c\n", st, dst_page[0], dst_page[15]);
  printf("beyond 36 bits rc=%ld\n", place(XENMAPSPACE_grant_table, 2, 1ul << 24));

  /* shared_info above RAM: the pvclock Xen writes shows there. */
  printf("shared_info rc=%ld\n", place(XENMAPSPACE_shared_info, 0, gpfn + 2));
  volatile u8 *sh = (volatile u8 *)(scratch + 0x2000);
  u32 ver = *(volatile u32 *)&sh[32], mul = *(volatile u32 *)&sh[32 + 24];
  u64 sys = *(volatile u64 *)&sh[32 + 16];
  printf("pvclock above ram version_even=%u mul_nonzero=%u system_time_nonzero=%u\n", (ver & 1) == 0 && ver != 0, mul != 0, sys != 0);
  printf("empty after=%x\n", empty[0]);

  /* Hypercall arguments inside a placed frame (grant frame 2 at scratch + 16 KiB): Xen's
     copy_from_guest and copy_to_guest follow the p2m to the frame, so the call reads its
     arguments there and writes its results back there. */
  printf("grant frame 2 rc=%ld\n", place(XENMAPSPACE_grant_table, 2, gpfn + 4));
  volatile struct gnttab_copy *pc = (volatile struct gnttab_copy *)(scratch + 0x4800);
  pc->source.u = 8; pc->source.domid = DOMID_SELF; pc->source.offset = 0;
  pc->dest.u = (u64)dst_page >> 12; pc->dest.domid = DOMID_SELF; pc->dest.offset = 0;
  pc->len = 16; pc->flags = GNTCOPY_source_gref; pc->status = 99;
  for (int i = 0; i < 16; i++) dst_page[i] = 0;
  long crc = HCALL(HC_grant_table_op, GNTTABOP_copy, (u64)(scratch + 0x4800), 1);
  printf("args in placed frame rc=%ld status=%d dst=%c%c\n", crc, pc->status, dst_page[0], dst_page[15]);
  volatile char *extra = (volatile char *)(scratch + 0x4100);
  for (int i = 0; i < 16; i++) extra[i] = 'x';
  long vrc = HCALL(HC_xen_version, 1 /* XENVER_extraversion */, (u64)(scratch + 0x4100), 0);
  printf("extraversion into placed frame rc=%ld first=%c\n", vrc, extra[0]);
  print("physmap: done\n");
  poweroff();
}
