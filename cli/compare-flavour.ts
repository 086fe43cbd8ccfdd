// One flavour of `paravirt compare`: a kernel run in one mode (HVM, PV or PVH) to its end or
// to a marker in its console output, and what the run cost: instructions, hypervisor entries
// by kind, hypercalls by name, estimated cycles in guest and hypervisor, the hypervisor
// surface it reached, and the memory the hypervisor held for it. Everything comes from the
// run; cycles are the cost model's estimates.

import { createMachine, planImage } from './engine';
import { loadPvImage } from '../emulator/pv/pv-image';
import { loadPvh, type KernelImage } from '../emulator/loader';
import type { BootPlan, ExitRecord, MachineApi, StopReason } from '../emulator/machine';
import { ExitReason, exitReasonName } from '../emulator/isa/exit-reasons';
import { decodeIo } from '../emulator/isa/exit-qualification';
import { PvKind, PV_RECORD_BASE } from '../emulator/trace/record-kinds';
import { CliError } from './errors';
import { eptFootprint } from '../emulator/vmm/ept-footprint';
import { resolveCostModel } from '../emulator/vmm/cost-model';
import type { FlavourMode, FlavourResult } from './comparison';

export interface FlavourOptions {
  memory: number;
  cmdline?: string;
  /** Linux: the initial RAM disk, given to every flavour. */
  initrd?: Uint8Array;
  maxInstructions: number;
  exitControls: 'ept' | 'shadow-paging';
  pvPrivileged: 'xen' | 'strict';
  /** Cost-model overrides (emulator/vmm/COST-MODEL.md), for every flavour's VM exits. */
  costModel?: Record<string, unknown>;
  /** End each run at the first hypervisor entry after its console output contains this text. */
  untilOutput?: string;
}

export const FLAVOUR_LABEL: Record<FlavourMode, string> = { hvm: 'HVM', pv: 'PV', pvh: 'PVH' };

/** The boot plan of `image` for a mode, as `paravirt run --mode` builds it. */
export function planFlavour(mode: FlavourMode, image: KernelImage, kernelPath: string, o: FlavourOptions): BootPlan {
  try {
    if (mode === 'pv') return loadPvImage(image, { ramBytes: o.memory * 1024 * 1024, cmdline: o.cmdline, initrd: o.initrd });
    if (mode === 'pvh') return loadPvh(image, { ramBytes: o.memory * 1024 * 1024, cmdline: o.cmdline, initrd: o.initrd });
    return planImage(image, kernelPath, { memoryMiB: o.memory, cmdline: o.cmdline, format: 'auto', initrd: o.initrd });
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`bad ${FLAVOUR_LABEL[mode]} image '${kernelPath}': ${(e as Error).message}`);
  }
}

const hex = (v: number) => '0x' + (v >>> 0).toString(16);

/** What a run reached of the hypervisor, gathered as its exits happen (no record is kept). */
class Surface {
  readonly reasons = new Set<string>();
  readonly devices = new Set<string>();
  readonly ports = new Set<string>();
  readonly msrs = new Set<string>();
  readonly mmio = new Set<string>();
  readonly hypercalls = new Set<string>();
  readonly emulations = new Set<string>();
  readonly traps = new Set<string>();

  add(r: ExitRecord): void {
    if (r.reason >= PV_RECORD_BASE) {
      if (r.reason === PvKind.HYPERCALL) this.hypercalls.add(r.handler);
      else if (r.reason === PvKind.PRIV_OP) this.emulations.add(r.handler.replace(/^emulate:/, ''));
      else if (r.reason === PvKind.TRAP_BOUNCE && r.vector !== undefined) this.traps.add(`vector ${r.vector}`);
      return;
    }
    this.reasons.add(r.reasonName || exitReasonName(r.reason));
    // The hypervisor itself (a PVH VMCALL is handled by Xen, an HVM one by KVM) is no device model.
    if (r.handler !== 'hypervisor' && r.handler !== 'kvm' && r.handler !== 'xen') this.devices.add(r.handler);
    if (r.reason === ExitReason.IO_INSTRUCTION) this.ports.add(`${hex(decodeIo(r.qualification).port)} (${r.handler})`);
    if ((r.reason === ExitReason.RDMSR || r.reason === ExitReason.WRMSR) && r.msr !== undefined) this.msrs.add(hex(r.msr));
    if (r.reason === ExitReason.EPT_VIOLATION) this.mmio.add(`${r.handler}${r.gpa !== undefined ? ' @ 0x' + (Math.floor(r.gpa / 4096) * 4096).toString(16) : ''}`);
  }

