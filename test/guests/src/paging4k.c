/* 2-level paging with 4 KiB pages: translation, aliases, accessed and dirty bits in PDEs
   and PTEs, INVLPG and CR3 reloads after PTE changes, PDE.PS ignored while CR4.PSE=0, and
   paging switched off again. */
#include "paging.h"

static volatile u32 *const phys_a = (volatile u32 *)0x300000;
static volatile u32 *const phys_b = (volatile u32 *)0x301000;

#define V1 0x40000000u
#define V2 0x40001000u
#define V3 0x40002000u

static void show(const char *what, volatile u32 *pte) {
  printf("%s: pde=%03x pte=%03x\n", what, pd[V1 >> 22] & 0xFFF, *pte & 0xFFF);
}

void kmain(void) {
  phys_a[0] = 0xAAAA0000; phys_a[1] = 0xAAAA0001;
  phys_b[0] = 0xBBBB0000; phys_b[1] = 0xBBBB0001;
  paging_identity(PTE_P | PTE_W);
  volatile u32 *p1 = pte_for(0, V1, PTE_P | PTE_W);
  volatile u32 *p2 = &pt_test[0][(V2 >> 12) & 1023];
  volatile u32 *p3 = &pt_test[0][(V3 >> 12) & 1023];
  *p1 = 0x300000 | PTE_P | PTE_W;
  *p2 = 0x300000 | PTE_P | PTE_W;
  *p3 = 0x301000 | PTE_P;
  paging_on();
  printf("paging on: cr0.pg=%x cr3 ok=%x\n", read_cr0() >> 31, read_cr3() == (u32)pd);
  show("before access", p1);
  u32 v = *(volatile u32 *)V1;
  printf("read v1 %08x\n", v);
  show("after read", p1);
  *(volatile u32 *)(V1 + 4) = 0x12345678;
  show("after write", p1);
  v = *(volatile u32 *)(V2 + 4);
  printf("alias v2 reads %08x, pte2=%03x pte3=%03x\n", v, *p2 & 0xFFF, *p3 & 0xFFF);
  v = *(volatile u32 *)V3;
  printf("v3 reads %08x, pte3=%03x\n", v, *p3 & 0xFFF);
  printf("physical %08x\n", phys_a[1]);

  *p1 = 0x301000 | PTE_P | PTE_W;
  invlpg(V1);
  printf("after remap+invlpg v1 reads %08x\n", *(volatile u32 *)V1);
  *p1 = 0x300000 | PTE_P | PTE_W;
  write_cr3(read_cr3());
  printf("after remap+cr3 reload v1 reads %08x\n", *(volatile u32 *)V1);

  /* PS in a PDE means nothing while CR4.PSE is clear: it still points to a page table. */
  pd[V1 >> 22] |= PTE_PS;
  write_cr3(read_cr3());
  printf("pde.ps with pse off: v1 reads %08x\n", *(volatile u32 *)V1);
  pd[V1 >> 22] &= ~PTE_PS;

  /* Writing a PTE through a mapping of its own page table. */
  volatile u32 *pt_alias = (u32 *)0x40003000;
  *p3 = 0;
  pt_test[0][3] = (u32)pt_test[0] | PTE_P | PTE_W;
  invlpg(0x40003000);
  pt_alias[2] = 0x300000 | PTE_P;
  invlpg(V3);
  v = *(volatile u32 *)V3;
  printf("pte written through alias: v3 reads %08x pte3=%03x\n", v, *p3 & 0xFFF);

  paging_off();
  printf("paging off: cr0.pg=%x phys %08x %08x\n", read_cr0() >> 31, phys_a[0], phys_a[1]);
  printf("final pte flags: %03x %03x %03x %03x\n", pt_test[0][0] & 0xFFF, pt_test[0][1] & 0xFFF,
         pt_test[0][2] & 0xFFF, pt_test[0][3] & 0xFFF);
  exit_guest(0);
}
