// The hypercall dispatcher and the hypercalls that are not about memory or event channels.
// Arguments arrive through HypercallArgs (EBX, ECX, EDX, ESI, EDI, EBP for a 32-bit guest,
// RDI, RSI, RDX, R10, R8, R9 for a 64-bit one); every guest pointer is read or written
// through GuestAccess, so a bad one yields -EFAULT.

import {
  CALLBACKOP_register, EOPNOTSUPP, CALLBACKOP_unregister, CALLBACKTYPE, CONS_IN, DOMID_SELF, EFAULT, EINVAL, ENOENT, ENOSYS, EEXIST,
  ENODEV, EPERM, ESRCH, ETIME, GNTST_bad_domain, GNTST_general_error, GNTTABOP, HYPERVISOR_VIRT_START, MACH2PHYS_VIRT_END,
  MACH2PHYS_VIRT_START, MAX_GRANT_FRAMES, PAGE, PHYSDEVOP_set_iopl, SCHEDOP, VCPUOP, VCPU_SSHOTTMR_future,
  VMASST_CMD_disable, VMASST_CMD_enable, VMASST_VALID_MASK, XENMEM, XENVER, XEN_CAPABILITIES, XEN_EXTRAVERSION,
  XEN_MAJOR, XEN_MINOR, VCPU_INFO_SIZE, VI_UPCALL_PENDING, VI_PENDING_SEL, TI_DPL_MASK,
} from './abi';
import { CS, SS, DS, ES, FS, GS, type PvDomain } from './domain';
import { GuestFault } from './guest-access';
import { getDebugReg, setDebugReg } from './debug-regs';
import { eventChannelOp, OUR_DOMID } from './event-ops';
import { mmuUpdate, mmuextOp, setGdt, updateDescriptor, updateVaMapping } from './mmu-ops';
import { PvKind } from '../trace/record-kinds';
import { HC, HYPERCALL_LIMIT, HYPERCALL_TABLE, hypercallName, type HypercallName } from './hypercall-table';
import { BATCH_SLICE, Continuation } from './continuation';
import { multicallEntryLayout, schedPollLayout } from './layouts';
import { joinAddress, ListArgs, RegisterArgs, type HypercallArgs } from './hypercall-args';
import { timerOpDeadlineNs } from './vcpu-ops';
import { iret64 } from './iret64';
import { callbackOp64, setCallbacks64, setSegmentBase, setTrapTable64 } from './hypercalls64';
import { MACH2PHYS_VIRT_END_64, MACH2PHYS_VIRT_START_64 } from './abi64';
import { machphysMappingLayout, machphysMfnListLayout } from './layouts';

void CONS_IN; void TI_DPL_MASK;

const FLAG_IF = 0x200;
const XENMEM_machphys_mapping = 12;

/**
 * Handles a hypercall trap: `int 0x82` from a ring-1 32-bit kernel, `syscall` from a 64-bit
 * kernel (the number in EAX / RAX, the arguments by the domain's width). `insnLength` is the
 * trapping instruction's length, which a continuation steps back over.
 */
