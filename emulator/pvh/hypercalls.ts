// The hypercalls of a PVH domain, made by VMCALL: Xen's HVM hypercall table
// (xen/include/hypercall-defs.c, the hvm32/hvm64 columns). The PV-only calls (mmu_update,
// update_va_mapping, set_trap_table, set_gdt, stack_switch, set_callbacks, iret, callback_op,
// set_segment_base, ...) are not in it and answer -ENOSYS; so does every number Xen does not
// define. The handlers here are the ones an HVM container answers differently from a PV
// domain (hvm_op, memory_op's add_to_physmap and memory map, physdev_op's filter) or that the
// toolstack's privileges decide (sysctl, domctl, platform_op: -EPERM for a domU).

import { DOMID_SELF, EINVAL, ENOSYS, EPERM, ESRCH, SCHEDOP, XENMEM, XENVER, XEN_EXTRAVERSION, XEN_MAJOR, XEN_MINOR } from '../pv/abi';
import type { HypercallName } from '../pv/hypercall-table';
import { HVM_NR_PARAMS, HVM_PARAM, HVM_PARAM_CALLBACK_TYPE, HVMOP, guestMayGet, guestMaySet } from './hvm-params';
import type { PvhDomain } from './domain';
import { ListArgs, type HypercallArgs } from '../pv/hypercall-args';
import { multicallEntryLayout } from '../pv/layouts';
import { hypercallByNumber } from '../pv/hypercall-table';

export const EOPNOTSUPP = 95;
/** XENMAPSPACE_* of xen_add_to_physmap. */
export const XENMAPSPACE = { shared_info: 0, grant_table: 1, gmfn: 2, gmfn_range: 3, gmfn_foreign: 4, dev_mmio: 5 } as const;
const XENMEM_add_to_physmap = 7, XENMEM_machphys_mapping = 12;
/** XENFEAT_* an HVM container gets from Xen's xenver_get_features (those we implement). */
export const PVH_FEATURES = (1 << 0) | (1 << 2) | (1 << 8) | (1 << 9);  // writable_page_tables, auto_translated_physmap, hvm_callback_vector, hvm_safe_pvclock

type Handler = (d: PvhDomain, a: HypercallArgs) => number | bigint;

/** Not in Xen's HVM table: the call does not exist for this guest. */
const NONE = null;
const privileged: Handler = () => -EPERM;

export const PVH_HANDLERS: { readonly [K in HypercallName]: Handler | null } = {
  set_trap_table: NONE, mmu_update: NONE, set_gdt: NONE, stack_switch: NONE, set_callbacks: NONE,
  fpu_taskswitch: NONE, sched_op_compat: NONE, set_debugreg: NONE, get_debugreg: NONE,
  update_descriptor: NONE, update_va_mapping: NONE, event_channel_op_compat: NONE, physdev_op_compat: NONE,
  update_va_mapping_otherdomain: NONE, iret: NONE, set_segment_base: NONE, nmi_op: NONE, callback_op: NONE,
  xenoprof_op: NONE, kexec_op: NONE, tmem_op: NONE, argo_op: NONE,
  platform_op: privileged, sysctl: privileged, domctl: privileged, dm_op: privileged, hypfs_op: privileged,
  xsm_op: () => -ENOSYS,                     // the dummy XSM module has no xsm_op
  xenpmu_op: () => -EOPNOTSUPP,              // the vPMU is off by default
  memory_op: (d, a) => memoryOp(d, a),
  multicall: (d, a) => multicall(d, a),
  set_timer_op: (d, a) => d.services('set_timer_op', a),
  xen_version: (d, a) => xenVersion(d, a),
  console_io: (d, a) => consoleIo(d, a),
  grant_table_op: (d, a) => d.services('grant_table_op', a),
  vm_assist: (d, a) => d.services('vm_assist', a),
  vcpu_op: (d, a) => d.services('vcpu_op', a),
  mmuext_op: (d, a) => d.services('mmuext_op', a),
  sched_op: (d, a) => schedOp(d, a),
  event_channel_op: (d, a) => d.services('event_channel_op', a),
  physdev_op: (d, a) => physdevOp(d, a),
  hvm_op: (d, a) => hvmOp(d, a),
};

