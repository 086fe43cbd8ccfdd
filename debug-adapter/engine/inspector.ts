// What the debugger can look at while the guest is stopped: registers, memory and DWARF
// variables by name, expressions over them, the call stack, and writes back to variables.
// Part of the engine (no DAP import); the engine delegates to it.

import type { MachineApi, RegisterFile } from '../../emulator/machine';
import { type DebugInfo, formatValue, scalarValue, sizeOf, strip, typeName, type CType, type FunctionInfo, type Regs, type Variable } from '../../emulator/loader/dwarf';
import { compileExpression, ExpressionError, NotApplicable, toNumber, typedBytes, type ExpressionScope, type Typed, type Value } from '../../emulator/expression';
import type { SymbolTable } from './symbols';
import { ERROR_CODE_VECTORS, unwind, type RawFrame } from './stack';
import { StubMap, type HandlerEntry } from './interrupt-frames';
import { systemView } from './cpu-view';

/** gdb's register aliases; the 64-bit names read the 32-bit registers of this 32-bit guest. */
const DOLLAR_ALIASES: Record<string, string> = {
  pc: 'eip', sp: 'esp', fp: 'ebp', ps: 'eflags', flags: 'eflags', rflags: 'eflags',
  rip: 'eip', rax: 'eax', rbx: 'ebx', rcx: 'ecx', rdx: 'edx', rsi: 'esi', rdi: 'edi', rbp: 'ebp', rsp: 'esp',
};

function registerByDollarName(regs: RegisterFile, name: string): number | undefined {
  const n = DOLLAR_ALIASES[name] ?? name;
  if (REGISTER_NAMES.has(n)) return regs[n as keyof RegisterFile];
  const r16 = /^(ax|cx|dx|bx|sp|bp|si|di)$/.exec(n);
  if (r16) return regs[`e${n}` as keyof RegisterFile] & 0xffff;
  const r8 = /^([abcd])([lh])$/.exec(n);
  if (r8) { const v = regs[`e${r8[1]}x` as keyof RegisterFile]; return r8[2] === 'l' ? v & 0xff : (v >>> 8) & 0xff; }
  return undefined;
}

export const REGISTER_NAMES = new Set(['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags', 'cs', 'ds', 'es', 'fs', 'gs', 'ss', 'cr0', 'cr2', 'cr3', 'cr4']);

export class Inspector {
  constructor(
    private readonly machine: MachineApi,
    private readonly dwarf: DebugInfo | null,
    private readonly symbols: SymbolTable,
    private readonly pc: () => number,
  ) {}

  read(addr: number, size: 1 | 2 | 4): number | null {
    const b = this.machine.readLinear(addr >>> 0, size);
    if (!b) return null;
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + b[i]!;
    return v;
  }

  /** Names for expressions: registers, exit fields of the latest exit, symbols (their address). */
  scope(): ExpressionScope {
    const regs = this.machine.getRegisters();
    const base: ExpressionScope = {
      read: (a, s) => this.read(a, s),
      readBytes: (a, n) => this.readMemory(a, n),
      variable: (id) => this.typedVariable(id, regs),
      typeNamed: (n) => this.typeNamed(n),
      name: (id) => {
        // gdb's convention: `$eax`, `$cr3`, `$pc` name registers and nothing else.
        if (id.startsWith('$')) return registerByDollarName(regs, id.slice(1).toLowerCase());
        const low = id.toLowerCase();
        if (REGISTER_NAMES.has(low)) return regs[low as keyof RegisterFile];
        const r16 = /^(ax|cx|dx|bx|sp|bp|si|di)$/.exec(low);
        if (r16) return regs[`e${low}` as keyof RegisterFile] & 0xffff;
        const r8 = /^([abcd])([lh])$/.exec(low);
        if (r8) { const v = regs[`e${r8[1]}x` as keyof RegisterFile]; return r8[2] === 'l' ? v & 0xff : (v >>> 8) & 0xff; }
        if (low === 'icount') return this.machine.icount;
        const v = this.variableValue(id);
        if (v !== undefined) return v;
        const s = this.symbols.lookup(id);
        return s ? s.address : undefined;
      },
    };
    return base;
  }

  evaluate(text: string): Value {
    const e = compileExpression(text);
    try { return e(this.scope()); } catch (err) {
      if (err instanceof NotApplicable) throw new ExpressionError(`unknown name '${err.message}' (variables, registers, symbols and [address] are available)`);
      throw err;
    }
  }

  /** An expression's value as a number (a typed scalar's value, an array's address). */
  evaluateNumber(text: string): number {
    const v = this.evaluate(text);
    if (typeof v === 'string') throw new ExpressionError(`'${text}' is a string, not a number`);
    return toNumber(v, this.scope());
  }

