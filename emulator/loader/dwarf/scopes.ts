// Compile units, functions, lexical blocks and variables from the DIE tree, and the lookups the
// debugger needs: the function containing a PC and the variables visible there.

import { AT, FORM, TAG } from './constants';
import { isUnitTag } from './debug-info';
import type { Attr, Die, DieReader, Unit } from './debug-info';
import { TypeBuilder } from './types';
import type { CType } from './types';

export interface Variable {
  name: string;
  type: CType;
  /** Location: an expression (exprloc), a location-list attribute, or none. */
  location: Attr | null;
  /** DW_AT_const_value, when the compiler folded the variable into a constant. */
  constValue: number | Uint8Array | null;
  isParameter: boolean;
  external: boolean;
  declFile?: string;
  declLine?: number;
  unit: Unit;
  die: Die;
}

export interface Scope {
  kind: 'function' | 'block' | 'inlined';
  name: string;
  ranges: Array<[number, number]>;
  variables: Variable[];
  children: Scope[];
  parent: Scope | null;
  die: Die;
  /** For an inlined subroutine: where it was called from. */
  callFile?: string;
  callLine?: number;
  /**
   * For an inlined subroutine: its entry, where a breakpoint on the function goes
   * (DW_AT_entry_pc, else the lowest address of its first range, as DWARF 5 section 3.3.8.3 has it).
   */
  entryPc?: number;
  /** For an inlined subroutine: where the function is declared (from its abstract origin). */
  declFile?: string;
  declLine?: number;
}

export interface FunctionInfo {
  name: string;
  lowPc: number;
  highPc: number;
  ranges: Array<[number, number]>;
  external: boolean;
  frameBase: Attr | null;
  returnType: CType;
  declFile?: string;
  declLine?: number;
  unit: Unit;
  scope: Scope;
  /** The tail calls it makes (DW_AT_call_tail_call call sites), for the stack's tail-call frames. */
  tailCalls?: CallSiteInfo[];
}

/** What a caller passed in a register, from DW_TAG_call_site_parameter: for DW_OP_entry_value. */
export interface CallSiteParam { reg: number; value: Uint8Array; unit: Unit; callee: string | undefined }

/**
 * A call the compiler described (DW_TAG_call_site): the function called, when DWARF names it,
 * and whether it is a tail call (a jump: its return address is the caller's caller's).
 * `ret` is DW_AT_call_return_pc: the address after the call or jump instruction.
 */
export interface CallSiteInfo { ret: number; callee: string | undefined; tail: boolean }

export interface CompileUnit {
  name: string;
  compDir: string;
  producer: string;
  language: number;
  ranges: Array<[number, number]>;
  functions: FunctionInfo[];
  globals: Variable[];
  files: string[];
  unit: Unit;
}

const MAX_SCOPE_DEPTH = 256;

export class ScopeBuilder {
  readonly types: TypeBuilder;
  /** Call-site parameters by return address. */
  readonly callSites = new Map<number, CallSiteParam[]>();
  /** Every described call by return address (tail calls too: their entry is the jump's next address). */
  readonly calls = new Map<number, CallSiteInfo>();
  /** The tail calls of the function being built (func() takes them). */
  private tails: CallSiteInfo[] = [];
  constructor(private r: DieReader, private fileNames: (u: Unit) => string[]) { this.types = new TypeBuilder(r); }

  compileUnit(u: Unit): CompileUnit | null {
    const root = u.root;
    if (!root || !isUnitTag(root.tag)) return null;
    const r = this.r;
    const files = this.fileNames(u);
    const cu: CompileUnit = {
      name: r.str(root, AT.name) ?? '', compDir: r.str(root, AT.comp_dir) ?? '', producer: r.str(root, AT.producer) ?? '',
      language: r.num(root, AT.language) ?? 0, ranges: r.ranges(root), functions: [], globals: [], files, unit: u,
    };
    this.collect(root, cu, 0);
    return cu;
  }

  private collect(die: Die, cu: CompileUnit, depth: number): void {
    if (depth > MAX_SCOPE_DEPTH) return;
    for (const d of die.children) {
      if (d.tag === TAG.subprogram) {
        const f = this.func(d, cu);
        if (f) cu.functions.push(f);
        // Nested functions (a GNU C extension) and static locals live inside subprograms.
        this.collectStatics(d, cu, depth + 1);
      } else if (d.tag === TAG.variable) {
        const v = this.variable(d, cu, false);
        if (v && (v.location || v.constValue !== null)) cu.globals.push(v);
      } else if (d.tag === TAG.lexical_block) {
        this.collect(d, cu, depth + 1);
      }
    }
  }

