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

/** "0x00100400" for 32-bit addresses, all 16 digits past them ("0xffffffff80001000"). */
function addressKey(addr: number): string {
  if (addr >= 0 && addr <= 0xffffffff) return '0x' + addr.toString(16).padStart(8, '0');
  return '0x' + BigInt.asUintN(64, BigInt(addr)).toString(16).padStart(16, '0');
}

export class ExitProfile {
  private readonly byAddress = new Map<number, AddressEntry>();

  add(r: ExitRecord): void {
    // 64-bit code: RIP as the loader writes ELF64 addresses, a signed canonical number
    // (0xffffffff80001000 is -0x7ffff000), so symbols and lines are found in the higher half.
    const addr = r.ripHi ? (r.ripHi | 0) * 0x100000000 + (r.eip >>> 0) : r.eip >>> 0;
    let e = this.byAddress.get(addr);
    if (!e) { e = { exits: 0, cycles: 0, byReason: {} }; this.byAddress.set(addr, e); }
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
    const unsigned = (a: number): bigint => BigInt.asUintN(64, BigInt(a));
    for (const addr of [...this.byAddress.keys()].sort((a, b) => (unsigned(a) < unsigned(b) ? -1 : 1))) {
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
      exitsByAddress[addressKey(addr)] = e;
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
