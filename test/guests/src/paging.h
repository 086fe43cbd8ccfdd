/* 2-level (non-PAE) page tables for the paging guests: an identity map of the first 8 MiB
   with 4 KiB pages, plus free page tables for test mappings. */
#ifndef PAGING_H
#define PAGING_H
#include "lib.h"

#define PTE_P 0x001
#define PTE_W 0x002
#define PTE_U 0x004
#define PTE_A 0x020
#define PTE_D 0x040
#define PTE_PS 0x080
#define PTE_G 0x100

static volatile u32 pd[1024] __attribute__((aligned(4096)));
static volatile u32 pt_low[2][1024] __attribute__((aligned(4096)));
static volatile u32 pt_test[4][1024] __attribute__((aligned(4096)));

__attribute__((unused)) static void paging_identity(u32 flags) {
  for (u32 t = 0; t < 2; t++) {
    for (u32 i = 0; i < 1024; i++) pt_low[t][i] = ((t * 1024 + i) << 12) | flags;
    pd[t] = (u32)pt_low[t] | flags;
  }
}

__attribute__((unused)) static void paging_on(void) {
  write_cr3((u32)pd);
  write_cr0(read_cr0() | 0x80000000);
}

__attribute__((unused)) static void paging_off(void) { write_cr0(read_cr0() & 0x7FFFFFFF); }

/* Map one 4 KiB page through pt_test[slot], which covers the 4 MiB at pd index `pdi`. */
__attribute__((unused)) static volatile u32 *pte_for(u32 slot, u32 linear, u32 pde_flags) {
  u32 pdi = linear >> 22;
  pd[pdi] = (u32)pt_test[slot] | pde_flags;
  return &pt_test[slot][(linear >> 12) & 1023];
}
#endif
