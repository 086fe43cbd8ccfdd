// `paravirt compare <hvm-kernel> <pv-kernel>`: run the same work natively (HVM, VT-x exits)
// and paravirtualized (PV, Xen's interface), then show side by side what each cost, measured
// on this kernel: performance (exits, estimated cycles), compatibility (the privileged and
// sensitive instructions the HVM flavour executed, which a PV kernel must replace),
// security (the hypervisor surface each flavour reached) and resource use (hypervisor-side
// memory and time). Counts are exact; cycles are the cost model's estimates.

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { Machine } from '../emulator/machine';
import { loadImage, multibootCommandLine, readImage } from '../emulator/loader';
import { loadPvImage } from '../emulator/pv/pv-image';
import type { BootPlan, ExitRecord, StopReason } from '../emulator/machine';
import { decodeInfo } from '../emulator/isa';
import { classify } from '../emulator/isa/lookup';
import { ExitReason, exitReasonName } from '../emulator/isa/exit-reasons';
import { decodeIo } from '../emulator/isa/exit-qualification';
import { PvKind } from '../emulator/trace/record-kinds';
import { CliError } from './errors';
import { STATUS_INTERNAL, STATUS_OK } from './exit-status';
import { DEFAULT_MEMORY_MIB, parseCmdline, parseCount, parseMemory } from './options';
import { renderReport } from './report-html';
import type { Comparison, CompatSite, FlavourResult } from './comparison';

const AUDIT_STEP_LIMIT = 10_000_000;

interface CompareOptions {
  memory: number;
  cmdline?: string;
  maxInstructions: number;
  exitControls: 'ept' | 'shadow-paging';
  pvPrivileged: 'xen' | 'strict';
  json?: boolean;
  report?: string;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('run a kernel natively (HVM) and paravirtualized (PV) and compare what each cost')
    .argument('<hvm-kernel>', 'the HVM flavour (Multiboot or ELF)')
    .argument('<pv-kernel>', 'the PV flavour (ELF with Xen notes)')
    .addOption(new Option('--memory <MiB>', 'guest RAM in MiB for both').argParser(parseMemory).default(DEFAULT_MEMORY_MIB))
    .addOption(new Option('--cmdline <text>', 'kernel command line for both').argParser(parseCmdline))
    .addOption(new Option('--max-instructions <n>', 'instruction budget per flavour').argParser(parseCount).default(200_000_000, '200M'))
    .addOption(new Option('--exit-controls <preset>', 'HVM exit controls').choices(['ept', 'shadow-paging']).default('ept'))
    .addOption(new Option('--pv-privileged <policy>', 'PV privileged-instruction policy').choices(['xen', 'strict']).default('xen'))
    .addOption(new Option('--json', 'print the comparison as one JSON object instead of a table'))
    .addOption(new Option('--report <file.html>', 'also write a self-contained HTML report with charts'))
    .action((hvm: string, pv: string, o: CompareOptions) => { process.exitCode = compareCommand(hvm, pv, o); });
}

function readKernel(path: string): Uint8Array {
  try {
    if (!statSync(path).isFile()) throw new CliError(`kernel '${path}' is not a file`);
    const b = new Uint8Array(readFileSync(path));
    if (b.length === 0) throw new CliError(`kernel '${path}' is empty`);
    return b;
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `kernel '${path}' not found` : `cannot read kernel '${path}': ${code ?? (e as Error).message}`);
  }
}

