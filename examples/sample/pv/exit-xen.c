/* Leaving the machine: sched_op(SCHEDOP_shutdown); status 0 powers off, anything else is a crash. */
#include "xen.h"

void machine_exit(u32 code) {
  struct sched_shutdown s = { code == 0 ? SHUTDOWN_poweroff : SHUTDOWN_crash };
  for (;;) HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}
