// The PVH hypervisor as the Machine sees it: an HVM container (the VT-x model of
// emulator/vmm records every VM exit with Intel's reasons) whose hypervisor is Xen. It answers
// CPUID with Xen's leaves, the hypercall-page MSR by writing VMCALL stubs, and VMCALL by
// running the Xen hypercall (recorded as the VMCALL exit, reason 18, then as a HYPERCALL
// record like a PV domain's); it stands in for the PC platform with a local APIC and nothing
// else.

import type { Cpu, ExitContext } from '../cpu';
import type { PhysicalMemory } from '../memory/physical-memory';
import type { BootPlan } from '../loader/boot-plan';
import type { HvmVmm } from '../vmm';
import type { ExitRecord, ExitStats } from '../trace/exit-record';
import { PV_RECORD_BASE, PV_RECORD_KINDS, PV_RECORD_KIND_COUNT, PvKind, isPvRecord, pvKindName } from '../trace/record-kinds';
import { HYPERCALL_LIMIT, hypercallByNumber, hypercallName } from '../pv/hypercall-table';
import { DEFAULT_PV_COSTS } from '../pv/pv-costs';
import { ENOSYS, EPERM, EFAULT } from '../pv/abi';
import type { PvStateView, PvStop } from '../pv/domain';
import { PvhDomain } from './domain';
import { PvhPlatform } from './platform';
import { PVH_HANDLERS } from './hypercalls';
import { RegisterArgs } from '../pv/hypercall-args';
import { GuestFault } from '../pv/guest-access';
import { xenCpuid, MSR_XEN_HYPERCALL_PAGE } from './xen-cpuid';
import { hypercallPageBytes } from './hypercall-page';
import { INSTRUCTION_NS } from '../clock';
import { ExitReason } from '../isa/exit-reasons';

const EXTERNAL_INTERRUPT = ExitReason.EXTERNAL_INTERRUPT;

const PAGE = 4096;

export class PvhHypervisor {
  readonly domain: PvhDomain;
  readonly platform: PvhPlatform;
  private vmm: HvmVmm | null = null;
  private readonly kindCounts = new Float64Array(PV_RECORD_KIND_COUNT);
  private readonly kindCycles = new Float64Array(PV_RECORD_KIND_COUNT);
  private readonly hcCounts = new Float64Array(HYPERCALL_LIMIT + 1);
  private readonly hcCycles = new Float64Array(HYPERCALL_LIMIT + 1);
  private readonly hcErrors = new Float64Array(HYPERCALL_LIMIT + 1);
  private statsView: (ExitStats & { hypercalls: Record<string, number>; hypercallCycles: Record<string, number>; hypercallErrors: Record<string, number> }) | null = null;
  /** What the VMM calls for VMCALL: Xen's hypercall ABI instead of KVM's. */
  readonly vmcall = { name: 'xen', run: (ctx: ExitContext): boolean => this.hypercall(ctx) };

  constructor(private readonly cpu: Cpu, private readonly mem: PhysicalMemory, serialOut: (b: number) => void) {
    this.domain = new PvhDomain(cpu, mem, serialOut);
    const d = this.domain;
    this.platform = new PvhPlatform(() => cpu.ticks, {
      nextTimer: () => (d.loaded ? d.xen.nextTimer() : Infinity),
      fireTimers: () => { if (d.loaded) d.xen.fireDueTimers(cpu.ticks); },
      // HVM_PARAM_CALLBACK_IRQ's vector is injected while upcall_pending is set, unless the
      // vCPU has its own upcall vector (which goes through the local APIC instead).
      callbackVector: () => (d.upcallVector === 0 && d.callbackVector >= 0 && d.upcallPending ? d.callbackVector : -1),
      blocked: () => d.blocked,
      consoleInput: (bytes) => d.console.feed(bytes),
      takeRequest: () => null,
      save: () => ({ domain: d.save(), counters: this.saveCounters() }),
      load: (s) => { const x = s as { domain: unknown; counters: unknown }; d.load(x.domain); this.loadCounters(x.counters); },
    });
  }

