// The PV hypervisor as the Machine sees it: it owns the domain, takes every exception,
// interrupt and INT n the CPU would deliver (the guest has no IDT of its own), turns
// `int 0x82` into hypercalls, and stands in for the PC platform so that the vCPU's only
// interrupt is the event upcall and the only device deadlines are the PV timers.

import type { Cpu, DeliveryKind, ExitControls, ExitSink } from '../cpu';
import type { PhysicalMemory } from '../memory/physical-memory';
import type { AccessSize, Platform, PlatformRequest } from '../devices/platform-api';
import type { BootPlan } from '../loader/boot-plan';
import { PvDomain, UPCALL_VECTOR, GP, UD, PF, type PrivilegedPolicy, type PvStateView, type PvStop } from './domain';
import { buildDomain, type DomainLayout } from './domain-builder';
import { bounceException64, deliverUpcall64, rip64, setRip64, softInterrupt64, userSyscall64, userSysenter64 } from './entry64';
import { hypercall } from './hypercalls';
import { pvGrantMapper } from './grant-map-pv';
import { emulatePrivileged, fetchInstruction, forcedCpuid } from './priv-op';
import { emulatePtWrite } from './ptwr';
import { PvKind } from '../trace/record-kinds';

const NO_EXITS: ExitControls = {
  hltExiting: false, cr3Load: false, cr3Store: false, invlpg: false, pageFault: false, rdtsc: false, rdpmc: false,
  descriptorTable: false, movDr: false, pauseExiting: false, monitorMwait: false, cr8Load: false, cr8Store: false,
  nmiExiting: false, virtualNmis: false, nmiWindowExiting: false, cr0Mask: 0, cr4Mask: 0,
  msrExits: () => false, ioExits: () => false, exceptionBitmap: 0,
};

/** Xen's scheduler tick (10 ms of virtual time), in instruction ticks. */
const HOST_TICK = 1_000_000;

/** The CPU reports no VT-x exits in PV mode: there is no VMCS, only the hypervisor's own records. */
const NO_SINK: ExitSink = { controls: NO_EXITS, exit: () => false };

export interface PvHypervisorOptions {
  privileged?: PrivilegedPolicy;
}

export class PvHypervisor {
  readonly domain: PvDomain;
  readonly platform: Platform;

  constructor(private readonly cpu: Cpu, mem: PhysicalMemory, private readonly pc: Platform,
    serialOut: (b: number) => void, opts: PvHypervisorOptions = {}) {
    this.domain = new PvDomain(cpu, mem, serialOut);
    Object.assign(this.domain.services, pvGrantMapper(this.domain));
    this.domain.options.privileged = opts.privileged ?? 'xen';
    this.platform = this.makePlatform();
  }

  /** Take over the CPU's hooks (call after the Machine has wired its own). */
  attach(): void {
    const cpu = this.cpu;
    cpu.sink = NO_SINK;
    cpu.controls = NO_EXITS;
    cpu.platform = this.platform;
    cpu.intercept = (vector, code, kind) => this.intercept(vector, code, kind);
    cpu.syscallHook = () => this.syscall();
  }

  get stats() { return this.domain.log.stats; }

  /** Build the domain from a PV boot plan (from loadPvImage). */
  load(plan: BootPlan): DomainLayout {
    if (!plan.pv) throw new Error(`PV mode needs a Xen PV kernel (ELF with Xen notes or __xen_guest); this image is: ${plan.description}`);
    this.domain.reset();
    this.domain.hostTickAt = HOST_TICK;
    const width = plan.pv.width ?? 32;
    this.domain.width = width;
    this.domain.access.width = width;
    return buildDomain(this.domain, plan.pv);
  }

  takeStop(): PvStop | null { return this.domain.takeStop(); }

  state(): PvStateView { return this.domain.state(); }

  /**
   * SYSCALL from a 64-bit guest: from its kernel a hypercall, from its user space a bounce
   * to the kernel's syscall callback. RCX and R11 are what the instruction leaves in them.
   */
  private syscall(): boolean {
    const d = this.domain, cpu = this.cpu;
    if (d.width !== 64) return false;
    if (d.dead || d.layout === null) return true;
    cpu.regs[1] = cpu.eip; cpu.regsHi[1] = cpu.ripHi;
    cpu.regs[11] = cpu.getFlags() & ~0x10000; cpu.regsHi[11] = 0;
    if (d.v64.kernelMode) hypercall(d, 2);
    else userSyscall64(d);
    return true;
  }

  private bounce(vector: number, code: number): void {
    if (this.domain.width === 64) bounceException64(this.domain, vector, code);
    else this.domain.bounceException(vector, code);
  }

