/* svc-domu: the Xen services a domU uses, exercised one by one after mini-domu's start of
   day (arch, events, memory, time, console, grant table, scheduler, xenbus), as a 64-bit PV
   or a PVH guest from one source. Every structure is Xen's own (its public headers), so a
   layout the hypervisor gets wrong shows up here as a wrong value. Each result is printed as
   "svc NAME=VALUE" (decimal); test/pv-services/services-guest.test.ts holds the expectations
   and where in Xen each comes from. The checks that turn off 2-level event delivery (FIFO,
   vcpu_info moved) come last, with events masked, and the domain powers off after them. */
#include "mini-domu.h"
#include <xen/physdev.h>

#define SHOW(name, v) printk("svc " name "=%ld\n", (long)(v))
#define HYPERVISOR_physdev_op(cmd, arg) HYPERCALL(__HYPERVISOR_physdev_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_multicall(list, n)   HYPERCALL(__HYPERVISOR_multicall, list, n, 0, 0, 0)
#define HYPERVISOR_vm_assist(cmd, type) HYPERCALL(__HYPERVISOR_vm_assist, cmd, type, 0, 0, 0)

#ifdef CONFIG_PARAVIRT
#define FLAVOUR "64-bit PV"
#else
#define FLAVOUR "PVH"
#endif

