/* Xenbus: requests to xenstore over the shared ring (xenstore_domain_interface: req and rsp
   rings with their producer/consumer indexes), each an xsd_sockmsg header and its payload;
   the reply is waited for by blocking the thread until the store's event channel fires. */
#include "mini-domu.h"

static struct xenstore_domain_interface *xs;
static evtchn_port_t xs_port;
static struct thread *waiter;
static uint32_t next_req_id = 1;

static void xenbus_event(evtchn_port_t port, void *data) {
  if (waiter) { wake_thread(waiter); waiter = 0; }
}

void init_xenbus(void) {
  xs = arch_xenstore_ring(&xs_port);
  bind_evtchn(xs_port, xenbus_event, 0);
  printk("xenbus: ring at %p, event channel %u\n", xs, xs_port);
}

static void wait_for_reply(uint32_t need) {
  for (;;) {
    local_irq_disable();
    if (xs->rsp_prod - xs->rsp_cons >= need) { local_irq_enable(); return; }
    waiter = current_thread();
    block_current();
    local_irq_enable();
  }
}

static void put_request(const void *data, uint32_t len) {
  const char *p = data;
  while (len) {
    XENSTORE_RING_IDX prod = xs->req_prod;
    mb();
    while (len && prod - xs->req_cons < XENSTORE_RING_SIZE) { xs->req[MASK_XENSTORE_IDX(prod)] = *p++; prod++; len--; }
    mb();
    xs->req_prod = prod;
    notify_remote_via_evtchn(xs_port);
    if (len) HYPERVISOR_sched_op(SCHEDOP_yield, 0);
  }
}

static void get_reply(void *data, uint32_t len) {
  char *p = data;
  wait_for_reply(len);
  XENSTORE_RING_IDX cons = xs->rsp_cons;
  mb();
  for (uint32_t i = 0; i < len; i++) p[i] = xs->rsp[MASK_XENSTORE_IDX(cons + i)];
  mb();
  xs->rsp_cons = cons + len;
  notify_remote_via_evtchn(xs_port);
}

int xenbus_request(uint32_t type, const char *const *parts, int nparts, char *reply, size_t size) {
  struct xsd_sockmsg m = { .type = type, .req_id = next_req_id++, .tx_id = 0, .len = 0 };
  for (int i = 0; i < nparts; i++) m.len += strlen(parts[i]) + 1;
  put_request(&m, sizeof m);
  for (int i = 0; i < nparts; i++) put_request(parts[i], strlen(parts[i]) + 1);
  struct xsd_sockmsg r;
  get_reply(&r, sizeof r);
  if (r.req_id != m.req_id) do_exit("xenstore reply for another request");
  if (r.len >= size || r.len > XENSTORE_PAYLOAD_MAX) do_exit("xenstore reply too long");
  get_reply(reply, r.len);
  reply[r.len] = 0;
  return (int)r.type;
}
