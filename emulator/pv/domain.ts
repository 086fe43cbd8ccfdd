// One PV domain with one vCPU: the hypervisor's state for it (trap table, callbacks, kernel
// stack, timers, event channels, page types) and the paths by which the hypervisor enters
// the guest: trap bounces, event upcalls and the failsafe callback, each building Xen's
// frame on the guest kernel stack. Hypercalls live in hypercalls.ts; the domain builder in
// domain-builder.ts; privileged-instruction emulation in priv-op.ts.

import { FAULT, type Cpu } from '../cpu';
import type { PhysicalMemory } from '../memory/physical-memory';
import { INSTRUCTION_NS, TSC_PER_TICK } from '../clock';
import { FLAT_RING1_DS, PAGE, SHUTDOWN_NAMES, TI_DPL_MASK, TI_IF, VIRQ_TIMER, VMASST_TYPE_architectural_iopl } from './abi';
import type { EventChannels } from './events';
import { vcpuInfoLayout, type GuestWidth } from './layouts';
import { writeU64, XEN_WALLCLOCK_EPOCH_NS } from './pvclock';
import type { XenDomainServices } from './services';
import { T_NONE } from './page-types';
import { XenServices } from './xen-services';
import { xenFeaturesFor } from './version-ops';
import { RUNSTATE } from './layouts';
import { GuestAccess } from './guest-access';
import { PageTypes } from './page-types';
import { PvLog } from './pv-log';
import { PvKind } from '../trace/record-kinds';
import type { DomainLayout } from './domain-layout';
import type { ConsoleBackend } from './console';
import type { XenstoreBackend } from './xenstore';
import { decodeInfo } from '../isa/decode';
import { Vcpu64 } from './vcpu64';
import { PageTypes64 } from './page-types64';

const CS = 1, SS = 2, DS = 3, ES = 0, FS = 4, GS = 5;
const FLAG_IF = 0x200, FLAG_TF = 0x100, FLAG_NT = 0x4000, FLAG_RF = 0x10000, FLAG_VM = 0x20000, FLAG_IOPL = 0x3000;

/** Why the domain stopped the machine: the guest's sched_op shutdown/reset, or a crash. */
export type PvStop =
  | { kind: 'shutdown'; code: number; reason: string }
  | { kind: 'reset'; via: string }
  | { kind: 'domain-crash'; detail: string };

export const PF = 14, GP = 13, UD = 6;
/** The vector the vCPU's interrupt line carries for an event upcall (never a real IDT vector). */
export const UPCALL_VECTOR = 0x1000;

export type PrivilegedPolicy = 'xen' | 'strict';

export interface PvOptions {
  privileged: PrivilegedPolicy;
}

export interface CallbackTarget { cs: number; eip: number }

export class PvDomain {
  readonly access: GuestAccess;
  readonly log: PvLog;
  /** Event channels, grants, vCPU timers and runstate, console, xenstore: the services every kind of domain shares. */
  readonly xen: XenServices;
  get events(): EventChannels { return this.xen.events; }
  get console(): ConsoleBackend { return this.xen.console; }
  get xenstore(): XenstoreBackend { return this.xen.xenstore; }
  types: PageTypes;
  layout: DomainLayout | null = null;
  options: PvOptions = { privileged: 'xen' };
  /** The guest's width: 32 for an x86_32 PAE kernel in ring 1, 64 for an x86_64 kernel in ring 3 (from its ELF class). */
  width: GuestWidth = 32;
  /** What the width-neutral services (events, grants, vcpu_op, pvclock, ...) see of this domain. */
  readonly services: XenDomainServices;
  /** A 64-bit guest's kernel/user mode, page-table roots, other GS base and syscall entry points. */
  readonly v64 = new Vcpu64();

