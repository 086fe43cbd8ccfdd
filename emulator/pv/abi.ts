// Xen's public x86_32 (PAE) PV ABI as numbers: layouts and constants from xen/include/public
// (xen.h, arch-x86/xen-x86_32.h, event_channel.h, sched.h, vcpu.h, memory.h, callback.h,
// physdev.h, grant_table.h, version.h). Nothing here has behaviour.

import { sharedInfoLayout, startInfoLayout, VCPU_TIME_INFO, vcpuInfoLayout } from './layouts';

export const PAGE = 4096;
/** Under PAE the hypervisor owns linear addresses from here up (HYPERVISOR_VIRT_START_PAE). */
export const HYPERVISOR_VIRT_START = 0xf5800000;
/** First PAE L2 index (in the L2 that slot 3 of the L3 points at) that belongs to the hypervisor. */
export const HV_L2_FIRST = (HYPERVISOR_VIRT_START - 0xc0000000) >>> 21; // 428
/** The read-only machine-to-phys table every PV guest may read (MACH2PHYS_VIRT_START, PAE). */
export const MACH2PHYS_VIRT_START = 0xf5800000;
export const MACH2PHYS_VIRT_END = 0xf6800000;
/** Where the hypervisor maps the vCPU's GDT (16 pages: 14 the guest's, 2 its own). */
export const GDT_VIRT = 0xf6800000;
export const FIRST_RESERVED_GDT_PAGE = 14;
export const FIRST_RESERVED_GDT_BYTE = FIRST_RESERVED_GDT_PAGE * PAGE;
export const FIRST_RESERVED_GDT_ENTRY = FIRST_RESERVED_GDT_BYTE / 8;

export const FLAT_RING1_CS = 0xe019;
export const FLAT_RING1_DS = 0xe021;
export const FLAT_RING3_CS = 0xe02b;
export const FLAT_RING3_DS = 0xe033;

export const DOMID_SELF = 0x7ff0;

// errno values Xen returns (negated), xen/include/public/errno.h.
export const EACCES_ = 13, ETIME = 62;
export const EPERM = 1, ENOENT = 2, ESRCH = 3, EFAULT = 14, EBUSY = 16, EEXIST = 17, EINVAL = 22,
  ENOSPC = 28, ENOSYS = 38, EAGAIN = 11, ENOMEM = 12, E2BIG = 7, ENODEV = 19, EOPNOTSUPP = 95;

// start_info_t (x86_32): byte offsets, from the width-parametrized layouts (layouts.ts).
const SI32 = startInfoLayout(32);
export const START_INFO_SIZE = SI32.SIZE;
export const SI = {
  magic: SI32.magic, nr_pages: SI32.nrPages, shared_info: SI32.sharedInfo, flags: SI32.flags, store_mfn: SI32.storeMfn,
  store_evtchn: SI32.storeEvtchn, console_mfn: SI32.consoleMfn, console_evtchn: SI32.consoleEvtchn, pt_base: SI32.ptBase,
  nr_pt_frames: SI32.nrPtFrames, mfn_list: SI32.mfnList, mod_start: SI32.modStart, mod_len: SI32.modLen, cmd_line: SI32.cmdLine,
  first_p2m_pfn: SI32.firstP2mPfn, nr_p2m_frames: SI32.nrP2mFrames,
} as const;
export const MAX_GUEST_CMDLINE = 1024;
export const START_INFO_MAGIC = SI32.magicString;

// shared_info_t and vcpu_info_t of a 32-bit guest (layouts.ts has both widths).
const SH32 = sharedInfoLayout(32), VI32 = vcpuInfoLayout(32);
export const SH_EVTCHN_PENDING = SH32.evtchnPending;
export const SH_EVTCHN_MASK = SH32.evtchnMask;
export const SH_WC_VERSION = SH32.wcVersion, SH_WC_SEC = SH32.wcSec, SH_WC_NSEC = SH32.wcNsec;
export const VCPU_INFO_SIZE = VI32.SIZE;
export const VI_UPCALL_PENDING = VI32.upcallPending, VI_UPCALL_MASK = VI32.upcallMask, VI_PENDING_SEL = VI32.pendingSel,
  VI_CR2 = VI32.cr2, VI_TIME = VI32.time;
export const VT_VERSION = VCPU_TIME_INFO.version, VT_TSC = VCPU_TIME_INFO.tscTimestamp, VT_SYSTEM_TIME = VCPU_TIME_INFO.systemTime,
  VT_MUL = VCPU_TIME_INFO.tscToSystemMul, VT_SHIFT = VCPU_TIME_INFO.tscShift, VT_FLAGS = VCPU_TIME_INFO.flags;
export const NR_EVENT_CHANNELS = SH32.nrEventChannels2l; // 32 * 32 bits on a 32-bit guest

// struct xencons_interface (io/console.h): in[1024], out[2048], then four u32 indexes.
export const CONS_IN = 0, CONS_IN_SIZE = 1024, CONS_OUT = 1024, CONS_OUT_SIZE = 2048;
export const CONS_IN_CONS = 3072, CONS_IN_PROD = 3076, CONS_OUT_CONS = 3080, CONS_OUT_PROD = 3084;

// Trap-table entry flags (trap_info_t).
export const TI_DPL_MASK = 3, TI_IF = 4;

