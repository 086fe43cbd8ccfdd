/* paravirt: target=hvm (the bare-PC flavour: privileged instructions are VM exits, not errors) */
/* The kernel's own 4-level page tables, replacing the boot code's 4 GiB identity map with
   what the kernel uses: its image in the top 2 GiB, the first 8 MiB identity-mapped (the
   VGA text buffer), the local APIC uncached, and nothing at the demand-paged area, whose
   page table is made on its first fault. 2 MiB pages everywhere but there; frames are
   handed out from 8 MiB up. The tables are the kernel's statics, so their physical
   addresses are their link addresses minus the higher half's base. */
#include "../hvm/io.h"

#define KERNEL_VMA 0xFFFFFFFF80000000ul
#define PHYS(p) ((u64)(uptr)(p) - KERNEL_VMA)
#define P 1ul
#define RW 2ul
#define PS 0x80ul
#define PCD_PWT 0x18ul
#define APIC_PHYS 0xFEE00000ul

static u64 pml4[512] __attribute__((aligned(4096)));
static u64 pdpt_low[512] __attribute__((aligned(4096)));
static u64 pdpt_high[512] __attribute__((aligned(4096)));
static u64 pd_low[512] __attribute__((aligned(4096)));
static u64 pd_kernel[512] __attribute__((aligned(4096)));
static u64 pd_mmio[512] __attribute__((aligned(4096)));
static u64 pd_spare[512] __attribute__((aligned(4096)));
static u64 pt_spare[512] __attribute__((aligned(4096)));
static uptr next_frame = 0x800000;

void paging_init(void) {
  for (u64 i = 0; i < 4; i++) {
    pd_low[i] = (i << 21) | P | RW | PS;            /* 0..8 MiB, identity */
    pd_kernel[i] = (i << 21) | P | RW | PS;         /* -2 GiB .. -2 GiB + 8 MiB */
  }
  pd_mmio[(APIC_PHYS >> 21) & 511] = (APIC_PHYS & ~0x1FFFFFul) | P | RW | PS | PCD_PWT;
  pdpt_low[0] = PHYS(pd_low) | P | RW;
  pdpt_low[3] = PHYS(pd_mmio) | P | RW;
  pdpt_high[510] = PHYS(pd_kernel) | P | RW;
  pml4[0] = PHYS(pdpt_low) | P | RW;
  pml4[511] = PHYS(pdpt_high) | P | RW;
  __asm__ volatile("mov %0, %%cr3" :: "r"(PHYS(pml4)) : "memory");
}

uptr frame_alloc(void) {
  uptr f = next_frame;
  next_frame += 4096;
  return f;
}

/* A table's link address from its entry (every table is one of the statics above). */
static u64 *table_of(u64 entry) { return (u64 *)(uptr)((entry & 0x000FFFFFFFFFF000ul) + KERNEL_VMA); }

/* Maps one 4 KiB page below 4 GiB; a missing directory or table is the spare one (the
   sample maps one area). */
void paging_map(uptr va, uptr pa, int writable) {
  u64 *pdpte = &pdpt_low[(va >> 30) & 511];
  if (!(*pdpte & P)) {
    for (u32 i = 0; i < 512; i++) pd_spare[i] = 0;
    *pdpte = PHYS(pd_spare) | P | RW;
  }
  u64 *pde = &table_of(*pdpte)[(va >> 21) & 511];
  if (!(*pde & P)) {
    for (u32 i = 0; i < 512; i++) pt_spare[i] = 0;
    *pde = PHYS(pt_spare) | P | RW;
  }
  table_of(*pde)[(va >> 12) & 511] = (pa & ~0xFFFul) | P | (writable ? RW : 0);
  __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory");
}
