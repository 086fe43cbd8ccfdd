// What the debugger can look at while the guest is stopped: registers, memory and DWARF
// variables by name, expressions over them, the call stack, and writes back to variables.
// Part of the engine (no DAP import); the engine delegates to it.

import type { MachineApi, RegisterFile } from '../../emulator/machine';
import { X86_64, unwindEbpChain, type DebugInfo, formatValue, scalarValue, sizeOf, strip, typeName, type CType, type FunctionInfo, type Regs, type Variable } from '../../emulator/loader/dwarf';
import { compileExpression, ExpressionError, NotApplicable, toBigInt, toNumber, typedBytes, type ExpressionScope, type Typed, type Value } from '../../emulator/expression';
import { GPR64, asAddress, controlRegister, cr8, efer, gpr, kernelGsBase, longCpu, rip, segmentBase, setGpr, type LongCpu } from './long-mode-view';
import type { SymbolTable } from './symbols';
import { ERROR_CODE_VECTORS, unwind, type RawFrame } from './stack';
import { StubMap, type HandlerEntry } from './interrupt-frames';
import { systemView } from './cpu-view';
import { PerCpu } from './per-cpu';
import { orcFrames } from './kernel-stack';
import type { BounceEntries } from './xen-bounce';
import { withTailCalls } from './tail-calls';
import type { OrcTable } from './orc';

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

/** gdb's aliases in a 64-bit guest. */
const DOLLAR_ALIASES_64: Record<string, string> = { pc: 'rip', sp: 'rsp', fp: 'rbp', ps: 'eflags', flags: 'eflags', rflags: 'eflags' };
const LEGACY8: Record<string, [number, number]> = { al: [0, 0], cl: [1, 0], dl: [2, 0], bl: [3, 0], ah: [0, 8], ch: [1, 8], dh: [2, 8], bh: [3, 8], spl: [4, 0], bpl: [5, 0], sil: [6, 0], dil: [7, 0] };

/**
 * A register of a long-mode CPU by name: RAX..R15, RIP (BigInt, all 64 bits), their 32/16/8-bit
 * parts (EAX, R8D, AX, R8W, AL, AH, SIL, R8B... as numbers), FS/GS/KERNEL_GS bases, CR0-CR4/CR8, EFER.
 */
export function register64(c: LongCpu, m: MachineApi, name: string): number | bigint | undefined {
  const n = DOLLAR_ALIASES_64[name] ?? name;
  const q = (GPR64 as readonly string[]).indexOf(n);
  if (q >= 0) return gpr(c, q);
  if (n === 'rip') return rip(c);
  const e = /^e(ax|cx|dx|bx|sp|bp|si|di)$/.exec(n);
  if (e) return c.regs[(GPR64 as readonly string[]).indexOf(`r${e[1]}`)]! >>> 0;
  const x = /^(ax|cx|dx|bx|sp|bp|si|di)$/.exec(n);
  if (x) return c.regs[(GPR64 as readonly string[]).indexOf(`r${x[1]}`)]! & 0xffff;
  const r = /^r(\d+)([dwb]|l)?$/.exec(n);
  if (r && Number(r[1]) >= 8 && Number(r[1]) <= 15 && r[2]) {
    const lo = c.regs[Number(r[1])]!;
    return r[2] === 'd' ? lo >>> 0 : r[2] === 'w' ? lo & 0xffff : lo & 0xff;
  }
  const b = LEGACY8[n];
  if (b) return (c.regs[b[0]]! >>> b[1]) & 0xff;
  switch (n) {
    case 'eip': return c.eip >>> 0;
    case 'eflags': return c.getFlags() >>> 0;
    case 'fs_base': case 'fs.base': return segmentBase(c, 'fs');
    case 'gs_base': case 'gs.base': return segmentBase(c, 'gs');
    case 'k_gs_base': case 'kernel_gs_base': return kernelGsBase(c) ?? undefined;
    case 'cr0': case 'cr4': return Number(controlRegister(c, n === 'cr0' ? 0 : 4) & 0xffffffffn);
    case 'cr2': case 'cr3': return controlRegister(c, n === 'cr2' ? 2 : 3);
    case 'cr8': return cr8(c) ?? undefined;
    case 'efer': return efer(c);
    case 'cs': case 'ds': case 'es': case 'fs': case 'gs': case 'ss': return m.getRegisters()[n];
    default: return undefined;
  }
}

