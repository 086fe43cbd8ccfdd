/* Event channels, 2-level (as Mini-OS): handlers by port, the upcall that scans
   evtchn_pending_sel and the pending and mask bitmaps in shared_info (xen_ulong_t words: 64
   bits here), binding a VIRQ, unmasking through EVTCHNOP_unmask, notifying by EVTCHNOP_send. */
#include "mini-domu.h"

#define WORD_BITS (sizeof(xen_ulong_t) * 8)
#define NR_EVS (WORD_BITS * WORD_BITS)

static struct { evtchn_handler_t fn; void *data; } handlers[NR_EVS];
unsigned long event_upcalls, unbound_events;

void init_events(void) {
  /* Start with every port masked, as Mini-OS does; binding unmasks the ones used. */
  for (unsigned i = 0; i < WORD_BITS; i++) HYPERVISOR_shared_info->evtchn_mask[i] = ~(xen_ulong_t)0;
}

void unmask_evtchn(evtchn_port_t port) {
  struct evtchn_unmask u = { .port = port };
  HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &u);
}

void bind_evtchn(evtchn_port_t port, evtchn_handler_t fn, void *data) {
  if (port >= NR_EVS) do_exit("event channel port out of range");
  handlers[port].fn = fn;
  handlers[port].data = data;
  unmask_evtchn(port);
}

evtchn_port_t bind_virq(uint32_t virq, evtchn_handler_t fn, void *data) {
  struct evtchn_bind_virq b = { .virq = virq, .vcpu = 0 };
  long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &b);
  if (rc < 0) do_exit("EVTCHNOP_bind_virq failed");
  bind_evtchn(b.port, fn, data);
  return b.port;
}

void notify_remote_via_evtchn(evtchn_port_t port) {
  struct evtchn_send s = { .port = port };
  HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

void do_hypervisor_callback(void) {
  shared_info_t *s = HYPERVISOR_shared_info;
  vcpu_info_t *v = &s->vcpu_info[0];
  event_upcalls++;
  v->evtchn_upcall_pending = 0;
  barrier();
  xen_ulong_t sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
  while (sel) {
    unsigned w = __builtin_ctzl(sel);
    sel &= sel - 1;
    xen_ulong_t pending;
    while ((pending = s->evtchn_pending[w] & ~s->evtchn_mask[w]) != 0) {
      unsigned b = __builtin_ctzl(pending);
      evtchn_port_t port = w * WORD_BITS + b;
      __atomic_fetch_and(&s->evtchn_pending[w], ~((xen_ulong_t)1 << b), __ATOMIC_SEQ_CST);
      if (handlers[port].fn) handlers[port].fn(port, handlers[port].data);
      else unbound_events++;
    }
  }
}
