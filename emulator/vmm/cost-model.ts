// The cost model: estimated cycles for guest instructions and for each VM exit. Counts are
// exact; these numbers are a model. Every default and its rationale is in COST-MODEL.md;
// keep the two in step.

import { MachineOptionError } from '../option-error';
import { EXIT_REASONS, EXIT_REASON_LIMIT, ExitReason, exitReasonNumber } from '../isa/exit-reasons';

export interface CostModel {
  version: 1;
  /** Cycles per retired guest instruction (simple integer kernel code runs near 1 IPC). */
  cyclesPerInstruction: number;
  /** Hardware VM exit + VM entry (state save/restore through the VMCS), paid by every exit. */
  exitRoundTrip: number;
  /** Extra when the exit is forwarded to a device model in host user space (KVM_RUN returns to the VMM). */
  userspaceRoundTrip: number;
  /** Work of the hypervisor's handler, by exit reason name (in-kernel part only). */
  handlerCycles: Record<string, number>;
  /** Handler cycles for reasons not in handlerCycles. */
  defaultHandlerCycles: number;
  /** Costs that depend on the qualification: 'CR3_LOAD' (shadow CR3 switch), 'PAGE_FAULT' (shadow #PF). */
  specialCycles: { CR3_LOAD: number; PAGE_FAULT: number };
  /** Handler names emulated inside the hypervisor; any other device name is a user-space device model. */
  inKernelHandlers: string[];
  /**
   * Memory, not cycles: whether the EPT maps a 2 MiB range that is wholly guest RAM with one
   * large-page entry (no level-1 table), as a hypervisor whose p2m was populated with
   * superpages does. Off: every touched page has a 4 KiB entry.
   */
  eptLargePages: boolean;
}

export type CostModelOverrides = Partial<Omit<CostModel, 'handlerCycles' | 'specialCycles'>> & {
  handlerCycles?: Record<string, number>;
  specialCycles?: Partial<CostModel['specialCycles']>;
};

export const DEFAULT_COST_MODEL: Readonly<CostModel> = Object.freeze({
  version: 1,
  cyclesPerInstruction: 1,
  exitRoundTrip: 1200,
  userspaceRoundTrip: 6000,
  handlerCycles: {
    EXCEPTION_NMI: 400,
    EXTERNAL_INTERRUPT: 300,
    TRIPLE_FAULT: 0,
    INTERRUPT_WINDOW: 150,
    NMI_WINDOW: 150,
    TASK_SWITCH: 3000,
    CPUID: 100,
    HLT: 300,
    INVD: 100,
    INVLPG: 800,
    RDPMC: 300,
    RDTSC: 60,
    VMCALL: 200,
    CR_ACCESS: 400,
    DR_ACCESS: 150,
    IO_INSTRUCTION: 300,
    RDMSR: 150,
    WRMSR: 250,
    MWAIT: 200,
    MONITOR: 150,
    PAUSE: 200,
    APIC_ACCESS: 800,
    GDTR_IDTR_ACCESS: 600,
    LDTR_TR_ACCESS: 600,
    EPT_VIOLATION: 1500,
    EPT_MISCONFIG: 700,
    RDTSCP: 80,
    WBINVD: 100,
    XSETBV: 200,
  },
  defaultHandlerCycles: 300,
  specialCycles: { CR3_LOAD: 3000, PAGE_FAULT: 2500 },
  inKernelHandlers: ['hypervisor', 'kvm', 'pic', 'pit', 'local-apic', 'apic', 'lapic', 'io-apic', 'ioapic', 'i8259', 'i8254'],
  eptLargePages: false,
});

export class CostModelError extends MachineOptionError {
  override name = 'CostModelError';
  constructor(message: string) { super('exitControls', message); }
}

const TOP_KEYS = ['version', 'cyclesPerInstruction', 'exitRoundTrip', 'userspaceRoundTrip', 'handlerCycles',
  'defaultHandlerCycles', 'specialCycles', 'inKernelHandlers', 'eptLargePages'];

function cycles(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new CostModelError(`cost model: ${where} must be a non-negative number of cycles`);
  }
  return value;
}