export const REGISTER_NAMES = new Set(['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags', 'cs', 'ds', 'es', 'fs', 'gs', 'ss', 'cr0', 'cr2', 'cr3', 'cr4']);

/** A stack frame to evaluate in: its function's parameters and locals, its (unwound) registers. */
export interface FrameContext {
  fn: FunctionInfo; params: Variable[]; locals: Variable[]; regs: Regs;
  /** The innermost frame (its registers are the CPU's). */
  innermost: boolean;
  regBytes?: (name: string) => Uint8Array | undefined;
}

export class Inspector {
  constructor(
    private readonly machine: MachineApi,
    private readonly dwarf: DebugInfo | null,
    private readonly symbols: SymbolTable,
    private readonly pc: () => number,
    /** The image is x86-64 (ELF64): its registers are shown and named as 64-bit from the start. */
    private readonly image64 = false,
  ) {
    this.perCpu = new PerCpu(machine, dwarf, symbols, () => this.long(), this.readMemory, () => this.dwarfRegs(), (n) => this.typeNamed(n));
  }

  /** Linux's per-CPU variables and `current` (per-cpu.ts). */
  readonly perCpu: PerCpu;

  /** The long-mode CPU when this guest is a 64-bit one (an x86-64 image, or long mode active); else null. */
  long(): LongCpu | null {
    const c = longCpu(this.machine);
    if (!c) return null;
    return this.image64 || c.lma === true || c.long64 === true ? c : null;
  }

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
    const c64 = this.long();
    if (c64) return this.scope64(c64);
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

  /** A 64-bit guest's names: `$rax`... (all 64 bits), their parts, variables, symbols; 64-bit arithmetic. */
  private scope64(c: LongCpu): ExpressionScope {
    const regs = this.machine.getRegisters();
    return {
      width: 64,
      read: (a, s) => this.read(a, s),
      readBytes: (a, n) => this.readMemory(a, n),
      variable: (id) => this.typedVariable(id, regs),
      typeNamed: (n) => this.typeNamed(n),
      perCpuOffset: (cpu) => this.perCpu.offset(cpu),
      currentTask: (cpu) => this.perCpu.currentTask(cpu),
      name: (id) => {
        if (id.startsWith('$')) return register64(c, this.machine, id.slice(1).toLowerCase());
        const low = id.toLowerCase();
        const r = register64(c, this.machine, low);
        if (r !== undefined && !(low in DOLLAR_ALIASES_64)) return r;
        if (low === 'icount') return this.machine.icount;
        const v = this.variableValue(id);
        if (v !== undefined) return v;
        const sym = this.symbols.lookup(id);
        return sym ? sym.address : undefined;
      },
    };
  }

  /** An expression's value as an unsigned 64-bit BigInt. */
  evaluateBig(text: string): bigint {
    const v = this.evaluate(text);
    if (typeof v === 'string') throw new ExpressionError(`'${text}' is a string, not a number`);
    return toBigInt(v, this.scope());
  }

  /**
   * Evaluates in the innermost frame, or in the frame given (a caller's parameters and locals
   * with its unwound registers, as gdb's `frame N` then `print`); registers by name stay the CPU's.
   */
  evaluate(text: string, frame?: FrameContext): Value {
    const e = compileExpression(text);
    this.frameCtx = frame ?? null;
    try { return e(this.scope()); } catch (err) {
      if (err instanceof NotApplicable) throw new ExpressionError(`unknown name '${err.message}' (variables, registers, symbols and [address] are available)`);
      throw err;
    } finally { this.frameCtx = null; }
  }

  /** The frame an evaluation is in (null: the innermost). */
  private frameCtx: FrameContext | null = null;