  // Trap table: 256 entries of {flags, cs, eip}; eip 0 = no handler.
  readonly trapFlags = new Uint8Array(256);
  readonly trapCs = new Uint16Array(256);
  /** Handler addresses: 32-bit ones unsigned, a 64-bit guest's as signed canonical numbers. */
  readonly trapEip = new Float64Array(256);
  event: CallbackTarget = { cs: 0, eip: 0 };
  failsafe: CallbackTarget = { cs: 0, eip: 0 };
  eventMasksOnEntry = true;
  syscall: CallbackTarget = { cs: 0, eip: 0 };
  kernelSs = 0;
  kernelSp = 0;
  /** Virtual IOPL granted by physdev_op(set_iopl); the real IOPL stays 0. */
  get iopl(): number { return this.xen.physdev.iopl; }
  set iopl(v: number) { this.xen.physdev.iopl = v; }
  /** The guest's view of CR0.TS (fpu_taskswitch). */
  ts = false;
  get vmAssist(): number { return this.xen.vmAssist; }
  set vmAssist(v: number) { this.xen.vmAssist = v; }
  /** vm_assist(architectural_iopl) is on: the kernel counts as CPL 0, iret frames set the IOPL. */
  get architecturalIopl(): boolean { return (this.vmAssist & (1 << VMASST_TYPE_architectural_iopl)) !== 0; }
  gdtFrames: number[] = [];
  gdtEntries = 0;
  ldtBase = 0;
  ldtEntries = 0;

  /** Timers in ticks (Infinity = not armed): the vCPU's, kept by the services. */
  get singleshotAt(): number { return this.xen.vcpu.singleshotAt; }
  set singleshotAt(v: number) { this.xen.vcpu.singleshotAt = v; }
  get periodicNs(): number { return this.xen.vcpu.periodicNs; }
  set periodicNs(v: number) { this.xen.vcpu.periodicNs = v; }
  get periodicAt(): number { return this.xen.vcpu.periodicAt; }
  set periodicAt(v: number) { this.xen.vcpu.periodicAt = v; }
  blocked = false;
  pollDeadline = Infinity;
  /** When the hypervisor's next scheduler tick falls (instruction ticks; see hypervisor.ts). */
  hostTickAt = 0;

  /** Lines the hypervisor logged about the domain (what `xl dmesg` would show), newest last. */
  readonly hypervisorLog: string[] = [];

  private stop: PvStop | null = null;
  dead = false;

  constructor(readonly cpu: Cpu, readonly mem: PhysicalMemory, serialOut: (b: number) => void) {
    this.access = new GuestAccess(cpu, mem);
    this.services = pvDomainServices(this);
    this.xen = new XenServices(this.services, serialOut);
    this.xen.fireTimers = () => this.fireTimers();
    this.log = new PvLog(() => cpu.icount);
    this.types = new PageTypes(mem, 0, 0, () => false);
  }

  /** Back to the state before any domain was built. */
  reset(): void {
    this.trapFlags.fill(0); this.trapCs.fill(0); this.trapEip.fill(0);
    this.event = { cs: 0, eip: 0 }; this.failsafe = { cs: 0, eip: 0 }; this.syscall = { cs: 0, eip: 0 };
    this.eventMasksOnEntry = true;
    this.kernelSs = 0; this.kernelSp = 0; this.ts = false;
    this.gdtFrames = []; this.gdtEntries = 0; this.ldtBase = 0; this.ldtEntries = 0;
    this.blocked = false; this.pollDeadline = Infinity;
    this.stop = null; this.dead = false;
    this.xen.reset();
    this.released.clear();
    this.log.reset();
    this.layout = null;
    this.width = 32;
    this.hypervisorLog.length = 0;
    this.access.width = 32;
    this.v64.load(new Vcpu64().save());
  }

  /** Frames the guest gave back (decrease_reservation) and how many it took again since. */
  readonly released = new Set<number>();

  /** Everything the hypervisor keeps for the domain, for Machine.snapshot() (structured-clone-able). */
  saveState(): unknown {
    const t = this.types;
    return {
      trapFlags: this.trapFlags.slice(), trapCs: this.trapCs.slice(), trapEip: this.trapEip.slice(),
      event: { ...this.event }, failsafe: { ...this.failsafe }, syscall: { ...this.syscall }, eventMasksOnEntry: this.eventMasksOnEntry,
      kernelSs: this.kernelSs, kernelSp: this.kernelSp, ts: this.ts,
      gdtFrames: [...this.gdtFrames], gdtEntries: this.gdtEntries, ldtBase: this.ldtBase, ldtEntries: this.ldtEntries,
      blocked: this.blocked, pollDeadline: this.pollDeadline, hostTickAt: this.hostTickAt, stop: this.stop, dead: this.dead, layout: this.layout,
      width: this.width, v64: this.v64.save(), released: [...this.released],
      xen: this.xen.save(),
      types: {
        totalFrames: t.totalFrames, guestFrames: t.guestFrames, type: t.type.slice(), typeRefs: t.typeRefs.slice(),
        pinned: t.pinned.slice(), writable: t.writable.slice(), xenL2: t.xenL2.slice(), hvPdes: t.hvPdes.map((e) => [...e]),
        xenL4: t instanceof PageTypes64 ? t.xenL4.map((e) => [...e]) : null,
      },
      log: this.log.snapshot(),
    };
  }

