// Where the client's source and function breakpoints go: a line's addresses from the line
// table; a function's every inlined instance and out-of-line copy, as gdb places them.

import { addressHex, type DebugInfo } from '../../emulator/loader/dwarf';
import type { LineTable } from '../../emulator/loader/dwarf/line-table';
import type { BreakpointSet, BreakpointOptions, UserBreakpoint } from './breakpoints';
import { inlinedEntry } from './inline-frames';
import type { SymbolTable } from './symbols';

export interface SourceBreakpointResult { verified: boolean; line?: number; id?: number; message?: string; address?: number; file?: string }
export interface FunctionBreakpointResult { verified: boolean; id?: number; address?: number; message?: string; locations?: number }

/** Replaces the source breakpoints set under `key` (one file's, as the client sends them). */
export function placeSourceBreakpoints(breakpoints: BreakpointSet, lines: LineTable, matches: (file: string) => boolean,
  requested: Array<{ line: number } & BreakpointOptions>, key: string): SourceBreakpointResult[] {
  breakpoints.clear('source', (b) => (b as UserBreakpoint & { key?: string }).key !== key);
  return requested.map((req) => {
    const found = lines.addressesForLine(matches, req.line);
    if (!found || found.addresses.length === 0) return { verified: false, message: `no code at or after line ${req.line} in this file's line table` };
    try {
      const bp = breakpoints.addAt('source', found.addresses, req) as UserBreakpoint & { key?: string };
      bp.key = key;
      return { verified: true, line: found.line, id: bp.id, address: found.addresses[0], file: found.file };
    } catch (e) {
      return { verified: false, message: (e as Error).message };
    }
  });
}

/** Replaces every function breakpoint; `evaluate` reads a name that is an address (`0x...`, `*expr`). */
export function placeFunctionBreakpoints(breakpoints: BreakpointSet, dwarf: DebugInfo | null, lines: LineTable, symbols: SymbolTable,
  requested: Array<{ name: string } & BreakpointOptions>, evaluate: (text: string) => number): FunctionBreakpointResult[] {
  breakpoints.clear('function');
  return requested.map((req) => {
    const name = req.name.trim();
    // As gdb: every inlined instance and every out-of-line copy, one breakpoint hitting at each.
    const locations = dwarf?.functionLocations(name) ?? [];
    const at = [...new Set([...locations.map((l) => inlinedEntry(l, lines)), ...(symbols.lookup(name) ? [symbols.lookup(name)!.address] : [])])].sort((a, b) => a - b);
    if (at.length > 1) {
      try {
        const bp = breakpoints.addAt('function', at, req);
        bp.functionName = name;
        // DAP has one address per breakpoint: the message tells where else it stops.
        const inlined = locations.filter((l) => l.inlined).length;
        return { verified: true, id: bp.id, address: at[0]!, locations: at.length, message: `${at.length} locations (${inlined} inlined): ${at.map((a) => addressHex(a)).join(', ')}` };
      } catch (e) { return { verified: false, message: (e as Error).message }; }
    }
    let addr: number | undefined = at[0];
    if (addr === undefined && /^(0x[0-9a-f]+|\*.+)$/i.test(name)) {
      try { addr = evaluate(name.replace(/^\*/, '')); } catch { /* reported below */ }
    }
    if (addr === undefined) return { verified: false, message: `no symbol '${name}' in the image` };
    try {
      const bp = breakpoints.add('function', addr, req);
      bp.functionName = name;
      return { verified: true, id: bp.id, address: addr };
    } catch (e) { return { verified: false, message: (e as Error).message }; }
  });
}
