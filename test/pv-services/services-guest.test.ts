// The Xen services a domU uses, from a guest kernel built from source against Xen's public
// headers (svc-domu: test/guests/xen-services), as a 64-bit PV guest and as a PVH guest. The
// expected values are Xen's answers: errno values from xen/include/public/errno.h, GNTST_*
// from grant_table.h, EVTCHNSTAT_* from event_channel.h, and the behaviour of the Xen source
// named beside each group. Both flavours run the same checks through the same services
// (emulator/pv/xen-services.ts); where Xen answers an HVM container differently the PVH
// expectation says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RTC_START_EPOCH_SECONDS } from '../../emulator/devices/cmos-rtc';
import { buildSvcDomu, runSvcDomu, type SvcRun } from './svc-domu';

const EPERM = -1, ENOENT = -2, ESRCH = -3, EACCES = -13, EBUSY = -16, EEXIST = -17, EINVAL = -22, ENOSYS = -38, ETIME = -62, EOPNOTSUPP = -95;
const GNTST = { okay: 0, general_error: -1, bad_domain: -2, bad_gntref: -3, bad_handle: -4, permission_denied: -8, bad_copy_arg: -10 };
const GTF = { permit_access: 1, reading: 8, writing: 16 };
const EVTCHNSTAT = { closed: 0, unbound: 1, ipi: 5 };

const built = buildSvcDomu();
const skip = typeof built === 'string' ? built : false;

function expectAll(r: SvcRun, want: Record<string, number | string>): void {
  for (const [name, v] of Object.entries(want)) {
    const got = r.values.get(name);
    assert.ok(got !== undefined, `no svc ${name}\n${r.why}`);
    assert.equal(typeof v === 'number' ? Number(got) : got, v, `svc ${name}`);
  }
}

