/* Time from Xen's pvclock (vcpu_time_info in shared_info: system time at a TSC stamp, scaled
   by tsc_to_system_mul and tsc_shift, read under its version counter) and the wallclock; the
   timer VIRQ bound to an event channel; Xen's default periodic timer stopped so that only the
   one-shot timer set_timer_op arms wakes the domain (idle costs nothing between timers). */
#include "mini-domu.h"

unsigned long timer_events;

static inline uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}

uint64_t monotonic_clock(void) {
  volatile vcpu_time_info_t *t = &HYPERVISOR_shared_info->vcpu_info[0].time;
  uint32_t version;
  uint64_t stamp, system, delta;
  uint32_t mul;
  int8_t shift;
  do {
    version = t->version;
    barrier();
    stamp = t->tsc_timestamp;
    system = t->system_time;
    mul = t->tsc_to_system_mul;
    shift = t->tsc_shift;
    barrier();
  } while ((version & 1) || version != t->version);
  delta = rdtsc() - stamp;
  if (shift < 0) delta >>= -shift; else delta <<= shift;
  return system + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

static void timer_handler(evtchn_port_t port, void *data) { timer_events++; }

void init_time(void) {
  long rc = HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0);
  if (rc < 0) do_exit("VCPUOP_stop_periodic_timer failed");
  evtchn_port_t port = bind_virq(VIRQ_TIMER, timer_handler, 0);
  volatile shared_info_t *s = HYPERVISOR_shared_info;
  uint32_t version;
  uint64_t sec;
  uint32_t nsec;
  do {
    version = s->wc_version;
    barrier();
    sec = s->wc_sec | ((uint64_t)s->wc_sec_hi << 32);
    nsec = s->wc_nsec;
    barrier();
  } while ((version & 1) || version != s->wc_version);
  volatile vcpu_time_info_t *t = &HYPERVISOR_shared_info->vcpu_info[0].time;
  uint64_t now = monotonic_clock();
  printk("time: VIRQ_TIMER on port %u; system time %lu ns; pvclock mul %u shift %d; wallclock %lu.%09u\n",
         port, now, t->tsc_to_system_mul, (int)t->tsc_shift, sec, nsec);
  if (monotonic_clock() < now) do_exit("system time went backwards");
}