  loadState(state: unknown): void {
    const s = state as ReturnType<PvDomain['saveState']> & Record<string, any>; // snapshots are structured clones of saveState()
    this.trapFlags.set(s.trapFlags); this.trapCs.set(s.trapCs); this.trapEip.set(s.trapEip);
    this.event = { ...s.event }; this.failsafe = { ...s.failsafe }; this.syscall = { ...s.syscall }; this.eventMasksOnEntry = s.eventMasksOnEntry;
    this.kernelSs = s.kernelSs; this.kernelSp = s.kernelSp; this.ts = s.ts;
    this.gdtFrames = [...s.gdtFrames]; this.gdtEntries = s.gdtEntries; this.ldtBase = s.ldtBase; this.ldtEntries = s.ldtEntries;
    this.blocked = s.blocked; this.pollDeadline = s.pollDeadline; this.hostTickAt = s.hostTickAt; this.stop = s.stop; this.dead = s.dead; this.layout = s.layout;
    this.width = s.width ?? 32;
    this.access.width = this.width;
    if (s.v64) this.v64.load(s.v64);
    this.released.clear(); for (const f of s.released ?? []) this.released.add(f);
    this.xen.load(s.xen);
    const ty = s.types;
    const mappable = this.layout
      ? ((lay: DomainLayout) => (mfn: number) => mfn === lay.sharedInfoMfn || lay.grantMfns.includes(mfn) || (lay.grantStatusMfns ?? []).includes(mfn))(this.layout)
      : () => false;
    const types = this.width === 64 ? new PageTypes64(this.mem, ty.totalFrames, ty.guestFrames, mappable) : new PageTypes(this.mem, ty.totalFrames, ty.guestFrames, mappable);
    if (types instanceof PageTypes64 && ty.xenL4) types.xenL4 = ty.xenL4.map((x: number[]) => [x[0], x[1]] as [number, number]);
    types.type.set(ty.type); types.typeRefs.set(ty.typeRefs); types.pinned.set(ty.pinned); types.writable.set(ty.writable);
    types.xenL2.set(ty.xenL2); types.hvPdes = ty.hvPdes.map((x: number[]) => [x[0], x[1]] as [number, number]);
    types.recount();
    this.types = types;
    this.log.restore(s.log);
  }

  // ---- time ------------------------------------------------------------------------------

  /** Xen system time: nanoseconds since the domain started, from the instruction count. */
  get systemTimeNs(): number { return this.cpu.ticks * INSTRUCTION_NS; }

  /** Rewrites vcpu_info.time so that system_time + scaled(TSC - tsc_timestamp) is exact. */
  updateTimeInfo(): void { this.xen.updateTime(); }

  nsToTicks(ns: number): number { return Math.ceil(ns / INSTRUCTION_NS); }

  /** Earliest timer deadline in ticks (Infinity if none). */
  nextTimer(): number { return Math.min(this.xen.nextTimer(), this.pollDeadline); }

  /** Fire timers that are due at the current tick. */
  fireTimers(): void {
    const now = this.cpu.ticks;
    this.xen.fireDueTimers(now);
    if (this.pollDeadline <= now) { this.pollDeadline = Infinity; this.wake(); }
  }

  // ---- blocking ---------------------------------------------------------------------------

  /** Something became pending: a blocked vCPU wakes, the CPU looks for an upcall. */
  kick(): void {
    if (this.blocked) this.wake();
    this.cpu.irqPoll = true;
    this.cpu.attn = true;
  }

  wake(): void {
    if (this.blocked) this.xen.vcpu.setRunstate(RUNSTATE.running, this.vmAssist);
    this.blocked = false;
    this.events.polling = null;
    this.pollDeadline = Infinity;
    this.cpu.halted = false;
    this.cpu.irqPoll = true;
    this.cpu.attn = true;
  }

