// The debugger's view of an image's DWARF: functions, variables, types, locations and
// unwinding, behind one facade. Everything is parsed once in fromElf; lookups are by PC.

import { asImage, type KernelImage } from '../kernel-image';
import { ImageError } from '../image-error';
import { AT } from './constants';
import { DieReader, parseUnits, resolveUnitBases } from './debug-info';
import type { Attr, DwarfSections, Unit } from './debug-info';
import { FrameTable, computeCfa, parseFrameSection, rowAt, unwindEbpChain, unwindWithRow } from './cfi';
import type { CfiRow, Fde, UnwoundFrame } from './cfi';
import { FORM } from './constants';
import { lineFileNames, unitCompilationDir } from './line-files';
import { sectionsOfImage } from './sections';
export { sectionsOf, sectionsOfImage } from './sections';
import { I386, X86_64, archForMachine, normalizeAddress, type DwarfArch } from './arch';
export { I386, X86_64, archForMachine, normalizeAddress, addressHex, type DwarfArch } from './arch';
import { evaluate, pickLocation, readLocList, readLocLists } from './location';
import type { Frame, LocEntry, Location, ReadMemory, Regs } from './location';
import { ScopeBuilder, inRanges, scopeChain } from './scopes';
import { EagerUnits, type UnitSource } from './unit-source';
import type { CallSiteInfo, CompileUnit, FunctionInfo, Scope, Variable } from './scopes';
import { formatValue, scalarValue } from './format';
import type { FormatOptions } from './format';
import { sizeOf, typeName, strip } from './types';
import type { CType } from './types';
import { DwarfError, hex } from './reader';

export { DwarfError } from './reader';
export type { CType, Member, Enumerator } from './types';
export { typeName, declaration, sizeOf, strip } from './types';
export type { Location, Frame, Regs, ReadMemory, LocEntry } from './location';
export { evaluate, DWARF_REGS } from './location';
export { unwindEbpChain } from './cfi';
export type { CallSiteInfo, CompileUnit, FunctionInfo, Scope, Variable } from './scopes';
export type { CfiRow, Fde, UnwoundFrame, CfaRule, RegRule } from './cfi';
export { formatValue, scalarValue } from './format';
export type { FormatOptions } from './format';

/** One source-level frame at a PC: an inlined call (innermost first) or, last, the function itself. */
export interface InlineFrame {
  name: string;
  /** True for inlined calls; false for the concrete function (the last entry). */
  inlined: boolean;
  params: Variable[];
  locals: Variable[];
  /** For inlined calls, where the call is in the frame below (the next entry). */
  callFile?: string;
  callLine?: number;
  /** The DWARF scope: the inlined subroutine, or the function's own. */
  scope: Scope;
  /** Where the function is declared. */
  declFile?: string;
  declLine?: number;
}

/** Where a function's code begins: an out-of-line copy's entry or an inlined instance's. */
export interface FunctionLocation { address: number; inlined: boolean; function: FunctionInfo; scope: Scope }

export interface VariablesAt {
  function: FunctionInfo;
  /** Parameters of the function (and of inlined callees containing pc, innermost last). */
  params: Variable[];
  /** Locals visible at pc, innermost scope first; shadowed outer names are left out. */
  locals: Variable[];
}

/** The value of a variable read through its location. */
export type VariableValue =
  | { ok: true; bytes: Uint8Array; location: Location; text: string; /** bytes (1 = missing) of a partly optimized-out value */ unavailable?: Uint8Array }
  | { ok: false; reason: string; location?: Location };

export interface FrameState {
  regs: Regs;
  readMemory: ReadMemory;
  /** The CFA, if the caller knows it; otherwise computed from CFI. */
  cfa?: number;
  /** True for the innermost frame (EIP is the next instruction); callers look up EIP-1. */
  innermost?: boolean;
  /**
   * The exact bytes of a register of this frame (XMM registers, 64-bit values beyond 2^53), for
   * variables that live in one; without it a register's number is used.
   */
  regBytes?: (name: string) => Uint8Array | undefined;
}