  /** Text of a value: C-like for typed values, hex and decimal for numbers. */
  describeValue(v: Value): { text: string; type?: CType; bytes?: Uint8Array; address?: number; number?: number } {
    if (typeof v === 'string') return { text: JSON.stringify(v) };
    if (typeof v === 'number') return { text: `0x${v.toString(16).padStart(8, '0')}`, number: v };
    const bytes = typedBytes(v, this.scope());
    const t = strip(v.type);
    const n = t.kind === 'base' || t.kind === 'pointer' || t.kind === 'enum' ? scalarValue(v.type, bytes) : null;
    return { text: formatValue(v.type, bytes, { readMemory: this.readMemory }), type: v.type, bytes, address: v.address, number: n ?? undefined };
  }

  /** A DWARF variable visible at the pc (locals, then parameters, then globals), typed. */
  private typedVariable(name: string, regs: RegisterFile): Typed | undefined {
    const di = this.dwarf;
    if (!di) return undefined;
    const dregs = this.dwarfRegs();
    void regs;
    const at = di.variablesAt(dregs.eip!);
    const v = at?.locals.find((x) => x.name === name) ?? at?.params.find((x) => x.name === name) ?? di.globals().find((x) => x.name === name);
    if (!v) return undefined;
    const state = { regs: dregs, readMemory: this.readMemory, innermost: true };
    const fn = di.globals().includes(v) ? null : at?.function ?? null;
    const loc = di.evaluateLocation(v, state, fn);
    if (loc.kind === 'memory') return { kind: 'typed', type: v.type, address: loc.address >>> 0 };
    const r = di.readVariable(v, state, fn);
    if (!r.ok) throw new ExpressionError(`'${name}': ${r.reason}`);
    return { kind: 'typed', type: v.type, bytes: r.bytes };
  }

  private typeIndex: Map<string, CType> | null = null;

  /** The program's types by C spelling, gathered from every variable's type graph. */
  private typeNamed(name: string): CType | undefined {
    const di = this.dwarf;
    if (!di) return undefined;
    if (!this.typeIndex) {
      const idx = new Map<string, CType>();
      const seen = new Set<CType>();
      const visit = (t: CType, depth: number) => {
        if (seen.has(t) || depth > 32) return;
        seen.add(t);
        if (t.kind !== 'pointer' && t.kind !== 'array' && t.kind !== 'qualified') idx.set(typeName(t), t);
        if (t.kind === 'pointer' || t.kind === 'typedef' || t.kind === 'qualified') visit(t.target, depth + 1);
        else if (t.kind === 'array') visit(t.element, depth + 1);
        else if (t.kind === 'struct' || t.kind === 'union') for (const m of t.members) visit(m.type, depth + 1);
      };
      for (const g of di.globals()) visit(g.type, 0);
      for (const f of di.allFunctions()) {
        const walk = (sc: FunctionInfo['scope']) => { for (const v of sc.variables) visit(v.type, 0); for (const c of sc.children) walk(c); };
        walk(f.scope);
        visit(f.returnType, 0);
      }
      this.typeIndex = idx;
    }
    return this.typeIndex.get(name.replace(/\s+/g, ' ').trim());
  }

  /** Registers in the form the DWARF evaluator takes. */
  dwarfRegs(): Regs {
    const r = this.machine.getRegisters();
    return { eax: r.eax, ecx: r.ecx, edx: r.edx, ebx: r.ebx, esp: r.esp, ebp: r.ebp, esi: r.esi, edi: r.edi, eip: this.pc(), eflags: r.eflags };
  }

  readonly readMemory = (addr: number, len: number): Uint8Array | null => this.machine.readLinear(addr >>> 0, len);

  /**
   * The call stack: from CFI (with the EBP chain where no FDE covers a frame) when the pc is in
   * a function DWARF describes, else from the EBP chain with prologue heuristics.
   */
  frames(): RawFrame[] {
    const regs = this.dwarfRegs();
    const stubs = new StubMap(this.handlerTable(), (a, n) => this.machine.readLinear(a >>> 0, n));
    return this.throughInterrupts(this.framesFrom(regs, true), regs, stubs, 0);
  }

