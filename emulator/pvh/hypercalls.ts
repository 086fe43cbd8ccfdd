// The hypercalls of a PVH domain, made by VMCALL: Xen's HVM hypercall table
// (xen/include/hypercall-defs.c, the hvm32/hvm64 columns). The PV-only calls (mmu_update,
// update_va_mapping, set_trap_table, set_gdt, stack_switch, set_callbacks, iret, callback_op,
// set_segment_base, ...) are not in it and answer -ENOSYS; so does every number Xen does not
// define. The handlers here are the ones an HVM container answers differently from a PV
// domain (hvm_op, the filters of hvm_memory_op, hvm_grant_table_op and hvm_physdev_op, the HVM
// vm_assist mask, multicall through this table) or that the toolstack's privileges decide
// (sysctl, domctl, platform_op: -EPERM for a domU); the rest is Xen's domU services'
// (emulator/pv/xen-services.ts): event channels, grant tables, vcpu_op, memory_op, xen_version.

import { DOMID_SELF, EINVAL, ENOSYS, EPERM, ESRCH, GNTTABOP, SCHEDOP, VMASST_CMD_disable, VMASST_CMD_enable } from '../pv/abi';
import { timerOpDeadlineNs, VMASST_TYPE_runstate_update_flag } from '../pv/vcpu-ops';
import type { HypercallName } from '../pv/hypercall-table';
import { HVM_NR_PARAMS, HVM_PARAM, HVM_PARAM_CALLBACK_TYPE, HVMOP, guestMayGet, guestMaySet } from './hvm-params';
import type { PvhDomain } from './domain';
import { ListArgs, type HypercallArgs } from '../pv/hypercall-args';
import { multicallEntryLayout } from '../pv/layouts';
import { hypercallByNumber } from '../pv/hypercall-table';

export const EOPNOTSUPP = 95;
/** XENMAPSPACE_* of xen_add_to_physmap. */
export const XENMAPSPACE = { shared_info: 0, grant_table: 1, gmfn: 2, gmfn_range: 3, gmfn_foreign: 4, dev_mmio: 5 } as const;
const XENMEM_machphys_mapping = 12, GNTTABOP_swap_grant_ref = 11;

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
  set_timer_op: (d, a) => setTimerOp(d, a.lo(0), a.width === 64 ? a.hi(0) : a.lo(1)),
  xen_version: (d, a) => d.xen.xenVersion(a.lo(0), a.addr(1)),
  console_io: (d, a) => d.xen.consoleIo(a.lo(0), a.lo(1), a.addr(2), inMulticall),
  grant_table_op: (d, a) => grantTableOp(d, a),
  vm_assist: (d, a) => vmAssist(d, a.lo(0), a.lo(1)),
  vcpu_op: (d, a) => d.xen.vcpuOp(a.lo(0), a.lo(1), a.addr(2)),
  // Xen's HVM table has mmuext_op, but nothing in it means anything to a translated guest's own
  // page tables here: not modelled.
  mmuext_op: () => -ENOSYS,
  sched_op: (d, a) => schedOp(d, a),
  event_channel_op: (d, a) => d.xen.eventChannelOp(a.lo(0), a.addr(1)),
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

/** hvm_memory_op: XENMEM_machphys_mapping has no meaning for a translated guest; the rest is the services'. */
function memoryOp(d: PvhDomain, a: HypercallArgs): number {
  const cmd = a.lo(0);
  if ((cmd & 0x3f) === XENMEM_machphys_mapping) return -ENOSYS;
  d.callerWidth = a.width;
  return d.xen.memoryOp(cmd, a.addr(1)) ?? -ENOSYS;
}

/** set_timer_op(timeout): the vCPU's single-shot timer at that system time (0 stops it). */
function setTimerOp(d: PvhDomain, lo: number, hi: number): number {
  const v = d.xen.vcpu, clock = d.host.clock;
  const ns = timerOpDeadlineNs(lo, hi, clock.systemTimeNs());
  if (ns === null) { v.singleshotAt = Infinity; return 0; }
  v.singleshotAt = Math.max(clock.nsToTicks(ns), clock.ticks());
  if (v.singleshotAt <= clock.ticks()) d.xen.fireTimers();
  return 0;
}

/** hvm_grant_table_op: only the operations Xen has audited for HVM guests reach the grant table. */
const HVM_GNTTABOP = new Set([GNTTABOP.query_size, GNTTABOP.setup_table, GNTTABOP.set_version, GNTTABOP.get_version,
  GNTTABOP.copy, GNTTABOP.map_grant_ref, GNTTABOP.unmap_grant_ref, GNTTABOP_swap_grant_ref]);
function grantTableOp(d: PvhDomain, a: HypercallArgs): number {
  const cmd = a.lo(0);
  if (!HVM_GNTTABOP.has(cmd)) return -ENOSYS;
  return d.xen.grantTableOp(cmd, a.addr(1), a.lo(2));
}

/** vm_assist for an HVM domain: only the runstate update flag is valid (HVM_VM_ASSIST_MASK). */
function vmAssist(d: PvhDomain, cmd: number, type: number): number {
  if (type !== VMASST_TYPE_runstate_update_flag) return -EINVAL;
  if (cmd === VMASST_CMD_enable) { d.xen.vmAssist |= 1 << type; return 0; }
  if (cmd === VMASST_CMD_disable) { d.xen.vmAssist &= ~(1 << type); return 0; }
  return -ENOSYS;
}

function schedOp(d: PvhDomain, a: HypercallArgs): number {
  const cmd = a.lo(0), arg = a.addr(1);
  switch (cmd) {
    case SCHEDOP.yield: return 0;
    case SCHEDOP.block: return d.block();
    case SCHEDOP.shutdown: d.shutdown(d.guest.u32(arg)); return 0;
    default: return -ENOSYS;
  }
}

/**
 * hvm_physdev_op: map_pirq and unmap_pirq reach Xen's physdev_op; eoi, irq_status_query and
 * get_free_pirq need pirqs (a PVH domU without passthrough has none) and the rest the hardware
 * domain: -ENOSYS.
 */
const PHYSDEVOP_map_pirq = 13, PHYSDEVOP_unmap_pirq = 14;
function physdevOp(d: PvhDomain, a: HypercallArgs): number {
  const cmd = a.lo(0);
  if (cmd === PHYSDEVOP_map_pirq || cmd === PHYSDEVOP_unmap_pirq) return d.xen.physdevOp(cmd, a.addr(1));
  return -ENOSYS;
}

export { HVM_PARAM, HVM_PARAM_CALLBACK_TYPE };