// Hypercall numbers, names and arguments: the table in hypercall-table.ts (data only, like
// this file), re-exported so that readers of the ABI (the language server) find them here.
export { HC, HYPERCALL_TABLE, HYPERCALL_LIMIT, hypercallByName, hypercallByNumber, hypercallName } from './hypercall-table';
export type { HypercallArg, HypercallArgKind, HypercallName, HypercallRow } from './hypercall-table';

export const SCHEDOP = { yield: 0, block: 1, shutdown: 2, poll: 3, remote_shutdown: 4, shutdown_code: 5, watchdog: 6 } as const;
export const SHUTDOWN_NAMES = ['poweroff', 'reboot', 'suspend', 'crash', 'watchdog', 'soft_reset'];
export const EVTCHNOP = {
  bind_interdomain: 0, bind_virq: 1, bind_pirq: 2, close: 3, send: 4, status: 5, alloc_unbound: 6,
  bind_ipi: 7, bind_vcpu: 8, unmask: 9, reset: 10, init_control: 11, expand_array: 12, set_priority: 13, reset_cont: 14,
} as const;
export const EVTCHNSTAT = { closed: 0, unbound: 1, interdomain: 2, pirq: 3, virq: 4, ipi: 5 } as const;
export const VIRQ_TIMER = 0, VIRQ_DEBUG = 1, VIRQ_CONSOLE = 2, NR_VIRQS = 24;
export const VCPUOP = {
  initialise: 0, up: 1, down: 2, is_up: 3, get_runstate_info: 4, register_runstate_memory_area: 5,
  set_periodic_timer: 6, stop_periodic_timer: 7, set_singleshot_timer: 8, stop_singleshot_timer: 9,
  register_vcpu_info: 10, send_nmi: 11, get_physid: 12, register_vcpu_time_memory_area: 13,
} as const;
export const VCPU_SSHOTTMR_future = 1;
export const CALLBACKOP_register = 0, CALLBACKOP_unregister = 1;
export const CALLBACKTYPE = { event: 0, failsafe: 1, syscall: 2, sysenter: 3, nmi: 4 } as const;
export const CALLBACKF_mask_events = 1;
export const MMU_NORMAL_PT_UPDATE = 0, MMU_MACHPHYS_UPDATE = 1, MMU_PT_UPDATE_PRESERVE_AD = 2;
export const UVMF_TLB_FLUSH = 1, UVMF_INVLPG = 2, UVMF_FLUSHTYPE_MASK = 3, UVMF_ALL = 4;
export const MMUEXT = {
  pin_l1: 0, pin_l2: 1, pin_l3: 2, pin_l4: 3, unpin: 4, new_baseptr: 5, tlb_flush_local: 6,
  invlpg_local: 7, tlb_flush_multi: 8, invlpg_multi: 9, tlb_flush_all: 10, invlpg_all: 11,
  flush_cache: 12, set_ldt: 13, new_user_baseptr: 15, clear_page: 16, copy_page: 17,
  flush_cache_global: 18, mark_super: 19, unmark_super: 20,
} as const;
export const VMASST_CMD_enable = 0, VMASST_CMD_disable = 1;
export const VMASST_TYPE_architectural_iopl = 4;
/** Assists a 32-bit PV guest may turn on (VM_ASSIST_VALID for x86_32 PV). */
export const VMASST_VALID_MASK = 0x3f; // 4gb_segments(_notify), writable_pagetables, pae_extended_cr3, architectural_iopl, runstate_update_flag
export const XENVER = {
  version: 0, extraversion: 1, compile_info: 2, capabilities: 3, changeset: 4, platform_parameters: 5,
  get_features: 6, pagesize: 7, guest_handle: 8, commandline: 9, build_id: 10,
} as const;
export const XENMEM = {
  increase_reservation: 0, decrease_reservation: 1, maximum_ram_page: 2, current_reservation: 3,
  maximum_reservation: 4, machphys_mfn_list: 5, populate_physmap: 6, add_to_physmap: 7, memory_map: 9, machine_memory_map: 10,
  machphys_mapping: 12, maximum_gpfn: 14, remove_from_physmap: 15,
} as const;
export const XENMAPSPACE = { shared_info: 0, grant_table: 1, gmfn: 2, gmfn_range: 3, gmfn_foreign: 4, dev_mmio: 5 } as const;
export const XENMAPIDX_grant_table_status = 0x80000000;
/** The extent index a continued reservation op resumes from sits above these bits of cmd (MEMOP_EXTENT_SHIFT). */
export const MEMOP_EXTENT_SHIFT = 6, MEMOP_CMD_MASK = 0x3f;
export const GNTTABOP = {
  map_grant_ref: 0, unmap_grant_ref: 1, setup_table: 2, dump_table: 3, transfer: 4, copy: 5, query_size: 6,
  unmap_and_replace: 7, set_version: 8, get_status_frames: 9, get_version: 10, swap_grant_ref: 11, cache_flush: 12,
} as const;
export const GNTST_okay = 0, GNTST_general_error = -1, GNTST_bad_domain = -2;
export const PHYSDEVOP_set_iopl = 6, PHYSDEVOP_set_iobitmap = 7;
export const PHYSDEVOP_compat_set_iopl = 1;

/** The version this hypervisor reports (XENVER_version: major << 16 | minor). */
export const XEN_MAJOR = 4, XEN_MINOR = 19;
export const XEN_EXTRAVERSION = '.0-paravirt';
export const XEN_CAPABILITIES = 'xen-3.0-x86_32p';
/** Grant-table frames a domain may have (Xen's default max_grant_frames is 64; we keep a few). */
export const MAX_GRANT_FRAMES = 4;