/**
 * multicall(call_list, nr_calls): each entry through this same table (Xen's
 * hvm_do_multicall_call runs the HVM handlers), its result written back; entries are
 * xen_ulong_t words of the caller's width. A multicall inside a multicall is refused.
 */
let inMulticall = false;
function multicall(d: PvhDomain, a: HypercallArgs): number {
  if (inMulticall) return -EINVAL;
  const lay = multicallEntryLayout(a.width), m = d.guest, list = a.addr(0), n = a.lo(1);
  const word = (va: number): [number, number] => (a.width === 64 ? [m.u32(va), m.u32(va + 4)] : [m.u32(va), 0]);
  inMulticall = true;
  try {
    for (let i = 0; i < n; i++) {
      const at = list + i * lay.SIZE;
      m.checkWritable(at, lay.SIZE);
      const [op, opHi] = word(at + lay.op);
      const los: number[] = [], his: number[] = [];
      for (let k = 0; k < 6; k++) { const [lo, hi] = word(at + lay.args + k * lay.argBytes); los.push(lo); his.push(hi); }
      const row = opHi === 0 ? hypercallByNumber(op) : undefined;
      const handler = row ? PVH_HANDLERS[row.name] : null;
      const args = new ListArgs(a.width, los, his);
      const rc = handler ? handler(d, args) : -ENOSYS;
      const v = BigInt.asUintN(a.width, BigInt(rc));
      m.set32(at + lay.result, Number(v & 0xffffffffn));
      if (a.width === 64) m.set32(at + lay.result + 4, Number(v >> 32n));
    }
  } finally {
    inMulticall = false;
  }
  return 0;
}

function domainOk(d: PvhDomain, dom: number): boolean { return dom === DOMID_SELF || dom === d.domid; }

function hvmOp(d: PvhDomain, a: HypercallArgs): number {
  const op = a.lo(0), arg = a.addr(1);
  const m = d.guest;
  switch (op) {
    case HVMOP.set_param: case HVMOP.get_param: {
      // struct xen_hvm_param { domid_t domid; uint32_t index; uint64_t value; }
      const dom = m.u16(arg), index = m.u32(arg + 4);
      if (index >= HVM_NR_PARAMS) return -EINVAL;
      if (!domainOk(d, dom)) return -ESRCH;
      if (op === HVMOP.get_param) {
        if (!guestMayGet(index)) return -EPERM;
        m.set64n(arg + 8, d.params[index]!);
        return 0;
      }
      if (!guestMaySet(index)) return -EPERM;
      return d.setParam(index, m.u64n(arg + 8), a.width);
    }
    case HVMOP.set_evtchn_upcall_vector: {
      // struct xen_hvm_evtchn_upcall_vector { uint32_t vcpu; uint8_t vector; }
      const b = m.read(arg, 5);
      const vcpu = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0, vector = b[4]!;
      if (vector < 0x10) return -EINVAL;
      if (vcpu !== 0) return -ENOENT_;
      d.setUpcallVector(vector);
      return 0;
    }
    case HVMOP.pagetable_dying: {
      // struct xen_hvm_pagetable_dying { domid_t domid; uint16_t pad[3]; uint64_t gpa; }: a hint
      // for shadow paging only; with hardware-assisted paging (EPT) Xen answers -EINVAL.
      const dom = m.u16(arg);
      if (!domainOk(d, dom)) return -ESRCH;
      return d.shadowPaging() ? 0 : -EINVAL;
    }
    case HVMOP.get_time: {
      m.set64(arg, d.systemTimeNs());
      return 0;
    }
    default: return -ENOSYS;
  }
}
const ENOENT_ = 2;