  /** Where a frame's variables are and how to read them: its scope, its registers, its exact register bytes. */
  private frameState(): { at: { function: FunctionInfo; params: Variable[]; locals: Variable[] } | null; regs: Regs; innermost: boolean; regBytes?: (name: string) => Uint8Array | undefined } {
    const f = this.frameCtx;
    if (f) return { at: { function: f.fn, params: f.params, locals: f.locals }, regs: f.regs, innermost: f.innermost, ...(f.regBytes ? { regBytes: f.regBytes } : {}) };
    const regs = this.dwarfRegs();
    return { at: this.dwarf?.variablesAt(this.dwarf.pcOf(regs)!) ?? null, regs, innermost: true, regBytes: this.regBytes };
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
    if (typeof v === 'bigint') return { text: `0x${v.toString(16).padStart(16, '0')}`, number: asAddress(v) };
    if (typeof v === 'number') return { text: `0x${v.toString(16).padStart(8, '0')}`, number: v };
    const t = strip(v.type);
    if (t.kind === 'array' && t.counts[0] === null && v.address !== undefined) {
      // A flexible array member (`char text[]`) has no size: shown by its address, as the
      // pointer it decays to (with the string for chars), each element reachable by index.
      const decayed: Typed = { kind: 'typed', type: { kind: 'pointer', size: this.long() ? 8 : 4, target: t.element }, bytes: this.addressBytes(v.address) };
      return { text: formatValue(decayed.type, decayed.bytes!, { readMemory: this.readMemory, symbolAt: this.codeName }), type: v.type, address: v.address, number: v.address };
    }
    const bytes = typedBytes(v, this.scope());
    const n = t.kind === 'base' || t.kind === 'pointer' || t.kind === 'enum' ? scalarValue(v.type, bytes) : null;
    return { text: formatValue(v.type, bytes, { readMemory: this.readMemory, symbolAt: this.codeName }), type: v.type, bytes, address: v.address, number: n ?? undefined };
  }

  private addressBytes(a: number): Uint8Array {
    const b = new Uint8Array(this.long() ? 8 : 4);
    for (let i = 0, x = BigInt.asUintN(b.length * 8, BigInt(a)); i < b.length; i++, x >>= 8n) b[i] = Number(x & 0xffn);
    return b;
  }

  /** A code address as gdb names a function pointer's target: `name` or `name+off` (ELF symbols, then DWARF functions). */
  readonly codeName = (addr: number): string | undefined => {
    const s = this.symbols.at(addr);
    if (s) return addr === s.address ? s.name : `${s.name}+${addr - s.address}`;
    const f = this.dwarf?.functionAt(addr);
    return f ? (addr === f.lowPc ? f.name : `${f.name}+${addr - f.lowPc}`) : undefined;
  };

  /** A DWARF variable visible at the pc (locals, then parameters, then globals), typed. */
  private typedVariable(name: string, regs: RegisterFile): Typed | undefined {
    const di = this.dwarf;
    if (!di) return undefined;
    void regs;
    const fs = this.frameState();
    const dregs = fs.regs, at = fs.at;
    const local = at?.locals.find((x) => x.name === name) ?? at?.params.find((x) => x.name === name);
    const g = local ? undefined : this.perCpu.global(name);
    const v = local ?? g?.variable;
    if (!v) {
      // A global known by its type alone (its unit has no code to be found by: init_task), at its symbol.
      const a = g ? this.perCpu.addressOf(name) : undefined;
      return g && a !== undefined ? { kind: 'typed', type: g.type, address: a } : undefined;
    }
    const state = { regs: dregs, readMemory: this.readMemory, innermost: fs.innermost, ...(fs.regBytes ? { regBytes: fs.regBytes } : {}) };
    const fn = at && (at.locals.includes(v) || at.params.includes(v)) ? at.function : null;
    const loc = di.evaluateLocation(v, state, fn);
    if (loc.kind === 'memory') return { kind: 'typed', type: v.type, address: this.image64 ? loc.address : loc.address >>> 0 };
    const r = di.readVariable(v, state, fn);
    if (!r.ok) throw new ExpressionError(`'${name}': ${r.reason}`);
    return { kind: 'typed', type: v.type, bytes: r.bytes };
  }

  private typeIndex: Map<string, CType> | null = null;
  /** Units the type index was built from: a debug file loads units as lookups need them, and the index follows. */
  private typeIndexUnits = -1;