  block(): void {
    if (!this.blocked) this.xen.vcpu.setRunstate(RUNSTATE.blocked, this.vmAssist);
    this.blocked = true;
    this.cpu.halted = true;
    this.cpu.irqPoll = true;
    this.cpu.attn = true;
  }

  /** An upcall can be delivered now: pending, unmasked, and a callback to deliver it to. */
  upcallDeliverable(): boolean {
    if (this.dead || this.layout === null) return false;
    return this.events.upcallPending && !this.events.upcallMask && this.event.eip !== 0;
  }

  // ---- stopping ---------------------------------------------------------------------------

  crash(detail: string): void {
    if (this.dead) return;
    this.dead = true;
    this.stop = { kind: 'domain-crash', detail };
    this.log.record(PvKind.DOMAIN_CRASH, 0, 'hypervisor', this.cpu.ctx, 0);
    this.halt();
  }

  /**
   * SCHEDOP_shutdown: poweroff (and suspend, watchdog) stop the machine with the reason as the
   * code; reboot is a reset request; crash is a domain crash, which is what Xen records.
   */
  shutdown(code: number): void {
    if (this.dead) return;
    this.dead = true;
    const what = `sched_op shutdown: ${SHUTDOWN_NAMES[code] ?? `reason ${code}`}`;
    if (code === 1) this.stop = { kind: 'reset', via: what };
    else if (code === 3) {
      this.stop = { kind: 'domain-crash', detail: `the guest asked to crash (${what})` };
      this.log.record(PvKind.DOMAIN_CRASH, 3, 'guest', this.cpu.ctx, 0);
    } else this.stop = { kind: 'shutdown', code, reason: what };
    this.halt();
  }

  private halt(): void {
    this.cpu.requestPending = true;
    this.cpu.attn = true;
  }

  /** The reason the domain stopped, or null while it runs. Stays set: a dead domain does not run again. */
  takeStop(): PvStop | null {
    if (this.stop) this.cpu.requestPending = false;
    return this.stop;
  }

  // ---- entering the guest -------------------------------------------------------------------

  /** Load a segment register the way the hardware would on the return to the guest; false if it cannot be. */
  loadSegment(s: number, sel: number, cpl: number): boolean {
    const cpu = this.cpu;
    sel &= 0xffff;
    if ((sel & 0xfffc) === 0) {
      if (s === CS || s === SS) return false;
      cpu.setSegNull(s, sel);
      return true;
    }
    let ok = false;
    try { ok = cpu.readDescriptor(sel); } catch (e) { if (e !== FAULT) throw e; return false; }
    if (!ok) return false;
    const hi = cpu.dHi, dpl = (hi >>> 13) & 3, type = (hi >>> 8) & 0xf;
    if (!(hi & 0x1000) || !(hi & 0x8000)) return false;
    if (s === CS) {
      if (!(type & 8) || (sel & 3) !== cpl || ((type & 4) ? dpl > cpl : dpl !== cpl)) return false;
    } else if (s === SS) {
      if ((type & 8) || !(type & 2) || (sel & 3) !== cpl || dpl !== cpl) return false;
    } else {
      if ((type & 0xa) === 8) return false;
      if (!((type & 0xc) === 0xc) && dpl < Math.max(cpl, sel & 3)) return false;
    }
    cpu.setSegFromDesc(s, sel, cpu.dLo, hi);
    if (s === CS) cpu.setCpl(cpl);
    return true;
  }

