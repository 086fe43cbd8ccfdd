// The HVM hypervisor model: the ExitSink the CPU calls where VT-x would exit. It records the
// exit in the ring buffer with its estimated cost, answers KVM hypercalls, and tells the
// machine to stop when a debugger's filter matches.

import type { ExitContext, ExitControls, ExitExtra, ExitSink } from '../cpu';
import type { ExitControlsSpec } from './controls';
import type { ExitRecord, ExitStats } from '../trace/exit-record';
import { createExitControls } from './controls';
import { CostTable, resolveCostModel, type CostModel, type CostModelOverrides } from './cost-model';
import { ExitLog, DEFAULT_EXIT_LOG_CAPACITY, type ExitLogSnapshot } from '../trace/exit-log';
import { ExitReason } from '../isa/exit-reasons';
import { handleKvmHypercall, type KvmHooks } from './kvm-hypercalls';

export interface HvmVmmOptions {
  /** Ring buffer size in records (default 65536). */
  capacity?: number;
  /** Cost model overrides (a JSON object; see COST-MODEL.md). */
  costs?: CostModelOverrides;
  /** The CPU's retired-instruction count, for guestCycles (otherwise the icount of the last exit). */
  icount?: () => number;
  /** Hooks for KVM hypercalls that reach devices. */
  kvm?: KvmHooks;
  /**
   * Who answers VMCALL. Absent: KVM's ABI (kvm-hypercalls.ts). Given: the exit is recorded with
   * this handler's name, then `run` executes the call (Xen's ABI for PVH) and may append its
   * own records through record(); its return value asks the machine to stop, as a filter does.
   */
  vmcall?: { readonly name: string; run(ctx: ExitContext): boolean };
}

export interface HvmVmm extends ExitSink {
  readonly controls: ExitControls;
  readonly stats: ExitStats;
  readonly log: ExitLog;
  readonly costModel: CostModel;
  /** exit() returns true (stop the machine) for records the filter accepts; null removes it. */
  setFilter(filter: ((r: ExitRecord) => boolean) | null): void;
  /** Replace the cost model (applies to exits from now on). */
  setCostModel(overrides?: CostModelOverrides): void;
  /** Supply the CPU's instruction counter after construction. */
  setInstructionCounter(icount: () => number): void;
  /**
   * Append a record that is not a VM exit (a hypercall the VMCALL handler executed, an event
   * it delivered) to this log, costed by the caller; true when the filter wants a stop.
   */
  record(kind: number, qualification: number, handler: string, ctx: ExitContext, cycles: number, extra?: ExitExtra): boolean;
  /** Forget all exits and counters (controls and cost model stay). */
  reset(): void;
  /** Counters and log position, for Machine.snapshot(); cheap (two small typed-array copies). */
  snapshot(): unknown;
  restore(snapshot: unknown): void;
}

// Local copies: imported bindings can cost a property read per use under some loaders.
const VMCALL = ExitReason.VMCALL, CPUID = ExitReason.CPUID, CR_ACCESS = ExitReason.CR_ACCESS, EXCEPTION_NMI = ExitReason.EXCEPTION_NMI;