export function hypercall(d: PvDomain, insnLength = 2): void {
  const cpu = d.cpu, r = cpu.regs;
  const args = new RegisterArgs(cpu, d.width);
  // A 64-bit guest's number is all of RAX: a high half makes it unknown, as Xen's compare does.
  const nr = d.width === 64 && cpu.regsHi[0] !== 0 ? UNKNOWN_NR : r[0] >>> 0;
  const costs = d.log.costs;
  if (nr === HC.iret) {
    if (d.width === 64) iret64(d); else doIret(d);
    const cyc = costs.hypercallRoundTrip + (costs.handler.iret ?? costs.defaultHandler);
    d.log.countHypercall(nr, cyc, false);
    if (!d.dead) d.recordAt(PvKind.HYPERCALL, nr, 'iret', cyc, 0, { value: 0 });
    afterHypercall(d);
    return;
  }
  let rc: number;
  try {
    rc = dispatch(d, nr, args, false);
  } catch (e) {
    if (e instanceof Continuation) {
      // Back onto the trapping instruction with the arguments advanced: the guest re-enters the hypercall.
      e.args.forEach((v, i) => args.set(i, v));
      args.setResult(nr);
      cpu.eip = (cpu.eip - insnLength) | 0;
      cpu.invalidateFetch();
      const name = hypercallName(nr);
      const cyc = costs.hypercallRoundTrip + (costs.handler[name] ?? costs.defaultHandler);
      d.log.countHypercall(nr, cyc, false);
      d.recordAt(PvKind.HYPERCALL, nr, name, cyc, 0);
      afterHypercall(d);
      return;
    }
    if (!(e instanceof GuestFault)) throw e;
    rc = -EFAULT;
  }
  const known = rc !== UNKNOWN;
  if (!known) rc = -ENOSYS;
  args.setResult(rc);
  const name = known ? hypercallName(nr) : 'unknown';
  const cyc = costs.hypercallRoundTrip + (costs.handler[name] ?? costs.defaultHandler);
  d.log.countHypercall(known ? nr : -1, cyc, rc < 0);
  d.recordAt(PvKind.HYPERCALL, nr, known ? name : `unknown:${nr}`, cyc, 0, { value: rc >>> 0 });
  afterHypercall(d);
}

function afterHypercall(d: PvDomain): void {
  if (d.dead) return;
  d.updateTimeInfo();
  if (d.upcallDeliverable()) { d.cpu.irqPoll = true; d.cpu.attn = true; }
}

const UNKNOWN = 0x7fffffff;
/** A 64-bit guest's RAX above 32 bits: no hypercall has that number. */
const UNKNOWN_NR = 0xffffffff;

/** A handler reads its arguments through `a` (never a register); `nested` is true inside a multicall. */
type Handler = (d: PvDomain, a: HypercallArgs, nested: boolean) => number;

/**
 * The handler of each hypercall in the table (hypercall-table.ts), by name: the type makes a
 * row without an entry here a compile error. null = not offered to this guest (-ENOSYS).
 */
