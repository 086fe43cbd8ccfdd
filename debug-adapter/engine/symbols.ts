// ELF symbols by name and by address, for function breakpoints, stack frames, disassembly
// labels and expressions. Built once per launch.

export interface Sym { name: string; address: number; size: number; absolute?: boolean }

export class SymbolTable {
  private readonly sorted: Sym[];
  private readonly byName = new Map<string, Sym>();

  /**
   * `sections`: the [start, end) ranges the image loads (SHF_ALLOC sections); when given, an
   * address outside them is never named after a symbol (a number past the end of .bss is
   * not <stack_top+0x1234>).
   */
  constructor(symbols: readonly Sym[] | undefined, private readonly sections?: ReadonlyArray<readonly [number, number]>) {
    const named = (symbols ?? []).filter((s) => s.name && !s.name.startsWith('.'));
    // Constants (equ) have names and values but are not places: expressions may use them,
    // an address is never described by them (0x2e is not <MB_FLAGS+0x2b>).
    this.sorted = named.filter((s) => !s.absolute).sort((a, b) => a.address - b.address);
    for (const s of [...this.sorted, ...named.filter((x) => x.absolute)]) {
      // Prefer a sized (function/object) symbol over a bare label of the same name.
      const old = this.byName.get(s.name);
      if (!old || (old.size === 0 && s.size > 0)) this.byName.set(s.name, s);
    }
  }

  get size(): number { return this.sorted.length; }

  lookup(name: string): Sym | undefined { return this.byName.get(name); }

  /** The symbol containing `addr` (or the nearest one below it when sizes are unknown). */
  at(addr: number): Sym | undefined {
    if (this.sections && !this.sections.some(([lo, hi]) => addr >= lo && addr < hi)) return undefined;
    const r = this.sorted;
    let lo = 0, hi = r.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid]!.address <= addr) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (best < 0) return undefined;
    // Address 0 holds assembler constants (equ), never code a frame or label should name.
    if (r[best]!.address === 0) return undefined;
    // Among symbols at the same address, a sized one says more.
    let s = r[best]!;
    for (let i = best; i >= 0 && r[i]!.address === s.address; i--) if (r[i]!.size > s.size) s = r[i]!;
    if (s.size > 0 && addr >= s.address + s.size) return undefined;
    if (s.size === 0 && addr - s.address > 0x10000) return undefined;
    return s;
  }

  /**
   * The routine containing `addr`: as at(), but a NASM local label (`parent.label`) is part of
   * its parent when it lies inside it, so prologues are looked for where the routine begins.
   * (gcc's `f.constprop.0` clones lie outside f's size and stay routines of their own.)
   */
  functionAt(addr: number): Sym | undefined {
    let s = this.at(addr);
    for (let depth = 0; s && depth < 8; depth++) {
      const dot = s.name.lastIndexOf('.');
      if (dot <= 0) return s;
      const parent = this.byName.get(s.name.slice(0, dot));
      if (!parent || parent.address > s.address || (parent.size > 0 && addr >= parent.address + parent.size)) return s;
      s = parent;
    }
    return s;
  }

  /** "name+0x12" or undefined. */
  describe(addr: number): string | undefined {
    const s = this.at(addr);
    if (!s) return undefined;
    const off = addr - s.address;
    return off ? `${s.name}+0x${off.toString(16)}` : s.name;
  }
}
