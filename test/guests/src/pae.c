/* PAE paging: PDPT, 2 MiB and 4 KiB pages, 64-bit entries with A/D bits, an alias through
   two levels, and CR3 reloading the PDPT. PDPTEs are not printed: they have no A bit, but
   QEMU's TCG sets bit 5 in them. Reserved-bit faults are in pagersvd.c. */
#include "lib.h"

static volatile u64 pdpt[4] __attribute__((aligned(32)));
static volatile u64 pdir[2][512] __attribute__((aligned(4096)));
static volatile u64 ptab[512] __attribute__((aligned(4096)));

#define V4K 0x40000000u   /* 4 KiB page -> 0x300000 */
#define V2M 0x40200000u   /* 2 MiB page -> 0x600000 */

static void pr(const char *what, volatile u64 *e) { printf("%s=%03x/%08x ", what, (u32)*e & 0xFFF, (u32)(*e >> 32)); }

void kmain(void) {
  volatile u32 *p3 = (volatile u32 *)0x300000, *p6 = (volatile u32 *)0x600000;
  p3[0] = 0x3333; p6[0] = 0x6666; p6[0x1FFFFC / 4] = 0x6667;
  pdpt[0] = (u32)pdir[0] | 1;
  pdpt[1] = (u32)pdir[1] | 1;
  for (u32 i = 0; i < 4; i++) pdir[0][i] = (i << 21) | 0x83;           /* 0-8 MiB identity, 2 MiB pages */
  pdir[1][0] = (u32)ptab | 0x3;
  ptab[0] = 0x300000 | 0x3;
  ptab[1] = 0x300000 | 0x1;
  pdir[1][1] = 0x600000 | 0x83;
  write_cr4(read_cr4() | 0x20);
  write_cr3((u32)pdpt);
  write_cr0(read_cr0() | 0x80000000);
  printf("pae on: cr4=%x pg=%x\n", read_cr4() & 0x30, read_cr0() >> 31);
  pr("pde1.0", &pdir[1][0]); pr("pte0", &ptab[0]); printf("\n");
  u32 a = *(volatile u32 *)V4K;
  pr("after read pde1.0", &pdir[1][0]); pr("pte0", &ptab[0]); printf("value %x\n", a);
  *(volatile u32 *)(V4K + 4) = 0xABCD;
  pr("after write pte0", &ptab[0]); printf("\n");
  a = *(volatile u32 *)(V4K + 0x1004);
  pr("alias pte1", &ptab[1]); printf("value %x\n", a);
  a = *(volatile u32 *)V2M; u32 b = *(volatile u32 *)(V2M + 0x1FFFFC);
  pr("2m pde", &pdir[1][1]); printf("values %x %x\n", a, b);
  *(volatile u32 *)(V2M + 8) = 1;
  pr("2m pde after write", &pdir[1][1]); printf("\n");
  pr("identity pde0", &pdir[0][0]); printf("\n");

  trap_clear();
  TRY("movl (%0), %%eax", : "r"(0x40600000) : "eax");
  trap_print("pde not present read");

  /* Changing a PDPTE takes effect at the next CR3 load. */
  pdpt[1] = 0;
  write_cr3((u32)pdpt);
  trap_clear();
  TRY("movl (%0), %%eax", : "r"(V4K) : "eax");
  trap_print("pdpte cleared, read");
  printf("cr2 ok=%x\n", last_trap.cr2 == V4K);
  write_cr0(read_cr0() & 0x7FFFFFFF);
  write_cr4(read_cr4() & ~0x20u);
  printf("phys: %x %x %x\n", p3[1], p6[2], p6[0]);
  exit_guest(0);
}