const HANDLERS: { readonly [K in HypercallName]: Handler | null } = {
  set_trap_table: (d, a) => (d.width === 64 ? setTrapTable64(d, a.addr(0)) : setTrapTable(d, a.addr(0))),
  mmu_update: (d, a, nested) => mmuUpdate(d, a.addr(0), a.lo(1), a.addr(2), a.lo(3), nested),
  set_gdt: (d, a) => setGdt(d, a.addr(0), a.lo(1)),
  stack_switch: (d, a) => {
    const ss = a.lo(0);
    d.kernelSs = (ss & 3) === 0 ? (ss | 1) & 0xffff : ss & 0xffff;
    d.kernelSp = a.addr(1);
    return 0;
  },
  set_callbacks: (d, a) => {
    if (d.width === 64) return setCallbacks64(d, a.addr(0), a.addr(1), a.addr(2));
    d.event = { cs: fixCs(a.lo(0)), eip: a.addr(1) };
    d.failsafe = { cs: fixCs(a.lo(2)), eip: a.addr(3) };
    return 0;
  },
  fpu_taskswitch: (d, a) => {
    d.ts = a.lo(0) !== 0;
    d.cpu.cr0 = d.ts ? d.cpu.cr0 | 8 : d.cpu.cr0 & ~8;
    return 0;
  },
  sched_op_compat: (d, a) => schedOp(d, a.lo(0), a.addr(1), true),
  platform_op: null,
  set_debugreg: (d, a) => setDebugReg(d, a.lo(0), a.lo(1), a.hi(1)),
  get_debugreg: (d, a) => {
    const v = getDebugReg(d, a.lo(0));
    if (v === null) return -ENODEV;
    // Exact as a number: set_debugreg only lets canonical addresses into DR0-DR3 (access_ok).
    return d.width === 64 ? joinAddress(v[0], v[1]) : v[0] | 0;
  },
  update_descriptor: (d, a) => (d.width === 64
    ? updateDescriptor(d, a.lo(0) + a.hi(0) * 0x100000000, a.lo(1), a.hi(1))
    : updateDescriptor(d, a.lo(0) + a.lo(1) * 0x100000000, a.lo(2), a.lo(3))),
  memory_op: (d, a) => memoryOp(d, a.lo(0), a.addr(1)),
  multicall: (d, a, nested) => (nested ? -EINVAL : multicall(d, a.addr(0), a.lo(1))),
  // A 64-bit guest passes the new entry in one register: (va, val, flags).
  update_va_mapping: (d, a) => (d.width === 64 ? updateVaMapping(d, a.addr(0), a.lo(1), a.hi(1), a.lo(2)) : updateVaMapping(d, a.addr(0), a.lo(1), a.lo(2), a.lo(3))),
  set_timer_op: (d, a) => setTimer(d, a.lo(0), d.width === 64 ? a.hi(0) : a.lo(1)),
  event_channel_op_compat: (d, a) => d.xen.eventChannelOp(d.access.u32(a.addr(0)), a.addr(0) + 4), // struct evtchn_op: u at 4 for both widths
  xen_version: (d, a) => d.xen.xenVersion(a.lo(0), a.addr(1)),
  console_io: (d, a, nested) => d.xen.consoleIo(a.lo(0), a.lo(1), a.addr(2), nested),
  physdev_op_compat: (d, a) => d.xen.physdevOp(d.access.u32(a.addr(0)), a.addr(0) + (d.width === 64 ? 8 : 4)), // struct physdev_op: u at 4 / 8
  grant_table_op: (d, a) => d.xen.grantTableOp(a.lo(0), a.addr(1), a.lo(2)),
  vm_assist: (d, a) => vmAssist(d, a.lo(0), a.lo(1)),
  update_va_mapping_otherdomain: (d, a) => {
    const dom = a.lo(d.width === 64 ? 3 : 4) & 0xffff;
    if (dom !== DOMID_SELF && dom !== OUR_DOMID) return -ESRCH;
    return d.width === 64 ? updateVaMapping(d, a.addr(0), a.lo(1), a.hi(1), a.lo(2)) : updateVaMapping(d, a.addr(0), a.lo(1), a.lo(2), a.lo(3));
  },
  iret: () => -EINVAL, // the trap itself is handled by hypercall(); this is reachable only from a multicall
  vcpu_op: (d, a) => d.xen.vcpuOp(a.lo(0), a.lo(1), a.addr(2)),
  set_segment_base: (d, a) => (d.width === 64 ? setSegmentBase(d, a.lo(0), a.addr(1)) : -ENOSYS),
  mmuext_op: (d, a, nested) => mmuextOp(d, a.addr(0), a.lo(1), a.addr(2), a.lo(3), nested),
  xsm_op: null,
  nmi_op: null,
  sched_op: (d, a) => schedOp(d, a.lo(0), a.addr(1), false),
  callback_op: (d, a) => (d.width === 64 ? callbackOp64(d, a.lo(0), a.addr(1)) : callbackOp(d, a.lo(0), a.addr(1))),
  xenoprof_op: null,
  event_channel_op: (d, a) => d.xen.eventChannelOp(a.lo(0), a.addr(1)),
  physdev_op: (d, a) => d.xen.physdevOp(a.lo(0), a.addr(1)),
  hvm_op: null,
  sysctl: null,
  domctl: null,
  kexec_op: null,
  tmem_op: null,
  argo_op: null,
  xenpmu_op: () => -EOPNOTSUPP, // do_xenpmu_op with the vPMU off (Xen's default)
  dm_op: null,
  hypfs_op: null,
};

/** Handlers by number, for the trap path. */
const BY_NUMBER: Array<Handler | null> = new Array(HYPERCALL_LIMIT).fill(null);
for (const row of HYPERCALL_TABLE) BY_NUMBER[row.nr] = HANDLERS[row.name];

/** Whether this model answers a hypercall number (the others return -ENOSYS and count as unknown). */
export function hypercallHandled(nr: number): boolean {
  return nr >= 0 && nr < HYPERCALL_LIMIT && BY_NUMBER[nr] !== null;
}