/** What both flavours answer alike. */
function common(r: SvcRun, flavour: 'pv' | 'pvh'): void {
  assert.deepEqual(r.run.stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' }, r.why);
  assert.match(r.run.console, /^svc-domu: done$/m);
  expectAll(r, {
    // pvclock (xen/arch/x86/time.c): even versions once written, the TSC-stable flag; the
    // wallclock at system time 0 is where the HVM machine's CMOS clock starts.
    wc_version_even: 1, wc_sec: RTC_START_EPOCH_SECONDS, wc_nsec: 0, time_version_even: 1, time_flags: 1, clock_advances: 1,
    // 2-level events (common/event_channel.c, event_2l.c): an IPI delivered once; a masked
    // port pending without an upcall until EVTCHNOP_unmask; 64 xen_ulong_t words of 64 bits.
    bind_ipi: 0, ipi_delivered: 1, status_rc: 0, status_ipi: EVTCHNSTAT.ipi, status_vcpu: 0,
    masked_hits: 0, masked_pending: 1, unmask_hits: 1, pending_words: 64,
    bind_virq_twice: EEXIST, bind_virq_bad: EINVAL, bind_vcpu_other: ENOENT,
    alloc_unbound: 0, status_unbound: EVTCHNSTAT.unbound, status_unbound_dom: 0, close: 0, close_again: EINVAL,
    // set_priority is a FIFO port op (2-level has none: -ENOSYS); expand_array before init_control: -EOPNOTSUPP.
    set_priority_2l: ENOSYS, expand_before_init: EOPNOTSUPP,
    // Grant tables (common/grant_table.c): one frame at start (INITIAL_NR_GRANT_FRAMES), the
    // toolstack's reserved entries granting the console and xenstore pages to dom0 and mapped
    // there (reading|writing), setup_table's count must be 1, XSM refuses dom0's table, an
    // unknown domain is bad_domain, more frames than the maximum is a general error.
    query_nr_frames: 1, query_max_frames: 4,
    gref0_flags: GTF.permit_access | GTF.reading | GTF.writing, gref0_domid: 0, gref0_is_console: 1, gref1_is_store: 1,
    setup_count2: EINVAL, setup_dom0_status: GNTST.permission_denied, setup_other_status: GNTST.bad_domain,
    setup_too_many_status: GNTST.general_error,
    // GNTTABOP_copy through a grant to ourselves; a copy beyond the page, a bad domain, dom0's
    // grants (none to us), a write into a read-only grant and a ref beyond the table.
    copy_rc: 0, copy_status: GNTST.okay, copy_bytes_match: 1, copy_cross_status: GNTST.bad_copy_arg,
    copy_baddom_status: GNTST.bad_domain, copy_dom0_status: GNTST.general_error, copy_readonly_status: GNTST.general_error,
    copy_badref_status: GNTST.bad_gntref, gref_idle_after_copy: 0,
    map_noflags_status: GNTST.bad_gntref, map_dom0_status: GNTST.general_error, unmap_badhandle_status: GNTST.bad_handle,
    // set_version: only 1 or 2, the version in force reported back; v2 keeps the reserved entries (full_page.frame).
    version: 1, set_version3: EINVAL, set_version3_reports: 1, set_version2: 0, version_now: 2,
    v2_gref0_flags: GTF.permit_access, v2_gref0_is_console: 1, v2_gref1_is_store: 1, set_version1: 0, v1_gref0_is_console_again: 1,
    // vcpu_op (common/domain.c): one vCPU; get_physid is the hardware domain's; a period under
    // 1 ms and a past deadline with VCPU_SSHOTTMR_future are refused; the runstate area is
    // written at once and kept up to date (blocked time grows across msleep(5)), without
    // XEN_RUNSTATE_UPDATE left set; the secondary vcpu_time_info is a consistent copy.
    is_up: 1, is_up_vcpu1: ENOENT, get_physid: EINVAL, periodic_too_short: EINVAL, singleshot_past_future: ETIME,
    vm_assist_runstate_flag: 0, register_runstate: 0, runstate_state: 0, runstate_update_flag_clear: 1,
    runstate_running_ns_positive: 1, get_runstate_info: 0, get_runstate_state: 0,
    register_time_area: 0, time_copy_version_even: 1, time_copy_mul: 2 ** 31,
    // memory_op (common/memory.c): dom0 exists but XSM hides it (-EPERM), another domain does
    // not exist (-ESRCH); a memory map asked with room for 0 entries returns 0 of them.
    current_reservation_dom0: EPERM, current_reservation_nobody: ESRCH, memory_map_zero: 0, memory_map_zero_entries: 0,
    // xen_version (common/kernel.c + XSM): the command line is the control domain's; one feature submap.
    commandline: EPERM, features_submap1: EINVAL, platform_parameters: 0,
    // multicall: each entry's result in place, a nested multicall refused.
    multicall: 0, mc_version: (4 << 16) | 19, mc_bind_ipi: 0, mc_ipi_port_nonzero: 1, mc_nested: EINVAL,
    // xenstore (xenstored): the toolstack's nodes; the domain cannot write what dom0 owns.
    xs_console_ring_ref_matches: 1, xs_console_port_matches: 1, xs_write_name_is_error: 1, xs_write_name_error: 'EACCES',
    xs_dom0_name: 'Domain-0', xs_domain_path: '/local/domain/1', xs_tx_id_nonzero: 1, xs_before_commit: 'ENOENT',
    xs_unknown_type: 'EINVAL', xs_bad_path: 'EINVAL', xs_dom0_backend: 'listed',
    // A request whose body follows its header without a second notification (Linux's xb_write) is answered.
    xs_split_write_answered: 1, xs_split_write_waited_ms_under_5: 1,
    // FIFO (common/event_fifo.c): init_control's checks, LINK_BITS 17, two ports queued at the
    // default priority (7), the first linking the second (PENDING|LINKED = 0xA in bits 31-28),
    // READY and the upcall flag set; a priority moves the port's queue; a masked port is
    // PENDING|MASKED and queued when unmasked; bound ports keep their state across the switch.
    fifo_init_misaligned: EINVAL, fifo_init_other_vcpu: ENOENT, fifo_init: 0, fifo_link_bits: 17, fifo_init_again: EINVAL,
    fifo_expand: 0, fifo_ready: 1 << 7, fifo_head_is_first: 1, fifo_first_word_flags: 0xa, fifo_first_links_second: 1,
    fifo_upcall_pending: 1, fifo_set_priority: 0, fifo_set_priority_bad: EINVAL, fifo_ready_prio2: 1 << 2, fifo_head_prio2: 1,
    fifo_masked_flags: 0xc, fifo_unmasked_flags: 0xa, fifo_head_default_is_second: 1, fifo_old_port_status: EVTCHNSTAT.ipi,
    // register_vcpu_info (common/domain.c map_vcpu_info): once only, within the page.
    register_vcpu_info: 0, moved_time_version_even: 1, register_vcpu_info_again: EINVAL, register_vcpu_info_offset: EINVAL,
  });
  // pvclock against the CPU: TSC (1 GHz from 0) minus pvclock's ns is the time of a few instructions.
  const skew = Number(r.values.get('tsc_minus_pvclock_ns'));
  assert.ok(skew >= 0 && skew < 2000, `${flavour}: RDTSC - pvclock = ${skew} ns`);
  const blocked = Number(r.values.get('runstate_blocked_grew_ns'));
  assert.ok(blocked >= 4_900_000 && blocked <= 5_100_000, `${flavour}: blocked ${blocked} ns across msleep(5)`);
  const target = Number(r.values.get('xs_memory_target'));
  assert.ok(target >= Number(r.values.get('current_reservation')) * 4, `${flavour}: memory/target ${target} KiB`);
}

test('svc-domu: the Xen services as a 64-bit PV guest answers them', { skip, timeout: 600_000 }, () => {
  const r = runSvcDomu((built as { pv: string }).pv, 'pv');
  common(r, 'pv');
  expectAll(r, {
    // PV: get_status_frames works (status okay, a frame) once the table is v2; before, a general error.
    status_frames_v1_rc: 0, status_frames_v1: GNTST.general_error, status_frames_v2_rc: 0, status_frames_v2: GNTST.okay, status_frame_nonzero: 1,
    // The balloon: a page given back lowers the reservation by one; increase_reservation hands it
    // out again (its MFN written back); a third ask finds the domain at max_pages (0 extents done);
    // another domain's reservation is not ours to change (0 done). add_to_physmap is for translated guests.
    decrease: 1, after_decrease: 1, increase: 1, increase_gave_it_back: 1, increase_at_max: 0, decrease_other_domain: 0,
    add_to_physmap_pv: EACCES,
    // GNTTABOP_map_grant_ref with GNTMAP_host_map at a virtual address (create_grant_va_mapping):
    // the granted page shows through it, the entry is reading|writing while mapped, free after
    // the unmap; a write map of a GTF_readonly grant fails.
    map_self_status: GNTST.okay, map_readonly_for_write_status: GNTST.general_error, map_window_shows_page: 1,
    map_in_use_flags: GTF.reading | GTF.writing, unmap_self_status: GNTST.okay, unmapped_flags: 0,
    // HYPERVISOR_VIRT_START of xen-x86_64.h.
    virt_start: '0xffff800000000000',
    // physdev_op (arch/x86/physdev.c) for a domU: no PIRQ is bound; the EOI page once; IRQ mapping is dom0's.
    irq_status_query: 0, irq_status_flags: 0, irq_status_query_bad: EINVAL, eoi_unbound: EINVAL,
    pirq_eoi_gmfn: 0, pirq_eoi_gmfn_again: EBUSY, map_pirq: EPERM, set_iopl_4: EINVAL,
  });
  assert.equal(Number(r.values.get('xs_memory_target')), Number(r.values.get('current_reservation')) * 4);
});

test('svc-domu: the Xen services as a PVH guest answers them', { skip, timeout: 600_000 }, () => {
  const r = runSvcDomu((built as { pvh: string }).pvh, 'pvh');
  common(r, 'pvh');
  expectAll(r, {
    // hvm_grant_table_op lets an HVM container use only the audited ops: get_status_frames is -ENOSYS.
    status_frames_v1_rc: ENOSYS, status_frames_v2_rc: ENOSYS,
    // A translated guest has no hypervisor hole: XENVER_platform_parameters says 0.
    virt_start: '0x0',
  });
});