export class DebugInfo {
  readonly frames: FrameTable;
  /** Problems found while reading, as messages (a broken unit is skipped, not fatal). */
  readonly warnings: string[];
  /** The register numbering and address size (i386 or x86-64, from e_machine or the units). */
  readonly arch: DwarfArch;
  /**
   * The ELF entry point, when known: as gdb's `backtrace past-entry off`, a stack ends at the
   * function holding it (what lies above the entry's frame is the loader's, not the program's).
   */
  entry: number | undefined;
  private readonly reader: DieReader;
  private readonly s: DwarfSections;
  private readonly src: UnitSource;

  /** `src`: where units come from (all parsed, or loaded as lookups need them: lazy-units.ts). */
  constructor(s: DwarfSections, src: UnitSource, frames: FrameTable, warnings: string[], arch: DwarfArch) {
    this.arch = arch;
    this.s = s; this.src = src; this.reader = new DieReader(s, new Map()); this.frames = frames; this.warnings = warnings;
  }

  /**
   * Reads the debug sections of an ELF image (ELF32 i386 or ELF64 x86-64). Malformed DWARF throws a DwarfError; with
   * `tolerant`, broken units and frame sections are skipped and described in `warnings`.
   */
  static fromElf(source: Uint8Array | KernelImage, opts: { tolerant?: boolean } = {}): DebugInfo {
    const image = asImage(source);
    if (image.format !== 'elf') throw new ImageError('not an ELF file: bad magic (expected 7F 45 4C 46)', { offset: 0, field: 'e_ident[EI_MAG]' });
    const { sections, machine, entry } = sectionsOfImage(image);
    const di = DebugInfo.fromSections(sections, { ...opts, arch: archForMachine(machine) });
    di.entry = entry;
    return di;
  }

  /** `arch`: the register numbering; without it, that of the first unit's address size. */
  static fromSections(s: DwarfSections, opts: { tolerant?: boolean; arch?: DwarfArch } = {}): DebugInfo {
    const warnings: string[] = [];
    const tolerant = !!opts.tolerant;
    const { units, byOffset, signatures } = parseUnits(s, tolerant ? warnings : undefined);
    const reader = new DieReader(s, byOffset, signatures);
    resolveUnitBases(units, reader);
    const fileCache = new Map<Unit, string[]>();
    const fileNames = (u: Unit): string[] => {
      let f = fileCache.get(u);
      if (f) return f;
      f = [];
      const root = u.root;
      const stmt = root ? reader.num(root, AT.stmt_list) : undefined;
      if (root && stmt !== undefined && s.line) {
        try { f = lineFileNames(s.line, stmt, unitCompilationDir(reader, root), s.str, s.lineStr); }
        catch (e) { warnings.push(`line table header at ${hex(stmt)}: ${(e as Error).message}`); }
      }
      fileCache.set(u, f);
      return f;
    };
    const sb = new ScopeBuilder(reader, fileNames);
    const cus: CompileUnit[] = [];
    const guard = <T>(what: string, f: () => T): T | null => {
      if (!tolerant) return f();
      try { return f(); } catch (e) {
        if (!(e instanceof DwarfError)) throw e;
        warnings.push(`${what}: ${e.message}`);
        return null;
      }
    };
    for (const u of units) {
      const cu = guard(`unit at ${hex(u.offset)}`, () => sb.compileUnit(u));
      if (cu) cus.push(cu);
    }
    const arch = opts.arch ?? (units.find((u) => u.addrSize === 8) ? X86_64 : I386);
    const fdes: Fde[] = [];
    if (s.frame) fdes.push(...(guard('.debug_frame', () => parseFrameSection(s.frame!, false, 0, arch.addrSize)) ?? []));
    if (s.ehFrame) fdes.push(...(guard('.eh_frame', () => parseFrameSection(s.ehFrame!, true, s.ehFrameAddr ?? 0, arch.addrSize)) ?? []));
    return new DebugInfo(s, new EagerUnits(cus, sb.callSites, sb.calls), new FrameTable(fdes), warnings, arch);
  }

  /** The compile units parsed so far (every one, unless the units are loaded lazily). */
  get units(): CompileUnit[] { return this.src.loadedUnits(); }

