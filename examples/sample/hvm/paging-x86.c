/* paravirt: target=hvm (the bare-PC flavour: privileged instructions are VM exits, not errors) */
/* Two-level paging written by the kernel itself: the first 8 MiB identity-mapped, one
   spare page table for the demand-paged area, frames handed out from 8 MiB up. */
#include "io.h"

static u32 page_dir[1024] __attribute__((aligned(4096)));
static u32 low_tables[2][1024] __attribute__((aligned(4096)));
static u32 spare_table[1024] __attribute__((aligned(4096)));
static u32 next_frame = 0x800000;

void paging_init(void) {
  for (u32 t = 0; t < 2; t++) {
    for (u32 i = 0; i < 1024; i++) low_tables[t][i] = ((t * 1024 + i) << 12) | 3;
    page_dir[t] = (u32)low_tables[t] | 3;
  }
  __asm__ volatile("mov %0, %%cr3\n\tmov %%cr0, %%eax\n\tor $0x80010000, %%eax\n\tmov %%eax, %%cr0"
                   :: "r"(page_dir) : "eax", "memory");
}

uptr frame_alloc(void) {
  uptr f = next_frame;
  next_frame += 4096;
  return f;
}

void paging_map(uptr va, uptr pa, int writable) {
  u32 pdi = va >> 22, pti = (va >> 12) & 1023;
  if (!(page_dir[pdi] & 1)) {
    for (u32 i = 0; i < 1024; i++) spare_table[i] = 0;
    page_dir[pdi] = (u32)spare_table | 3;
  }
  u32 *table = (u32 *)(page_dir[pdi] & 0xFFFFF000u);
  table[pti] = (pa & 0xFFFFF000u) | (writable ? 3 : 1);
  __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory");
}
