// The guest structures whose layout depends on the guest's width, as byte offsets, for
// 32-bit PV (x86_32), 64-bit PV (x86_64) and PVH (by the vCPU's mode at the call). The
// numbers are the C layouts of Xen's public headers (xen.h, arch-x86/xen.h,
// arch-x86/xen-x86_32.h, xen-x86_64.h, vcpu.h, memory.h, grant_table.h, event_channel.h,
// sched.h, callback.h) compiled for each ABI: `unsigned long`, `xen_ulong_t`, `xen_pfn_t`
// and guest handles are 4 or 8 bytes, and uint64_t is only 4-byte aligned on x86_32.
// test/pv-services/layouts.test.ts checks every offset against gcc -m32/-m64 over the headers.
// Data only: the language server and the debugger may read it without the PV machinery.

export type GuestWidth = 32 | 64;

const pick = <T>(width: GuestWidth, w32: T, w64: T): T => (width === 64 ? w64 : w32);

/** Bytes of `unsigned long` / `xen_ulong_t` / `xen_pfn_t` / a guest handle. */
export const wordBytes = (width: GuestWidth): 4 | 8 => (width === 64 ? 8 : 4);

/** struct vcpu_time_info: the same for both widths. */
export const VCPU_TIME_INFO = Object.freeze({
  version: 0, tscTimestamp: 8, systemTime: 16, tscToSystemMul: 24, tscShift: 28, flags: 29, SIZE: 32,
});

export interface VcpuInfoLayout {
  readonly upcallPending: number; readonly upcallMask: number; readonly pendingSel: number;
  readonly cr2: number; readonly time: number; readonly SIZE: number;
}

const VCPU_INFO_32: VcpuInfoLayout = Object.freeze({ upcallPending: 0, upcallMask: 1, pendingSel: 4, cr2: 8, time: 32, SIZE: 64 });
const VCPU_INFO_64: VcpuInfoLayout = Object.freeze({ upcallPending: 0, upcallMask: 1, pendingSel: 8, cr2: 16, time: 32, SIZE: 64 });
/** struct vcpu_info: evtchn_pending_sel is a xen_ulong_t, arch.cr2 an unsigned long. */
export const vcpuInfoLayout = (width: GuestWidth): VcpuInfoLayout => pick(width, VCPU_INFO_32, VCPU_INFO_64);

export interface SharedInfoLayout {
  /** vcpu_info[XEN_LEGACY_MAX_VCPUS] at 0. */
  readonly vcpuInfo: number; readonly legacyMaxVcpus: number;
  /** evtchn_pending / evtchn_mask: sizeof(xen_ulong_t)*8 words of xen_ulong_t each. */
  readonly evtchnPending: number; readonly evtchnMask: number;
  readonly wcVersion: number; readonly wcSec: number; readonly wcNsec: number; readonly wcSecHi: number;
  readonly arch: number;
  /** arch_shared_info, absolute offsets. */
  readonly maxPfn: number; readonly pfnToMfnFrameListList: number; readonly nmiReason: number;
  readonly p2mCr3: number; readonly p2mVaddr: number; readonly p2mGeneration: number;
  /** 2-level ports: xen_ulong_t bits squared (1024 or 4096). */
  readonly nrEventChannels2l: number;
}

const SHARED_INFO_32: SharedInfoLayout = Object.freeze({
  vcpuInfo: 0, legacyMaxVcpus: 32, evtchnPending: 2048, evtchnMask: 2176,
  wcVersion: 2304, wcSec: 2308, wcNsec: 2312, arch: 2316,
  maxPfn: 2316, pfnToMfnFrameListList: 2320, nmiReason: 2324, p2mCr3: 2328, p2mVaddr: 2332, p2mGeneration: 2336,
  wcSecHi: 2340, // arch.wc_sec_hi on x86_32
  nrEventChannels2l: 1024,
});
const SHARED_INFO_64: SharedInfoLayout = Object.freeze({
  vcpuInfo: 0, legacyMaxVcpus: 32, evtchnPending: 2048, evtchnMask: 2560,
  wcVersion: 3072, wcSec: 3076, wcNsec: 3080, wcSecHi: 3084, arch: 3088,
  maxPfn: 3088, pfnToMfnFrameListList: 3096, nmiReason: 3104, p2mCr3: 3112, p2mVaddr: 3120, p2mGeneration: 3128,
  nrEventChannels2l: 4096,
});
export const sharedInfoLayout = (width: GuestWidth): SharedInfoLayout => pick(width, SHARED_INFO_32, SHARED_INFO_64);

