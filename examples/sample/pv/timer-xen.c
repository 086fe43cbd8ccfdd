/* Periodic ticks from Xen: VIRQ_TIMER bound to an event channel, and a periodic vCPU
   timer (vcpu_op) in place of the PIT. */
#include "xen.h"

extern u32 timer_port;

void timer_start(u32 hz) {
  struct evtchn_bind_virq bind = { VIRQ_TIMER, 0, 0 };
  HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bind);
  timer_port = bind.port;
  xen_shared->evtchn_mask[timer_port / 32] &= ~(1UL << (timer_port % 32));
  u64 period_ns = 1000000000ull / hz;
  HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &period_ns);
}

void timer_stop(void) {
  HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0);
}
