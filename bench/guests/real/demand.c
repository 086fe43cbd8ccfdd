/* Demand paging from ring 3: each trip touches the 1024 pages of an unmapped 4 MiB window
 * (each touch a #PF that the kernel answers with a zeroed frame), reads them back, and asks
 * the kernel to unmap the window again (page table cleared, CR3 reloaded). */
#include "real.h"

static u32 trips_left;

static void user_main(void) {
  u32 sum = 0;
  for (u32 t = 0; t < trips_left; t++) {
    for (u32 p = 0; p < DEMAND_PAGES; p++) {
      u32 *w = (u32 *)(uptr)(DEMAND_VA + p * 4096u + ((p * 64u) & 4095u));
      *w = p + t;
    }
    for (u32 p = 0; p < DEMAND_PAGES; p++) sum = sum * 33 + *(u32 *)(uptr)(DEMAND_VA + p * 4096u + ((p * 64u) & 4095u));
    sys_int80(SYS_UNMAP, 0);
  }
  sys_int80(SYS_EXIT, sum);
}

void workload_setup(void) {}

u32 workload_run(u32 trips) {
  trips_left = trips;
  return run_user(user_main);
}