static char page_a[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static char page_b[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static char page_c[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#ifdef CONFIG_PARAVIRT
static char map_window[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#endif
static char fifo_control[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint32_t fifo_array[PAGE_SIZE / 4] __attribute__((aligned(PAGE_SIZE)));
static char vcpu_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static struct vcpu_runstate_info runstate;
static struct vcpu_time_info time_copy;
static grant_entry_v1_t *gnttab;
static volatile unsigned long ipi_hits;

static long evtchn(int cmd, void *arg) { return HYPERVISOR_event_channel_op(cmd, arg); }
static void ipi_handler(evtchn_port_t port, void *data) { ipi_hits++; }

static void check_time(void) {
  shared_info_t *s = HYPERVISOR_shared_info;
  SHOW("wc_version_even", (s->wc_version & 1) == 0);
  SHOW("wc_sec", s->wc_sec);
  SHOW("wc_nsec", s->wc_nsec);
  volatile vcpu_time_info_t *t = &s->vcpu_info[0].time;
  SHOW("time_version_even", (t->version & 1) == 0);
  SHOW("time_flags", t->flags);
  uint64_t a = monotonic_clock();
  for (volatile int i = 0; i < 100000; i++) {}
  uint64_t b = monotonic_clock();
  SHOW("clock_advances", b > a);
  /* The machine's TSC runs at 1 GHz from 0, so pvclock's nanoseconds and RDTSC agree up to the
     few instructions between the two reads. */
  uint32_t lo, hi;
  uint64_t ns = monotonic_clock();
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  SHOW("tsc_minus_pvclock_ns", (((uint64_t)hi << 32) | lo) - ns);
  /* pvclock says 10 ns per instruction; the loop is a few hundred thousand of them. */
  SHOW("loop_ns", b - a);
}

static void check_events(void) {
  struct evtchn_bind_ipi ipi = { .vcpu = 0 };
  SHOW("bind_ipi", evtchn(EVTCHNOP_bind_ipi, &ipi));
  bind_evtchn(ipi.port, ipi_handler, 0);
  unsigned long before = ipi_hits;
  notify_remote_via_evtchn(ipi.port);
  SHOW("ipi_delivered", ipi_hits - before);
  struct evtchn_status st = { .dom = DOMID_SELF, .port = ipi.port };
  SHOW("status_rc", evtchn(EVTCHNOP_status, &st));
  SHOW("status_ipi", st.status);
  SHOW("status_vcpu", st.vcpu);
  /* A masked port: pending in shared_info, no upcall, until EVTCHNOP_unmask. */
  shared_info_t *s = HYPERVISOR_shared_info;
  const unsigned bits = sizeof(xen_ulong_t) * 8;
  __atomic_fetch_or(&s->evtchn_mask[ipi.port / bits], (xen_ulong_t)1 << (ipi.port % bits), __ATOMIC_SEQ_CST);
  before = ipi_hits;
  notify_remote_via_evtchn(ipi.port);
  SHOW("masked_hits", ipi_hits - before);
  SHOW("masked_pending", (s->evtchn_pending[ipi.port / bits] >> (ipi.port % bits)) & 1);
  unmask_evtchn(ipi.port);
  SHOW("unmask_hits", ipi_hits - before);
  /* Ports above 1023 exist only with 64-bit words: the bitmap has 64 x 64 of them. */
  SHOW("pending_words", sizeof(s->evtchn_pending) / sizeof(s->evtchn_pending[0]));
  struct evtchn_bind_virq v = { .virq = VIRQ_TIMER, .vcpu = 0 };
  SHOW("bind_virq_twice", evtchn(EVTCHNOP_bind_virq, &v));
  struct evtchn_bind_virq bad = { .virq = NR_VIRQS, .vcpu = 0 };
  SHOW("bind_virq_bad", evtchn(EVTCHNOP_bind_virq, &bad));
  struct evtchn_bind_vcpu bv = { .port = ipi.port, .vcpu = 1 };
  SHOW("bind_vcpu_other", evtchn(EVTCHNOP_bind_vcpu, &bv));
  struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
  SHOW("alloc_unbound", evtchn(EVTCHNOP_alloc_unbound, &au));
  struct evtchn_status su = { .dom = DOMID_SELF, .port = au.port };
  evtchn(EVTCHNOP_status, &su);
  SHOW("status_unbound", su.status);
  SHOW("status_unbound_dom", su.u.unbound.dom);
  struct evtchn_close c = { .port = au.port };
  SHOW("close", evtchn(EVTCHNOP_close, &c));
  SHOW("close_again", evtchn(EVTCHNOP_close, &c));
  struct evtchn_set_priority sp = { .port = ipi.port, .priority = 3 };
  SHOW("set_priority_2l", evtchn(EVTCHNOP_set_priority, &sp));
  struct evtchn_expand_array ea = { .array_gfn = arch_frame_of(fifo_array) };
  SHOW("expand_before_init", evtchn(EVTCHNOP_expand_array, &ea));
}

static void check_grants(evtchn_port_t console_port, unsigned long console_frame, unsigned long store_frame) {
  struct gnttab_query_size q = { .dom = DOMID_SELF };
  HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1);
  SHOW("query_nr_frames", q.nr_frames);
  SHOW("query_max_frames", q.max_nr_frames);
  /* The toolstack's reserved entries: the console and xenstore pages granted to dom0, mapped there. */
  SHOW("gref0_flags", gnttab[GNTTAB_RESERVED_CONSOLE].flags);
  SHOW("gref0_domid", gnttab[GNTTAB_RESERVED_CONSOLE].domid);
  SHOW("gref0_is_console", gnttab[GNTTAB_RESERVED_CONSOLE].frame == console_frame);
  SHOW("gref1_is_store", gnttab[GNTTAB_RESERVED_XENSTORE].frame == store_frame);
  struct gnttab_setup_table two[2] = { { .dom = DOMID_SELF, .nr_frames = 1 }, { .dom = DOMID_SELF, .nr_frames = 1 } };
  SHOW("setup_count2", HYPERVISOR_grant_table_op(GNTTABOP_setup_table, two, 2));
  xen_pfn_t frames[8];
  struct gnttab_setup_table dom0 = { .dom = 0, .nr_frames = 1 };
  set_xen_guest_handle(dom0.frame_list, frames);
  HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &dom0, 1);
  SHOW("setup_dom0_status", dom0.status);
  struct gnttab_setup_table other = { .dom = 9, .nr_frames = 1 };
  set_xen_guest_handle(other.frame_list, frames);
  HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &other, 1);
  SHOW("setup_other_status", other.status);
  struct gnttab_setup_table many = { .dom = DOMID_SELF, .nr_frames = 8 };
  set_xen_guest_handle(many.frame_list, frames);
  HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &many, 1);
  SHOW("setup_too_many_status", many.status);

  /* A grant to ourselves, then GNTTABOP_copy through it both ways. */
  const grant_ref_t ref = GNTTAB_NR_RESERVED_ENTRIES + 1, ro = ref + 1;
  for (int i = 0; i < 64; i++) page_a[i] = (char)(i * 7 + 1);
  gnttab[ref].frame = (uint32_t)arch_frame_of(page_a); gnttab[ref].domid = 1; mb(); gnttab[ref].flags = GTF_permit_access;
  gnttab[ro].frame = (uint32_t)arch_frame_of(page_c); gnttab[ro].domid = 1; mb(); gnttab[ro].flags = GTF_permit_access | GTF_readonly;
  struct gnttab_copy cp[6];
  memset(cp, 0, sizeof cp);
  cp[0].source.u.ref = ref; cp[0].source.domid = DOMID_SELF; cp[0].flags = GNTCOPY_source_gref;
  cp[0].dest.u.gmfn = arch_frame_of(page_b); cp[0].dest.domid = DOMID_SELF; cp[0].dest.offset = 100; cp[0].len = 64;
  cp[1] = cp[0]; cp[1].dest.offset = 4090;                                      /* crosses the page */
  cp[2] = cp[0]; cp[2].source.domid = 7;                                        /* no such domain */
  cp[3] = cp[0]; cp[3].source.domid = 0;                                        /* dom0 granted us nothing */
  cp[4].source.u.gmfn = arch_frame_of(page_b); cp[4].source.domid = DOMID_SELF;  /* into a read-only grant */
  cp[4].dest.u.ref = ro; cp[4].dest.domid = DOMID_SELF; cp[4].flags = GNTCOPY_dest_gref; cp[4].len = 8;
  cp[5] = cp[0]; cp[5].source.u.ref = 60000;                                    /* beyond the table */
  SHOW("copy_rc", HYPERVISOR_grant_table_op(GNTTABOP_copy, cp, 6));
  SHOW("copy_status", cp[0].status);
  int same = 1;
  for (int i = 0; i < 64; i++) same &= page_b[100 + i] == page_a[i];
  SHOW("copy_bytes_match", same);
  SHOW("copy_cross_status", cp[1].status);
  SHOW("copy_baddom_status", cp[2].status);
  SHOW("copy_dom0_status", cp[3].status);
  SHOW("copy_readonly_status", cp[4].status);
  SHOW("copy_badref_status", cp[5].status);
  SHOW("gref_idle_after_copy", gnttab[ref].flags & (GTF_reading | GTF_writing));

  struct gnttab_map_grant_ref m[2];
  memset(m, 0, sizeof m);
  m[0].ref = ref; m[0].dom = DOMID_SELF; m[0].flags = 0;                       /* neither host nor device map */
  m[1].ref = 5; m[1].dom = 0; m[1].flags = GNTMAP_host_map; m[1].host_addr = (unsigned long)page_c;
  HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, m, 2);
  SHOW("map_noflags_status", m[0].status);
  SHOW("map_dom0_status", m[1].status);
  struct gnttab_unmap_grant_ref u = { .handle = 12345 };
  HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
  SHOW("unmap_badhandle_status", u.status);

#ifdef CONFIG_PARAVIRT
  /* A host mapping of our own grant at a virtual address: the page shows through it, the
     entry is in use while mapped, and free again once unmapped; a write map of a read-only
     grant is refused. */
  struct gnttab_map_grant_ref hm[2];
  memset(hm, 0, sizeof hm);
  hm[0].ref = ref; hm[0].dom = DOMID_SELF; hm[0].flags = GNTMAP_host_map; hm[0].host_addr = (unsigned long)map_window;
  hm[1].ref = ro; hm[1].dom = DOMID_SELF; hm[1].flags = GNTMAP_host_map; hm[1].host_addr = (unsigned long)map_window;
  HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, hm, 2);
  SHOW("map_self_status", hm[0].status);
  SHOW("map_readonly_for_write_status", hm[1].status);
  int shows = 1;
  for (int i = 0; i < 64; i++) shows &= ((volatile char *)map_window)[i] == page_a[i];
  SHOW("map_window_shows_page", shows);
  SHOW("map_in_use_flags", gnttab[ref].flags & (GTF_reading | GTF_writing));
  struct gnttab_unmap_grant_ref hu = { .host_addr = (unsigned long)map_window, .handle = hm[0].handle };
  HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &hu, 1);
  SHOW("unmap_self_status", hu.status);
  SHOW("unmapped_flags", gnttab[ref].flags & (GTF_reading | GTF_writing));