  /** Frames from a register state: the live one, or an interrupted frame's. */
  private framesFrom(regs: Regs, live: boolean): RawFrame[] {
    const pc = regs.eip! >>> 0;
    if (this.dwarf?.functionAt(pc)) {
      const st = this.dwarf.stack(regs, this.readMemory);
      return st.map((f, i) => ({ pc: f.regs.eip ?? 0, sp: f.regs.esp ?? 0, fp: f.regs.ebp ?? 0, regs: f.regs, fn: f.function, exactPc: i === 0 || f.exactPc }));
    }
    return unwind(this.machine, this.symbols, pc, (a) => this.machine.readLinear(a, 16), live ? this.handlerEntries() : undefined, { esp: regs.esp! >>> 0, ebp: regs.ebp! >>> 0 });
  }

  /**
   * The first frame whose pc lies in interrupt handler code of a known layout (see
   * interrupt-frames.ts) is followed by the interrupted frame, read from the frame the CPU
   * pushed, and by that frame's callers; what the unwinder had guessed past it is dropped.
   */
  private throughInterrupts(frames: RawFrame[], live: Regs, stubs: StubMap, nesting: number): RawFrame[] {
    if (nesting >= 4) return frames;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      if (i > 0 && f.interruptedBy !== undefined) return frames;
      const p = stubs.at(f.pc);
      if (!p) continue;
      const sp = (i === 0 ? live.esp! : f.sp) >>> 0;
      const word = (a: number) => { const b = this.machine.readLinear(a >>> 0, 4); return b ? (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0 : null; };
      const at = sp + p.eipOffset;
      const eip = word(at), cs = word(at + 4), eflags = word(at + 8);
      if (eip === null || cs === null || eflags === null || (!this.symbols.at(eip) && !this.dwarf?.functionAt(eip))) continue;
      // A privilege change pushed the interrupted ESP too (PV: Xen keeps its event mask above CS's 16 bits).
      const sameRing = (cs & 3) === (this.machine.getRegisters().cs & 3);
      const esp = sameRing ? at + 12 : word(at + 12);
      if (esp === null) continue;
      const regs: Regs = { eip, esp: esp >>> 0, eflags };
      if (p.pushaOffset !== undefined) {
        const base = sp + p.pushaOffset;
        (['edi', 'esi', 'ebp', '', 'ebx', 'edx', 'ecx', 'eax'] as const).forEach((name, k) => { if (name) { const v = word(base + 4 * k); if (v !== null) regs[name] = v; } });
      }
      // Not saved by a PUSHA: still in EBP, or where a C handler's prologue pushed it.
      regs.ebp ??= p.ebpKept ? (i === 0 ? live.ebp! : f.fp) >>> 0 : p.ebpOffset !== undefined ? word(sp + p.ebpOffset) ?? 0 : 0;
      const below = this.framesFrom(regs, false);
      const pushed = p.vectorOffset !== undefined ? word(sp + p.vectorOffset) : null;
      below[0] = { ...below[0]!, interruptedBy: p.vector ?? (pushed !== null && pushed < 256 ? pushed : ''), exactPc: true };
      return frames.slice(0, i + 1).concat(this.throughInterrupts(below, regs, stubs, nesting + 1));
    }
    return frames;
  }

  /** Handler entry points with what lies between ESP at entry and the pushed EIP. */
  private handlerTable(): Map<number, HandlerEntry> {
    const out = new Map<number, HandlerEntry>();
    for (const [addr, vector] of this.handlerEntries()) out.set(addr, { vector, before: ERROR_CODE_VECTORS.has(vector) ? 4 : 0 });
    const pv = this.machine.pvState?.();
    if (pv) {
      // Xen's bounce frames: the event callback gets EIP, CS, EFLAGS; the failsafe callback
      // DS, ES, FS, GS below them.
      if (pv.callbacks.event.eip) out.set(pv.callbacks.event.eip >>> 0, { vector: 'event upcall', before: 0 });
      if (pv.callbacks.failsafe.eip) out.set(pv.callbacks.failsafe.eip >>> 0, { vector: 'failsafe callback', before: 16 });
    }
    return out;
  }

  /** Interrupt and exception handler entry points -> vector: the IDT's present 32-bit gates, or the PV trap table. */
  handlerEntries(): Map<number, number> {
    const out = new Map<number, number>();
    const pv = this.machine.pvState?.();
    if (pv) { for (const t of pv.trapTable) out.set(t.eip >>> 0, t.vector); return out; }
    const sys = systemView(this.machine);
    const idt = sys?.tables.find((t) => t.name === 'idtr');
    if (!idt || !(this.machine.getRegisters().cr0 & 1)) return out;
    const n = Math.min(256, Math.floor((idt.limit + 1) / 8));
    const bytes = this.machine.readLinear(idt.base, n * 8);
    if (!bytes) return out;
    for (let v = 0; v < n; v++) {
      const g = bytes.subarray(v * 8, v * 8 + 8);
      const type = g[5]! & 0x1f;
      // Present 32-bit interrupt or trap gate.
      if (!(g[5]! & 0x80) || (type !== 0x0e && type !== 0x0f)) continue;
      const off = (g[0]! | (g[1]! << 8) | (g[6]! << 16) | (g[7]! << 24)) >>> 0;
      if (!out.has(off)) out.set(off, v);
    }
    return out;
  }

