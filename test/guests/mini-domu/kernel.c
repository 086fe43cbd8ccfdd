/* Start of day in Mini-OS's order (arch, events, memory, time, console, grant tables,
   scheduler, xenbus), then the application thread: it talks to xenstore, sleeps on timers,
   and idles for a second of guest time, counting how often the domain ran while it did, then
   powers the domain off through SCHEDOP_shutdown. */
#include "mini-domu.h"

#ifdef CONFIG_PARAVIRT
#define FLAVOUR "64-bit PV"
#else
#define FLAVOUR "PVH"
#endif

extern unsigned long unbound_events;

static void xs_show(uint32_t type, const char *what, const char *const *parts, int n) {
  char reply[256];
  int t = xenbus_request(type, parts, n, reply, sizeof reply);
  if (t == XS_ERROR) { printk("xenbus: %s -> error %s\n", what, reply); return; }
  if (t != (int)type) do_exit("xenstore answered with another message type");
  /* A directory listing is NUL-separated: show it with commas. */
  for (char *p = reply; p[0] || p[1]; p++) if (!p[0]) p[0] = ',';
  printk("xenbus: %s -> '%s'\n", what, reply);
}

static void app_main(void *arg) {
  printk("mini-domu: app_main reached\n");
  const char *domid[] = { "domid" };
  xs_show(XS_READ, "read domid", domid, 1);
  const char *write[] = { "data/mini-domu", "app_main" };
  char reply[64];
  if (xenbus_request(XS_WRITE, write, 2, reply, sizeof reply) != XS_WRITE) do_exit("xenstore write failed");
  const char *read[] = { "data/mini-domu" };
  xs_show(XS_READ, "read data/mini-domu", read, 1);
  const char *dir[] = { "data" };
  xs_show(XS_DIRECTORY, "directory data", dir, 1);
  const char *missing[] = { "data/not-there" };
  xs_show(XS_READ, "read data/not-there", missing, 1);

  for (int i = 1; i <= 3; i++) {
    uint64_t t0 = monotonic_clock();
    msleep(10);
    printk("sched: woke from msleep(10) #%d after %lu us\n", i, (unsigned long)((monotonic_clock() - t0) / 1000));
  }
  unsigned long blocks = idle_blocks, upcalls = event_upcalls, timers = timer_events;
  uint64_t t0 = monotonic_clock();
  printk("mini-domu: idle for 1000 ms\n");
  msleep(1000);
  uint64_t slept = monotonic_clock() - t0;
  printk("mini-domu: idle done: %lu ms, %lu blocks, %lu upcalls, %lu timer events, %lu unbound events\n",
         (unsigned long)(slept / 1000000), idle_blocks - blocks, event_upcalls - upcalls, timer_events - timers, unbound_events);
  printk("mini-domu: shutting down\n");
  poweroff();
}

void start_kernel(void *boot_info) {
  arch_init(boot_info);
  init_events();
  printk("mini-domu: bootstrapping as a " FLAVOUR " guest\n");
  long version = HYPERVISOR_xen_version(XENVER_version, 0);
  xen_feature_info_t features = { .submap_idx = 0 };
  HYPERVISOR_xen_version(XENVER_get_features, &features);
  printk("xen: version %ld.%ld, features 0x%x\n", version >> 16, version & 0xffff, features.submap);
  unsigned long start_pfn, max_pfn;
  arch_init_mm(&start_pfn, &max_pfn);
  domid_t self = DOMID_SELF;
  long cur = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
  long max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);
  printk("mm: %lu pages, first free pfn %lu; reservation %ld pages of at most %ld\n", max_pfn, start_pfn, cur, max);
  init_time();
  init_console();
  printk("mini-domu: console ring up\n");
  init_gnttab();
  init_sched();
  init_xenbus();
  create_thread("main", app_main, 0);
  run_idle_thread();
}