#endif
  struct gnttab_get_version gv = { .dom = DOMID_SELF };
  HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1);
  SHOW("version", gv.version);
  gnttab[ref].flags = 0; gnttab[ro].flags = 0;
  struct gnttab_set_version sv = { .version = 3 };
  SHOW("set_version3", HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1));
  SHOW("set_version3_reports", sv.version);
  struct gnttab_get_status_frames sf = { .nr_frames = 1, .dom = DOMID_SELF };
  uint64_t status_frame = 0;
  set_xen_guest_handle(sf.frame_list, &status_frame);
  SHOW("status_frames_v1_rc", HYPERVISOR_grant_table_op(GNTTABOP_get_status_frames, &sf, 1));
  SHOW("status_frames_v1", sf.status);
  sv.version = 2;
  SHOW("set_version2", HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1));
  HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1);
  SHOW("version_now", gv.version);
  grant_entry_v2_t *v2 = (grant_entry_v2_t *)gnttab;
  SHOW("v2_gref0_flags", v2[GNTTAB_RESERVED_CONSOLE].hdr.flags);
  SHOW("v2_gref0_is_console", v2[GNTTAB_RESERVED_CONSOLE].full_page.frame == console_frame);
  SHOW("v2_gref1_is_store", v2[GNTTAB_RESERVED_XENSTORE].full_page.frame == store_frame);
  sf.status = 99;
  SHOW("status_frames_v2_rc", HYPERVISOR_grant_table_op(GNTTABOP_get_status_frames, &sf, 1));
  SHOW("status_frames_v2", sf.status);
  SHOW("status_frame_nonzero", status_frame != 0);
  sv.version = 1;
  SHOW("set_version1", HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1));
  SHOW("v1_gref0_is_console_again", gnttab[GNTTAB_RESERVED_CONSOLE].frame == console_frame);
  (void)console_port;
}