/** The default model with `overrides` applied; unknown keys and bad values throw CostModelError. */
export function resolveCostModel(overrides?: CostModelOverrides | unknown): CostModel {
  const base = DEFAULT_COST_MODEL;
  const m: CostModel = {
    version: 1,
    cyclesPerInstruction: base.cyclesPerInstruction,
    exitRoundTrip: base.exitRoundTrip,
    userspaceRoundTrip: base.userspaceRoundTrip,
    handlerCycles: { ...base.handlerCycles },
    defaultHandlerCycles: base.defaultHandlerCycles,
    specialCycles: { ...base.specialCycles },
    inKernelHandlers: [...base.inKernelHandlers],
    eptLargePages: base.eptLargePages,
  };
  if (overrides === undefined || overrides === null) return m;
  if (typeof overrides !== 'object' || Array.isArray(overrides)) throw new CostModelError('cost model: expected a JSON object');
  const o = overrides as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!TOP_KEYS.includes(k)) throw new CostModelError(`cost model: unknown key '${k}' (known: ${TOP_KEYS.join(', ')})`);
  }
  if (o.version !== undefined && o.version !== 1) throw new CostModelError('cost model: only version 1 is understood');
  if (o.cyclesPerInstruction !== undefined) m.cyclesPerInstruction = cycles(o.cyclesPerInstruction, 'cyclesPerInstruction');
  if (o.exitRoundTrip !== undefined) m.exitRoundTrip = cycles(o.exitRoundTrip, 'exitRoundTrip');
  if (o.userspaceRoundTrip !== undefined) m.userspaceRoundTrip = cycles(o.userspaceRoundTrip, 'userspaceRoundTrip');
  if (o.defaultHandlerCycles !== undefined) m.defaultHandlerCycles = cycles(o.defaultHandlerCycles, 'defaultHandlerCycles');
  if (o.handlerCycles !== undefined) {
    if (typeof o.handlerCycles !== 'object' || o.handlerCycles === null) throw new CostModelError('cost model: handlerCycles must be an object');
    for (const [name, v] of Object.entries(o.handlerCycles as Record<string, unknown>)) {
      const reason = exitReasonNumber(name);
      if (reason === undefined || !EXIT_REASONS.some((r) => r.reason === reason)) {
        throw new CostModelError(`cost model: handlerCycles names unknown exit reason '${name}'`);
      }
      m.handlerCycles[EXIT_REASONS.find((r) => r.reason === reason)!.name] = cycles(v, `handlerCycles.${name}`);
    }
  }
  if (o.specialCycles !== undefined) {
    if (typeof o.specialCycles !== 'object' || o.specialCycles === null) throw new CostModelError('cost model: specialCycles must be an object');
    for (const [name, v] of Object.entries(o.specialCycles as Record<string, unknown>)) {
      if (name !== 'CR3_LOAD' && name !== 'PAGE_FAULT') throw new CostModelError(`cost model: unknown specialCycles key '${name}'`);
      m.specialCycles[name] = cycles(v, `specialCycles.${name}`);
    }
  }
  if (o.inKernelHandlers !== undefined) {
    if (!Array.isArray(o.inKernelHandlers) || !o.inKernelHandlers.every((x) => typeof x === 'string')) {
      throw new CostModelError('cost model: inKernelHandlers must be an array of handler names');
    }
    m.inKernelHandlers = [...(o.inKernelHandlers as string[])];
  }
  if (o.eptLargePages !== undefined) {
    if (typeof o.eptLargePages !== 'boolean') throw new CostModelError('cost model: eptLargePages must be true or false');
    m.eptLargePages = o.eptLargePages;
  }
  return m;
}

/**
 * The model flattened for the exit path: cycles indexed by reason, one table for in-kernel
 * handlers and one for exits forwarded to user space. Index EXIT_REASON_LIMIT is "other".
 */
export class CostTable {
  readonly kernel = new Float64Array(EXIT_REASON_LIMIT + 1);
  readonly user = new Float64Array(EXIT_REASON_LIMIT + 1);
  readonly cr3Load: number;
  readonly pageFault: number;
  readonly perInstruction: number;
  private readonly inKernel: Set<string>;

  constructor(readonly model: CostModel) {
    for (let r = 0; r <= EXIT_REASON_LIMIT; r++) {
      const name = EXIT_REASONS.find((x) => x.reason === r)?.name;
      const handler = name !== undefined && model.handlerCycles[name] !== undefined ? model.handlerCycles[name]! : model.defaultHandlerCycles;
      this.kernel[r] = model.exitRoundTrip + handler;
      this.user[r] = model.exitRoundTrip + handler + model.userspaceRoundTrip;
    }
    // A triple fault ends the VM: the hardware exit is paid, nothing is re-entered.
    this.kernel[ExitReason.TRIPLE_FAULT] = this.user[ExitReason.TRIPLE_FAULT] = model.exitRoundTrip + (model.handlerCycles.TRIPLE_FAULT ?? 0);
    this.cr3Load = model.exitRoundTrip + model.specialCycles.CR3_LOAD;
    this.pageFault = model.exitRoundTrip + model.specialCycles.PAGE_FAULT;
    this.perInstruction = model.cyclesPerInstruction;
    this.inKernel = new Set(model.inKernelHandlers.map((h) => h.toLowerCase()));
  }

  /** Whether a handler name runs in the hypervisor (true) or in a user-space device model. */
  isInKernel(handler: string): boolean {
    const h = handler.toLowerCase();
    if (this.inKernel.has(h)) return true;
    // Names like 'pic-master' or 'pit0' belong to their family.
    for (const k of this.inKernel) if (h.startsWith(k + '-') || h.startsWith(k + ':')) return true;
    return false;
  }
}