  /**
   * hvm_assert_evtchn_irq: with a per-vCPU upcall vector, an event that became deliverable is
   * an edge at that vector in the local APIC (the guest EOIs it); the callback vector needs
   * nothing here (the platform offers it while upcall_pending is set).
   */
  private injectUpcall(): void {
    const d = this.domain;
    if (d.upcallVector !== 0 && d.upcallPending) this.platform.apic.deliver(d.upcallVector, false);
  }

  /** The vector event channels reach the vCPU at: its own upcall vector, else the domain's callback vector. */
  private isUpcallVector(vector: number): boolean {
    const d = this.domain;
    return d.upcallVector !== 0 ? vector === d.upcallVector : vector === d.callbackVector;
  }

  /** Take the CPU's exit sink: the VMM's exits, with Xen's CPUID leaves and MSRs beside them. */
  attach(vmm: HvmVmm): void {
    this.vmm = vmm;
    const cpu = this.cpu, d = this.domain;
    d.onUpcall = () => this.injectUpcall();
    d.shadowPaging = () => vmm.controls.cr3Load;
    d.onEventRoute = () => { this.injectUpcall(); cpu.irqPoll = true; cpu.attn = true; };
    cpu.sink = {
      controls: vmm.controls,
      exit: (reason, qualification, handler, ctx, extra) => {
        const stop = vmm.exit(reason, qualification, handler, ctx, extra);
        // The CPU takes the event channels' interrupt: Xen's upcall into the guest, recorded
        // as a PV domain's is (after the exit, at the interrupted instruction) so the
        // debugger's upcall filter and the exit profile see PVH's upcalls too.
        if (reason === EXTERNAL_INTERRUPT && extra?.vector !== undefined && this.isUpcallVector(extra.vector)) {
          return this.record(PvKind.EVENT_UPCALL, extra.vector, 'event-callback', ctx, DEFAULT_PV_COSTS.eventUpcall, { vector: extra.vector }) || stop;
        }
        return stop;
      },
      cpuid: (leaf, subleaf, regs) => xenCpuid(leaf, subleaf, regs, { domid: d.domid, vcpu: 0 }),
      readMsr: (msr) => {
        if (msr === MSR_XEN_HYPERCALL_PAGE) return [0, 0];               // write-only: reads as zero
        if (msr > MSR_XEN_HYPERCALL_PAGE && msr <= 0x400001ff) return null; // Xen's range, nothing else there
        return undefined;
      },
      writeMsr: (msr, lo, hi) => {
        if (msr === MSR_XEN_HYPERCALL_PAGE) return this.writeHypercallPage(lo, hi);
        if (msr > MSR_XEN_HYPERCALL_PAGE && msr <= 0x400001ff) return false;
        return undefined;
      },
    };
    // Xen's HVM I/O bitmap (hvm_enable, as in 4.17) intercepts every port but the PC debug
    // ports 0x80 and 0xed, which go to the hardware without an exit (I/O delays); everything
    // else exits and, with no device behind it in a PVH domain, reads all ones.
    vmm.controls.ioExits = (port: number) => port !== 0x80 && port !== 0xed;
    cpu.controls = vmm.controls;
  }

  /** guest_wrmsr_xen: the page index (low 12 bits) must be 0 and the frame the domain's RAM. */
  private writeHypercallPage(lo: number, hi: number): boolean {
    if ((lo & (PAGE - 1)) !== 0) return false;
    const gpa = hi * 0x100000000 + (lo >>> 0);
    if (gpa + PAGE > this.mem.ramBytes) return false;
    this.mem.u8.set(hypercallPageBytes(), gpa);
    this.mem.markWritten(gpa, PAGE);
    this.mem.onCodeWrite?.(gpa, PAGE);
    return true;
  }

