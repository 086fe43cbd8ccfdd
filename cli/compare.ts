// `paravirt compare`: run two or three flavours of one kernel (HVM: VT-x exits on a virtual
// PC; PV: Xen's paravirtual interface; PVH: Xen's HVM container without legacy devices) to
// their end or to a marker in their console output, then show side by side what each cost,
// measured on this kernel: performance (instructions, hypervisor entries by kind, hypercalls
// by name, estimated cycles in guest and hypervisor), compatibility (the privileged and
// sensitive instructions the HVM flavour executed, which a PV kernel must replace), security
// (the hypervisor surface each flavour reached) and resource use (the memory the hypervisor
// held). Counts are exact; cycles are the cost model's estimates.

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { readImage } from '../emulator/loader';
import { CliError } from './errors';
import { STATUS_INTERNAL, STATUS_OK } from './exit-status';
import { DEFAULT_MEMORY_MIB, parseCmdline, parseCostModelFile, parseCount, parseMemory } from './options';
import { renderReport } from './report-html';
import type { Comparison, FlavourMode, FlavourResult } from './comparison';
import { FLAVOUR_LABEL, planFlavour, runFlavour, type FlavourOptions } from './compare-flavour';
import { auditFlavour } from './compare-audit';

export interface CompareOptions {
  memory: number;
  cmdline?: string;
  /** A flavour's own command line, instead of `cmdline`. */
  hvmCmdline?: string;
  pvCmdline?: string;
  pvhCmdline?: string;
  /** A file name (the CLI reads it) or its bytes. */
  initrd?: string | Uint8Array;
  maxInstructions: number;
  exitControls: 'ept' | 'shadow-paging';
  pvPrivileged: 'xen' | 'strict';
  costModel?: Record<string, unknown>;
  untilOutput?: string;
  json?: boolean;
  report?: string;
  hvm?: string;
  pv?: string;
  pvh?: string;
}

const ORDER: readonly FlavourMode[] = ['hvm', 'pv', 'pvh'];

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('run two or three flavours of a kernel (HVM, PV, PVH) and compare what each cost')
    .argument('[kernels...]', 'the HVM flavour, then the PV flavour, then the PVH flavour (or name them with --hvm, --pv, --pvh)')
    .addOption(new Option('--hvm <kernel>', 'the HVM flavour (Multiboot, ELF or a Linux bzImage)'))
    .addOption(new Option('--pv <kernel>', 'the PV flavour (a kernel with Xen notes)'))
    .addOption(new Option('--pvh <kernel>', 'the PVH flavour (a kernel with XEN_ELFNOTE_PHYS32_ENTRY)'))
    .addOption(new Option('--memory <MiB>', 'guest RAM in MiB for every flavour').argParser(parseMemory).default(DEFAULT_MEMORY_MIB))
    .addOption(new Option('--cmdline <text>', 'kernel command line for every flavour').argParser(parseCmdline))
    .addOption(new Option('--hvm-cmdline <text>', 'the HVM flavour\'s command line instead of --cmdline (Linux: console=ttyS0)').argParser(parseCmdline))
    .addOption(new Option('--pv-cmdline <text>', 'the PV flavour\'s command line instead of --cmdline (Linux: console=hvc0)').argParser(parseCmdline))
    .addOption(new Option('--pvh-cmdline <text>', 'the PVH flavour\'s command line instead of --cmdline (Linux: console=hvc0)').argParser(parseCmdline))
    .addOption(new Option('--initrd <file>', 'Linux: the initial RAM disk, for every flavour'))
    .addOption(new Option('--until-output <text>', 'end each run at the first hypervisor entry after its console finished the line containing this text (e.g. PARAVIRT-INIT-REACHED)'))
    .addOption(new Option('--max-instructions <n>', 'instruction budget per flavour').argParser(parseCount).default(200_000_000, '200M'))
    .addOption(new Option('--exit-controls <preset>', 'HVM exit controls').choices(['ept', 'shadow-paging']).default('ept'))
    .addOption(new Option('--cost-model <file.json>', 'override cost-model entries (see emulator/vmm/COST-MODEL.md)').argParser(parseCostModelFile))
    .addOption(new Option('--pv-privileged <policy>', 'PV privileged-instruction policy').choices(['xen', 'strict']).default('xen'))
    .addOption(new Option('--json', 'print the comparison as one JSON object instead of a table'))
    .addOption(new Option('--report <file.html>', 'also write a self-contained HTML report with charts'))
    .action((kernels: string[], o: CompareOptions) => { process.exitCode = compareCommand(kernels, o); });
}