static void check_vcpu(void) {
  SHOW("is_up", HYPERVISOR_vcpu_op(VCPUOP_is_up, 0, 0));
  SHOW("is_up_vcpu1", HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, 0));
  SHOW("get_physid", HYPERVISOR_vcpu_op(VCPUOP_get_physid, 0, &runstate));
  struct vcpu_set_periodic_timer short_period = { .period_ns = 100000 };
  SHOW("periodic_too_short", HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &short_period));
  struct vcpu_set_singleshot_timer past = { .timeout_abs_ns = 1, .flags = VCPU_SSHOTTMR_future };
  SHOW("singleshot_past_future", HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &past));
  SHOW("vm_assist_runstate_flag", HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag));
  struct vcpu_register_runstate_memory_area area;
  memset(&area, 0, sizeof area);
  area.addr.v = &runstate;
  SHOW("register_runstate", HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area));
  SHOW("runstate_state", runstate.state);
  SHOW("runstate_update_flag_clear", (runstate.state_entry_time & XEN_RUNSTATE_UPDATE) == 0);
  uint64_t blocked0 = runstate.time[RUNSTATE_blocked];
  msleep(5);
  SHOW("runstate_blocked_grew_ns", runstate.time[RUNSTATE_blocked] - blocked0);
  SHOW("runstate_running_ns_positive", runstate.time[RUNSTATE_running] > 0);
  struct vcpu_runstate_info info;
  SHOW("get_runstate_info", HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, &info));
  SHOW("get_runstate_state", info.state);
  struct vcpu_register_time_memory_area ta;
  memset(&ta, 0, sizeof ta);
  ta.addr.v = &time_copy;
  SHOW("register_time_area", HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &ta));
  SHOW("time_copy_version_even", time_copy.version != 0 && (time_copy.version & 1) == 0);
  SHOW("time_copy_mul", time_copy.tsc_to_system_mul);
}

