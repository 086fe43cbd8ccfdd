// --profile: exits aggregated by the guest EIP that caused them, for the editor to show per
// source line (the language server maps addresses to lines). Format: cli/PROFILE-FORMAT.md.

import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ExitRecord } from '../emulator/machine';
import { CliError } from './errors';

import type { LineTable } from '../emulator/loader/dwarf/line-table';
import { localSourcePath } from '../emulator/loader/dwarf/source-paths';

// The source line sits in a nested `source` so readers that also sum flat file/line entries
// (the language server accepts both forms) count each exit once, through lines[].
interface AddressEntry { exits: number; cycles: number; byReason: Record<string, number>; symbol?: string; source?: { file: string; line: number } }
interface LineEntry { file: string; line: number; exits: number; cycles: number; byReason: Record<string, number> }
type Symbol = { name: string; address: number; size: number };
type Meta = {
  program: string; mode: string; exitControls: string; instructions: number;
  symbols?: readonly Symbol[]; lineTable?: LineTable;
  /** Where relative source paths of the debug information are resolved (a -ffile-prefix-map=$PWD=. build). */
  cwd?: string;
};

/** "name+0x12" for the symbol an address falls in (or the nearest one before it). */
function symbolize(sorted: readonly Symbol[], addr: number): string | undefined {
  let lo = 0, hi = sorted.length - 1, best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.address <= addr) { best = mid; lo = mid + 1; } else hi = mid - 1;
  }
  if (best < 0) return undefined;
  const s = sorted[best]!;
  if (s.size > 0 && addr >= s.address + s.size) return undefined;
  const off = addr - s.address;
  return off ? `${s.name}+0x${off.toString(16)}` : s.name;
}

export class ExitProfile {
  private readonly byAddress = new Map<number, AddressEntry>();

  add(r: ExitRecord): void {
    let e = this.byAddress.get(r.eip >>> 0);
    if (!e) { e = { exits: 0, cycles: 0, byReason: {} }; this.byAddress.set(r.eip >>> 0, e); }
    e.exits++;
    e.cycles += r.cycles;
    e.byReason[r.reasonName] = (e.byReason[r.reasonName] ?? 0) + 1;
  }

  toJson(meta: Meta): unknown {
    const { symbols, lineTable, cwd, ...rest } = meta;
    const paths = { cwd: cwd ?? process.cwd() };
    const sorted = (symbols ?? []).filter((s) => s.name).slice().sort((a, b) => a.address - b.address);
    const exitsByAddress: Record<string, AddressEntry> = {};
    const byLine = new Map<string, LineEntry>();
    for (const addr of [...this.byAddress.keys()].sort((a, b) => a - b)) {
      const e: AddressEntry = { ...this.byAddress.get(addr)! };
      const symbol = symbolize(sorted, addr);
      if (symbol) e.symbol = symbol;
      const line = lineTable?.lookup(addr);
      const src = line && { file: localSourcePath(line.file, paths), line: line.line };
      if (src) {
        e.source = { file: src.file, line: src.line };
        const key = `${src.file}\0${src.line}`;
        let l = byLine.get(key);
        if (!l) { l = { file: src.file, line: src.line, exits: 0, cycles: 0, byReason: {} }; byLine.set(key, l); }
        l.exits += e.exits;
        l.cycles += e.cycles;
        for (const [k, v] of Object.entries(e.byReason)) l.byReason[k] = (l.byReason[k] ?? 0) + v;
      }
      exitsByAddress['0x' + addr.toString(16).padStart(8, '0')] = e;
    }
    const lines = [...byLine.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
    return { version: 1, ...rest, cyclesAreEstimates: true, lines, exitsByAddress };
  }

  write(path: string, meta: Meta): void {
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify(this.toJson(meta), null, 1) + '\n');
    } catch (e) {
      throw new CliError(`cannot write profile to '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
}
