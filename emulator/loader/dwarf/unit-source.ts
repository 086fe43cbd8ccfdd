// Where DebugInfo's compile units come from: all parsed up front (an image's own DWARF, small),
// or loaded one at a time when a lookup needs them (lazy-units.ts: a vmlinux's 2,800 units).
// DebugInfo asks only these questions, so both answer them the same way.

import type { CallSiteInfo, CallSiteParam, CompileUnit, FunctionInfo, Variable } from './scopes';
import type { CType } from './types';
import { inRanges } from './scopes';

export interface UnitSource {
  functionAt(pc: number): FunctionInfo | null;
  /** Functions that are, or may hold inlined instances of, `name`: every function when all are known. */
  functionsFor(name: string): readonly FunctionInfo[];
  /** Every function known so far, sorted by address (all of them for an eager source). */
  allFunctions(): readonly FunctionInfo[];
  /** Globals known so far (all of them for an eager source). */
  globals(): Variable[];
  /** A global by name, searching every unit that may define it. */
  globalNamed(name: string): Variable | undefined;
  /** Call-site parameters of the call whose return address is `ret`. */
  callSites(ret: number): CallSiteParam[] | undefined;
  /** The described call whose return address is `ret`. */
  callAt(ret: number): CallSiteInfo | undefined;
  /** The units parsed so far. */
  loadedUnits(): CompileUnit[];
  /** A type by its C spelling, where the source can find one without walking every unit's types (lazy sources). */
  typeNamed?(spelled: string): CType | undefined;
}

/** Functions sorted by lowPc: the one whose ranges hold pc (ranges may interleave, so look back a little). */
export function functionIn(sorted: readonly FunctionInfo[], pc: number): FunctionInfo | null {
  let lo = 0, hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.lowPc <= pc) lo = mid + 1; else hi = mid - 1;
  }
  for (let i = hi; i >= 0; i--) {
    const f = sorted[i]!;
    if (inRanges(f.ranges, pc)) return f;
    if (hi - i > 64) break;
  }
  return null;
}

export class EagerUnits implements UnitSource {
  private readonly functions: FunctionInfo[];
  constructor(private readonly units: CompileUnit[], private readonly sites: Map<number, CallSiteParam[]>, private readonly calls: Map<number, CallSiteInfo> = new Map()) {
    this.functions = units.flatMap((u) => u.functions).sort((a, b) => a.lowPc - b.lowPc);
  }
  functionAt(pc: number): FunctionInfo | null { return functionIn(this.functions, pc); }
  functionsFor(): readonly FunctionInfo[] { return this.functions; }
  allFunctions(): readonly FunctionInfo[] { return this.functions; }
  globals(): Variable[] { return this.units.flatMap((u) => u.globals); }
  globalNamed(name: string): Variable | undefined {
    for (const u of this.units) for (const g of u.globals) if (g.name === name) return g;
    return undefined;
  }
  callSites(ret: number): CallSiteParam[] | undefined { return this.sites.get(ret); }
  callAt(ret: number): CallSiteInfo | undefined { return this.calls.get(ret); }
  loadedUnits(): CompileUnit[] { return this.units; }
}