static void check_memory(void) {
  domid_t self = DOMID_SELF, dom0 = 0, nobody = 77;
  long cur = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
  SHOW("current_reservation", cur);
  SHOW("current_reservation_dom0", HYPERVISOR_memory_op(XENMEM_current_reservation, &dom0));
  SHOW("current_reservation_nobody", HYPERVISOR_memory_op(XENMEM_current_reservation, &nobody));
  struct e820entry { uint64_t addr, size; uint32_t type; } __attribute__((packed)) map[4];
  struct xen_memory_map mm = { .nr_entries = 0 };
  set_xen_guest_handle(mm.buffer, map);
  SHOW("memory_map_zero", HYPERVISOR_memory_op(XENMEM_memory_map, &mm));
  SHOW("memory_map_zero_entries", mm.nr_entries);
#ifdef CONFIG_PARAVIRT
  /* The balloon: give one page back, then take one again; a third ask finds the domain at max_pages. */
  xen_pfn_t mfn = arch_frame_of(page_c);
  struct xen_memory_reservation r = { .nr_extents = 1, .extent_order = 0, .domid = DOMID_SELF };
  set_xen_guest_handle(r.extent_start, &mfn);
  SHOW("decrease", HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r));
  SHOW("after_decrease", cur - HYPERVISOR_memory_op(XENMEM_current_reservation, &self));
  xen_pfn_t got = 0;
  set_xen_guest_handle(r.extent_start, &got);
  SHOW("increase", HYPERVISOR_memory_op(XENMEM_increase_reservation, &r));
  SHOW("increase_gave_it_back", got == mfn);
  SHOW("increase_at_max", HYPERVISOR_memory_op(XENMEM_increase_reservation, &r));
  r.domid = 77;
  SHOW("decrease_other_domain", HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r));
  struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 0, .gpfn = 0 };
  SHOW("add_to_physmap_pv", HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp));
#endif
}

static void check_misc(void) {
  char line[1024];
  SHOW("commandline", HYPERVISOR_xen_version(XENVER_commandline, line));
  xen_feature_info_t fi = { .submap_idx = 1 };
  SHOW("features_submap1", HYPERVISOR_xen_version(XENVER_get_features, &fi));
  xen_platform_parameters_t pp = { 0 };
  SHOW("platform_parameters", HYPERVISOR_xen_version(XENVER_platform_parameters, &pp));
  printk("svc virt_start=0x%lx\n", (unsigned long)pp.virt_start);
#ifdef CONFIG_PARAVIRT
  struct physdev_irq_status_query q = { .irq = 5 };
  SHOW("irq_status_query", HYPERVISOR_physdev_op(PHYSDEVOP_irq_status_query, &q));
  SHOW("irq_status_flags", q.flags);
  q.irq = 100000;
  SHOW("irq_status_query_bad", HYPERVISOR_physdev_op(PHYSDEVOP_irq_status_query, &q));
  struct physdev_eoi eoi = { .irq = 5 };
  SHOW("eoi_unbound", HYPERVISOR_physdev_op(PHYSDEVOP_eoi, &eoi));
  struct physdev_pirq_eoi_gmfn eg = { .gmfn = arch_frame_of(page_c) };
  SHOW("pirq_eoi_gmfn", HYPERVISOR_physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v2, &eg));
  SHOW("pirq_eoi_gmfn_again", HYPERVISOR_physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v2, &eg));
  struct physdev_map_pirq mp = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI, .index = 5, .pirq = -1 };
  SHOW("map_pirq", HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &mp));
  struct physdev_set_iopl iopl = { .iopl = 4 };
  SHOW("set_iopl_4", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl));