  /** All functions with code, sorted by address (those of the units loaded so far, when lazy). */
  allFunctions(): readonly FunctionInfo[] { return this.src.allFunctions(); }

  functionAt(pc: number): FunctionInfo | null { return this.src.functionAt(pc); }

  /** The call DWARF describes at a return address (tail calls: the address after their jump). */
  callAt(ret: number): CallSiteInfo | undefined { return this.src.callAt(ret); }

  functionByName(name: string): FunctionInfo | null {
    return this.src.functionsFor(name).find((f) => f.name === name) ?? null;
  }

  /** A global (or file static) by name, from whichever unit defines it. */
  globalNamed(name: string): Variable | undefined { return this.src.globalNamed(name); }

  /**
   * A type by its C spelling (`struct task_struct`, a typedef name) from a debug file read
   * lazily, whose units are not all known; undefined for an image's own DWARF (every type is
   * reachable from its globals and functions there).
   */
  typeNamed(spelled: string): CType | undefined { return this.src.typeNamed?.(spelled); }

  /** The scopes containing pc, the function first, then blocks and inlined callees. */
  scopesAt(pc: number): Scope[] {
    const f = this.functionAt(pc);
    return f ? scopeChain(f, pc) : [];
  }

  variablesAt(pc: number): VariablesAt | null {
    const fn = this.functionAt(pc);
    if (!fn) return null;
    const chain = scopeChain(fn, pc);
    const params: Variable[] = [];
    const locals: Variable[] = [];
    const seen = new Set<string>();
    for (let i = chain.length - 1; i >= 0; i--) {
      const s = chain[i]!;
      for (const v of s.variables) {
        if (v.isParameter) continue;
        if (seen.has(v.name)) continue;
        seen.add(v.name);
        locals.push(v);
      }
    }
    for (const s of chain) {
      if (s.kind === 'block') continue;
      for (const v of s.variables) if (v.isParameter) params.push(v);
    }
    return { function: fn, params, locals };
  }

  /**
   * The source-level frames at pc, as gdb shows them: each inlined call containing pc (innermost
   * first) with its own parameters and locals, then the concrete function with the variables of
   * its blocks outside those calls. Empty when no function covers pc.
   */
  inlineFramesAt(pc: number): InlineFrame[] {
    const fn = this.functionAt(pc);
    if (!fn) return [];
    const chain = scopeChain(fn, pc);
    const out: InlineFrame[] = [];
    let end = chain.length;
    for (let start = chain.length - 1; start >= 0; start--) {
      const s = chain[start]!;
      if (s.kind === 'block') continue;
      const params: Variable[] = [], locals: Variable[] = [];
      const seen = new Set<string>();
      for (let i = end - 1; i >= start; i--) {
        for (const v of chain[i]!.variables) {
          if (seen.has(v.name)) continue;
          seen.add(v.name);
          // Only the frame's own scope has parameters, or a block that is the function's body
          // folded into it (scopes.ts, foldSelfInline): its parameters win, in the declared order.
          (v.isParameter ? params : locals).push(v);
        }
      }
      const order = s.variables.filter((v) => v.isParameter).map((v) => v.name);
      const rank = (v: Variable): number => { const k = order.indexOf(v.name); return k < 0 ? order.length : k; };
      params.sort((a, b) => rank(a) - rank(b));
      const frame: InlineFrame = { name: s.kind === 'function' ? fn.name : s.name, inlined: s.kind === 'inlined', params, locals, scope: s };
      if (s.callFile !== undefined) frame.callFile = s.callFile;
      if (s.callLine !== undefined) frame.callLine = s.callLine;
      const decl = s.kind === 'function' ? fn : s;
      if (decl.declFile !== undefined) frame.declFile = decl.declFile;
      if (decl.declLine !== undefined) frame.declLine = decl.declLine;
      out.push(frame);
      end = start;
    }
    return out;
  }