  /** HVM's keys, PV's keys, or both for PVH (VM exits and hypercalls alike). */
  view(mode: FlavourMode, m: MachineApi): Record<string, string[]> {
    const sorted = (s: Set<string>) => [...s].sort();
    const vmx = { 'exit reasons handled': sorted(this.reasons), 'device models': sorted(this.devices), 'I/O ports': sorted(this.ports), MSRs: sorted(this.msrs), 'MMIO pages': sorted(this.mmio) };
    const st = m.pvState?.() ?? null;
    const pv = {
      hypercalls: sorted(this.hypercalls),
      'privileged-op emulations': sorted(this.emulations),
      'trap bounces': sorted(this.traps),
      'event channels': (st?.eventChannels ?? []).map((c) => `port ${c.port} ${c.kind}${c.virq !== undefined ? ' virq ' + c.virq : ''}${c.backend ? ' (' + c.backend + ')' : ''}`),
    };
    if (mode === 'hvm') return vmx;
    if (mode === 'pv') return pv;
    return { ...vmx, hypercalls: pv.hypercalls, 'event channels': pv['event channels'] };
  }
}

/** Run the machine until it stops by itself, the marker shows, or the budget is used. */
function runToStop(m: MachineApi, budget: number, marked: () => boolean): StopReason | { kind: 'output'; detail: string } {
  while (m.icount < budget) {
    const stop = m.run(Math.min(10_000_000, budget - m.icount));
    if (marked()) return { kind: 'output', detail: 'the marker was printed' };
    if (stop.kind !== 'budget' && stop.kind !== 'filter') return stop;
  }
  return { kind: 'budget' };
}

export function runFlavour(mode: FlavourMode, kernel: string, plan: BootPlan, o: FlavourOptions): FlavourResult {
  let serial = '';
  const marker = o.untilOutput;
  const last = marker ? marker.charCodeAt(marker.length - 1) : -1;
  // The run ends once the line holding the marker is complete: a UART prints it a byte per exit
  // and a console ring a line per hypercall, so the line's end is the point every flavour shares.
  let printed = false, reached = false;
  const out = (b: number) => {
    serial += String.fromCharCode(b);
    if (!printed && b === last && serial.endsWith(marker!)) printed = true;
    if (printed && !reached && (b === 10 || b === 13)) reached = true;
  };
  let m: MachineApi;
  try {
    m = createMachine({
      mode, memoryMiB: o.memory, serialOut: out, pvPrivileged: o.pvPrivileged,
      // Xen's console and the domain's ring alike: the marker may come through either.
      hypervisorConsole: { mode: 'serial' },
      exitControls: { preset: o.exitControls, costModel: o.costModel },
    });
  } catch (e) {
    throw new CliError(`cannot create a ${FLAVOUR_LABEL[mode]} machine: ${(e as Error).message}`);
  }
  try { m.load(plan); } catch (e) { throw new CliError(`cannot load '${kernel}' in ${FLAVOUR_LABEL[mode]} mode: ${(e as Error).message}`); }
  const surface = new Surface();
  // Stops at the first hypervisor entry once the marker is out: the same point for every run of this kernel.
  m.setExitFilter((r) => { surface.add(r); return reached; });
  const stop = runToStop(m, o.maxInstructions, () => reached);
  const st = m.exits;
  let hv = 0;
  for (const v of Object.values(st.cyclesByReason)) hv += v;
  const guest = st.guestCycles;
  const resources = hypervisorMemory(mode, m, o);
  resources['hypervisor time (% of est. cycles)'] = guest + hv > 0 ? Number(((100 * hv) / (guest + hv)).toFixed(2)) : 0;
  const detail = 'detail' in stop ? stop.detail : 'reason' in stop ? (stop as { reason: string }).reason : undefined;
  return {
    kernel, mode,
    stop: { kind: stop.kind, ...(detail !== undefined ? { detail } : {}), ...('code' in stop ? { code: stop.code } : {}) },
    instructions: m.icount,
    serial,
    exits: { total: st.total, byReason: st.byReason, cyclesByReason: st.cyclesByReason },
    hypercalls: st.hypercalls ?? {},
    hypercallErrors: st.hypercallErrors ?? {},
    cycles: { guest, hypervisor: hv, total: guest + hv },
    surface: surface.view(mode, m),
    resources,
    ...(marker !== undefined ? { until: { output: marker, reached } } : {}),
  };
}