function memoryOp(d: PvhDomain, a: HypercallArgs): number | bigint {
  const cmd = a.lo(0) & 0xf, arg = a.addr(1), m = d.guest, lay = d.layout;
  switch (a.lo(0) & 0x3f) {
    case XENMEM_machphys_mapping: return -ENOSYS;              // hvm_memory_op refuses it
    case XENMEM.memory_map: {
      // struct xen_memory_map { unsigned int nr_entries; XEN_GUEST_HANDLE(void) buffer; }: the
      // handle is a pointer of the caller's width, after padding to its alignment.
      const n = m.u32(arg);
      const buf = a.width === 64 ? Number(BigInt.asIntN(64, m.u64n(arg + 8))) : m.u32(arg + 4);
      const map = lay.memmap;
      if (n < map.length) return -EINVAL;
      const bytes = new Uint8Array(map.length * 20);
      const v = new DataView(bytes.buffer);
      map.forEach((e, i) => { v.setBigUint64(i * 20, BigInt(e.addr), true); v.setBigUint64(i * 20 + 8, BigInt(e.size), true); v.setUint32(i * 20 + 16, e.type, true); });
      m.write(buf, bytes);
      m.set32(arg, map.length);
      return 0;
    }
    case XENMEM.current_reservation: case XENMEM.maximum_reservation: {
      const dom = m.u16(arg);
      if (!domainOk(d, dom)) return -ESRCH;
      return lay.ramBytes / 4096;
    }
    case XENMEM.maximum_ram_page: return lay.ramBytes / 4096 - 1;
    case XENMEM.maximum_gpfn: {
      const dom = m.u16(arg);
      if (!domainOk(d, dom)) return -ESRCH;
      return lay.ramBytes / 4096 - 1;
    }
    case XENMEM_add_to_physmap: {
      // struct xen_add_to_physmap { domid_t domid; uint16_t size; unsigned int space;
      //   xen_ulong_t idx; xen_pfn_t gpfn; } (idx and gpfn are 8 bytes for a 64-bit caller)
      const dom = m.u16(arg), space = m.u32(arg + 4);
      const idx = a.width === 64 ? m.u64(arg + 8) : m.u32(arg + 8);
      const gpfn = a.width === 64 ? m.u64(arg + 16) : m.u32(arg + 12);
      if (!domainOk(d, dom)) return -ESRCH;
      return d.addToPhysmap(space, idx, gpfn, a.width);
    }
    default:
      void cmd;
      return d.services('memory_op', a);
  }
}

function xenVersion(d: PvhDomain, a: HypercallArgs): number {
  const cmd = a.lo(0), arg = a.addr(1), m = d.guest;
  const str = (s: string, size: number): number => {
    const b = new Uint8Array(size);
    for (let i = 0; i < Math.min(s.length, size - 1); i++) b[i] = s.charCodeAt(i);
    m.write(arg, b);
    return 0;
  };
  switch (cmd) {
    case XENVER.version: return (XEN_MAJOR << 16) | XEN_MINOR;
    case XENVER.extraversion: return str(XEN_EXTRAVERSION, 16);
    case XENVER.capabilities: return str('hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64', 1024);
    case XENVER.changeset: return str('unavailable', 64);
    case XENVER.get_features: {
      const idx = m.u32(arg);
      m.set32(arg + 4, idx === 0 ? PVH_FEATURES : 0);
      return 0;
    }
    case XENVER.pagesize: return 4096;
    case XENVER.guest_handle: return str('', 16);
    default: return d.services('xen_version', a) as number;
  }
}

function consoleIo(d: PvhDomain, a: HypercallArgs): number {
  const cmd = a.lo(0), count = a.lo(1), buf = a.addr(2);
  if (cmd === 0) {
    if (count > 0x7fffffff) return -EINVAL;
    for (const b of d.guest.read(buf, count)) d.consoleWrite(b);
    return 0;
  }
  if (cmd === 1) return 0;               // the hypervisor's console has no input for a domU
  return -EINVAL;
}

function schedOp(d: PvhDomain, a: HypercallArgs): number {
  const cmd = a.lo(0), arg = a.addr(1);
  switch (cmd) {
    case SCHEDOP.yield: return 0;
    case SCHEDOP.block: return d.block();
    case SCHEDOP.shutdown: {
      d.shutdown(d.guest.u32(arg));
      return 0;
    }
    default: return d.services('sched_op', a) as number;
  }
}

/** hvm_physdev_op: a domU without passthrough has no pirqs, so nearly everything is -ENOSYS. */
function physdevOp(d: PvhDomain, a: HypercallArgs): number {
  void d; void a;
  return -ENOSYS;
}

export { HVM_PARAM, HVM_PARAM_CALLBACK_TYPE };