  /** Static locals with a fixed address are globals too for the "Globals" view; nothing else here. */
  private collectStatics(d: Die, cu: CompileUnit, depth: number): void {
    if (depth > MAX_SCOPE_DEPTH) return;
    for (const c of d.children) {
      if (c.tag === TAG.subprogram) { const f = this.func(c, cu); if (f) cu.functions.push(f); this.collectStatics(c, cu, depth + 1); }
      else if (c.tag === TAG.lexical_block) this.collectStatics(c, cu, depth + 1);
    }
  }

  private func(d: Die, cu: CompileUnit): FunctionInfo | null {
    const r = this.r;
    if (r.flag(d, AT.declaration)) return null;
    const ranges = r.ranges(d);
    if (ranges.length === 0) return null;   // abstract instance or declaration only
    const name = r.name(d) ?? '';
    this.tails = [];
    const scope = this.scope(d, 'function', name, ranges, null, cu, 0);
    const tailCalls = this.tails;
    const decl = this.decl(d, cu);
    foldSelfInline(scope, name, decl);
    return {
      name, ranges, lowPc: ranges.reduce((a, x) => Math.min(a, x[0]), Infinity), highPc: ranges.reduce((a, x) => Math.max(a, x[1]), 0),
      external: !!r.inherited(d, AT.external), frameBase: r.attr(d, AT.frame_base) ?? null,
      returnType: this.typeFrom(d), ...decl, unit: cu.unit, scope, ...(tailCalls.length ? { tailCalls } : {}),
    };
  }

  private scope(d: Die, kind: Scope['kind'], name: string, ranges: Array<[number, number]>, parent: Scope | null, cu: CompileUnit, depth: number): Scope {
    const s: Scope = { kind, name, ranges, variables: [], children: [], parent, die: d };
    if (depth > MAX_SCOPE_DEPTH) return s;
    for (const c of d.children) {
      if (c.tag === TAG.formal_parameter || c.tag === TAG.variable) {
        const v = this.variable(c, cu, c.tag === TAG.formal_parameter);
        if (v) s.variables.push(v);
      } else if (c.tag === TAG.call_site || c.tag === TAG.GNU_call_site) {
        this.callSite(c, cu);
      } else if (c.tag === TAG.lexical_block || c.tag === TAG.inlined_subroutine) {
        const rs = this.r.ranges(c);
        const childKind = c.tag === TAG.inlined_subroutine ? 'inlined' : 'block';
        const child = this.scope(c, childKind, childKind === 'inlined' ? this.r.name(c) ?? '' : '', rs, s, cu, depth + 1);
        if (childKind === 'inlined') {
          const cf = this.r.num(c, AT.call_file), cl = this.r.num(c, AT.call_line);
          if (cf !== undefined && cu.files[cf] !== undefined) child.callFile = cu.files[cf];
          if (cl !== undefined) child.callLine = cl;
          const entry = this.entryPc(c, rs);
          if (entry !== undefined) child.entryPc = entry;
          Object.assign(child, this.decl(c, cu));
        }
        // A lexical block without addresses (gcc emits some at -O2) contributes to its parent.
        if (rs.length === 0 && childKind === 'block') { s.variables.push(...child.variables); s.children.push(...child.children); }
        else s.children.push(child);
      }
    }
    return s;
  }

  private entryPc(d: Die, ranges: Array<[number, number]>): number | undefined {
    const a = this.r.attr(d, AT.entry_pc);
    const low = this.r.num(d, AT.low_pc) ?? ranges[0]?.[0];
    if (a) {
      const v = this.r.constant(a, d.unit);
      // DWARF 5: a constant is an offset from the DIE's base address; an address is itself.
      const isAddr = a.form === FORM.addr || a.form === FORM.addrx || (a.form >= FORM.addrx1 && a.form <= FORM.addrx4) || a.form === FORM.GNU_addr_index;
      const at = v === undefined ? undefined : isAddr || low === undefined ? v : low + v;
      // gcc may name an address before the inlined code (its caller's prologue, with a location
      // view to say where in it): that is no place to stop in the callee. gdb uses the first
      // range's start; so does this then.
      if (at !== undefined && inRanges(ranges, at)) return at;
    }
    return low;
  }