export function createHvmVmm(spec?: ExitControlsSpec, options: HvmVmmOptions = {}): HvmVmm {
  const controls = createExitControls(spec);
  const log = new ExitLog(options.capacity ?? DEFAULT_EXIT_LOG_CAPACITY);
  // Options win over the spec; the spec is how the Machine passes a model through unchanged.
  let costModel = resolveCostModel(options.costs ?? spec?.costModel);
  let table = new CostTable(costModel);
  let icount = options.icount;
  let lastIcount = 0;
  let filter: ((r: ExitRecord) => boolean) | null = null;
  let lastHandler = '', lastHid = 0;
  // Per handler id: 1 in-kernel, 2 user space, 0 not yet classified. Rebuilt with the model.
  let handlerClass = new Uint8Array(256);

  function classify(id: number, handler: string): number {
    if (id >= handlerClass.length) {
      const grown = new Uint8Array(Math.max(id + 1, handlerClass.length * 2));
      grown.set(handlerClass);
      handlerClass = grown;
    }
    let c = handlerClass[id]!;
    if (c === 0) {
      c = table.isInKernel(handler) ? 1 : 2;
      handlerClass[id] = c;
    }
    return c;
  }

  function costOf(reason: number, qualification: number, inKernel: boolean, extra: ExitExtra | undefined): number {
    if (reason === CR_ACCESS && (qualification & 0x3f) === 3) return table.cr3Load; // MOV to CR3
    if (reason === EXCEPTION_NMI && extra !== undefined && extra.vector === 14) return table.pageFault;
    const r = reason >= 0 && reason < table.kernel.length - 1 ? reason : table.kernel.length - 1;
    return inKernel ? table.kernel[r]! : table.user[r]!;
  }

  const stats: ExitStats = {
    get total() { return log.total; },
    get byReason() { return log.countsByName(); },
    get cyclesByReason() { return log.cyclesByName(); },
    get guestCycles() { return (icount ? icount() : lastIcount) * table.perInstruction; },
    recent: (count: number) => log.recent(count),
    page: (from: number, count: number, f?: (r: ExitRecord) => boolean) => log.page(from, count, f),
  };

  return {
    controls,
    stats,
    log,
    get costModel() { return costModel; },

    exit(reason: number, qualification: number, handler: string, ctx: ExitContext, extra?: ExitExtra): boolean {
      // Exits come in runs from one device: skip the map lookup when the name repeats.
      let hid: number;
      if (handler === lastHandler) hid = lastHid;
      else { hid = log.intern(handler); lastHandler = handler; lastHid = hid; }
      let inKernel = classify(hid, handler) === 1;
      let vmcallNr = -1;
      const vmcall = reason === VMCALL ? options.vmcall : undefined;
      if (reason === VMCALL) {
        vmcallNr = ctx.regs[0]! >>> 0;
        const name = vmcall ? vmcall.name : 'kvm';
        if (!vmcall) handleKvmHypercall(ctx.regs, ctx.cpl, options.kvm, ctx.regsHi, ctx.long64 === true);
        if (handler !== name) { hid = log.intern(name); inKernel = classify(hid, name) === 1; }
      }
      lastIcount = ctx.icount;
      const cost = costOf(reason, qualification >>> 0, inKernel, extra);
      const seq = log.append(reason, qualification >>> 0, hid, ctx.instrEip >>> 0, ctx.cs, ctx.cpl,
        ctx, ctx.icount, cost, extra, ctx.codeSize32 === false, (ctx.ripHi ?? 0) >>> 0, ctx.long64 === true);
      if (vmcallNr >= 0 && (extra === undefined || extra.value === undefined)) log.setLastValue(vmcallNr);
      // CPUID's leaf is EAX at the exit; keep it for reports when the CPU did not pass it.
      else if (reason === CPUID && (extra === undefined || extra.value === undefined)) log.setLastValue(ctx.regs[0]! >>> 0);
      let stop = false;
      if (filter !== null) {
        const rec = log.at(seq);
        stop = rec !== undefined && filter(rec) === true;
      }
      if (vmcall !== undefined && vmcall.run(ctx)) stop = true;
      return stop;
    },

    record(kind, qualification, handler, ctx, cycles, extra) {
      const seq = log.append(kind, qualification >>> 0, log.intern(handler), ctx.instrEip >>> 0, ctx.cs, ctx.cpl,
        ctx, ctx.icount, cycles, extra, ctx.codeSize32 === false, (ctx.ripHi ?? 0) >>> 0, ctx.long64 === true);
      if (filter === null) return false;
      const rec = log.at(seq);
      return rec !== undefined && filter(rec) === true;
    },

    setFilter(f) { filter = f; },
    setCostModel(overrides) {
      costModel = resolveCostModel(overrides);
      table = new CostTable(costModel);
      handlerClass.fill(0);
    },
    setInstructionCounter(fn) { icount = fn; },
    reset() { log.clear(); lastIcount = 0; lastHandler = ''; },
    snapshot() { return { log: log.snapshot(), lastIcount }; },
    restore(snap) {
      const s = snap as { log: ExitLogSnapshot; lastIcount: number };
      log.restore(s.log);
      lastIcount = s.lastIcount;
    },
  };
}

export { createExitControls, ExitControlsError, PRESETS } from './controls';
export { resolveCostModel, DEFAULT_COST_MODEL, CostModelError } from './cost-model';
export type { CostModel, CostModelOverrides } from './cost-model';
export { EXIT_REASONS, ExitReason, exitReasonName, exitReasonNumber } from '../isa/exit-reasons';
export { describeExit } from '../trace/describe-exit';
export { handleKvmHypercall, KvmHypercall, KVM_ENOSYS } from './kvm-hypercalls';
