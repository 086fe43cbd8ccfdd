/* Grant tables, v1: the table's size (GNTTABOP_query_size), its version
   (GNTTABOP_get_version), its frames mapped (arch), and one grant made and ended the way a
   split driver's frontend does it: frame and domid written, then the flags that publish it. */
#include "mini-domu.h"

static char granted_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

void init_gnttab(void) {
  struct gnttab_query_size q = { .dom = DOMID_SELF };
  if (HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1) < 0 || q.status != GNTST_okay) do_exit("GNTTABOP_query_size failed");
  struct gnttab_get_version v = { .dom = DOMID_SELF };
  if (HYPERVISOR_grant_table_op(GNTTABOP_get_version, &v, 1) < 0) do_exit("GNTTABOP_get_version failed");
  if (v.version != 1) do_exit("the grant table is not version 1");
  grant_entry_v1_t *table = arch_init_gnttab(q.nr_frames ? q.nr_frames : 1);
  grant_ref_t ref = GNTTAB_NR_RESERVED_ENTRIES;
  table[ref].frame = (uint32_t)arch_frame_of(granted_page);
  table[ref].domid = 0;
  mb();
  table[ref].flags = GTF_permit_access | GTF_readonly;
  mb();
  uint16_t flags = table[ref].flags;
  if (flags & (GTF_reading | GTF_writing)) do_exit("a grant nobody mapped is in use");
  if (__atomic_compare_exchange_n(&table[ref].flags, &flags, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) == 0) do_exit("could not end the grant");
  printk("gnttab: version %u, %u of at most %u frames; granted ref %u (frame 0x%lx) to dom0 and ended it\n",
         v.version, q.nr_frames, q.max_nr_frames, ref, arch_frame_of(granted_page));
}
