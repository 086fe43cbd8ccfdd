// The ALU comparison: the same instruction bytes on the host CPU and on our Machine, results
// and status flags compared with only the SDM's undefined bits masked.

import { generateAluCase, REG_NAMES, WINDOW_ADDR, WINDOW_SIZE, type AluCase } from './alu-cases';
import { prepareFlat32, runSequence, stepOne, type MachineLike, type StepOutcome } from './flat32-harness';
import { NO_FAULT, runOnHost, type Outcome } from './native-oracle';
import { Rng } from './random';
import { DF, STATUS_FLAGS } from './undefined-flags';
import { hex } from './decoder-conformance';

export interface AluConformanceResult {
  checked: number;
  agreed: number;
  disagreed: number;
  bothFaulted: number;                          // part of agreed: both raised the same exception
  byForm: Array<[string, { checked: number; disagreed: number }]>;
  samples: string[];
}

const BATCH = 20000;

export type CaseGenerator = (rng: Rng) => AluCase;

export function generateAluCases(count: number, seed: number, generate: CaseGenerator = generateAluCase): AluCase[] {
  const rng = new Rng(seed);
  const cases: AluCase[] = [];
  for (let i = 0; i < count; i++) cases.push(generate(rng));
  return cases;
}

export function runAluConformance(
  createMachine: () => MachineLike, count: number, seed: number, generate: CaseGenerator = generateAluCase,
): AluConformanceResult {
  const result: AluConformanceResult = { checked: 0, agreed: 0, disagreed: 0, bothFaulted: 0, byForm: [], samples: [] };
  const forms = new Map<string, { checked: number; disagreed: number }>();
  const sampled = new Map<string, number>();
  let machine = createMachine();
  prepareFlat32(machine);
  const all = generateAluCases(count, seed, generate);
  for (let start = 0; start < all.length; start += BATCH) {
    const cases = all.slice(start, start + BATCH);
    const host = runOnHost(cases);
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      let problem: string | null;
      let ours: StepOutcome | null = null;
      try {
        machine.writePhysical(WINDOW_ADDR, c.window);
        // Half the single instructions go through step(), half through run(1): the CPU's main loop has its own fast paths.
        ours = c.instructions ? runSequence(machine, c.bytes, c.instructions, c.regs, c.eflags)
          : stepOne(machine, c.bytes, c.regs, c.eflags, false, (start + i) % 2 === 1);
        problem = compare(c, host[i], ours, machine.readPhysical(WINDOW_ADDR, WINDOW_SIZE));
      } catch (e) {
        problem = `host exception: ${(e as Error).stack ?? e}`;
        machine = createMachine();               // the machine's state is unknown after a throw
        prepareFlat32(machine);
      }
      const form = forms.get(c.name) ?? { checked: 0, disagreed: 0 };
      forms.set(c.name, form);
      form.checked++;
      result.checked++;
      if (problem === null) {
        result.agreed++;
        if (host[i].fault !== NO_FAULT) result.bothFaulted++;
        continue;
      }
      result.disagreed++;
      form.disagreed++;
      const n = sampled.get(c.name) ?? 0;
      sampled.set(c.name, n + 1);
      if (n < 2 && result.samples.length < 100) result.samples.push(describeCase(c, problem));
    }
  }
  result.byForm = [...forms.entries()].sort((a, b) => b[1].disagreed - a[1].disagreed || (a[0] < b[0] ? -1 : 1));
  return result;
}

/** Null if ours matches the host on everything the SDM defines, else what differs. */
export function compare(c: AluCase, host: Outcome, ours: StepOutcome, oursWindow: Uint8Array): string | null {
  if (host.fault !== NO_FAULT || ours.fault !== -1) {
    if (host.fault === ours.fault) return null;
    return `exception: host ${host.fault === NO_FAULT ? 'none' : '#' + host.fault}, ours ${ours.fault === -1 ? 'none' : ours.fault === -2 ? 'EIP elsewhere' : '#' + ours.fault}`;
  }
  const diffs: string[] = [];
  for (let r = 0; r < 8; r++) {
    if (r === 4 || (c.undefinedRegs & (1 << r)) !== 0) continue;
    const m = c.regMasks ? c.regMasks[r] : 0xffffffff;
    if (((host.regs[r] ^ ours.regs[r]) & m) !== 0) diffs.push(`${REG_NAMES[r]} host ${h32(host.regs[r])} ours ${h32(ours.regs[r])}`);
  }
  const mask = (STATUS_FLAGS | DF) & ~c.undefinedFlags;
  if ((host.eflags & mask) !== (ours.eflags & mask)) {
    diffs.push(`flags host ${flagNames(host.eflags & mask)} ours ${flagNames(ours.eflags & mask)} (compared ${flagNames(mask)})`);
  }
  if (!c.windowUndefined) {
    for (let i = 0; i < WINDOW_SIZE; i++) {
      if (host.window[i] !== oursWindow[i]) {
        diffs.push(`memory at ${h32(WINDOW_ADDR + i)}: host ${host.window[i].toString(16)} ours ${oursWindow[i].toString(16)}`);
        break;
      }
    }
  }
  return diffs.length ? diffs.join('; ') : null;
}

function h32(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

export function flagNames(f: number): string {
  const names: Array<[number, string]> = [[0x800, 'OF'], [0x400, 'DF'], [0x80, 'SF'], [0x40, 'ZF'], [0x10, 'AF'], [0x4, 'PF'], [0x1, 'CF']];
  const set = names.filter(([bit]) => f & bit).map(([, n]) => n);
  return set.length ? set.join('|') : '-';
}

function describeCase(c: AluCase, problem: string): string {
  const regs = Array.from(c.regs, (v, r) => (r === 4 ? null : `${REG_NAMES[r]}=${h32(v)}`)).filter(Boolean).join(' ');
  return `${c.name} [${hex(c.bytes)}] ${regs} flags=${flagNames(c.eflags)}: ${problem}`;
}

export function describeAluResult(r: AluConformanceResult): string {
  const lines = [`ALU vs host CPU: ${r.checked} cases, ${r.agreed} agreed (${r.bothFaulted} both faulted), ${r.disagreed} disagreed`];
  const bad = r.byForm.filter(([, f]) => f.disagreed > 0);
  if (bad.length) {
    lines.push('  disagreeing forms: ' + bad.slice(0, 30).map(([n, f]) => `${n} ${f.disagreed}/${f.checked}`).join(', '));
    for (const s of r.samples.slice(0, 40)) lines.push('    ' + s);
  }
  return lines.join('\n');
}