export function dispatch(d: PvDomain, nr: number, args: HypercallArgs, nested: boolean): number {
  const h = nr >= 0 && nr < HYPERCALL_LIMIT ? BY_NUMBER[nr] : null;
  return h ? h(d, args, nested) : UNKNOWN;
}

function fixCs(cs: number): number { cs &= 0xffff; return (cs & 3) === 0 && cs !== 0 ? cs | 1 : cs; }

function setTrapTable(d: PvDomain, table: number): number {
  if (table === 0) { d.trapFlags.fill(0); d.trapCs.fill(0); d.trapEip.fill(0); return 0; }
  const a = d.access;
  for (let i = 0; i < 256; i++) {
    const at = table + i * 8;
    const vector = a.u8(at), flags = a.u8(at + 1), cs = a.u16(at + 2), eip = a.u32(at + 4);
    if (eip === 0) break;
    d.trapFlags[vector] = flags; d.trapCs[vector] = fixCs(cs); d.trapEip[vector] = eip;
  }
  return 0;
}

function setTimer(d: PvDomain, lo: number, hi: number): number {
  const ns = timerOpDeadlineNs(lo, hi, d.systemTimeNs);
  if (ns === null) { d.singleshotAt = Infinity; return 0; }
  const at = d.nsToTicks(ns);
  d.singleshotAt = Math.max(at, d.cpu.ticks);
  if (d.singleshotAt <= d.cpu.ticks) d.fireTimers();
  return 0;
}

/** memory_op: the services answer it; the M2P queries only a PV guest has are answered here. */
function memoryOp(d: PvDomain, cmd: number, arg: number): number {
  const rc = d.xen.memoryOp(cmd, arg);
  if (rc !== null) return rc;
  const a = d.access, lay = d.layout!;
  switch (cmd & 0x3f) {
    case XENMEM.machphys_mfn_list: {
      if (d.width === 64) return machphysMfnList64(d, arg);
      const max = a.u32(arg), list = a.u32(arg + 4);
      const chunks = Math.ceil(lay.m2pFrames.length / 512);
      const n = Math.min(max, chunks);
      a.checkWritable(list, n * 4);
      for (let i = 0; i < n; i++) a.set32(list + i * 4, lay.m2pFrames[i * 512]);
      a.set32(arg + 8, n);
      return 0;
    }
    case XENMEM.machphys_mapping:
      if (d.width === 64) {
        // x86_64's subarch_memory_op: the whole M2P range Xen reserves, whatever the domain's size.
        const L = machphysMappingLayout(64);
        a.checkWritable(arg, L.SIZE);
        a.set64(arg + L.vStart, MACH2PHYS_VIRT_START_64); a.set64(arg + L.vEnd, MACH2PHYS_VIRT_END_64);
        a.set64(arg + L.maxMfn, (MACH2PHYS_VIRT_END_64 - MACH2PHYS_VIRT_START_64) / 8 - 1);
        return 0;
      }
      a.checkWritable(arg, 12);
      a.set32(arg, MACH2PHYS_VIRT_START); a.set32(arg + 4, MACH2PHYS_VIRT_END);
      a.set32(arg + 8, (MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) / 4 - 1);
      return 0;
    default: return -ENOSYS;
  }
}

/**
 * XENMEM_machphys_mfn_list for a 64-bit guest: the MFN of each 2 MiB chunk of the M2P (x86_64
 * maps it with 2 MiB pages: 512 frames a chunk), as xen_pfn_t.
 */
function machphysMfnList64(d: PvDomain, arg: number): number {
  const a = d.access, lay = d.layout!;
  const L = machphysMfnListLayout(64);
  const max = a.u32(arg + L.maxExtents), list = a.addr64(arg + L.extentStart);
  const chunks = Math.ceil(lay.m2pFrames.length / 512);
  const n = Math.min(max, chunks);
  a.checkWritable(arg + L.nrExtents, 4);
  a.checkWritable(list, n * 8);
  for (let i = 0; i < n; i++) a.set64(list + i * 8, lay.m2pFrames[i * 512]);
  a.set32(arg + L.nrExtents, n);
  return 0;
}