#endif
  /* multicall: entries of xen_ulong_t words, results written back in place. */
  multicall_entry_t mc[3];
  memset(mc, 0, sizeof mc);
  mc[0].op = __HYPERVISOR_xen_version; mc[0].args[0] = XENVER_version;
  static struct evtchn_bind_ipi mipi = { .vcpu = 0 };
  mc[1].op = __HYPERVISOR_event_channel_op; mc[1].args[0] = EVTCHNOP_bind_ipi; mc[1].args[1] = (unsigned long)&mipi;
  mc[2].op = __HYPERVISOR_multicall;
  SHOW("multicall", HYPERVISOR_multicall(mc, 3));
  SHOW("mc_version", mc[0].result);
  SHOW("mc_bind_ipi", mc[1].result);
  SHOW("mc_ipi_port_nonzero", mipi.port != 0);
  SHOW("mc_nested", mc[2].result);
}

static int xs(uint32_t type, const char *const *parts, int n, char *reply, size_t size) {
  return xenbus_request(type, parts, n, reply, size);
}

static void check_xenstore(unsigned long console_frame, evtchn_port_t console_port) {
  char reply[512];
  const char *ring[] = { "console/ring-ref" };
  xs(XS_READ, ring, 1, reply, sizeof reply);
  char want[32];
  snprintf(want, sizeof want, "%lu", console_frame);
  SHOW("xs_console_ring_ref_matches", strcmp(reply, want) == 0);
  const char *port[] = { "console/port" };
  xs(XS_READ, port, 1, reply, sizeof reply);
  snprintf(want, sizeof want, "%u", console_port);
  SHOW("xs_console_port_matches", strcmp(reply, want) == 0);
  const char *name[] = { "name", "evil" };
  int t = xs(XS_WRITE, name, 2, reply, sizeof reply);
  SHOW("xs_write_name_is_error", t == XS_ERROR);
  printk("svc xs_write_name_error=%s\n", reply);
  const char *dom0[] = { "/local/domain/0/name" };
  xs(XS_READ, dom0, 1, reply, sizeof reply);
  printk("svc xs_dom0_name=%s\n", reply);
  const char *path[] = { "1" };
  xs(XS_GET_DOMAIN_PATH, path, 1, reply, sizeof reply);
  printk("svc xs_domain_path=%s\n", reply);
  const char *target[] = { "memory/target" };
  t = xs(XS_READ, target, 1, reply, sizeof reply);
  printk("svc xs_memory_target=%s\n", t == XS_READ ? reply : "error");
  /* A transaction sees its own write; the store does not until it commits. */
  const char *none[] = { "" };
  xs(XS_TRANSACTION_START, none, 1, reply, sizeof reply);
  SHOW("xs_tx_id_nonzero", reply[0] != '0');
  const char *rd[] = { "data/tx" };
  t = xs(XS_READ, rd, 1, reply, sizeof reply);
  printk("svc xs_before_commit=%s\n", t == XS_ERROR ? reply : "found");
  const char *bogus[] = { "x" };
  t = xs(99, bogus, 1, reply, sizeof reply);
  printk("svc xs_unknown_type=%s\n", t == XS_ERROR ? reply : "answered");
  const char *bad[] = { "data//double" };
  t = xs(XS_READ, bad, 1, reply, sizeof reply);
  printk("svc xs_bad_path=%s\n", t == XS_ERROR ? reply : "answered");
  /* Linux's xb_write notifies only when the ring was empty: the header brings a notification,
     the body written after it none. xenstored still answers (it looks at the ring again). */
  evtchn_port_t sp;
  struct xenstore_domain_interface *xr = arch_xenstore_ring(&sp);
  static const char body[] = "domid";
  struct xsd_sockmsg h = { .type = XS_READ, .req_id = 4242, .tx_id = 0, .len = sizeof body };
  XENSTORE_RING_IDX prod = xr->req_prod, rsp0 = xr->rsp_prod;
  for (unsigned i = 0; i < sizeof h; i++) xr->req[MASK_XENSTORE_IDX(prod++)] = ((const char *)&h)[i];
  mb(); xr->req_prod = prod; notify_remote_via_evtchn(sp);
  for (unsigned i = 0; i < sizeof body; i++) xr->req[MASK_XENSTORE_IDX(prod++)] = body[i];
  mb(); xr->req_prod = prod;
  int waited = 0;
  while (xr->rsp_prod == rsp0 && waited < 100) { msleep(1); waited++; }
  struct xsd_sockmsg rh;
  XENSTORE_RING_IDX cons = xr->rsp_cons;
  for (unsigned i = 0; i < sizeof rh; i++) ((char *)&rh)[i] = xr->rsp[MASK_XENSTORE_IDX(cons + i)];
  SHOW("xs_split_write_answered", xr->rsp_prod != rsp0 && rh.req_id == 4242 && rh.type == XS_READ);
  SHOW("xs_split_write_waited_ms_under_5", waited < 5);
  xr->rsp_cons = cons + sizeof rh + rh.len;
  const char *perm[] = { "/local/domain/0/backend" };
  t = xs(XS_DIRECTORY, perm, 1, reply, sizeof reply);
  printk("svc xs_dom0_backend=%s\n", t == XS_ERROR ? reply : "listed");
}