  /**
   * Every place the function `name` begins, as gdb places a breakpoint on it: each out-of-line
   * copy's entry and each inlined instance's entry, in address order, without duplicates.
   */
  functionLocations(name: string): FunctionLocation[] {
    const out = new Map<number, FunctionLocation>();
    const walk = (f: FunctionInfo, s: Scope, depth: number): void => {
      if (depth > 256) return;
      for (const c of s.children) {
        if (c.kind === 'inlined' && c.name === name && c.entryPc !== undefined && !out.has(c.entryPc)) out.set(c.entryPc, { address: c.entryPc, inlined: true, function: f, scope: c });
        walk(f, c, depth + 1);
      }
    };
    for (const f of this.src.functionsFor(name)) {
      if (f.name === name && !out.has(f.lowPc)) out.set(f.lowPc, { address: f.lowPc, inlined: false, function: f, scope: f.scope });
      walk(f, f.scope, 0);
    }
    return [...out.values()].sort((a, b) => a.address - b.address);
  }

  /** Globals and file statics (of the units loaded so far, when lazy). */
  globals(): Variable[] { return this.src.globals(); }

  /** The CFI row in effect at pc, or null when no FDE covers it. */
  cfiRowAt(pc: number): CfiRow | null {
    const fde = this.frames.find(pc);
    return fde ? rowAt(fde, pc) : null;
  }

  /** The program counter of a register set (EIP, or RIP in a 64-bit image). */
  pcOf(regs: Regs): number | undefined { return regs[this.arch.pc]; }
  /** The stack pointer of a register set (ESP, or RSP in a 64-bit image). */
  spOf(regs: Regs): number | undefined { return regs[this.arch.sp]; }

  /** CFA of the frame at the state's PC. */
  cfaOf(state: FrameState): number | undefined {
    if (state.cfa !== undefined) return state.cfa;
    const eip = this.pcOf(state.regs);
    if (eip === undefined) return undefined;
    const row = this.cfiRowAt(state.innermost === false ? eip - 1 : eip);
    if (!row) return undefined;
    try { return computeCfa(row, state.regs, state.readMemory, this.arch); } catch { return undefined; }
  }

  /** The expression that applies at pc for a location attribute (exprloc or location list). */
  expressionAt(loc: Attr, unit: Unit, pc: number): Uint8Array | null {
    if (loc.value instanceof Uint8Array) return loc.value;
    if (typeof loc.value !== 'number') return null;
    if (unit.version >= 5) {
      const sec = this.s.loclists;
      if (!sec) throw new DwarfError('.debug_loclists is missing but a variable uses a location list');
      return pickLocation(readLocLists(sec, this.loclistOffset(loc, unit, sec), unit.addrSize, unit.baseAddress, (i) => this.reader.addrIndex(unit, i)), pc);
    }
    const sec = this.s.loc;
    if (!sec) throw new DwarfError('.debug_loc is missing but a variable uses a location list');
    return pickLocation(readLocList(sec, loc.value, unit.addrSize, unit.baseAddress), pc);
  }

  /** A variable's location list (null when it has a single expression or none). */
  locationList(v: Variable): LocEntry[] | null {
    const loc = v.location;
    if (!loc || typeof loc.value !== 'number') return null;
    const unit = v.unit;
    if (unit.version >= 5) {
      const sec = this.s.loclists;
      if (!sec) throw new DwarfError('.debug_loclists is missing but a variable uses a location list');
      return readLocLists(sec, this.loclistOffset(loc, unit, sec), unit.addrSize, unit.baseAddress, (i) => this.reader.addrIndex(unit, i));
    }
    const sec = this.s.loc;
    if (!sec) throw new DwarfError('.debug_loc is missing but a variable uses a location list');
    return readLocList(sec, loc.value, unit.addrSize, unit.baseAddress);
  }

  private loclistOffset(loc: Attr, unit: Unit, sec: Uint8Array): number {
    const v = loc.value as number;
    if (loc.form !== FORM.loclistx) return v;
    const sz = unit.is64 ? 8 : 4;
    const at = unit.loclistsBase + v * sz;
    if (at + sz > sec.length) throw new DwarfError(`.debug_loclists: index ${v} is outside the offset table`);
    return unit.loclistsBase + new DataView(sec.buffer, sec.byteOffset + at).getUint32(0, true);
  }