  /** The program's types by C spelling, gathered from every variable's type graph. */
  private typeNamed(name: string): CType | undefined {
    const di = this.dwarf;
    if (!di) return undefined;
    const units = di.units.length;
    if (!this.typeIndex || (units !== this.typeIndexUnits && !this.typeIndex.has(name.replace(/\s+/g, ' ').trim()))) {
      this.typeIndexUnits = units;
      const idx = new Map<string, CType>();
      const seen = new Set<CType>();
      const visit = (t: CType, depth: number) => {
        if (seen.has(t) || depth > 32) return;
        seen.add(t);
        if (t.kind !== 'pointer' && t.kind !== 'array' && t.kind !== 'qualified') {
          // A complete struct wins over a unit's bare declaration of it (`struct task_struct;`).
          const key = typeName(t), old = idx.get(key);
          const decl = (x: CType | undefined) => !!x && (x.kind === 'struct' || x.kind === 'union') && x.declaration;
          if (!old || (decl(old) && !decl(t))) idx.set(key, t);
        }
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
    // A debug file read lazily: a type no unit read so far uses is looked for by name there.
    return this.typeIndex.get(name.replace(/\s+/g, ' ').trim()) ?? di.typeNamed(name);
  }

  /** Registers in the form the DWARF evaluator takes (x86-64 names for an x86-64 image: addresses signed, arch.ts). */
  dwarfRegs(): Regs {
    const c = this.image64 || this.dwarf?.arch.name === 'x86-64' ? longCpu(this.machine) : null;
    if (c) {
      const out: Regs = {};
      GPR64.forEach((name, i) => { out[name] = asAddress(gpr(c, i)); });
      out.rip = this.pc();
      out.rflags = c.getFlags() >>> 0;
      return out;
    }
    const r = this.machine.getRegisters();
    return { eax: r.eax, ecx: r.ecx, edx: r.edx, ebx: r.ebx, esp: r.esp, ebp: r.ebp, esi: r.esi, edi: r.edi, eip: this.pc(), eflags: r.eflags };
  }

  readonly readMemory = (addr: number, len: number): Uint8Array | null => this.machine.readLinear(this.image64 ? addr : addr >>> 0, len);

  /** The live registers' exact bytes (RAX..R15 all 64 bits, XMM0-15), for DWARF variables held in them. */
  readonly regBytes = (name: string): Uint8Array | undefined => {
    const c = longCpu(this.machine);
    if (!c) return undefined;
    const q = (GPR64 as readonly string[]).indexOf(name);
    if (q >= 0) { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, gpr(c, q), true); return b; }
    const x = /^xmm(\d+)$/.exec(name);
    const bytes = c.sse?.bytes;
    // XMM0-7, or XMM0-15 when the unit has them (past them lie the unit's scratch slots).
    if (x && bytes instanceof Uint8Array && Number(x[1]) < (bytes.length >= 256 ? 16 : 8)) return bytes.slice(Number(x[1]) * 16, Number(x[1]) * 16 + 16);
    return undefined;
  };

  /**
   * The call stack: from CFI (with the EBP chain where no FDE covers a frame) when the pc is in
   * a function DWARF describes, else from the EBP chain with prologue heuristics.
   */
  frames(): RawFrame[] {
    const regs = this.dwarfRegs();
    if (this.image64 || this.dwarf?.arch.name === 'x86-64') return withTailCalls(this.frames64(this.dwarf, regs), this.dwarf);
    const stubs = new StubMap(this.handlerTable(), (a, n) => this.machine.readLinear(a >>> 0, n));
    return withTailCalls(this.throughInterrupts(this.framesFrom(regs, true), regs, stubs, 0), this.dwarf);
  }

  /**
   * A 64-bit image's stack: CFI (through interrupt frames whose stubs mark them signal frames),
   * the RBP chain where no FDE covers a frame.
   */
  /** Linux's ORC tables, when the kernel's debug file has them: the kernel's own unwinder (kernel-stack.ts). */
  orc: OrcTable | null = null;

  private frames64(di: DebugInfo | null, regs: Regs): RawFrame[] {
    if (this.orc && this.orc.find(regs.rip ?? 0)) return orcFrames(this.orc, di, regs, this.readMemory, this.bounceEntries());
    const stubs = new StubMap(this.handlerTable64(), (a, n) => this.readMemory(a, n), 64);
    return this.throughInterrupts64(di, this.stack64(di, regs, this.regBytes), stubs, 0);
  }

  private stack64(di: DebugInfo | null, regs: Regs, regBytes?: (name: string) => Uint8Array | undefined): RawFrame[] {
    if (!di) return this.rbpChain(regs);
    const leaf = this.framelessLeaf(di, regs);
    if (leaf) return [{ pc: regs.rip!, sp: regs.rsp!, fp: regs.rbp ?? 0, regs, fn: null, exactPc: true }, ...this.stack64(di, leaf).map((f, i) => (i === 0 ? { ...f, exactPc: false } : f))];
    return di.stack(regs, this.readMemory, 64, regBytes).map((f, i) => ({
      pc: f.regs.rip ?? 0, sp: f.regs.rsp ?? 0, fp: f.regs.rbp ?? 0, regs: f.regs, fn: f.function, exactPc: i === 0 || f.exactPc,
      ...(f.regBytes ? { regBytes: f.regBytes } : {}),
    }));
  }

  /**
   * Code without CFI stopped where its return address is still at RSP, as gdb's frameless rule
   * takes it: on a `ret`, or on a symbol's first instruction (a hypercall page's stub after its
   * VMCALL, a call into assembly). The caller's registers, or null when that does not apply.
   */
  private framelessLeaf(di: DebugInfo, regs: Regs): Regs | null {
    const pc = regs.rip, sp = regs.rsp;
    if (pc === undefined || sp === undefined || di.cfiRowAt(pc)) return null;
    const op = this.readMemory(pc, 1)?.[0];
    const sym = this.symbols.functionAt(pc);
    if (op !== 0xc3 && sym?.address !== pc) return null;
    const b = this.readMemory(sp, 8);
    if (!b || b.length < 8) return null;
    const ret = Number(new DataView(b.buffer, b.byteOffset, 8).getBigInt64(0, true));
    if (!this.symbols.at(ret) && !di.functionAt(ret - 1)) return null;
    return { ...regs, rip: ret, rsp: Number(BigInt.asIntN(64, BigInt(sp) + 8n)) };
  }

  /**
   * The 64-bit form of throughInterrupts: the CPU pushed SS, RSP, RFLAGS, CS and RIP (always,
   * in 64-bit mode) and maybe an error code; registers the stub pushed one by one come back.
   */
  /**
   * Without DWARF (a kernel built without -g): the RBP chain, [RBP] the caller's RBP and
   * [RBP+8] the return address, for as long as each return address is in a known function.
   */
  private rbpChain(regs: Regs): RawFrame[] {
    const out: RawFrame[] = [{ pc: regs.rip ?? 0, sp: regs.rsp ?? 0, fp: regs.rbp ?? 0, regs, exactPc: true }];
    let cur = regs;
    while (out.length < 64) {
      const up = unwindEbpChain(cur, this.readMemory, X86_64);
      const ret = up?.regs.rip;
      if (!up || ret === undefined || !this.symbols.at(ret) || (up.regs.rsp ?? 0) <= (cur.rsp ?? 0)) break;
      cur = up.regs;
      out.push({ pc: ret, sp: cur.rsp ?? 0, fp: cur.rbp ?? 0, regs: cur });
    }
    return out;
  }

  private throughInterrupts64(di: DebugInfo | null, frames: RawFrame[], stubs: StubMap, nesting: number): RawFrame[] {
    if (nesting >= 4) return frames;
    const qword = (a: number): number | null => {
      const b = this.readMemory(a, 8);
      return b ? Number(new DataView(b.buffer, b.byteOffset, 8).getBigInt64(0, true)) : null;
    };
    const add = (a: number, d: number) => Number(BigInt.asIntN(64, BigInt(a) + BigInt(d)));
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      if (i > 0 && f.interruptedBy !== undefined) return frames;
      const p = stubs.at(f.pc);
      if (!p) continue;
      const at = add(f.sp, p.eipOffset);
      const ripV = qword(at), rflags = qword(add(at, 16)), rspV = qword(add(at, 24));
      if (ripV === null || rflags === null || rspV === null || (!this.symbols.at(ripV) && !di?.functionAt(ripV))) continue;
      const regs: Regs = { rip: ripV, rsp: rspV, rflags: rflags >>> 0 };
      for (const [r, off] of Object.entries(p.savedOffsets ?? {})) { const v = qword(add(f.sp, off)); if (v !== null) regs[GPR64[Number(r)]!] = v; }
      if (regs.rbp === undefined && p.ebpKept) { const live = f.regs?.rbp ?? f.fp; regs.rbp = live; }
      const below = this.stack64(di, regs);
      if (!below.length) continue;
      const pushed = p.vectorOffset !== undefined ? qword(add(f.sp, p.vectorOffset)) : null;
      below[0] = { ...below[0]!, interruptedBy: p.vector ?? (pushed !== null && pushed >= 0 && pushed < 256 ? pushed : ''), exactPc: true };
      return frames.slice(0, i + 1).concat(this.throughInterrupts64(di, below, stubs, nesting + 1));
    }
    return frames;
  }