/* FIFO: with events masked for good, the queues are read here instead of by an upcall. */
static void check_fifo(evtchn_port_t ipi) {
  local_irq_disable();
  struct evtchn_init_control bad = { .control_gfn = arch_frame_of(fifo_control), .offset = 4, .vcpu = 0 };
  SHOW("fifo_init_misaligned", evtchn(EVTCHNOP_init_control, &bad));
  bad.offset = 0; bad.vcpu = 3;
  SHOW("fifo_init_other_vcpu", evtchn(EVTCHNOP_init_control, &bad));
  struct evtchn_init_control ic = { .control_gfn = arch_frame_of(fifo_control), .offset = 0, .vcpu = 0 };
  SHOW("fifo_init", evtchn(EVTCHNOP_init_control, &ic));
  SHOW("fifo_link_bits", ic.link_bits);
  SHOW("fifo_init_again", evtchn(EVTCHNOP_init_control, &ic));
  for (unsigned i = 0; i < PAGE_SIZE / 4; i++) fifo_array[i] = 1u << EVTCHN_FIFO_MASKED;
  struct evtchn_expand_array ea = { .array_gfn = arch_frame_of(fifo_array) };
  SHOW("fifo_expand", evtchn(EVTCHNOP_expand_array, &ea));
  evtchn_fifo_control_block_t *cb = (evtchn_fifo_control_block_t *)fifo_control;
  /* Two ports of the default priority: the first heads the queue, the second is linked behind it. */
  struct evtchn_bind_ipi b1 = { .vcpu = 0 }, b2 = { .vcpu = 0 };
  evtchn(EVTCHNOP_bind_ipi, &b1); evtchn(EVTCHNOP_bind_ipi, &b2);
  fifo_array[b1.port] = 0; fifo_array[b2.port] = 0;
  notify_remote_via_evtchn(b1.port);
  notify_remote_via_evtchn(b2.port);
  SHOW("fifo_ready", cb->ready);
  SHOW("fifo_head_is_first", cb->head[EVTCHN_FIFO_PRIORITY_DEFAULT] == b1.port);
  SHOW("fifo_first_word_flags", fifo_array[b1.port] >> 28);
  SHOW("fifo_first_links_second", (fifo_array[b1.port] & EVTCHN_FIFO_LINK_MASK) == b2.port);
  SHOW("fifo_upcall_pending", HYPERVISOR_shared_info->vcpu_info[0].evtchn_upcall_pending);
  /* Consume both as a guest does: clear LINKED (and the link), then PENDING. */
  fifo_array[b1.port] = 0; fifo_array[b2.port] = 0; cb->ready = 0; cb->head[EVTCHN_FIFO_PRIORITY_DEFAULT] = 0;
  struct evtchn_set_priority sp = { .port = b1.port, .priority = 2 };
  SHOW("fifo_set_priority", evtchn(EVTCHNOP_set_priority, &sp));
  sp.priority = EVTCHN_FIFO_PRIORITY_MIN + 1;
  SHOW("fifo_set_priority_bad", evtchn(EVTCHNOP_set_priority, &sp));
  notify_remote_via_evtchn(b1.port);
  SHOW("fifo_ready_prio2", cb->ready);
  SHOW("fifo_head_prio2", cb->head[2] == b1.port);
  /* A masked port is pending but not queued until unmasked. */
  fifo_array[b2.port] = 1u << EVTCHN_FIFO_MASKED;
  notify_remote_via_evtchn(b2.port);
  SHOW("fifo_masked_flags", fifo_array[b2.port] >> 28);
  fifo_array[b2.port] &= ~(1u << EVTCHN_FIFO_MASKED);
  unmask_evtchn(b2.port);
  SHOW("fifo_unmasked_flags", fifo_array[b2.port] >> 28);
  SHOW("fifo_head_default_is_second", cb->head[EVTCHN_FIFO_PRIORITY_DEFAULT] == b2.port);
  /* The 2-level IPI bound before the switch kept its port. */
  struct evtchn_status st = { .dom = DOMID_SELF, .port = ipi };
  evtchn(EVTCHNOP_status, &st);
  SHOW("fifo_old_port_status", st.status);
}

