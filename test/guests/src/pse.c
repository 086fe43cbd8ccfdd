/* 4 MiB pages (CR4.PSE): identity-mapped kernel through large pages, a large page alias,
   4 KiB and 4 MiB mappings side by side, A and D bits in large-page PDEs. (Reserved-bit
   faults are in pagersvd.c.) */
#include "paging.h"

#define VL 0x40000000u   /* 4 MiB page -> 0x800000 */
#define VL2 0x40400000u  /* 4 MiB page -> 0x800000 too */
#define VS 0x40800000u   /* through a page table */

void kmain(void) {
  volatile u32 *phys = (volatile u32 *)0x800000;
  phys[0] = 0x11110000; phys[0x1000 / 4] = 0x22220000; phys[0x3FFFFC / 4] = 0x33330000;
  pd[0] = 0x000000 | PTE_P | PTE_W | PTE_PS;
  pd[1] = 0x400000 | PTE_P | PTE_W | PTE_PS;
  pd[2] = 0x800000 | PTE_P | PTE_W | PTE_PS;
  pd[VL >> 22] = 0x800000 | PTE_P | PTE_W | PTE_PS;
  pd[VL2 >> 22] = 0x800000 | PTE_P | PTE_PS;
  volatile u32 *pte = pte_for(0, VS, PTE_P | PTE_W);
  *pte = 0x801000 | PTE_P | PTE_W;
  write_cr4(read_cr4() | 0x10);
  paging_on();
  printf("pse on: cr4.pse=%x pg=%x\n", (read_cr4() >> 4) & 1, read_cr0() >> 31);
  printf("pde vl=%03x vl2=%03x\n", pd[VL >> 22] & 0xFFF, pd[VL2 >> 22] & 0xFFF);
  u32 a = *(volatile u32 *)VL, b = *(volatile u32 *)(VL + 0x1000), c = *(volatile u32 *)(VL + 0x3FFFFC);
  printf("large page reads %08x %08x %08x\n", a, b, c);
  printf("pde vl after read=%03x\n", pd[VL >> 22] & 0xFFF);
  *(volatile u32 *)(VL + 0x1000) = 0x44440000;
  printf("pde vl after write=%03x\n", pd[VL >> 22] & 0xFFF);
  a = *(volatile u32 *)(VL2 + 0x1000);
  b = *(volatile u32 *)VS;
  printf("alias vl2 reads %08x, small page reads %08x\n", a, b);
  printf("pde vl2=%03x pde vs=%03x pte vs=%03x\n", pd[VL2 >> 22] & 0xFFF, pd[VS >> 22] & 0xFFF, *pte & 0xFFF);
  printf("identity pdes: %03x %03x %03x\n", pd[0] & 0xFFF, pd[1] & 0xFFF, pd[2] & 0xFFF);

  paging_off();
  printf("phys after: %08x %08x\n", phys[0], phys[0x1000 / 4]);
  exit_guest(0);
}
