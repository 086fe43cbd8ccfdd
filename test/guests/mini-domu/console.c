/* The domain's console: the xencons_interface ring page and event channel the domain builder
   set up (start_info in PV, HVM params in PVH). Output is copied into `out` at out_prod and the
   backend is told by an event; when the ring is full the domain yields until it drains. */
#include "mini-domu.h"

static struct xencons_interface *ring;
static evtchn_port_t port;
int console_ready;

static void console_event(evtchn_port_t p, void *data) { /* input is not read */ }

void init_console(void) {
  ring = arch_console_ring(&port);
  bind_evtchn(port, console_event, 0);
  console_ready = 1;
  printk("console: ring at %p, event channel %u\n", ring, port);
}

void console_write(const char *s, size_t n) {
  while (n) {
    XENCONS_RING_IDX cons = ring->out_cons, prod = ring->out_prod;
    mb();
    size_t sent = 0;
    while (sent < n && prod - cons < sizeof ring->out) ring->out[MASK_XENCONS_IDX(prod++, ring->out)] = s[sent++];
    mb();
    ring->out_prod = prod;
    notify_remote_via_evtchn(port);
    s += sent;
    n -= sent;
    if (n) HYPERVISOR_sched_op(SCHEDOP_yield, 0);
  }
}