  load(plan: BootPlan): void {
    if (!plan.pvh) throw new Error(`PVH mode needs a PVH kernel (an ELF with XEN_ELFNOTE_PHYS32_ENTRY); this image is: ${plan.description}`);
    this.domain.reset(plan.pvh);
    this.kindCounts.fill(0); this.kindCycles.fill(0); this.hcCounts.fill(0); this.hcCycles.fill(0); this.hcErrors.fill(0);
  }

  takeStop(): PvStop | null { return this.domain.takeStop(); }

  /**
   * The PV state views' picture of this domain: event channels, upcall flags, blocking, and
   * memory. A PVH guest has no trap table, callbacks or kernel stack at the hypervisor (its IDT
   * and stacks are its own), and Xen validates none of its page tables (EPT translates them).
   */
  state(): PvStateView {
    const d = this.domain, loaded = d.loaded !== null;
    const lay = d.loaded?.layout;
    return {
      upcallPending: loaded && d.events.upcallPending,
      upcallMask: loaded && d.events.upcallMask,
      eventChannels: loaded ? d.events.bound() : [],
      timers: timersOf(d),
      trapTable: [],
      callbacks: { event: { cs: 0, eip: 0 }, failsafe: { cs: 0, eip: 0 } },
      kernelStack: { ss: 0, esp: 0 },
      blocked: d.blocked,
      iopl: 0,
      memory: {
        domainFrames: lay ? lay.xenBase / PAGE : 0,
        // shared_info until the guest places it (then it is one of the guest's frames) and the grant frames.
        hypervisorFrames: lay ? [d.sharedPa, ...d.xen.grants.sharedPas.slice(0, d.xen.grants.nrFrames)].filter((pa) => pa >= lay.xenBase).length : 0,
        pageTables: { l1: 0, l2: 0, l3: 0, pinned: 0 },
        descriptorPages: 0,
        grantFrames: loaded ? d.xen.grants.nrFrames : 0,
      },
    };
  }

  /** A VMCALL: Xen's hvm_hypercall. Returns true when a filter wants the machine to stop. */
  private hypercall(ctx: ExitContext): boolean {
    const cpu = this.cpu, d = this.domain;
    // Xen reads the arguments by the caller's mode: RDI, RSI, RDX, R10, R8 from 64-bit code,
    // EBX, ECX, EDX, ESI, EDI otherwise; in 64-bit mode all of RAX is the number.
    const args = new RegisterArgs(cpu, cpu.long64 ? 64 : 32);
    const nr = args.width === 64 && cpu.regsHi[0] !== 0 ? -1 : cpu.regs[0]! >>> 0;
    d.callerWidth = args.width;
    let rc: number | bigint;
    // Xen refuses hypercalls from guest user space (CPL > 0) with -EPERM, before the number.
    if (cpu.protectedMode && cpu.cpl !== 0) rc = -EPERM;
    else {
      const row = nr >= 0 ? hypercallByNumber(nr) : undefined;
      const handler = row ? PVH_HANDLERS[row.name] : null;
      d.inHypercall = true;
      try {
        rc = handler ? handler(d, args) : -ENOSYS;
      } catch (e) {
        if (!(e instanceof GuestFault)) throw e;
        rc = -EFAULT;
      } finally {
        d.inHypercall = false;
      }
    }
    args.setResult(rc);
    d.updateTime();
    const known = nr >= 0 && hypercallByNumber(nr) !== undefined;
    const name = known ? hypercallName(nr) : `unknown:${nr}`;
    const cycles = DEFAULT_PV_COSTS.handler[name] ?? DEFAULT_PV_COSTS.defaultHandler;
    const failed = typeof rc === 'bigint' ? rc < 0n : rc < 0;
    const slot = known ? nr : HYPERCALL_LIMIT;
    this.hcCounts[slot]++; this.hcCycles[slot] += cycles; if (failed) this.hcErrors[slot]++;
    const v = BigInt.asUintN(64, BigInt(rc));
    return this.record(PvKind.HYPERCALL, nr >>> 0, name, ctx, cycles,
      { value: Number(v & 0xffffffffn), ...(args.width === 64 ? { valueHi: Number(v >> 32n) } : {}) });
  }