  /** Parameters and locals of a frame (null without DWARF for its pc). */
  frameVariables(frame: RawFrame, innermost: boolean): { fn: FunctionInfo; params: Variable[]; locals: Variable[]; regs: Regs } | null {
    if (!this.dwarf) return null;
    const regs = frame.regs ?? this.dwarfRegs();
    const at = this.dwarf.variablesAt(innermost ? frame.pc : frame.pc - 1);
    return at ? { fn: at.function, params: at.params, locals: at.locals, regs } : null;
  }

  /** A DWARF variable visible at the pc (locals first, then globals) as a number: scalars by value, aggregates by address. */
  private variableValue(name: string): number | undefined {
    const di = this.dwarf;
    if (!di) return undefined;
    const regs = this.dwarfRegs();
    const at = di.variablesAt(regs.eip!);
    const v = at?.locals.find((x) => x.name === name) ?? at?.params.find((x) => x.name === name) ?? di.globals().find((x) => x.name === name);
    if (!v) return undefined;
    const state = { regs, readMemory: this.readMemory, innermost: true };
    const t = strip(v.type);
    if (t.kind === 'array' || t.kind === 'struct' || t.kind === 'union') {
      const loc = di.evaluateLocation(v, state, at?.function ?? null);
      if (loc.kind === 'memory') return loc.address >>> 0;
      throw new ExpressionError(`'${name}' is not in memory here`);
    }
    const r = di.readVariable(v, state, v.isParameter || at?.locals.includes(v) ? at?.function ?? null : null);
    if (!r.ok) throw new ExpressionError(`'${name}': ${r.reason}`);
    const n = scalarValue(v.type, r.bytes);
    if (n === null) throw new ExpressionError(`'${name}' has no scalar value`);
    return n < 0 ? n >>> 0 : n;
  }

  /** Where a name lives: a DWARF variable in memory, else a symbol, else an address expression; with its size. */
  addressOf(name: string): { address: number; size: number } | null {
    const di = this.dwarf;
    if (di) {
      const regs = this.dwarfRegs();
      const at = di.variablesAt(regs.eip!);
      const v = at?.locals.find((x) => x.name === name) ?? at?.params.find((x) => x.name === name) ?? di.globals().find((x) => x.name === name);
      if (v) {
        const loc = di.evaluateLocation(v, { regs, readMemory: this.readMemory, innermost: true }, at?.function ?? null);
        return loc.kind === 'memory' ? { address: loc.address >>> 0, size: Math.max(1, Math.min(sizeOf(v.type) || 4, 4096)) } : null;
      }
    }
    const s = this.symbols.lookup(name);
    if (s) return { address: s.address, size: s.size > 0 && s.size <= 4096 ? s.size : 4 };
    try {
      const v = this.evaluate(name);
      if (typeof v === 'object' && v.address !== undefined) return { address: v.address, size: Math.max(1, Math.min(sizeOf(v.type) || 4, 4096)) };
      return typeof v === 'number' ? { address: v, size: 4 } : null;
    } catch { return null; }
  }

  /** Writes a variable's new value where it lives (memory or a register of the innermost frame). */
  writeVariable(v: Variable, fn: FunctionInfo | null, value: number, regs: Regs, innermost: boolean): string | null {
    const di = this.dwarf;
    if (!di) return 'no debug information';
    const loc = di.evaluateLocation(v, { regs, readMemory: this.readMemory, innermost }, fn);
    const size = sizeOf(v.type) || 4;
    const bytes = new Uint8Array(size);
    for (let i = 0, x = BigInt.asUintN(size * 8, BigInt(Math.trunc(value))); i < size; i++, x >>= 8n) bytes[i] = Number(x & 0xffn);
    if (loc.kind === 'memory') return this.machine.writeLinear(loc.address, bytes) ? null : `memory at 0x${loc.address.toString(16)} is not mapped`;
    if (loc.kind === 'register' && innermost && REGISTER_NAMES.has(loc.name)) { this.machine.setRegister(loc.name as keyof RegisterFile, value >>> 0); return null; }
    return `cannot write a variable that lives in ${loc.kind === 'register' ? `register ${loc.name} of a caller` : loc.kind}`;
  }

}