export interface StartInfoLayout {
  readonly magic: number; readonly nrPages: number; readonly sharedInfo: number; readonly flags: number;
  readonly storeMfn: number; readonly storeEvtchn: number; readonly consoleMfn: number; readonly consoleEvtchn: number;
  readonly ptBase: number; readonly nrPtFrames: number; readonly mfnList: number; readonly modStart: number;
  readonly modLen: number; readonly cmdLine: number; readonly firstP2mPfn: number; readonly nrP2mFrames: number;
  readonly SIZE: number;
  /** The magic string the builder writes ("xen-3.0-x86_32p" / "xen-3.0-x86_64"). */
  readonly magicString: string;
}

const START_INFO_32: StartInfoLayout = Object.freeze({
  magic: 0, nrPages: 32, sharedInfo: 36, flags: 40, storeMfn: 44, storeEvtchn: 48, consoleMfn: 52, consoleEvtchn: 56,
  ptBase: 60, nrPtFrames: 64, mfnList: 68, modStart: 72, modLen: 76, cmdLine: 80, firstP2mPfn: 1104, nrP2mFrames: 1108,
  SIZE: 1112, magicString: 'xen-3.0-x86_32p',
});
const START_INFO_64: StartInfoLayout = Object.freeze({
  magic: 0, nrPages: 32, sharedInfo: 40, flags: 48, storeMfn: 56, storeEvtchn: 64, consoleMfn: 72, consoleEvtchn: 80,
  ptBase: 88, nrPtFrames: 96, mfnList: 104, modStart: 112, modLen: 120, cmdLine: 128, firstP2mPfn: 1152, nrP2mFrames: 1160,
  SIZE: 1168, magicString: 'xen-3.0-x86_64',
});
/** struct start_info (xen.h). */
export const startInfoLayout = (width: GuestWidth): StartInfoLayout => pick(width, START_INFO_32, START_INFO_64);

export interface MulticallEntryLayout { readonly op: number; readonly result: number; readonly args: number; readonly argBytes: number; readonly SIZE: number }
/** struct multicall_entry: op, result and args[6] are all unsigned long / xen_ulong_t. */
export const multicallEntryLayout = (width: GuestWidth): MulticallEntryLayout =>
  pick<MulticallEntryLayout>(width, { op: 0, result: 4, args: 8, argBytes: 4, SIZE: 32 }, { op: 0, result: 8, args: 16, argBytes: 8, SIZE: 64 });

export interface MmuextOpLayout { readonly cmd: number; readonly arg1: number; readonly arg2: number; readonly argBytes: number; readonly SIZE: number }
/** struct mmuext_op (xen.h): unsigned int cmd, then two unions of xen_pfn_t / unsigned long / handle (arg2 may be an unsigned int). */
export const mmuextOpLayout = (width: GuestWidth): MmuextOpLayout =>
  pick<MmuextOpLayout>(width, { cmd: 0, arg1: 4, arg2: 8, argBytes: 4, SIZE: 12 }, { cmd: 0, arg1: 8, arg2: 16, argBytes: 8, SIZE: 24 });

export interface RunstateLayout { readonly state: number; readonly stateEntryTime: number; readonly time: number; readonly SIZE: number }
/** struct vcpu_runstate_info (vcpu.h): the uint64_t fields are 4-byte aligned on x86_32. */
export const runstateLayout = (width: GuestWidth): RunstateLayout =>
  pick<RunstateLayout>(width, { state: 0, stateEntryTime: 4, time: 12, SIZE: 44 }, { state: 0, stateEntryTime: 8, time: 16, SIZE: 48 });
/** XEN_RUNSTATE_UPDATE: bit 63 of state_entry_time while the hypervisor rewrites the area. */
export const RUNSTATE_UPDATE_BIT = 63;
export const RUNSTATE = { running: 0, runnable: 1, blocked: 2, offline: 3 } as const;

/** struct xen_memory_map {nr_entries; handle buffer}; entries are packed e820 records of 20 bytes. */
export const memoryMapLayout = (width: GuestWidth) => pick(width, { nrEntries: 0, buffer: 4, SIZE: 8 }, { nrEntries: 0, buffer: 8, SIZE: 16 });
export const E820_ENTRY = Object.freeze({ addr: 0, size: 8, type: 16, SIZE: 20 });

/** struct xen_memory_reservation (memory.h). */
export const memoryReservationLayout = (width: GuestWidth) => pick(width,
  { extentStart: 0, nrExtents: 4, extentOrder: 8, memFlags: 12, domid: 16, SIZE: 20 },
  { extentStart: 0, nrExtents: 8, extentOrder: 16, memFlags: 20, domid: 24, SIZE: 32 });

/** struct xen_add_to_physmap (memory.h). */
export const addToPhysmapLayout = (width: GuestWidth) => pick(width,
  { domid: 0, size: 2, space: 4, idx: 8, gpfn: 12, SIZE: 16 },
  { domid: 0, size: 2, space: 4, idx: 8, gpfn: 16, SIZE: 24 });

