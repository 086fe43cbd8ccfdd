/* paravirt: target=pv64 */
/* Paging in a 64-bit PV kernel: Xen built 4-level tables at start of day, and they are
   read-only to us, so every change is a validated hypercall. A mapping outside the bootstrap
   region (the sample's demand-paged address, in PML4 slot 0) needs a new L3, L2 and L1: each
   is cleared and pinned (Xen validates it) and hooked in with mmu_update. Frames come from the
   top of our memory, translated to machine frames through the p2m list Xen gave us. */
#include "../pv/xen.h"

#define VIRT_BASE 0xFFFFFFFF80000000ul
#define PTE_FLAGS 0x67ul                 /* present, writable, user, accessed, dirty */

static unsigned long next_pfn;
static const unsigned long *p2m;

void paging_init(void) {
  next_pfn = xen_start_info->nr_pages;
  p2m = (const unsigned long *)xen_start_info->mfn_list;
}

static unsigned long mfn_alloc(void) { return p2m[--next_pfn]; }

/* A frame for the page-fault handler to map: its machine address, as a PTE wants it. */
uptr frame_alloc(void) { return mfn_alloc() << 12; }

static void mmuext(unsigned int cmd, unsigned long mfn) {
  struct mmuext_op op;
  op.cmd = cmd; op.arg1.mfn = mfn; op.arg2.nr_ents = 0;
  HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF);
}

static void pt_write(unsigned long table_mfn, unsigned index, unsigned long val) {
  struct mmu_update u = { ((table_mfn << 12) + index * 8) | MMU_NORMAL_PT_UPDATE, val };
  HYPERVISOR_mmu_update(&u, 1, 0, DOMID_SELF);
}

/* A cleared table of `pin` (MMUEXT_PIN_Ln_TABLE), validated by Xen. */
static unsigned long new_table(unsigned int pin) {
  unsigned long mfn = mfn_alloc();
  mmuext(MMUEXT_CLEAR_PAGE, mfn);
  mmuext(pin, mfn);
  return mfn;
}

static long map_pte(uptr va, uptr pa, int writable) {
  unsigned long pte = (pa & ~0xFFFul) | (writable ? PTE_FLAGS : PTE_FLAGS & ~2ul);
  return HYPERVISOR_update_va_mapping(va, pte, UVMF_INVLPG);
}

/* The tables this kernel added, by the index above them (one chain is all the sample needs). */
static unsigned long added_l3, added_l2, added_l1;
static unsigned added_l4_slot = 512, added_l3_slot = 512, added_l2_slot = 512;

void paging_map(uptr va, uptr pa, int writable) {
  if (map_pte(va, pa, writable) == 0) return;
  /* No L1 covers va: build what is missing of L4 slot -> L3 -> L2 -> L1, lowest first. */
  unsigned i4 = (va >> 39) & 511, i3 = (va >> 30) & 511, i2 = (va >> 21) & 511;
  const unsigned long *l4 = (const unsigned long *)xen_start_info->pt_base;   /* readable, not writable */
  unsigned long l4_mfn = p2m[(xen_start_info->pt_base - VIRT_BASE) >> 12];
  if ((l4[i4] & 1) && i4 != added_l4_slot) machine_exit(0x7D);   /* a bootstrap L3 we cannot read */
  unsigned long l1 = new_table(MMUEXT_PIN_L1_TABLE);
  if (i4 == added_l4_slot && i3 == added_l3_slot) {
    pt_write(added_l2, i2, (l1 << 12) | PTE_FLAGS);
  } else {
    unsigned long l2 = new_table(MMUEXT_PIN_L2_TABLE);
    pt_write(l2, i2, (l1 << 12) | PTE_FLAGS);
    if (i4 != added_l4_slot) {
      added_l3 = new_table(MMUEXT_PIN_L3_TABLE);
      pt_write(added_l3, i3, (l2 << 12) | PTE_FLAGS);
      pt_write(l4_mfn, i4, (added_l3 << 12) | PTE_FLAGS);
      added_l4_slot = i4;
    } else {
      pt_write(added_l3, i3, (l2 << 12) | PTE_FLAGS);
    }
    added_l2 = l2; added_l3_slot = i3;
  }
  added_l1 = l1; added_l2_slot = i2;
  map_pte(va, pa, writable);
}