  /**
   * Xen's create_bounce_frame: switch to the kernel stack when coming from ring 3, push
   * [SS, ESP,] EFLAGS, CS | saved_upcall_mask << 16, EIP [, error code] (the failsafe frame
   * adds DS, ES, FS, GS below EIP), optionally mask events, and enter the handler in ring 1.
   * Returns false (after crashing the domain) if the frame cannot be written.
   */
  bounce(target: CallbackTarget, errorCode: number, maskEvents: boolean, failsafe: boolean, what: string): boolean {
    const cpu = this.cpu, r = cpu.regs;
    if (target.eip === 0 && target.cs === 0) { this.crash(`no handler for ${what}`); return false; }
    const fromUser = cpu.cpl === 3;
    let ss: number, esp: number;
    if (fromUser) {
      if ((this.kernelSs & 0xfffc) === 0) { this.crash(`${what} from user mode with no kernel stack (stack_switch never called)`); return false; }
      ss = this.kernelSs; esp = this.kernelSp;
    } else {
      ss = cpu.segSel[SS]; esp = r[4] >>> 0;
    }
    const savedMask = this.events.upcallMask ? 1 : 0;
    const eflags = (cpu.getFlags() & ~(FLAG_IF | FLAG_IOPL)) | (savedMask ? 0 : FLAG_IF) | (this.architecturalIopl ? this.iopl << 12 : 0);
    const words: number[] = [];
    if (failsafe) words.push(cpu.segSel[DS], cpu.segSel[ES], cpu.segSel[FS], cpu.segSel[GS]);
    else if (errorCode >= 0) words.push(errorCode);
    words.push(cpu.eip >>> 0, (cpu.segSel[CS] | (savedMask << 16)) >>> 0, eflags >>> 0);
    if (fromUser) words.push(r[4] >>> 0, cpu.segSel[SS]);
    const base = (esp - words.length * 4) >>> 0;
    try {
      this.access.checkWritable(base, words.length * 4);
      for (let i = 0; i < words.length; i++) this.access.set32(base + i * 4, words[i]);
    } catch {
      this.crash(`cannot write the ${what} frame at 0x${base.toString(16)} (kernel stack ${ss.toString(16)}:${esp.toString(16)})`);
      return false;
    }
    const cs = (target.cs & 3) === 0 ? target.cs | 1 : target.cs;
    if (fromUser && !this.loadSegment(SS, ss, 1)) { this.crash(`bad kernel stack segment 0x${ss.toString(16)} for ${what}`); return false; }
    if (!this.loadSegment(CS, cs, 1)) { this.crash(`bad handler code segment 0x${cs.toString(16)} for ${what}`); return false; }
    r[4] = base | 0;
    cpu.eip = target.eip | 0;
    cpu.flags = (cpu.getFlags() & ~(FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM)) | FLAG_IF | 2;
    cpu.ccOp = 0;
    cpu.invalidateFetch();
    if (maskEvents) this.events.upcallMask = true;
    cpu.halted = false;
    return true;
  }

  /** Bounce exception `vector` to the guest's trap table. */
  bounceException(vector: number, errorCode: number): void {
    const cpu = this.cpu;
    if (vector === PF) {
      const at = this.events.vcpuPa + vcpuInfoLayout(this.width).cr2;
      if (this.width === 64) writeU64(this.mem, at, cpu.cr2); else this.mem.store32(at, cpu.cr2);
    }
    const eip = this.trapEip[vector];
    const target = { cs: this.trapCs[vector], eip };
    const name = `exception ${vector}`;
    if (eip === 0) { this.crash(`${name} (error code ${errorCode >= 0 ? '0x' + errorCode.toString(16) : 'none'}) at ${hex(cpu.segSel[CS])}:${hex(cpu.eip >>> 0)} and no handler in the trap table`); return; }
    const ctx = cpu.ctx;
    const rip = cpu.eip;
    if (this.bounce(target, errorCode, (this.trapFlags[vector] & TI_IF) !== 0, false, name)) {
      this.recordAt(PvKind.TRAP_BOUNCE, vector, `trap:${vector}`, this.log.costs.trapBounce, rip, { vector, errorCode: errorCode >= 0 ? errorCode : undefined });
    }
    void ctx;
  }

  /** INT n from the guest: allowed when the trap table's DPL permits it, else #GP(vector*8+2). */
  softInterrupt(vector: number): void {
    const dpl = this.trapFlags[vector] & TI_DPL_MASK;
    if (this.trapEip[vector] === 0 || this.cpu.cpl > dpl) {
      // As the hardware would: the INT instruction itself faults.
      this.cpu.eip = this.cpu.instrEip;
      this.bounceException(GP, vector * 8 + 2);
      return;
    }
    this.bounceException(vector, -1);
  }

  deliverUpcall(): void {
    if (!this.upcallDeliverable()) return;
    const rip = this.cpu.eip;
    if (this.bounce(this.event, -1, true, false, 'event upcall')) {
      this.updateTimeInfo();
      this.recordAt(PvKind.EVENT_UPCALL, 0, 'event-callback', this.log.costs.eventUpcall, rip);
    }
  }

  /** Xen calls the failsafe callback when it cannot reload the guest's segments on return. */
  failsafeCallback(why: string): void {
    const rip = this.cpu.eip;
    if (this.failsafe.eip === 0) { this.crash(`${why}, and no failsafe callback`); return; }
    if (this.bounce(this.failsafe, -1, true, true, 'failsafe callback')) {
      this.recordAt(PvKind.FAILSAFE_CALLBACK, 0, 'failsafe-callback', this.log.costs.trapBounce, rip);
    }
  }