/** struct xen_machphys_mapping {v_start, v_end, max_mfn} and xen_machphys_mfn_list. */
export const machphysMappingLayout = (width: GuestWidth) => pick(width,
  { vStart: 0, vEnd: 4, maxMfn: 8, SIZE: 12 }, { vStart: 0, vEnd: 8, maxMfn: 16, SIZE: 24 });
export const machphysMfnListLayout = (width: GuestWidth) => pick(width,
  { maxExtents: 0, extentStart: 4, nrExtents: 8, SIZE: 12 }, { maxExtents: 0, extentStart: 8, nrExtents: 16, SIZE: 24 });

/** Grant entries (grant_table.h): v1 is 8 bytes, v2 a 16-byte union; v2's status words are u16. */
export const GRANT_ENTRY_V1 = Object.freeze({ flags: 0, domid: 2, frame: 4, SIZE: 8 });
export const GRANT_ENTRY_V2 = Object.freeze({
  flags: 0, domid: 2, fullPageFrame: 8, subPageOff: 4, subPageLength: 6, subPageFrame: 8, transDomid: 4, transGref: 8, SIZE: 16,
});
export const GRANT_STATUS_SIZE = 2;

/** gnttab_* argument structures whose layout depends on the width. */
export const gnttabSetupTableLayout = (width: GuestWidth) => pick(width,
  { dom: 0, nrFrames: 4, status: 8, frameList: 12, SIZE: 16 }, { dom: 0, nrFrames: 4, status: 8, frameList: 16, SIZE: 24 });
export const GNTTAB_QUERY_SIZE = Object.freeze({ dom: 0, nrFrames: 4, maxNrFrames: 8, status: 12, SIZE: 16 });
export const GNTTAB_MAP_GRANT_REF = Object.freeze({ hostAddr: 0, flags: 8, ref: 12, dom: 16, status: 18, handle: 20, devBusAddr: 24, SIZE: 32 });
export const GNTTAB_UNMAP_GRANT_REF = Object.freeze({ hostAddr: 0, devBusAddr: 8, handle: 16, status: 20, SIZE: 24 });
export const gnttabCopyLayout = (width: GuestWidth) => pick(width,
  { srcRef: 0, srcDomid: 4, srcOffset: 6, dstRef: 8, dstDomid: 12, dstOffset: 14, len: 16, flags: 18, status: 20, SIZE: 24, frameBytes: 4 },
  { srcRef: 0, srcDomid: 8, srcOffset: 10, dstRef: 16, dstDomid: 24, dstOffset: 26, len: 32, flags: 34, status: 36, SIZE: 40, frameBytes: 8 });
export const gnttabGetStatusFramesLayout = (width: GuestWidth) => pick(width,
  { nrFrames: 0, dom: 4, status: 6, frameList: 8, SIZE: 12 }, { nrFrames: 0, dom: 4, status: 6, frameList: 8, SIZE: 16 });
export const GNTTAB_GET_VERSION = Object.freeze({ dom: 0, version: 4, SIZE: 8 });
export const GNTTAB_SET_VERSION = Object.freeze({ version: 0, SIZE: 4 });

/** Event channel argument structures are fixed-width (uint32_t, domid_t, uint64_t): one layout. */
export const EVTCHN_INIT_CONTROL = Object.freeze({ controlGfn: 0, offset: 8, vcpu: 12, linkBits: 16, SIZE: 24 });
/** struct evtchn_fifo_control_block: ready (u32), _rsvd, head[16] (u32 each). */
export const EVTCHN_FIFO_CONTROL_BLOCK = Object.freeze({ ready: 0, head: 8, SIZE: 72 });

/** struct sched_poll {handle ports; unsigned int nr_ports; uint64_t timeout}. */
export const schedPollLayout = (width: GuestWidth) => pick(width,
  { ports: 0, nrPorts: 4, timeout: 8, SIZE: 16 }, { ports: 0, nrPorts: 8, timeout: 16, SIZE: 24 });

/** struct callback_register {u16 type; u16 flags; xen_callback_t address} (x86_32: {cs, eip}). */
export const callbackRegisterLayout = (width: GuestWidth) => pick(width,
  { type: 0, flags: 2, address: 4, SIZE: 12 }, { type: 0, flags: 2, address: 8, SIZE: 16 });

/** struct vcpu_register_vcpu_info / vcpu_set_singleshot_timer (vcpu.h): fixed-width. */
export const VCPU_REGISTER_VCPU_INFO = Object.freeze({ mfn: 0, offset: 8, SIZE: 16 });
export const VCPU_SET_SINGLESHOT_TIMER = Object.freeze({ timeoutAbsNs: 0, flags: 8 });

/** struct xenstore_domain_interface (io/xs_wire.h). */
export const XENSTORE_RING = Object.freeze({
  req: 0, rsp: 1024, ringSize: 1024, reqCons: 2048, reqProd: 2052, rspCons: 2056, rspProd: 2060,
  serverFeatures: 2064, connection: 2068, error: 2072,
});