  /**
   * Where a variable lives at the frame's PC. For parameters and locals, `fn` (the function
   * from functionAt) supplies the frame base; globals need none.
   */
  evaluateLocation(v: Variable, state: FrameState, fn?: FunctionInfo | null): Location {
    const pc = this.pcOf(state.regs) ?? 0;
    const lookupPc = state.innermost === false ? pc - 1 : pc;
    if (!v.location) return { kind: 'optimized-out' };
    try {
      const expr = this.expressionAt(v.location, v.unit, lookupPc);
      if (!expr) return { kind: 'optimized-out' };
      const func = fn === undefined ? this.functionAt(lookupPc) : fn;
      const frame = this.frameFor(state, func, true);
      return evaluate(expr, frame, v.unit.addrSize);
    } catch (e) {
      return { kind: 'error', message: (e as Error).message };
    }
  }

  /** The evaluation context of a frame: its CFA, its function's frame base and (optionally) entry values. */
  private frameFor(state: FrameState, func: FunctionInfo | null, withEntry: boolean): Frame {
    const pc = this.pcOf(state.regs) ?? 0;
    const lookupPc = state.innermost === false ? pc - 1 : pc;
    const frame: Frame = { regs: state.regs, readMemory: state.readMemory };
    const cfa = this.cfaOf(state);
    if (cfa !== undefined) frame.cfa = cfa;
    if (func?.frameBase) {
      const fbExpr = this.expressionAt(func.frameBase, func.unit, lookupPc);
      if (fbExpr) {
        try {
          const fb = evaluate(fbExpr, frame, func.unit.addrSize);
          if (fb.kind === 'memory') frame.frameBase = fb.address;
          else if (fb.kind === 'register') { const r = state.regs[fb.name]; if (r !== undefined) frame.frameBase = r; }
        } catch { /* no frame base: fbreg reports it */ }
      }
    }
    if (withEntry && func && cfa !== undefined) frame.entryRegs = this.entryRegs(state, cfa, func);
    return frame;
  }

  /**
   * Register values at entry to the current function: SP = CFA - one word (the return address),
   * callee-saved registers as unwound, and registers the caller loaded for the call as its
   * call-site parameters say.
   */
  private entryRegs(state: FrameState, cfa: number, func: FunctionInfo): Regs {
    const arch = this.arch;
    const out: Regs = { [arch.sp]: normalizeAddress(arch, cfa - arch.wordSize) };
    const caller = this.unwind(state.regs, state.readMemory, state.innermost !== false);
    if (!caller) return out;
    if (caller.method === 'cfi') {
      for (const r of arch.calleeSaved) if (caller.regs[r] !== undefined) out[r] = caller.regs[r];
    }
    const ret = this.pcOf(caller.regs);
    const params = ret === undefined ? undefined : this.src.callSites(ret);
    if (!params) return out;
    const callerState: FrameState = { regs: caller.regs, readMemory: state.readMemory, innermost: false };
    const callerFrame = this.frameFor(callerState, this.functionAt(ret! - 1), false);
    for (const p of params) {
      const name = arch.regs[p.reg];
      if (!name || p.callee !== func.name) continue;
      try {
        const loc = evaluate(p.value, callerFrame, p.unit.addrSize);
        if (loc.kind === 'memory') out[name] = loc.address;
        else if (loc.kind === 'value') out[name] = loc.value;
        else if (loc.kind === 'register') { const v = caller.regs[loc.name]; if (v !== undefined) out[name] = v; }
      } catch { /* that parameter's value is not recoverable here */ }
    }
    return out;
  }