  /**
   * Records against the instruction that caused the entry. A hypercall made through the
   * hypercall page is recorded at its call site (the `call hypercall_page + N*32` in the
   * guest's code), which is the line a person wants to see it on.
   */
  recordAt(kind: number, qual: number, handler: string, cycles: number, _eip: number, extra?: { vector?: number; errorCode?: number; value?: number }): void {
    const cpu = this.cpu;
    const site = kind === PvKind.HYPERCALL ? this.callSite() : undefined;
    if (this.log.record(kind, qual, handler, cpu.ctx, cycles, extra, site)) { cpu.filterHit = true; cpu.attn = true; }
  }

  private callSite(): { eip: number; bytes: Uint8Array } | undefined {
    const page = this.layout?.hypercallPageVa;
    const at = this.cpu.instrEip >>> 0;
    if (page === undefined || at < page || at >= page + 4096 || ((at - page) >>> 5) === 23) return undefined;
    try {
      const ret = this.access.u32(this.cpu.regs[4] >>> 0);
      for (const back of [5, 2, 3, 6, 7]) {
        const start = (ret - back) >>> 0;
        const bytes = new Uint8Array(back);
        for (let i = 0; i < back; i++) bytes[i] = this.access.u8(start + i);
        const info = decodeInfo(bytes, 32);
        if (info && info.length === back && info.mnemonic === 'call') return { eip: start, bytes };
      }
    } catch { /* an unreadable stack: keep the slot's address */ }
    return undefined;
  }

  /** The debugger's view of the PV state. */
  state(): PvStateView {
    const ev = this.events;
    const traps: PvStateView['trapTable'] = [];
    for (let v = 0; v < 256; v++) {
      if (this.trapEip[v] !== 0) traps.push({ vector: v, cs: this.trapCs[v], eip: this.trapEip[v], dpl: this.trapFlags[v] & 3, masksEvents: (this.trapFlags[v] & TI_IF) !== 0 });
    }
    const hasLayout = this.layout !== null;
    return {
      upcallPending: hasLayout ? ev.upcallPending : false,
      upcallMask: hasLayout ? ev.upcallMask : true,
      eventChannels: hasLayout ? ev.bound() : [],
      timers: {
        systemTimeNs: this.systemTimeNs,
        singleshotNs: Number.isFinite(this.singleshotAt) ? this.singleshotAt * INSTRUCTION_NS : null,
        periodicNs: this.periodicNs || null,
        nextPeriodicNs: Number.isFinite(this.periodicAt) ? this.periodicAt * INSTRUCTION_NS : null,
      },
      trapTable: traps,
      callbacks: { event: { ...this.event }, failsafe: { ...this.failsafe } },
      kernelStack: { ss: this.kernelSs, esp: this.kernelSp },
      blocked: this.blocked,
      iopl: this.iopl,
      memory: this.memoryView(),
      width: this.width,
      pages: hasLayout ? {
        sharedInfo: ev.sharedPa, vcpuInfo: ev.vcpuPa, startInfoVa: this.layout!.startInfoVa,
        grantFrames: this.layout!.grantMfns.slice(0, this.xen.grants.nrFrames).map((mfn) => mfn * 4096),
      } : null,
    };
  }

  private memoryView(): PvStateView['memory'] {
    const t = this.types, lay = this.layout;
    const count = (ty: number) => { let n = 0; for (let i = 0; i < t.totalFrames; i++) if (t.type[i] === ty) n++; return n; };
    let pinned = 0; for (let i = 0; i < t.totalFrames; i++) pinned += t.pinned[i];
    return {
      domainFrames: lay?.nrPages ?? 0,
      hypervisorFrames: lay ? lay.totalFrames - lay.nrPages : 0,
      pageTables: { l1: count(1), l2: count(2), l3: count(3), ...(this.width === 64 ? { l4: count(4) } : {}), pinned },
      descriptorPages: count(5),
      peakPageTables: t.peakTables,
    };
  }
}