/**
 * multicall(call_list, nr_calls): multicall_entry_t of the guest's width (xen_ulong_t op, result
 * and args[6]: 4 or 8 bytes each), run in order with each result written back in place; a
 * 64-bit op with high bits set is no hypercall. A multicall or iret inside is refused.
 */
function multicall(d: PvDomain, list: number, n: number): number {
  const a = d.access, width = d.width, L = multicallEntryLayout(width);
  if (n > 0x7fffffff) return -EINVAL;
  const slice = Math.min(n, BATCH_SLICE);
  for (let i = 0; i < slice; i++) {
    const at = list + i * L.SIZE;
    const los: number[] = [], his: number[] = [];
    for (let k = 0; k < 6; k++) {
      const w = at + L.args + k * L.argBytes;
      los.push(a.u32(w)); his.push(width === 64 ? a.u32(w + 4) : 0);
    }
    const op = a.u32(at + L.op), opHi = width === 64 ? a.u32(at + L.op + 4) : 0;
    a.checkWritable(at + L.result, L.argBytes);
    let rc: number;
    if (op === HC.multicall || op === HC.iret) rc = -EINVAL;
    else if (opHi !== 0) rc = UNKNOWN;
    else {
      try { rc = dispatch(d, op, new ListArgs(width, los, his), true); }
      catch (e) { if (!(e instanceof GuestFault)) throw e; rc = -EFAULT; }
    }
    const known = rc !== UNKNOWN;
    if (!known) rc = -ENOSYS;
    const name = known ? hypercallName(op) : 'unknown';
    d.log.countHypercall(known ? op : -1, d.log.costs.handler[name] ?? d.log.costs.defaultHandler, rc < 0);
    if (width === 64) a.set64(at + L.result, rc); else a.set32(at + L.result, rc);
    if (d.dead) return 0;
  }
  if (slice < n) throw new Continuation([list + slice * L.SIZE, n - slice]);
  return 0;
}

function vmAssist(d: PvDomain, cmd: number, type: number): number {
  if (type > 31) return -EINVAL;
  if (!((VMASST_VALID_MASK >>> type) & 1)) return -EINVAL;
  if (cmd === VMASST_CMD_enable) { d.vmAssist |= 1 << type; return 0; }
  if (cmd === VMASST_CMD_disable) { d.vmAssist &= ~(1 << type); return 0; }
  return -ENOSYS;
}

function schedOp(d: PvDomain, cmd: number, arg: number, compat: boolean): number {
  const a = d.access;
  switch (cmd) {
    case SCHEDOP.yield: return 0;
    case SCHEDOP.block:
      // Block enables event delivery and sleeps only if nothing is already pending.
      d.events.upcallMask = false;
      if (d.events.upcallPending) return 0;
      d.block();
      return 0;
    case SCHEDOP.shutdown: {
      const reason = compat ? arg : a.u32(arg);
      d.shutdown(reason);
      return 0;
    }
    case SCHEDOP.shutdown_code: {
      if (compat) return -ENOSYS;
      a.u32(arg);
      return 0;
    }
    case SCHEDOP.poll: {
      if (compat) return -ENOSYS;
      // struct sched_poll by width (a 64-bit guest's handle is 8 bytes); the timeout by halves:
      // Xen arms an s_time_t timer with it, so with bit 63 set it is a time already gone.
      const L = schedPollLayout(d.width);
      const ports = d.width === 64 ? a.addr64(arg + L.ports) : a.u32(arg + L.ports), n = a.u32(arg + L.nrPorts);
      const tLo = a.u32(arg + L.timeout), tHi = a.u32(arg + L.timeout + 4);
      const past = (tHi | 0) < 0, timeout = past ? 0 : tHi * 0x100000000 + tLo;
      if (n > 128) return -EINVAL;
      if (!d.events.upcallMask) return -EINVAL; // Xen requires event delivery to be disabled
      const set = new Set<number>();
      for (let i = 0; i < n; i++) {
        const p = a.u32(ports + i * 4);
        if (p >= d.events.nrPorts) return -EINVAL;
        if (d.events.isPending(p)) return 0;
        set.add(p);
      }
      if (past || (timeout !== 0 && timeout <= d.systemTimeNs)) return 0;
      d.events.polling = set;
      if (timeout !== 0) d.pollDeadline = d.nsToTicks(timeout);
      d.block();
      return 0;
    }
    default: return -ENOSYS;
  }
}