  /** The bytes of a variable's value, formatted; or why they cannot be had. */
  readVariable(v: Variable, state: FrameState, fn?: FunctionInfo | null, opts: FormatOptions = {}): VariableValue {
    const size = sizeOf(v.type);
    if (size > MAX_VALUE_BYTES) return { ok: false, reason: `<${size}-byte value too large to show>` };
    if (v.constValue !== null) {
      const bytes = v.constValue instanceof Uint8Array ? v.constValue : intBytes(v.constValue, size || 4);
      return { ok: true, bytes, location: { kind: 'implicit', bytes }, text: this.formatValue(v.type, bytes, { readMemory: state.readMemory, ...opts }) };
    }
    const location = this.evaluateLocation(v, state, fn);
    if (location.kind === 'pieces') {
      // Pieces may be partly optimized out: show what is there, member by member, as gdb does.
      const got = this.readPieces(location, size, state);
      if (typeof got === 'string') return { ok: false, reason: got, location };
      const missing = got.missing.some((b) => b !== 0) ? got.missing : undefined;
      const text = this.formatValue(v.type, got.bytes, { readMemory: state.readMemory, ...opts, ...(missing ? { unavailable: missing } : {}) });
      return { ok: true, bytes: got.bytes, location, text, ...(missing ? { unavailable: missing } : {}) };
    }
    const st = strip(v.type);
    if (location.kind === 'optimized-out' && (st.kind === 'struct' || st.kind === 'union') && size > 0) {
      // gdb shows an optimized-out struct with each member <optimized out>.
      const bytes = new Uint8Array(size), unavailable = new Uint8Array(size).fill(1);
      return { ok: true, bytes, location, unavailable, text: this.formatValue(v.type, bytes, { ...opts, unavailable }) };
    }
    const got = this.readLocation(location, size, state);
    if (typeof got === 'string') return { ok: false, reason: got, location };
    return { ok: true, bytes: got, location, text: this.formatValue(v.type, got, { readMemory: state.readMemory, ...opts }) };
  }

  /** Reads a composite location; optimized-out pieces are marked in `missing` (1 per byte). */
  readPieces(loc: Extract<Location, { kind: 'pieces' }>, size: number, state: FrameState): { bytes: Uint8Array; missing: Uint8Array } | string {
    if (size > MAX_VALUE_BYTES || size < 0) return `<${size}-byte value too large to show>`;
    const bytes = new Uint8Array(size);
    const missing = new Uint8Array(size).fill(1);
    let at = 0;
    for (const p of loc.pieces) {
      if (at >= size) break;
      const n = Math.min(p.size, size - at);
      const part = p.location.kind === 'optimized-out' ? null : this.readLocation(p.location, p.size, state);
      if (typeof part === 'string') return part;
      if (part) { bytes.set(part.subarray(0, n), at); missing.fill(0, at, at + n); }
      at += p.size;
    }
    return { bytes, missing };
  }

  /** Reads `size` bytes from a location; a string says why it could not. */
  readLocation(loc: Location, size: number, state: FrameState): Uint8Array | string {
    if (size > MAX_VALUE_BYTES || size < 0) return `<${size}-byte value too large to show>`;
    switch (loc.kind) {
      case 'optimized-out': return '<optimized out>';
      case 'error': return `<error: ${loc.message}>`;
      case 'memory': {
        const b = state.readMemory(loc.address, size);
        return b && b.length >= size ? b.subarray(0, size) : `<cannot read memory at ${hex(loc.address)}>`;
      }
      case 'register': {
        // Exact bytes where the frame has them (XMM, 64-bit values beyond 2^53); else the number.
        const exact = state.regBytes?.(loc.name);
        if (exact) { const out = new Uint8Array(size); out.set(exact.subarray(0, size)); return out; }
        const v = state.regs[loc.name];
        if (v === undefined) return `<register ${loc.name} not available>`;
        return intBytes(v, size);
      }
      case 'value': return intBytes(loc.value, size);
      case 'implicit': {
        const out = new Uint8Array(size);
        out.set(loc.bytes.subarray(0, size));
        return out;
      }
      case 'pieces': {
        const out = new Uint8Array(size);
        let at = 0;
        for (const p of loc.pieces) {
          if (at >= size) break;
          const part = this.readLocation(p.location, p.size, state);
          if (typeof part === 'string') return part === '<optimized out>' ? '<optimized out (partly)>' : part;
          out.set(part.subarray(0, Math.min(p.size, size - at)), at);
          at += p.size;
        }
        return out;
      }
    }
  }

  /** Code addresses by function, as gdb names them: `add`, `add+4`. */
  symbolAt(address: number): string | undefined {
    const f = this.functionAt(address);
    if (!f) return undefined;
    return address === f.lowPc ? f.name : `${f.name}+${address - f.lowPc}`;
  }