  /** A 64-bit PV kernel's callback and trap-table entries, where Xen's bounce frames land (xen-bounce.ts). */
  private bounceEntries(): BounceEntries | undefined {
    const pv = this.machine.pvState?.();
    if (!pv || !(this.image64 || this.dwarf?.arch.name === 'x86-64')) return undefined;
    const out: BounceEntries = new Map();
    for (const t of pv.trapTable) out.set(t.eip, { name: `vector ${t.vector}`, errorCode: ERROR_CODE_VECTORS.has(t.vector) });
    if (pv.callbacks.event.eip) out.set(pv.callbacks.event.eip, { name: 'event upcall', errorCode: false });
    return out;
  }

  /** A 64-bit IDT's present interrupt and trap gates (16 bytes each): entry -> vector and error-code bytes. */
  private handlerTable64(): Map<number, HandlerEntry> {
    const out = new Map<number, HandlerEntry>();
    const sys = systemView(this.machine);
    const idt = sys?.tables.find((t) => t.name === 'idtr');
    const c = this.long();
    if (!idt || !c || !c.lma) return out;
    const base = Number(BigInt.asIntN(64, (BigInt(c.idtBaseHi >>> 0) << 32n) | BigInt(idt.base >>> 0)));
    const n = Math.min(256, Math.floor((idt.limit + 1) / 16));
    const bytes = this.readMemory(base, n * 16);
    if (!bytes) return out;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let v = 0; v < n; v++) {
      const o = v * 16, type = bytes[o + 5]! & 0x1f;
      if (!(bytes[o + 5]! & 0x80) || (type !== 0x0e && type !== 0x0f)) continue;
      const off = (BigInt(dv.getUint32(o + 8, true)) << 32n) | BigInt(((dv.getUint16(o + 6, true) << 16) | dv.getUint16(o, true)) >>> 0);
      const addr = Number(BigInt.asIntN(64, off));
      if (!out.has(addr)) out.set(addr, { vector: v, before: ERROR_CODE_VECTORS.has(v) ? 8 : 0 });
    }
    return out;
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
    const fs = this.frameState();
    const regs = fs.regs, at = fs.at;
    const v = at?.locals.find((x) => x.name === name) ?? at?.params.find((x) => x.name === name) ?? this.perCpu.global(name)?.variable;
    if (!v) return undefined;
    const state = { regs, readMemory: this.readMemory, innermost: fs.innermost, ...(fs.regBytes ? { regBytes: fs.regBytes } : {}) };
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
      const at = di.variablesAt(di.pcOf(regs)!);
      const v = at?.locals.find((x) => x.name === name) ?? at?.params.find((x) => x.name === name) ?? this.perCpu.global(name)?.variable;
      if (v) {
        const loc = di.evaluateLocation(v, { regs, readMemory: this.readMemory, innermost: true, regBytes: this.regBytes }, at?.function ?? null);
        return loc.kind === 'memory' ? { address: this.image64 ? loc.address : loc.address >>> 0, size: Math.max(1, Math.min(sizeOf(v.type) || 4, 4096)) } : null;
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
  writeVariable(v: Variable, fn: FunctionInfo | null, value: number | bigint, regs: Regs, innermost: boolean): string | null {
    const di = this.dwarf;
    if (!di) return 'no debug information';
    const loc = di.evaluateLocation(v, { regs, readMemory: this.readMemory, innermost, regBytes: this.regBytes }, fn);
    const size = sizeOf(v.type) || 4;
    const bytes = new Uint8Array(size);
    const big = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
    for (let i = 0, x = BigInt.asUintN(size * 8, big); i < size; i++, x >>= 8n) bytes[i] = Number(x & 0xffn);
    if (loc.kind === 'memory') return this.machine.writeLinear(loc.address, bytes) ? null : `memory at 0x${loc.address.toString(16)} is not mapped`;
    const c64 = this.dwarf?.arch.name === 'x86-64' ? longCpu(this.machine) : null;
    const q = (GPR64 as readonly string[]).indexOf(loc.kind === 'register' ? loc.name : '');
    if (loc.kind === 'register' && innermost && c64 && q >= 0) {
      // As the CPU writes a register of the variable's size: 8 bytes whole, 4 zero-extended
      // (a 32-bit write clears the high half), 1 or 2 into the low bytes only.
      const mask = (1n << BigInt(Math.min(size, 8) * 8)) - 1n;
      const next = size >= 8 ? big : size === 4 ? big & mask : (gpr(c64, q) & ~mask) | (big & mask);
      setGpr(c64, q, BigInt.asUintN(64, next));
      return null;
    }
    if (loc.kind === 'register' && innermost && REGISTER_NAMES.has(loc.name)) { this.machine.setRegister(loc.name as keyof RegisterFile, Number(BigInt.asUintN(32, big))); return null; }
    return `cannot write a variable that lives in ${loc.kind === 'register' ? `register ${loc.name} of a caller` : loc.kind}`;
  }

}