export function compareCommand(hvmPath: string, pvPath: string, o: CompareOptions): number {
  try {
    const c = compareKernels(hvmPath, pvPath, o);
    if (o.json) process.stdout.write(JSON.stringify(c) + '\n');
    else process.stdout.write(formatComparison(c));
    if (o.report) {
      try { writeFileSync(o.report, renderReport(c)); }
      catch (e) { throw new CliError(`cannot write the report '${o.report}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
      if (!o.json) process.stdout.write(`report written to ${o.report}\n`);
    }
    return STATUS_OK;
  } catch (e) {
    if (e instanceof CliError) { process.stderr.write(`paravirt: ${e.message}\n`); return e.exitStatus; }
    process.stderr.write(`paravirt: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return STATUS_INTERNAL;
  }
}

export function compareKernels(hvmPath: string, pvPath: string, o: CompareOptions): Comparison {
  const hvmImage = readImage(readKernel(hvmPath)), pvImage = readImage(readKernel(pvPath));
  const ram = o.memory * 1024 * 1024;
  let hvmPlan: BootPlan, pvPlan: BootPlan;
  try { hvmPlan = loadImage(hvmImage, { ramBytes: ram, cmdline: multibootCommandLine(hvmPath, o.cmdline) }); }
  catch (e) { throw new CliError(`bad HVM image '${hvmPath}': ${(e as Error).message}`); }
  try { pvPlan = loadPvImage(pvImage, { ramBytes: ram, cmdline: o.cmdline }); }
  catch (e) { throw new CliError(`bad PV image '${pvPath}': ${(e as Error).message}`); }
  const hvm = runFlavour('hvm', hvmPath, hvmPlan, o);
  const pv = runFlavour('pv', pvPath, pvPlan, o);
  const compatibility = auditHvm(hvmPlan, o);
  return {
    hvm, pv, sameOutput: hvm.serial === pv.serial, compatibility,
    costNote: 'instruction and exit counts are exact; cycles are estimates from the cost models (emulator/vmm/COST-MODEL.md, emulator/pv/pv-costs.ts)',
  };
}

function newMachine(mode: 'hvm' | 'pv', o: CompareOptions, out: (b: number) => void): Machine {
  return new Machine({ mode, memoryMiB: o.memory, exitControls: { preset: o.exitControls }, pvPrivileged: o.pvPrivileged, serialOut: out });
}

function runToStop(m: Machine, budget: number): StopReason {
  let stop: StopReason = { kind: 'budget' };
  while (m.icount < budget) {
    stop = m.run(Math.min(10_000_000, budget - m.icount));
    if (stop.kind !== 'budget' && stop.kind !== 'filter') return stop;
  }
  return { kind: 'budget' };
}

function runFlavour(mode: 'hvm' | 'pv', kernel: string, plan: BootPlan, o: CompareOptions): FlavourResult {
  let serial = '';
  const m = newMachine(mode, o, (b) => { serial += String.fromCharCode(b); });
  try { m.load(plan); } catch (e) { throw new CliError(`cannot load '${kernel}' in ${mode} mode: ${(e as Error).message}`); }
  const records: ExitRecord[] = [];
  m.setExitFilter((r) => { if (records.length < 1_000_000) records.push(r); return false; });
  const stop = runToStop(m, o.maxInstructions);
  const st = m.exits;
  let hv = 0;
  for (const v of Object.values(st.cyclesByReason)) hv += v;
  const guest = st.guestCycles;
  const resources = mode === 'hvm' ? hvmResources(m, o) : pvResources(m);
  resources['hypervisor time (% of est. cycles)'] = guest + hv > 0 ? Number(((100 * hv) / (guest + hv)).toFixed(2)) : 0;
  const detail = 'detail' in stop ? stop.detail : 'reason' in stop ? stop.reason : undefined;
  return {
    kernel, mode,
    stop: { kind: stop.kind, ...(detail !== undefined ? { detail } : {}), ...('code' in stop ? { code: stop.code } : {}) },
    instructions: m.icount,
    serial,
    exits: { total: st.total, byReason: st.byReason, cyclesByReason: st.cyclesByReason },
    hypercalls: st.hypercalls ?? {},
    hypercallErrors: st.hypercallErrors ?? {},
    cycles: { guest, hypervisor: hv, total: guest + hv },
    surface: mode === 'hvm' ? hvmSurface(records) : pvSurface(m, records),
    resources,
  };
}

const hex = (v: number) => '0x' + (v >>> 0).toString(16);

function hvmSurface(records: ExitRecord[]): Record<string, string[]> {
  const devices = new Set<string>(), ports = new Set<string>(), msrs = new Set<string>(), mmio = new Set<string>(), reasons = new Set<string>();
  for (const r of records) {
    reasons.add(r.reasonName || exitReasonName(r.reason));
    if (r.handler !== 'hypervisor' && r.handler !== 'kvm') devices.add(r.handler);
    if (r.reason === ExitReason.IO_INSTRUCTION) ports.add(`${hex(decodeIo(r.qualification).port)} (${r.handler})`);
    if ((r.reason === ExitReason.RDMSR || r.reason === ExitReason.WRMSR) && r.msr !== undefined) msrs.add(hex(r.msr));
    if (r.reason === ExitReason.EPT_VIOLATION) mmio.add(`${r.handler}${r.gpa !== undefined ? ' @ ' + hex(r.gpa & ~0xfff) : ''}`);
  }
  return { 'exit reasons handled': [...reasons].sort(), 'device models': [...devices].sort(), 'I/O ports': [...ports].sort(), MSRs: [...msrs].sort(), 'MMIO pages': [...mmio].sort() };
}

function pvSurface(m: Machine, records: ExitRecord[]): Record<string, string[]> {
  const hcs = new Set<string>(), emul = new Set<string>(), traps = new Set<string>();
  for (const r of records) {
    if (r.reason === PvKind.HYPERCALL) hcs.add(r.handler);
    else if (r.reason === PvKind.PRIV_OP) emul.add(r.handler.replace(/^emulate:/, ''));
    else if (r.reason === PvKind.TRAP_BOUNCE && r.vector !== undefined) traps.add(`vector ${r.vector}`);
  }
  const st = m.pvState();
  return {
    hypercalls: [...hcs].sort(),
    'privileged-op emulations': [...emul].sort(),
    'trap bounces': [...traps].sort(),
    'event channels': (st?.eventChannels ?? []).map((c) => `port ${c.port} ${c.kind}${c.virq !== undefined ? ' virq ' + c.virq : ''}${c.backend ? ' (' + c.backend + ')' : ''}`),
  };
}

/** Guest page-table pages reachable from CR3 at the end (what shadow paging would mirror). */
function guestTablePages(m: Machine): number {
  const r = m.getRegisters();
  if (!(r.cr0 & 0x80000000)) return 0;
  const rd = (pa: number) => { const b = m.readPhysical(pa, 4); return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0; };
  let n = 1;
  if (r.cr4 & 0x20) {
    for (let i = 0; i < 4; i++) {
      const e = rd((r.cr3 & ~31) + i * 8);
      if (!(e & 1)) continue;
      n++;
      for (let j = 0; j < 512; j++) { const d = rd((e & ~0xfff) + j * 8); if ((d & 1) && !(d & 0x80)) n++; }
    }
  } else {
    for (let j = 0; j < 1024; j++) { const d = rd((r.cr3 & ~0xfff) + j * 4); if ((d & 1) && !((d & 0x80) && (r.cr4 & 0x10))) n++; }
  }
  return n;
}

function hvmResources(m: Machine, o: CompareOptions): Record<string, number> {
  const pages = (o.memory * 1024 * 1024) / 4096;
  const pt = Math.ceil(pages / 512), pd = Math.ceil(pt / 512);
  const guestTables = guestTablePages(m);
  // EPT: 4-level tables mapping all of guest RAM; shadow paging: one shadow per guest table.
  const pagingBytes = o.exitControls === 'ept' ? (pt + pd + 2) * 4096 : guestTables * 4096;
  return {
    'hypervisor paging structures (bytes)': pagingBytes,
    'VMCS, I/O and MSR bitmaps (bytes)': 4096 + 8192 + 4096,
    'guest page-table pages': guestTables,
  };
}

function pvResources(m: Machine): Record<string, number> {
  const st = m.pvState();
  const mem = st?.memory;
  const pt = mem ? mem.pageTables.l1 + mem.pageTables.l2 + mem.pageTables.l3 : 0;
  return {
    'hypervisor paging structures (bytes)': 0,
    'hypervisor frames: M2P, shared_info, GDT, grant (bytes)': (mem?.hypervisorFrames ?? 0) * 4096,
    'guest page-table pages': pt,
    'validated page tables (pinned)': mem?.pageTables.pinned ?? 0,
  };
}

// ---- compatibility: every privileged or sensitive instruction the HVM flavour executed ----

const SEGS = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];

function operands(b: Uint8Array): string[] {
  let i = 0;
  while (i < b.length && [0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65].includes(b[i])) i++;
  const op = b[i], op2 = b[i + 1], reg = ((b[i + 2] ?? 0) >> 3) & 7;
  if (op === 0x0f && op2 === 0x20) return ['eax', `cr${reg}`];
  if (op === 0x0f && op2 === 0x22) return [`cr${reg}`, 'eax'];
  if (op === 0x0f && op2 === 0x21) return ['eax', `dr${reg}`];
  if (op === 0x0f && op2 === 0x23) return [`dr${reg}`, 'eax'];
  if (op === 0x8c) return ['eax', SEGS[((b[i + 1] ?? 0) >> 3) & 7] ?? 'es'];
  if (op === 0x8e) return [SEGS[((b[i + 1] ?? 0) >> 3) & 7] ?? 'es', 'eax'];
  if (op === 0x0e) return ['cs'];
  if (op === 0x16) return ['ss'];
  return [];
}

function auditHvm(plan: BootPlan, o: CompareOptions): Comparison['compatibility'] {
  const m = newMachine('hvm', o, () => {});
  m.load(plan);
  const limit = Math.min(o.maxInstructions, AUDIT_STEP_LIMIT);
  const kinds = new Map<string, CompatSite>();
  const siteMaps = new Map<string, Map<number, number>>();
  const byAddress = (plan.symbols ?? []).filter((s) => s.address).sort((a, b) => a.address - b.address);
  const symbolAt = (eip: number) => {
    let lo = 0, hi = byAddress.length - 1, best: string | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (byAddress[mid].address <= eip) { best = `${byAddress[mid].name}+${hex(eip - byAddress[mid].address)}`; lo = mid + 1; } else hi = mid - 1;
    }
    return best;
  };
  const cache = new Map<number, string | null>();
  let steps = 0, complete = false;
  const cpu = m.cpu;
  while (m.icount < limit) {
    if (cpu.halted) {
      // Waiting for an interrupt: jump to the next device deadline instead of stepping idle ticks.
      const d = m.platform.nextDeadline();
      if (Number.isFinite(d) && d > cpu.ticks) cpu.idleTicks += d - cpu.ticks;
    }
    const lin = (cpu.segBase[1] + cpu.eip) >>> 0;
    let id = cache.get(lin);
    if (id === undefined) {
      const bytes = m.readLinear(lin, 15) ?? new Uint8Array(0);
      const info = bytes.length ? decodeInfo(bytes, cpu.long64 ? 64 : cpu.cs32 ? 32 : 16) : null;
      const e = info ? classify(info.mnemonic, operands(bytes)) : undefined;
      id = e && e.class !== 'exit-only' ? e.id : null;
      if (e && id && !kinds.has(id)) {
        kinds.set(id, { id, title: e.title, cls: e.class, count: 0, sites: [], replacement: e.pvReplacement });
        siteMaps.set(id, new Map());
      }
      cache.set(lin, id);
    }
    if (id) {
      kinds.get(id)!.count++;
      const sm = siteMaps.get(id)!;
      sm.set(lin, (sm.get(lin) ?? 0) + 1);
    }
    const r = m.step();
    if (r.kind !== 'step' && r.kind !== 'budget' && r.kind !== 'filter') { complete = true; break; }
  }
  steps = m.icount;
  for (const [id, k] of kinds) {
    k.sites = [...siteMaps.get(id)!].map(([eip, count]) => ({ eip, symbol: symbolAt(eip), count })).sort((a, b) => b.count - a.count);
  }
  return { instructions: steps, complete, kinds: [...kinds.values()].sort((a, b) => b.count - a.count) };
}

// ---- text -------------------------------------------------------------------------

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ratio = (a: number, b: number) => (a > 0 && b > 0 ? `${(a / b).toFixed(2)}x` : '-');

export function formatComparison(c: Comparison): string {
  const rows: Array<[string, string, string, string]> = [];
  const add = (name: string, a: number, b: number) => rows.push([name, int(a), int(b), ratio(a, b)]);
  const h = c.hvm, p = c.pv;
  add('instructions', h.instructions, p.instructions);
  add('exits / hypervisor entries', h.exits.total, p.exits.total);
  const reasons = [...new Set([...Object.keys(h.exits.byReason), ...Object.keys(p.exits.byReason)])];
  for (const r of reasons) add(`  ${r}`, h.exits.byReason[r] ?? 0, p.exits.byReason[r] ?? 0);
  for (const [n, v] of Object.entries(p.hypercalls).sort((x, y) => y[1] - x[1])) add(`  hypercall ${n}`, 0, v);
  add('est. cycles: guest', h.cycles.guest, p.cycles.guest);
  add('est. cycles: hypervisor', h.cycles.hypervisor, p.cycles.hypervisor);
  for (const r of reasons) add(`  cycles ${r}`, h.exits.cyclesByReason[r] ?? 0, p.exits.cyclesByReason[r] ?? 0);
  add('est. cycles: total', h.cycles.total, p.cycles.total);
  const w0 = Math.max(...rows.map((r) => r[0].length), 10);
  const w1 = Math.max(...rows.map((r) => r[1].length), 12), w2 = Math.max(...rows.map((r) => r[2].length), 12);
  const lines: string[] = [];
  lines.push(`--- paravirt compare: ${h.kernel} (HVM) vs ${p.kernel} (PV)`);
  lines.push(`stop:    HVM ${h.stop.kind}${h.stop.detail ? ' (' + h.stop.detail + ')' : ''}; PV ${p.stop.kind}${p.stop.detail ? ' (' + p.stop.detail + ')' : ''}`);
  lines.push(`output:  ${c.sameOutput ? 'identical serial output' : 'the two flavours printed different output'}`);
  lines.push('');
  lines.push('Performance');
  lines.push(`  ${'metric'.padEnd(w0)}  ${'HVM'.padStart(w1)}  ${'PV'.padStart(w2)}  HVM/PV`);
  for (const [a, b, d, e] of rows) lines.push(`  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${d.padStart(w2)}  ${e}`);
  lines.push(`  PV takes ${int(h.exits.total - p.exits.total)} fewer hypervisor entries (${ratio(h.exits.total, p.exits.total)}) and ${ratio(h.cycles.total, p.cycles.total)} fewer estimated cycles.`);
  lines.push('');
  lines.push(`Compatibility: privileged and sensitive instructions the HVM flavour executed (${int(c.compatibility.instructions)} instructions audited${c.compatibility.complete ? '' : ', stopped at the audit limit'})`);
  if (c.compatibility.kinds.length === 0) lines.push('  none');
  for (const k of c.compatibility.kinds) {
    lines.push(`  ${k.id} (${k.cls}): ${int(k.count)} executions at ${k.sites.length} site${k.sites.length === 1 ? '' : 's'}: ${k.sites.slice(0, 4).map((s) => s.symbol ?? hex(s.eip)).join(', ')}${k.sites.length > 4 ? ', ...' : ''}`);
    lines.push(`      PV: ${k.replacement}`);
  }
  lines.push('');
  lines.push('Security: hypervisor surface each flavour reached');
  for (const [k, v] of Object.entries(h.surface)) lines.push(`  HVM ${k} (${v.length}): ${v.join(', ') || '-'}`);
  for (const [k, v] of Object.entries(p.surface)) lines.push(`  PV  ${k} (${v.length}): ${v.join(', ') || '-'}`);
  lines.push('');
  lines.push('Resource use');
  const fmt = (k: string, v: number) => (k.startsWith('hypervisor time') ? `${v.toFixed(1)}%` : int(v));
  for (const [k, v] of Object.entries(h.resources)) lines.push(`  HVM ${k}: ${fmt(k, v)}`);
  for (const [k, v] of Object.entries(p.resources)) lines.push(`  PV  ${k}: ${fmt(k, v)}`);
  lines.push('');
  lines.push(`(${c.costNote})`);
  return lines.join('\n') + '\n';
}
