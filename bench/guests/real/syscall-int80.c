/* Ring 3 <-> ring 0 ping-pong through int 0x80 (an interrupt gate of DPL 3, IRET back) :
 * 64 Ki system calls a trip, each doing a little work in the kernel. */
#include "real.h"

#define CALLS (64u * 1024u)

static u32 trips_left;

static void user_main(void) {
  u32 sum = 0;
  for (u32 t = 0; t < trips_left; t++)
    for (u32 i = 0; i < CALLS; i++) sum += sys_int80(SYS_ADD, i ^ sum);
  sys_int80(SYS_EXIT, sum);
}

void workload_setup(void) {}

u32 workload_run(u32 trips) {
  trips_left = trips;
  return run_user(user_main);
}