  private callSite(d: Die, cu: CompileUnit): void {
    const r = this.r;
    // DWARF 5 names the return address; the GNU extension puts it in low_pc.
    const ret = r.num(d, AT.call_return_pc) ?? (d.tag === TAG.GNU_call_site ? r.num(d, AT.low_pc) : undefined);
    if (ret === undefined) return;
    // The callee, so a tail call (whose return address is its caller's) is not mistaken for this call.
    const origin = r.ref(d, AT.call_origin) ?? r.ref(d, AT.abstract_origin);
    const callee = origin ? r.name(origin) : undefined;
    const site: CallSiteInfo = { ret, callee, tail: r.flag(d, AT.call_tail_call) || r.flag(d, AT.GNU_tail_call) };
    this.calls.set(ret, site);
    if (site.tail) this.tails.push(site);
    const params: CallSiteParam[] = [];
    for (const p of d.children) {
      if (p.tag !== TAG.call_site_parameter && p.tag !== TAG.GNU_call_site_parameter) continue;
      const loc = r.attr(p, AT.location)?.value;
      const value = (r.attr(p, AT.call_value) ?? r.attr(p, AT.GNU_call_site_value))?.value;
      if (!(loc instanceof Uint8Array) || !(value instanceof Uint8Array) || loc.length !== 1) continue;
      if (loc[0]! < 0x50 || loc[0]! > 0x6f) continue;   // only register parameters have entry values to recover
      params.push({ reg: loc[0]! - 0x50, value, unit: cu.unit, callee });
    }
    if (params.length) this.callSites.set(ret, params);
  }

  private typeFrom(d: Die): CType {
    const t = this.r.inherited(d, AT.type);
    return t ? this.types.typeOf(t.die) : { kind: 'void' };
  }

  private decl(d: Die, cu: CompileUnit): { declFile?: string; declLine?: number } {
    const f = this.r.inherited(d, AT.decl_file);
    const l = this.r.inherited(d, AT.decl_line);
    const out: { declFile?: string; declLine?: number } = {};
    if (f && typeof f.attr.value === 'number') { const name = cu.files[f.attr.value]; if (name !== undefined) out.declFile = name; }
    if (l && typeof l.attr.value === 'number') out.declLine = l.attr.value;
    return out;
  }

  private variable(d: Die, cu: CompileUnit, isParameter: boolean): Variable | null {
    const r = this.r;
    const name = r.name(d);
    if (name === undefined) return null;
    const cv = r.inherited(d, AT.const_value);
    let constValue: number | Uint8Array | null = null;
    if (cv) {
      if (cv.attr.value instanceof Uint8Array) constValue = cv.attr.value;
      else if (typeof cv.attr.value === 'number') constValue = r.signed(cv.die, AT.const_value) ?? cv.attr.value;
    }
    return {
      name, type: this.typeFrom(d), location: r.attr(d, AT.location) ?? null, constValue, isParameter,
      external: !!r.inherited(d, AT.external), ...this.decl(d, cu), unit: cu.unit, die: d,
    };
  }
}

export function inRanges(ranges: Array<[number, number]>, pc: number): boolean {
  for (const [s, e] of ranges) if (pc >= s && pc < e) return true;
  return false;
}

/** The chain of scopes containing pc, outermost (the function) first. */
/**
 * gcc (12, -O2) sometimes describes an out-of-line function's body as that same function inlined
 * into it, "called" from the function's own declaration (Debian's kernel: bprm_execve holds an
 * inlined bprm_execve at fs/exec.c:1849, the line of its name). No source calls anything there:
 * it is the function itself, and shown as a frame it doubles the function in every stack through
 * it (and a breakpoint on the name gets a second location in the same call). Such a scope is
 * made a block of the function; its variables, parameters included, stay in it (innermost wins).
 * A real recursive call inlined is called from a line of the body, never from the declaration.
 */
function foldSelfInline(fn: Scope, name: string, decl: { declFile?: string; declLine?: number }): void {
  if (decl.declLine === undefined || !name) return;
  const walk = (s: Scope, depth: number): void => {
    if (depth > MAX_SCOPE_DEPTH) return;
    for (const c of s.children) {
      if (c.kind === 'block') { walk(c, depth + 1); continue; }
      if (c.name !== name || c.callLine !== decl.declLine || c.callFile !== decl.declFile) continue;
      c.kind = 'block';
      c.name = '';
      delete c.callFile; delete c.callLine; delete c.entryPc; delete c.declFile; delete c.declLine;
      walk(c, depth + 1);
    }
  };
  walk(fn, 0);
}

export function scopeChain(fn: FunctionInfo, pc: number): Scope[] {
  const chain: Scope[] = [fn.scope];
  let s = fn.scope;
  for (let depth = 0; depth < MAX_SCOPE_DEPTH; depth++) {
    const next = s.children.find((c) => inRanges(c.ranges, pc));
    if (!next) break;
    chain.push(next);
    s = next;
  }
  return chain;
}