  private intercept(vector: number, code: number, kind: DeliveryKind): boolean {
    const d = this.domain, cpu = this.cpu;
    if (d.dead || d.layout === null) return true;
    if (d.width === 64) return this.intercept64(vector, code, kind);
    if (kind === 'external') {
      if (vector === UPCALL_VECTOR) d.deliverUpcall();
      return true;
    }
    if (kind === 'software') {
      if (vector === 0x82 && cpu.cpl <= 1) { hypercall(d); return true; }
      // INT3 and INTO go to the guest's handler whatever its DPL (Xen's own gates for them are DPL 3).
      if (vector === 3 || vector === 4) d.bounceException(vector, -1);
      else d.softInterrupt(vector);
      return true;
    }
    if (vector === 8) { d.crash(`double fault at ${cpu.segSel[1].toString(16)}:${(cpu.eip >>> 0).toString(16)}`); return true; }
    // Xen's forced-emulation CPUID works from user code too (user-space detection tools use it).
    if (vector === UD) {
      const e = forcedCpuid(d);
      if (e) { this.emulated(e.length, e.name, e.opcode); return true; }
    }
    // From user code too: CLI/STI and port I/O under a virtual IOPL that allows them.
    if (vector === GP && code === 0 && d.options.privileged === 'xen') {
      const e = emulatePrivileged(d);
      if (e && 'raise' in e) { this.bounce(e.raise, -1); return true; }
      if (e) { this.emulated(e.length, e.name, e.opcode); return true; }
    }
    if (cpu.cpl === 1 && vector === PF && (code & 3) === 3) {
      const len = emulatePtWrite(d);
      if (len > 0) { this.emulated(len, 'ptwr', 0x0e00); return true; }
    }
    d.bounceException(vector, code);
    return true;
  }

  /** The same for a 64-bit guest: no int 0x82 (hypercalls are SYSCALLs), the kernel in ring 3. */
  private intercept64(vector: number, code: number, kind: DeliveryKind): boolean {
    const d = this.domain, cpu = this.cpu;
    if (kind === 'external') {
      if (vector === UPCALL_VECTOR) deliverUpcall64(d);
      return true;
    }
    if (kind === 'software') {
      if (vector === 3 || vector === 4) bounceException64(d, vector, -1);
      else softInterrupt64(d, vector);
      return true;
    }
    if (vector === 8) { d.crash(`double fault at 0x${(cpu.eip >>> 0).toString(16)}`); return true; }
    if (vector === UD) {
      const e = forcedCpuid(d);
      if (e) { this.emulated(e.length, e.name, e.opcode); return true; }
    }
    // SYSENTER from a user process reaches Xen's sysenter entry (our SYSENTER_CS is 0: #GP(0)).
    if (vector === GP && code === 0 && !d.v64.kernelMode && isSysenter(fetchInstruction(d))) { userSysenter64(d); return true; }
    // A ring-3 kernel's privileged instructions, and CLI/STI/I/O under a virtual IOPL.
    if (vector === GP && code === 0 && d.options.privileged === 'xen') {
      const e = emulatePrivileged(d);
      if (e && 'raise' in e) { bounceException64(d, e.raise, -1); return true; }
      if (e) { this.emulated(e.length, e.name, e.opcode); return true; }
    }
    if (d.v64.kernelMode && vector === PF && (code & 3) === 3) {
      const len = emulatePtWrite(d);
      if (len > 0) { this.emulated(len, 'ptwr', 0x0e00); return true; }
    }
    bounceException64(d, vector, code);
    return true;
  }

  private emulated(length: number, name: string, opcode: number): void {
    const d = this.domain, cpu = this.cpu;
    d.recordAt(PvKind.PRIV_OP, opcode, `emulate:${name}`, d.log.costs.privilegedOp, 0);
    if (cpu.long64) setRip64(d, rip64(d) + length);
    else { cpu.eip = (cpu.eip + length) | 0; cpu.invalidateFetch(); }
  }

  private makePlatform(): Platform {
    const pc = this.pc, d = this.domain, cpu = this.cpu;
    return {
      portIn: (port: number, size: AccessSize) => pc.portIn(port, size),
      portOut: (port: number, size: AccessSize, v: number) => pc.portOut(port, size, v),
      portOwner: (port: number) => pc.portOwner(port),
      get mmio() { return pc.mmio; },
      pendingVector: () => (d.upcallDeliverable() ? UPCALL_VECTOR : -1),
      acknowledge: () => (d.upcallDeliverable() ? UPCALL_VECTOR : -1),
      // Besides the guest's timers, the hypervisor's own scheduler tick: Xen looks for pending,
      // unmasked events on every return to the guest, so an event the guest unmasked with a
      // plain store is delivered by the next tick at the latest. A blocked vCPU needs no tick.
      nextDeadline: () => Math.min(d.nextTimer(), d.blocked || d.dead ? Infinity : d.hostTickAt),
      tick: () => {
        if (cpu.ticks >= d.hostTickAt) d.hostTickAt = (Math.floor(cpu.ticks / HOST_TICK) + 1) * HOST_TICK;
        d.fireTimers();
      },
      takeRequest: (): PlatformRequest | null => null,
      get a20() { return true; },
      get unassigned() { return pc.unassigned; },
      serialInput: (bytes: Uint8Array) => d.console.feed(bytes),
      vgaText: () => pc.vgaText(),
      reset: () => pc.reset(),
      // Machine.snapshot() keeps the platform's state: in PV mode that is the hypervisor's.
      saveState: () => d.saveState(),
      loadState: (st: unknown) => d.loadState(st),
    };
  }
}

/** 0F 34, after any prefixes a 32-bit process might put before it. */
function isSysenter(b: number[]): boolean {
  let i = 0;
  while (i < 4 && (b[i] === 0x66 || b[i] === 0x67 || b[i] === 0xf2 || b[i] === 0xf3 || b[i] === 0x2e || b[i] === 0x3e || b[i] === 0x26 || b[i] === 0x36 || b[i] === 0x64 || b[i] === 0x65)) i++;
  return b[i] === 0x0f && b[i + 1] === 0x34;
}
