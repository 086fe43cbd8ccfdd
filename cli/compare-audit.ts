// The compatibility audit of `paravirt compare`: every privileged or sensitive instruction
// the HVM (or PVH) flavour executed, stepped one instruction at a time up to a limit, with
// the sites that executed it: what a port to PV must replace.

import { Machine } from '../emulator/machine';
import type { BootPlan } from '../emulator/machine';
import { decodeInfo } from '../emulator/isa';
import { classify } from '../emulator/isa/lookup';
import type { Comparison, CompatSite, FlavourMode } from './comparison';
import type { FlavourOptions } from './compare-flavour';

const AUDIT_STEP_LIMIT = 10_000_000;
const hex = (v: number) => '0x' + (v >>> 0).toString(16);

const SEGS = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];

function operands(b: Uint8Array, long64: boolean): string[] {
  let i = 0;
  while (i < b.length && [0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65].includes(b[i])) i++;
  // A REX prefix comes last; REX.R picks CR8-CR15 (MOV CR8 is its own table entry).
  let rexR = 0;
  if (long64 && i < b.length && (b[i] & 0xf0) === 0x40) { rexR = (b[i] & 4) << 1; i++; }
  const op = b[i], op2 = b[i + 1], reg = ((b[i + 2] ?? 0) >> 3) & 7;
  if (op === 0x0f && op2 === 0x20) return ['eax', `cr${reg + rexR}`];
  if (op === 0x0f && op2 === 0x22) return [`cr${reg + rexR}`, 'eax'];
  if (op === 0x0f && op2 === 0x21) return ['eax', `dr${reg}`];
  if (op === 0x0f && op2 === 0x23) return [`dr${reg}`, 'eax'];
  if (op === 0x8c) return ['eax', SEGS[((b[i + 1] ?? 0) >> 3) & 7] ?? 'es'];
  if (op === 0x8e) return [SEGS[((b[i + 1] ?? 0) >> 3) & 7] ?? 'es', 'eax'];
  if (op === 0x0e) return ['cs'];
  if (op === 0x16) return ['ss'];
  return [];
}

export function auditFlavour(mode: FlavourMode, plan: BootPlan, o: FlavourOptions): Comparison['compatibility'] {
  const m = new Machine({ mode, memoryMiB: o.memory, exitControls: { preset: o.exitControls, costModel: o.costModel }, pvPrivileged: o.pvPrivileged, serialOut: () => {} });
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
    // 64-bit mode: RIP is ripHi:eip, a signed canonical number, with no CS base.
    const lin = cpu.long64 ? (cpu.ripHi | 0) * 0x100000000 + (cpu.eip >>> 0) : (cpu.segBase[1] + cpu.eip) >>> 0;
    let id = cache.get(lin);
    if (id === undefined) {
      const bytes = m.readLinear(lin, 15) ?? new Uint8Array(0);
      const info = bytes.length ? decodeInfo(bytes, cpu.long64 ? 64 : cpu.cs32 ? 32 : 16) : null;
      const e = info ? classify(info.mnemonic, operands(bytes, cpu.long64)) : undefined;
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
  return { instructions: steps, complete, kinds: [...kinds.values()].sort((a, b) => b.count - a.count), flavour: mode };
}