/* vcpu_info moved into a page of ours: the upcall flags follow it, every selector bit set. */
static void check_vcpu_info(void) {
  struct vcpu_register_vcpu_info r = { .mfn = arch_frame_of(vcpu_page), .offset = 64 };
  SHOW("register_vcpu_info", HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r));
  vcpu_info_t *v = (vcpu_info_t *)(vcpu_page + 64);
  SHOW("moved_time_version_even", v->time.version != 0 && (v->time.version & 1) == 0);
  SHOW("register_vcpu_info_again", HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r));
  r.offset = PAGE_SIZE - 32;
  SHOW("register_vcpu_info_offset", HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r));
}

static void svc_main(void *arg) {
  printk("svc-domu: services as a " FLAVOUR " guest\n");
  evtchn_port_t console_port;
  struct xencons_interface *cons = arch_console_ring(&console_port);
  struct xenstore_domain_interface *store;
  evtchn_port_t store_port;
  store = arch_xenstore_ring(&store_port);
  unsigned long console_frame = arch_frame_of(cons), store_frame = arch_frame_of(store);
  check_time();
  check_events();
  check_grants(console_port, console_frame, store_frame);
  check_vcpu();
  check_memory();
  check_misc();
  check_xenstore(console_frame, console_port);
  struct evtchn_bind_ipi keep = { .vcpu = 0 };
  evtchn(EVTCHNOP_bind_ipi, &keep);
  check_fifo(keep.port);
  check_vcpu_info();
  printk("svc-domu: done\n");
  poweroff();
}

void start_kernel(void *boot_info) {
  arch_init(boot_info);
  init_events();
  unsigned long start_pfn, max_pfn;
  arch_init_mm(&start_pfn, &max_pfn);
  init_time();
  init_console();
  gnttab = arch_init_gnttab(1);
  init_sched();
  init_xenbus();
  create_thread("svc", svc_main, 0);
  run_idle_thread();
}