function readFile(path: string, what: string): Uint8Array {
  try {
    if (!statSync(path).isFile()) throw new CliError(`${what} '${path}' is not a file`);
    const b = new Uint8Array(readFileSync(path));
    if (b.length === 0) throw new CliError(`${what} '${path}' is empty`);
    return b;
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${what} '${path}' not found` : `cannot read ${what} '${path}': ${code ?? (e as Error).message}`);
  }
}

/** The flavours asked for: positional kernels in the order HVM, PV, PVH, and the named ones. */
export function flavoursOf(kernels: readonly string[], o: Pick<CompareOptions, 'hvm' | 'pv' | 'pvh'>): Array<{ mode: FlavourMode; kernel: string }> {
  if (kernels.length > 3) throw new CliError(`compare takes at most three kernels (HVM, PV, PVH), got ${kernels.length}`);
  const out: Array<{ mode: FlavourMode; kernel: string }> = [];
  ORDER.forEach((mode, i) => {
    const positional = kernels[i], named = o[mode];
    if (positional !== undefined && named !== undefined) throw new CliError(`the ${FLAVOUR_LABEL[mode]} flavour is given twice: '${positional}' and --${mode} '${named}'`);
    const k = positional ?? named;
    if (k !== undefined) out.push({ mode, kernel: k });
  });
  if (out.length < 2) throw new CliError('compare needs two or three flavours: give the HVM and PV kernels, or name them with --hvm, --pv and --pvh');
  return out;
}

export function compareCommand(kernels: string[], o: CompareOptions): number {
  try {
    const c = compareFlavours(flavoursOf(kernels, o), o);
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

/** HVM vs PV, as the command compared them before PVH: kept for its callers. */
export function compareKernels(hvmPath: string, pvPath: string, o: CompareOptions): Comparison & { hvm: FlavourResult; pv: FlavourResult } {
  const c = compareFlavours([{ mode: 'hvm', kernel: hvmPath }, { mode: 'pv', kernel: pvPath }], o);
  return { ...c, hvm: c.flavours[0], pv: c.flavours[1] };
}

export function compareFlavours(list: ReadonlyArray<{ mode: FlavourMode; kernel: string }>, o: CompareOptions): Comparison {
  if (o.untilOutput !== undefined && o.untilOutput.length === 0) throw new CliError('--until-output needs some text to wait for');
  const fo: FlavourOptions = {
    memory: o.memory, cmdline: o.cmdline, maxInstructions: o.maxInstructions, exitControls: o.exitControls, pvPrivileged: o.pvPrivileged,
    costModel: o.costModel, untilOutput: o.untilOutput,
    initrd: typeof o.initrd === 'string' ? readFile(o.initrd, 'initrd') : o.initrd,
  };
  // Plan every flavour before running any: a bad image fails at once, not after a long run.
  const images = new Map<string, ReturnType<typeof readImage>>();
  const planned = list.map(({ mode, kernel }) => {
    let image = images.get(kernel);
    if (!image) { image = readImage(readFile(kernel, 'kernel')); images.set(kernel, image); }
    const own = { hvm: o.hvmCmdline, pv: o.pvCmdline, pvh: o.pvhCmdline }[mode];
    const ffo = own !== undefined ? { ...fo, cmdline: own } : fo;
    return { mode, kernel, fo: ffo, plan: planFlavour(mode, image, kernel, ffo) };
  });
  const flavours: FlavourResult[] = planned.map(({ mode, kernel, plan, fo: ffo }) => runFlavour(mode, kernel, plan, ffo));
  const audited = planned.findIndex((f) => f.mode === 'hvm') >= 0 ? planned.findIndex((f) => f.mode === 'hvm') : planned.findIndex((f) => f.mode === 'pvh');
  // The audit steps the same run again, as far as that flavour went (to its marker with --until-output).
  const compatibility = audited >= 0
    ? auditFlavour(planned[audited].mode, planned[audited].plan, { ...planned[audited].fo, maxInstructions: Math.min(fo.maxInstructions, flavours[audited].instructions) })
    : { instructions: 0, complete: true, kinds: [] };
  // With a marker, the output that counts is the output up to it (a flavour may print its
  // last line in one piece, another byte by byte, and each stops at its next entry).
  const a = audited >= 0 ? flavours[audited] : undefined;
  if (a?.until?.reached && compatibility.instructions >= a.instructions) compatibility.complete = true;
  const upTo = (f: FlavourResult) => (o.untilOutput !== undefined && f.serial.includes(o.untilOutput) ? f.serial.slice(0, f.serial.indexOf(o.untilOutput) + o.untilOutput.length) : f.serial);
  const c: Comparison = {
    flavours, sameOutput: flavours.every((f) => upTo(f) === upTo(flavours[0])), compatibility,
    costNote: 'instruction and exit counts are exact; cycles are estimates from the cost models (emulator/vmm/COST-MODEL.md, emulator/pv/pv-costs.ts)',
  };
  for (const f of flavours) c[f.mode] = f;
  return c;
}

// ---- text -------------------------------------------------------------------------

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ratio = (a: number, b: number) => (a > 0 && b > 0 ? `${(a / b).toFixed(2)}x` : '-');
const hex = (v: number) => '0x' + v.toString(16);

export function formatComparison(c: Comparison): string {
  const fs = c.flavours;
  const names = fs.map((f) => FLAVOUR_LABEL[f.mode]);
  const first = fs[0];
  const rows: string[][] = [];
  // Each row: the metric, one column per flavour, then the first flavour over each other one.
  const add = (name: string, get: (f: FlavourResult) => number) => {
    const v = fs.map(get);
    rows.push([name, ...v.map(int), ...v.slice(1).map((x) => ratio(v[0], x))]);
  };
  const union = (get: (f: FlavourResult) => Record<string, number>) => [...new Set(fs.flatMap((f) => Object.keys(get(f))))];
  add('instructions', (f) => f.instructions);
  add('exits / hypervisor entries', (f) => f.exits.total);
  const reasons = union((f) => f.exits.byReason);
  for (const r of reasons) add(`  ${r}`, (f) => f.exits.byReason[r] ?? 0);
  const hcs = union((f) => f.hypercalls).sort((a, b) => fs.reduce((s, f) => s + (f.hypercalls[b] ?? 0), 0) - fs.reduce((s, f) => s + (f.hypercalls[a] ?? 0), 0));
  for (const n of hcs) add(`  hypercall ${n}`, (f) => f.hypercalls[n] ?? 0);
  add('est. cycles: guest', (f) => f.cycles.guest);
  add('est. cycles: hypervisor', (f) => f.cycles.hypervisor);
  for (const r of reasons) add(`  cycles ${r}`, (f) => f.exits.cyclesByReason[r] ?? 0);
  add('est. cycles: total', (f) => f.cycles.total);
  const head = ['metric', ...names, ...names.slice(1).map((n) => `${names[0]}/${n}`)];
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length), k === 0 ? 10 : 12));
  const line = (r: string[]) => '  ' + r.map((x, k) => (k === 0 ? x.padEnd(widths[k]) : x.padStart(widths[k]))).join('  ');
  const lines: string[] = [];
  lines.push(`--- paravirt compare: ${fs.map((f) => `${f.kernel} (${FLAVOUR_LABEL[f.mode]})`).join(' vs ')}`);
  lines.push(`stop:    ${fs.map((f) => `${FLAVOUR_LABEL[f.mode]} ${f.stop.kind}${f.stop.detail ? ' (' + f.stop.detail + ')' : ''}`).join('; ')}`);
  if (first.until) lines.push(`marker:  "${first.until.output}": ${fs.map((f) => `${FLAVOUR_LABEL[f.mode]} ${f.until?.reached ? 'reached' : 'NOT reached'}`).join(', ')}`);
  lines.push(`output:  ${c.sameOutput ? (fs.length > 2 ? 'identical console output from all three' : 'identical console output') : 'the flavours printed different output'}`);
  lines.push('');
  lines.push('Performance');
  lines.push(line(head));
  for (const r of rows) lines.push(line(r));
  for (const f of fs.slice(1)) {
    lines.push(`  ${FLAVOUR_LABEL[f.mode]} takes ${int(Math.abs(first.exits.total - f.exits.total))} ${first.exits.total >= f.exits.total ? 'fewer' : 'more'} hypervisor entries than ${FLAVOUR_LABEL[first.mode]} (${ratio(first.exits.total, f.exits.total)}) and ${ratio(first.cycles.total, f.cycles.total)} ${first.cycles.total >= f.cycles.total ? 'fewer' : 'more'} estimated cycles.`);
  }
  lines.push('');
  const audited = c.compatibility.flavour ? FLAVOUR_LABEL[c.compatibility.flavour] : 'HVM';
  lines.push(`Compatibility: privileged and sensitive instructions the ${audited} flavour executed (${int(c.compatibility.instructions)} instructions audited${c.compatibility.complete ? '' : ', stopped at the audit limit'})`);
  if (c.compatibility.kinds.length === 0) lines.push('  none');
  for (const k of c.compatibility.kinds) {
    lines.push(`  ${k.id} (${k.cls}): ${int(k.count)} executions at ${k.sites.length} site${k.sites.length === 1 ? '' : 's'}: ${k.sites.slice(0, 4).map((s) => s.symbol ?? hex(s.eip)).join(', ')}${k.sites.length > 4 ? ', ...' : ''}`);
    lines.push(`      PV: ${k.replacement}`);
  }
  lines.push('');
  lines.push('Security: hypervisor surface each flavour reached');
  const w = Math.max(...names.map((n) => n.length));
  for (const f of fs) for (const [k, v] of Object.entries(f.surface)) lines.push(`  ${FLAVOUR_LABEL[f.mode].padEnd(w)} ${k} (${v.length}): ${v.join(', ') || '-'}`);
  lines.push('');
  lines.push('Resource use: memory the hypervisor held');
  const fmt = (k: string, v: number) => (k.startsWith('hypervisor time') ? `${v.toFixed(1)}%` : int(v));
  for (const f of fs) for (const [k, v] of Object.entries(f.resources)) lines.push(`  ${FLAVOUR_LABEL[f.mode].padEnd(w)} ${k}: ${fmt(k, v)}`);
  lines.push('');
  lines.push(`(${c.costNote})`);
  return lines.join('\n') + '\n';
}
