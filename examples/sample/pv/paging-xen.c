/* Paging under Xen: it is already on (Xen built the tables at start of day) and the
   tables are read-only to us, so every change is a validated hypercall. A mapping outside
   the bootstrap region needs a new L2 and L1: they are cleared, pinned (Xen validates
   them) and hooked in with mmu_update. Frames come from the top of our memory. */
#include "xen.h"

static u32 next_pfn;
static u32 free_pfns_taken;

void paging_init(void) {
  next_pfn = xen_start_info->nr_pages;
}

uptr frame_alloc(void) {
  free_pfns_taken++;
  return --next_pfn << 12;   /* pfn == mfn per the p2m list Xen gives a PV guest here */
}

static void mmuext(unsigned int cmd, unsigned long mfn) {
  struct mmuext_op op;
  op.cmd = cmd; op.arg1.mfn = mfn; op.arg2.nr_ents = 0;
  HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF);
}

static void pt_write(u64 machine_addr, u64 val) {
  struct mmu_update u = { machine_addr | MMU_NORMAL_PT_UPDATE, val };
  HYPERVISOR_mmu_update(&u, 1, 0, DOMID_SELF);
}

void paging_map(uptr va, uptr pa, int writable) {
  u32 l3_mfn = (xen_start_info->pt_base - 0xC0000000u) >> 12;   /* our bootstrap L3 */
  u32 *l3 = (u32 *)xen_start_info->pt_base;                      /* readable, not writable */
  u32 slot = va >> 30;
  u32 l2_mfn;
  if (!(l3[slot * 2] & 1)) {
    l2_mfn = frame_alloc() >> 12;
    mmuext(MMUEXT_CLEAR_PAGE, l2_mfn);
    mmuext(MMUEXT_PIN_L2_TABLE, l2_mfn);
    pt_write(((u64)l3_mfn << 12) + slot * 8, ((u64)l2_mfn << 12) | 1);
  } else {
    l2_mfn = l3[slot * 2] >> 12;
  }
  (void)l2_mfn;
  if (HYPERVISOR_update_va_mapping(va, (pa & 0xFFFFF000u) | (writable ? 0x63 : 0x61), 0, UVMF_INVLPG) == 0) return;
  /* No L1 covers va yet: make one and hook it into the L2. */
  u32 l1_mfn = frame_alloc() >> 12;
  mmuext(MMUEXT_CLEAR_PAGE, l1_mfn);
  mmuext(MMUEXT_PIN_L1_TABLE, l1_mfn);
  pt_write(((u64)l2_mfn << 12) + ((va >> 21) & 511) * 8, ((u64)l1_mfn << 12) | 0x67);
  HYPERVISOR_update_va_mapping(va, (pa & 0xFFFFF000u) | (writable ? 0x63 : 0x61), 0, UVMF_INVLPG);
}