export interface PvStateView {
  upcallPending: boolean;
  upcallMask: boolean;
  eventChannels: Array<{ port: number; kind: string; virq?: number; pending: boolean; masked: boolean; backend?: string }>;
  timers: { systemTimeNs: number; singleshotNs: number | null; periodicNs: number | null; nextPeriodicNs: number | null };
  trapTable: Array<{ vector: number; cs: number; eip: number; dpl: number; masksEvents: boolean }>;
  callbacks: { event: CallbackTarget; failsafe: CallbackTarget };
  kernelStack: { ss: number; esp: number };
  blocked: boolean;
  iopl: number;
  /** Frames the domain owns, frames the hypervisor keeps (M2P, shared_info, GDT, grant frames), validated tables. */
  memory: { domainFrames: number; hypervisorFrames: number; pageTables: { l1: number; l2: number; l3: number; l4?: number; pinned: number }; descriptorPages: number;
    /** PV: the most frames typed as page tables (L1-L4) at once since the domain was built. */
    peakPageTables?: number;
    /** PVH: the grant-table frames the guest has placed (a PV guest's are in `pages`). */
    grantFrames?: number };
  /** The guest's width (32: x86_32 PAE in ring 1; 64: x86_64 in ring 3). */
  width?: 32 | 64;
  /**
   * Where the pages the debugger decodes are: shared_info and this vCPU's vcpu_info (machine
   * addresses), start_info (the guest virtual address the builder mapped it at), and the grant
   * frames the guest has set up (machine addresses). null before the domain is built.
   */
  pages?: { sharedInfo: number; vcpuInfo: number; startInfoVa: number; grantFrames: number[] } | null;
}


/**
 * The services' view of a PV domain: guest memory through the kernel's page tables, frames
 * the guest owns as ordinary RAM (Xen's get_page_and_type(PGT_writable_page)), wake-ups
 * through kick(), and the clock of the machine's virtual time.
 */
function pvDomainServices(d: PvDomain): XenDomainServices {
  const lay = () => d.layout;
  return {
    get width() { return d.width; },
    domid: 1,
    get guest() { return d.access; },
    mem: d.mem,
    frameAddress: (frame) => (Number.isInteger(frame) && d.types.ownedByGuest(frame) && d.types.type[frame] === T_NONE && !d.released.has(frame) ? frame * PAGE : -1),
    raiseUpcall: () => d.kick(),
    clock: {
      ticks: () => d.cpu.ticks,
      systemTimeNs: () => d.systemTimeNs,
      tsc: () => d.cpu.ticks * TSC_PER_TICK + d.cpu.tscOffset,
      tscPerNs: TSC_PER_TICK / INSTRUCTION_NS,
      nsToTicks: (ns) => d.nsToTicks(ns),
      bootEpochNs: XEN_WALLCLOCK_EPOCH_NS,
    },
    autoTranslated: false,
    memory: {
      currentPages: () => (lay()?.nrPages ?? 0) - d.released.size,
      maxPages: () => lay()?.nrPages ?? 0,
      maximumGpfn: () => (lay()?.nrPages ?? 1) - 1,
      maxRamPage: () => (lay()?.totalFrames ?? 1) - 1,
      memoryMap: () => [{ addr: 0, size: (lay()?.nrPages ?? 0) * PAGE, type: 1 }],
      // Ballooning, bookkeeping only: a released frame leaves the reservation and comes back first
      // when the guest asks for memory again (its page-table rights are not revoked meanwhile).
      release: (frame) => {
        if (!Number.isInteger(frame) || !d.types.ownedByGuest(frame) || d.types.type[frame] !== T_NONE || d.released.has(frame)) return false;
        d.released.add(frame);
        return true;
      },
      populate: () => {
        const f = d.released.values().next();
        if (f.done) return -1;
        d.released.delete(f.value);
        return f.value;
      },
    },
    xenFeatures: (idx) => xenFeaturesFor(idx, { pv: true, paeExtendedCr3: ((d.vmAssist >>> 3) & 1) === 1 }),
    frameNumber: (pa) => Math.floor(pa / PAGE),
    shutdown: (reason) => d.shutdown(reason),
    log: (message) => { d.hypervisorLog.push(message); if (d.hypervisorLog.length > 256) d.hypervisorLog.shift(); },
  };
}

export { tscScale, writeU64 } from './pvclock';

function hex(v: number): string { return (v >>> 0).toString(16); }
export { FLAT_RING1_DS, CS, SS, DS, ES, FS, GS };