function callbackOp(d: PvDomain, cmd: number, arg: number): number {
  const a = d.access;
  if (cmd === CALLBACKOP_register) {
    const type = a.u16(arg), cs = a.u32(arg + 4), eip = a.u32(arg + 8);
    switch (type) {
      case CALLBACKTYPE.event: d.event = { cs: fixCs(cs), eip }; return 0;
      case CALLBACKTYPE.failsafe: d.failsafe = { cs: fixCs(cs), eip }; return 0;
      case CALLBACKTYPE.sysenter: d.syscall = { cs: fixCs(cs), eip }; return 0;
      case CALLBACKTYPE.nmi: return 0;
      default: return -EINVAL;
    }
  }
  if (cmd === CALLBACKOP_unregister) {
    const type = a.u16(arg);
    if (type === CALLBACKTYPE.nmi) return 0;
    return -EINVAL;
  }
  return -ENOSYS;
}

/**
 * The iret hypercall (jumped to at slot 23, which pushed EAX): the stack holds EAX, EIP, CS,
 * EFLAGS [, ESP, SS when returning to ring 2/3]. EFLAGS.IF becomes !upcall_mask; returning
 * to ring 0 crashes the domain, as in Xen.
 */
function doIret(d: PvDomain): void {
  const cpu = d.cpu, r = cpu.regs, a = d.access;
  const sp = r[4] >>> 0;
  let eax: number, eip: number, cs: number, eflags: number;
  try {
    eax = a.u32(sp); eip = a.u32(sp + 4); cs = a.u32(sp + 8) & 0xffff; eflags = a.u32(sp + 12);
  } catch { d.crash(`iret hypercall: cannot read the frame at 0x${sp.toString(16)}`); return; }
  const rpl = cs & 3;
  if (rpl === 0) { d.crash(`iret hypercall returning to ring 0 (CS 0x${cs.toString(16)})`); return; }
  let newEsp = sp + 16, newSs = cpu.segSel[SS];
  if (rpl !== 1) {
    try { newEsp = a.u32(sp + 16); newSs = a.u32(sp + 20) & 0xffff; }
    catch { d.crash(`iret hypercall: cannot read the outer stack at 0x${(sp + 16).toString(16)}`); return; }
  }
  r[0] = eax | 0;
  const oldSegs = [cpu.segSel[DS], cpu.segSel[ES], cpu.segSel[FS], cpu.segSel[GS]];
  if (!d.loadSegment(CS, cs, rpl) || (rpl !== 1 && !d.loadSegment(SS, newSs, rpl))) {
    d.failsafeCallback(`iret hypercall: cannot load CS 0x${cs.toString(16)} / SS 0x${newSs.toString(16)}`);
    return;
  }
  cpu.eip = eip | 0;
  r[4] = newEsp | 0;
  cpu.flags = ((eflags & ~0x3000 & 0x3f7fd5) | FLAG_IF | 2);
  cpu.ccOp = 0;
  cpu.invalidateFetch();
  if (rpl === 3) {
    // Data segments the outer ring may not use become null, as the hardware IRET does.
    [DS, ES, FS, GS].forEach((s, i) => { if (!d.loadSegment(s, oldSegs[i], 3)) cpu.setSegNull(s, 0); });
  }
  d.events.upcallMask = (eflags & FLAG_IF) === 0;
  // Under vm_assist(architectural_iopl) the frame's IOPL becomes the virtual IOPL.
  if (d.architecturalIopl) d.iopl = (eflags >>> 12) & 3;
}

export { EINVAL, EFAULT };