/** Guest page-table pages reachable from CR3 at the end (what shadow paging would mirror), 2-, 3- or 4-level. */
export function guestTablePages(m: MachineApi): number {
  const r = m.getRegisters();
  if (!(r.cr0 & 0x80000000)) return 0;
  const ram = m.readPhysical.bind(m);
  const u32 = (pa: number) => { const b = ram(pa, 4); return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0; };
  // An entry's frame (bits 51:12; our guests' RAM is below 4 GiB, so the low word holds it).
  const frame = (pa: number) => (u32(pa) & ~0xfff) >>> 0;
  const present = (pa: number) => (u32(pa) & 1) !== 0;
  const large = (pa: number) => (u32(pa) & 0x80) !== 0;
  if (!(r.cr4 & 0x20)) {
    let n = 1;
    for (let j = 0; j < 1024; j++) { const pa = (r.cr3 & ~0xfff) + j * 4; if (present(pa) && !(large(pa) && (r.cr4 & 0x10))) n++; }
    return n;
  }
  const long = (m as { cpu?: { long64?: boolean; efer?: number } }).cpu;
  const lma = long?.efer !== undefined ? (long.efer & 0x400) !== 0 : false;
  if (!lma) {
    let n = 1;
    for (let i = 0; i < 4; i++) {
      const e = (r.cr3 & ~31) + i * 8;
      if (!present(e)) continue;
      n++;
      for (let j = 0; j < 512; j++) { const d = frame(e) + j * 8; if (present(d) && !large(d)) n++; }
    }
    return n;
  }
  // 4-level: count each table once (kernels share lower levels between PML4 slots).
  const seen = new Set<number>();
  const walk = (table: number, level: number) => {
    if (seen.has(table)) return;
    seen.add(table);
    if (level === 1) return;
    for (let j = 0; j < 512; j++) {
      const e = table + j * 8;
      if (!present(e) || (level < 4 && large(e))) continue;
      walk(frame(e), level - 1);
    }
  };
  walk((r.cr3 & ~0xfff) >>> 0, 4);
  return seen.size;
}

/**
 * The memory the hypervisor held for the guest, from the run: EPT tables for the
 * guest-physical pages the run reached (emulator/vmm/ept-footprint.ts), or shadows of the
 * guest's tables; VMCS and bitmaps; for PV the frames Xen validated as page tables (at the
 * end and at the peak: Xen's own paging structures for a PV guest are those frames, with no
 * shadow) and the frames it keeps (M2P, shared_info, GDT, grant frames).
 */
function hypervisorMemory(mode: FlavourMode, m: MachineApi, o: FlavourOptions): Record<string, number> {
  const guestTables = guestTablePages(m);
  if (mode === 'pv') {
    const mem = m.pvState?.()?.memory;
    const levels = mem ? Object.entries(mem.pageTables).filter(([k]) => /^l\d$/.test(k)).reduce((a, [, v]) => a + v, 0) : 0;
    return {
      // The guest's own frames, typed and validated by Xen: the only paging structures a PV domain has.
      'hypervisor paging structures (bytes)': 0,
      'hypervisor frames: M2P, shared_info, GDT, grant (bytes)': (mem?.hypervisorFrames ?? 0) * 4096,
      'grant-table frames the guest set up (bytes)': (m.pvState?.()?.pages?.grantFrames.length ?? 0) * 4096,
      'guest page-table pages': levels,
      'validated page tables at the end (bytes)': levels * 4096,
      'validated page tables at the peak (bytes)': Math.max(levels, mem?.peakPageTables ?? 0) * 4096,
      'validated page tables (pinned)': mem?.pageTables.pinned ?? 0,
    };
  }
  const r: Record<string, number> = {};
  if (mode === 'pvh' || o.exitControls === 'ept') {
    const reached = m.reachedMemory?.();
    if (!reached) throw new CliError(`the ${FLAVOUR_LABEL[mode]} machine cannot say which guest-physical pages it reached`);
    const ept = eptFootprint(reached.pages, resolveCostModel(o.costModel).eptLargePages, reached.wholeRam);
    r['hypervisor paging structures (bytes)'] = ept.bytes;
    r['guest-physical pages reached (EPT-mapped)'] = ept.pages;
    r['EPT tables (PML4 + PDPT + PD + PT)'] = ept.tables.pml4 + ept.tables.pdpt + ept.tables.pd + ept.tables.pt;
    r['EPT PTs (4 KiB entries)'] = ept.tables.pt;
    r['EPT 2 MiB large pages'] = ept.largePages;
  } else {
    // Shadow paging: one shadow per guest table reachable from CR3 at the end.
    r['hypervisor paging structures (bytes)'] = guestTables * 4096;
  }
  r['VMCS, I/O and MSR bitmaps (bytes)'] = 4096 + 8192 + 4096;
  r['guest page-table pages'] = guestTables;
  if (mode === 'pvh') {
    const mem = m.pvState?.()?.memory;
    r['hypervisor frames: shared_info, grant (bytes)'] = (mem?.hypervisorFrames ?? 0) * 4096;
    r['grant-table frames the guest set up (bytes)'] = (mem?.grantFrames ?? 0) * 4096;
  }
  return r;
}

export { PvKind };
