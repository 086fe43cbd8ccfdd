// Exits aggregated by the guest EIP (RIP in 64-bit code) that caused them, then by source line, written at the end
// of a session as `.paravirt/last-run.json` (format: docs/profile-format.md) for the editor.

import type { ExitRecord } from '../../emulator/machine';
import { PvKind } from '../../emulator/trace/record-kinds';

interface PerAddress { exits: number; cycles: number; byReason: Map<string, number> }
export interface ProfileLine { file: string; line: number; exits: number; cycles: number; byReason: Record<string, number> }

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

  toJson(meta: { program: string; mode: string; instructions: number }, lineOf: (addr: number) => { file: string; line: number } | undefined): unknown {
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
    return { version: 1, program: meta.program, mode: meta.mode, instructions: meta.instructions, cyclesAreEstimates: true, lines: sorted };
  }
}
