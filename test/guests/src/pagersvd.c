/* Reserved bits in paging-structure entries: #PF with RSVD (bit 3) and P (bit 0) set,
   since a reserved bit is only checked in a present entry (SDM Vol. 3A 4.7). QEMU 7.2's
   TCG leaves P clear, so this guest's reference is pagersvd.expected, written from the SDM
   for a CPU with MAXPHYADDR 36, run with EFER.NXE clear (XD with NXE set is in nx.c). */
#include "lib.h"

static volatile u32 pd[1024] __attribute__((aligned(4096)));
static volatile u64 pdpt[4] __attribute__((aligned(32)));
static volatile u64 pdir[2][512] __attribute__((aligned(4096)));
static volatile u64 ptab[512] __attribute__((aligned(4096)));

#define CASE(name, code, ...) do { trap_clear(); TRY(code, __VA_ARGS__); trap_print(name); \
  printf("  cr2 ok=%x\n", last_trap.cr2 == addr); } while (0)

void kmain(void) {
  u32 addr;
  /* 32-bit paging with 4 MiB pages: PDE bits 21:17 are reserved with MAXPHYADDR 36. */
  pd[0] = 0x000000 | 0x83;
  pd[1] = 0x400000 | 0x83;
  pd[0x100] = 0x800000 | 0x83 | (1u << 21);
  pd[0x101] = 0x800000 | 0x87 | (1u << 17);
  write_cr4(read_cr4() | 0x10);
  write_cr3((u32)pd);
  write_cr0(read_cr0() | 0x80000000);
  addr = 0x40000000; CASE("pse pde bit 21 read", "movl (%0), %%eax", : "r"(addr) : "eax");
  addr = 0x40000010; CASE("pse pde bit 21 write", "movl $1, (%0)", : "r"(addr) : "memory");
  addr = 0x40400000; CASE("pse pde bit 17 read", "movl (%0), %%eax", : "r"(addr) : "eax");
  write_cr0(read_cr0() & 0x7FFFFFFF);
  write_cr4(read_cr4() & ~0x10u);

  /* PAE: bit 63 (XD) is reserved without EFER.NXE; bits 62:36 are reserved. */
  pdpt[0] = (u32)pdir[0] | 1;
  pdpt[1] = (u32)pdir[1] | 1;
  for (u32 i = 0; i < 4; i++) pdir[0][i] = (i << 21) | 0x83;
  pdir[1][0] = (u32)ptab | 0x3;
  ptab[0] = 0x300000 | 0x3 | (1ull << 63);
  ptab[1] = 0x300000 | 0x3 | (1ull << 36);
  pdir[1][1] = 0x600000 | 0x83 | (1ull << 40);
  pdir[1][2] = (u32)ptab | 0x3 | (1ull << 50);
  write_cr4(read_cr4() | 0x20);
  write_cr3((u32)pdpt);
  write_cr0(read_cr0() | 0x80000000);
  addr = 0x40000000; CASE("pae pte bit 63 read", "movl (%0), %%eax", : "r"(addr) : "eax");
  addr = 0x40000000; CASE("pae pte bit 63 write", "movl $1, (%0)", : "r"(addr) : "memory");
  addr = 0x40001000; CASE("pae pte bit 36 read", "movl (%0), %%eax", : "r"(addr) : "eax");
  addr = 0x40200000; CASE("pae 2m pde bit 40 read", "movl (%0), %%eax", : "r"(addr) : "eax");
  addr = 0x40400000; CASE("pae pde bit 50 read", "movl (%0), %%eax", : "r"(addr) : "eax");
  addr = 0x40002000; CASE("pae pte absent read", "movl (%0), %%eax", : "r"(addr) : "eax");
  write_cr0(read_cr0() & 0x7FFFFFFF);
  exit_guest(0);
}