  private record(kind: number, qualification: number, handler: string, ctx: ExitContext, cycles: number, extra?: { value?: number; valueHi?: number; vector?: number }): boolean {
    this.kindCounts[kind - PV_RECORD_BASE]++;
    this.kindCycles[kind - PV_RECORD_BASE] += cycles;
    return this.vmm ? this.vmm.record(kind, qualification, handler, ctx, cycles, extra) : false;
  }

  /** The VMM's exit counters with the hypercall records counted by kind and by hypercall, as PV's are. */
  get stats(): ExitStats & { hypercalls: Record<string, number>; hypercallCycles: Record<string, number>; hypercallErrors: Record<string, number> } {
    if (this.statsView) return this.statsView;
    const vmm = this.vmm!, self = this;
    const merge = (hvm: Record<string, number>, kinds: Float64Array): Record<string, number> => {
      const out = { ...hvm };
      // The log counts reasons beyond Intel's table as OTHER: those are these records.
      let pv = 0;
      for (let i = 0; i < PV_RECORD_KIND_COUNT; i++) if (self.kindCounts[i]) { out[PV_RECORD_KINDS[i]!.name] = kinds[i]!; pv += kinds[i]!; }
      if (out.OTHER !== undefined) { out.OTHER -= pv; if (out.OTHER <= 0) delete out.OTHER; }
      return out;
    };
    const byHc = (a: Float64Array): Record<string, number> => {
      const out: Record<string, number> = {};
      for (let i = 0; i <= HYPERCALL_LIMIT; i++) if (self.hcCounts[i]) out[i === HYPERCALL_LIMIT ? 'unknown' : hypercallName(i)] = a[i]!;
      return out;
    };
    this.statsView = {
      get total() { return vmm.stats.total; },
      get byReason() { return merge(vmm.stats.byReason, self.kindCounts); },
      get cyclesByReason() { return merge(vmm.stats.cyclesByReason, self.kindCycles); },
      get guestCycles() { return vmm.stats.guestCycles; },
      get hypercalls() { return byHc(self.hcCounts); },
      get hypercallCycles() { return byHc(self.hcCycles); },
      get hypercallErrors() { return byHc(self.hcErrors); },
      recent: (n: number) => vmm.stats.recent(n).map(named),
      page: (from: number, count: number, f?: (r: ExitRecord) => boolean) => vmm.stats.page(from, count, f ? (r) => f(named(r)) : undefined).map(named),
    };
    return this.statsView;
  }

  private saveCounters(): unknown {
    return { k: this.kindCounts.slice(), kc: this.kindCycles.slice(), h: this.hcCounts.slice(), hc: this.hcCycles.slice(), he: this.hcErrors.slice() };
  }

  private loadCounters(s: unknown): void {
    const x = s as { k: Float64Array; kc: Float64Array; h: Float64Array; hc: Float64Array; he: Float64Array };
    this.kindCounts.set(x.k); this.kindCycles.set(x.kc); this.hcCounts.set(x.h); this.hcCycles.set(x.hc); this.hcErrors.set(x.he);
  }
}

/** The vCPU's timers as the state view shows them, in nanoseconds of system time. */
function timersOf(d: PvhDomain): PvStateView['timers'] {
  const v = d.xen.vcpu, ns = (t: number) => (Number.isFinite(t) ? t * INSTRUCTION_NS : null);
  return { systemTimeNs: d.systemTimeNs(), singleshotNs: ns(v.singleshotAt), periodicNs: v.periodicNs || null, nextPeriodicNs: ns(v.periodicAt) };
}

function named(r: ExitRecord): ExitRecord {
  if (isPvRecord(r.reason)) r.reasonName = pvKindName(r.reason);
  return r;
}
