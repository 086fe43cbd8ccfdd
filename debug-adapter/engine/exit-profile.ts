// Exits aggregated by the guest EIP (RIP in 64-bit code) that caused them, then by source line, written at the end
// of a session as `.paravirt/last-run.json` (format: docs/profile-format.md) for the editor.

import type { ExitRecord } from '../../emulator/machine';
import { PvKind } from '../../emulator/trace/record-kinds';

interface PerAddress { exits: number; cycles: number; byReason: Map<string, number> }
export interface ProfileLine { file: string; line: number; exits: number; cycles: number; byReason: Record<string, number> }
/** A function's exits: every address inside it summed; where its costliest line is. */
export interface ProfileFunction { name: string; exits: number; cycles: number; byReason: Record<string, number>; file?: string; line?: number }

export class RunProfile {
  private readonly byAddress = new Map<number, PerAddress>();

  add(r: ExitRecord): void {
    // In 64-bit code the RIP, as the line table keeps 64-bit addresses: the signed value (exact when canonical).
    const eip = r.ripHi ? Number(BigInt.asIntN(64, (BigInt(r.ripHi >>> 0) << 32n) | BigInt(r.eip >>> 0))) : r.eip >>> 0;
    let e = this.byAddress.get(eip);
    if (!e) { e = { exits: 0, cycles: 0, byReason: new Map() }; this.byAddress.set(eip, e); }
    e.exits++;
    e.cycles += r.cycles;
    // PV hypercalls are shown by name: that is what the editor's reader labels.
    const name = r.reason === PvKind.HYPERCALL ? r.handler : r.reasonName;
    e.byReason.set(name, (e.byReason.get(name) ?? 0) + 1);
  }

  get addresses(): number { return this.byAddress.size; }

  /** Exits recorded so far (every exit, also those in code no function or line describes). */
  get total(): number { let n = 0; for (const e of this.byAddress.values()) n += e.exits; return n; }

  /**
   * Functions and source lines ranked by estimated cycles (then by count), the costliest first:
   * which code a kernel developer should look at. `functionOf` names the function holding an
   * address (DWARF, else the ELF symbol); addresses no function holds are summed under their
   * hex address so the totals stay whole.
   */
  ranking(functionOf: (addr: number) => string | undefined, lineOf: (addr: number) => { file: string; line: number } | undefined, top = 50): { functions: ProfileFunction[]; lines: ProfileLine[] } {
    const fns = new Map<string, ProfileFunction & { best?: ProfileLine }>();
    const lines = new Map<string, ProfileLine>();
    const merge = (into: Record<string, number>, from: Map<string, number>) => { for (const [k, v] of from) into[k] = (into[k] ?? 0) + v; };
    for (const [addr, e] of this.byAddress) {
      const name = functionOf(addr) ?? `0x${BigInt.asUintN(64, BigInt(addr)).toString(16)}`;
      let f = fns.get(name);
      if (!f) { f = { name, exits: 0, cycles: 0, byReason: {} }; fns.set(name, f); }
      f.exits += e.exits; f.cycles += e.cycles; merge(f.byReason, e.byReason);
      const src = lineOf(addr);
      if (!src) continue;
      const key = `${src.file}\0${src.line}`;
      let l = lines.get(key);
      if (!l) { l = { file: src.file, line: src.line, exits: 0, cycles: 0, byReason: {} }; lines.set(key, l); }
      l.exits += e.exits; l.cycles += e.cycles; merge(l.byReason, e.byReason);
      if (!f.best || l.cycles > f.best.cycles) f.best = l;
    }
    const rank = <T extends { cycles: number; exits: number }>(a: T, b: T) => b.cycles - a.cycles || b.exits - a.exits;
    const functions = [...fns.values()].sort(rank).slice(0, top).map(({ best, ...f }) => (best ? { ...f, file: best.file, line: best.line } : f));
    return { functions, lines: [...lines.values()].sort(rank).slice(0, top) };
  }

  toJson(meta: { program: string; mode: string; instructions: number }, lineOf: (addr: number) => { file: string; line: number } | undefined,
    functionOf?: (addr: number) => string | undefined): unknown {
    const lines = new Map<string, ProfileLine>();
    for (const [addr, e] of this.byAddress) {
      const src = lineOf(addr);
      if (!src) continue;
      const key = `${src.file}\0${src.line}`;
      let l = lines.get(key);
      if (!l) { l = { file: src.file, line: src.line, exits: 0, cycles: 0, byReason: {} }; lines.set(key, l); }
      l.exits += e.exits;
      l.cycles += e.cycles;
      for (const [k, v] of e.byReason) l.byReason[k] = (l.byReason[k] ?? 0) + v;
    }
    const sorted = [...lines.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
    const out: Record<string, unknown> = { version: 1, program: meta.program, mode: meta.mode, instructions: meta.instructions, cyclesAreEstimates: true, lines: sorted };
    if (functionOf) out.functions = this.ranking(functionOf, lineOf, 200).functions;
    return out;
  }
}