  formatValue(type: CType, bytes: Uint8Array, opts: FormatOptions = {}): string {
    return formatValue(type, bytes, { symbolAt: (a) => this.symbolAt(a), ...opts });
  }
  typeName(type: CType): string { return typeName(type); }
  scalarValue(type: CType, bytes: Uint8Array): number | null { return scalarValue(type, bytes); }

  /**
   * The caller's registers from CFI (EIP = return address, ESP = CFA), falling back to the EBP
   * chain when no FDE covers EIP. Null when neither works (e.g. EBP is 0 at the outermost frame).
   */
  unwind(regs: Regs, readMemory: ReadMemory, innermost = true): UnwoundFrame | null {
    const eip = this.pcOf(regs);
    if (eip === undefined) return null;
    const pc = innermost ? eip : eip - 1;
    const fde = this.frames.find(pc);
    if (fde) {
      try {
        const up = unwindWithRow(rowAt(fde, pc), fde.cie.raReg, regs, readMemory, this.arch);
        if (fde.cie.signalFrame) up.interrupted = true;
        return up;
      } catch {
        return unwindEbpChain(regs, readMemory, this.arch);
      }
    }
    return unwindEbpChain(regs, readMemory, this.arch);
  }

  /**
   * Walks up to `max` frames: the innermost first, each with its registers. `exactPc` is true
   * for the innermost frame and for frames interrupted by a trap (their EIP is the faulting or
   * next instruction); for the others EIP is a return address and lookups use EIP-1. Pass it
   * as `innermost` in FrameState when reading that frame's variables.
   */
  stack(regs: Regs, readMemory: ReadMemory, max = 64, regBytes?: (name: string) => Uint8Array | undefined): StackFrame[] {
    const out: StackFrame[] = [];
    let cur: Regs = regs;
    let exact = true;
    let bytesOf = regBytes;
    const { pc: pcName, sp } = this.arch;
    for (let i = 0; i < max; i++) {
      const eip = cur[pcName];
      if (eip === undefined) break;
      const fn = this.functionAt(exact ? eip : eip - 1);
      out.push({ regs: cur, function: fn, exactPc: exact, ...(bytesOf ? { regBytes: bytesOf } : {}) });
      if (fn && this.entry !== undefined && inRanges(fn.ranges, this.entry)) break;
      const next = this.unwind(cur, readMemory, exact);
      if (!next || next.regs[pcName] === undefined || next.regs[pcName] === 0) break;
      // Stop on a frame that does not move the stack up: a corrupt or looping chain.
      const nsp = next.regs[sp], csp = cur[sp];
      if (nsp !== undefined && csp !== undefined && nsp <= csp) break;
      cur = next.regs;
      exact = !!next.interrupted;
      bytesOf = callerBytes(next, bytesOf, readMemory, this.arch.wordSize);
    }
    return out;
  }
}

/** One frame of DebugInfo.stack: its registers, function, and the exact bytes of its registers where known. */
export interface StackFrame { regs: Regs; function: FunctionInfo | null; exactPc: boolean; regBytes?: (name: string) => Uint8Array | undefined }

/** A caller's exact register bytes: re-read from where CFI says they were saved, or the callee's for kept ones. */
function callerBytes(up: UnwoundFrame, callee: ((name: string) => Uint8Array | undefined) | undefined, readMemory: ReadMemory, word: number): ((name: string) => Uint8Array | undefined) | undefined {
  if (!up.savedAt && !up.same) return undefined;
  return (name) => {
    const at = up.savedAt?.get(name);
    if (at !== undefined) return readMemory(at, word) ?? undefined;
    return up.same?.has(name) ? callee?.(name) : undefined;
  };
}

/** Values larger than this are not read in one piece (the adapter pages through memory instead). */
const MAX_VALUE_BYTES = 1 << 20;

function intBytes(v: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = BigInt.asUintN(Math.max(8, size * 8), BigInt(Math.trunc(v)));
  for (let i = 0; i < size; i++) { out[i] = Number(x & 0xffn); x >>= 8n; }
  return out;
}

export { typeName as describeType };
export type { DwarfSections } from './debug-info';
