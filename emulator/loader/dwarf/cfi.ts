// Call frame information (DWARF 5 spec, section 6.4) from .debug_frame and .eh_frame: CIEs,
// FDEs, the CFA program run to the row for an address, and one-frame unwinding.

import { Cursor, DwarfError, hex } from './reader';
import { evaluate } from './location';
import type { ReadMemory, Regs } from './location';
import { archForAddrSize, normalizeAddress, type DwarfArch } from './arch';

export type RegRule =
  | { kind: 'undefined' }
  | { kind: 'same' }
  | { kind: 'offset'; offset: number }        // saved at CFA + offset
  | { kind: 'val-offset'; offset: number }    // value is CFA + offset
  | { kind: 'register'; reg: number }
  | { kind: 'expression'; expr: Uint8Array }
  | { kind: 'val-expression'; expr: Uint8Array };

export type CfaRule = { kind: 'reg'; reg: number; offset: number } | { kind: 'expression'; expr: Uint8Array };

export interface CfiRow { pc: number; cfa: CfaRule; regs: Map<number, RegRule>; argsSize: number }

export interface Cie {
  offset: number; version: number; augmentation: string; codeAlign: number; dataAlign: number;
  raReg: number; initial: Uint8Array; fdeEncoding: number; addrSize: number; signalFrame: boolean;
}

export interface Fde { offset: number; cie: Cie; start: number; end: number; program: Uint8Array; source: 'debug_frame' | 'eh_frame' }

const DW_EH_PE_omit = 0xff;

function readEncoded(c: Cursor, enc: number, sectionAddr: number, addrSize: number, applyRel = true): number {
  if (enc === DW_EH_PE_omit) return 0;
  const pos = c.pos;
  let v: number;
  switch (enc & 0x0f) {
    case 0x00: v = c.addr(addrSize); break;
    case 0x01: v = c.uleb(); break;
    case 0x02: v = c.u16(); break;
    case 0x03: v = c.u32(); break;
    case 0x04: v = c.i64(); break;   // as addresses are: signed (arch.ts)
    case 0x09: v = c.sleb(); break;
    case 0x0a: v = c.i16(); break;
    case 0x0b: v = c.i32(); break;
    case 0x0c: v = c.i64(); break;
    default: throw new DwarfError(`.eh_frame: unsupported pointer encoding ${hex(enc)} at ${hex(pos)}`);
  }
  if (applyRel) {
    const rel = enc & 0x70;
    if (rel === 0x10) v += sectionAddr + pos;          // pcrel
    else if (rel !== 0) throw new DwarfError(`.eh_frame: unsupported pointer application ${hex(rel)} at ${hex(pos)}`);
  }
  return addrSize === 4 ? v >>> 0 : v;
}

/** Every FDE of a .debug_frame (`eh` false) or .eh_frame (`eh` true) section. */
export function parseFrameSection(sec: Uint8Array, eh: boolean, sectionAddr = 0, addrSize = 4): Fde[] {
  const what = eh ? '.eh_frame' : '.debug_frame';
  const c = new Cursor(sec, 0, sec.length, what);
  const cies = new Map<number, Cie>();
  const fdes: Fde[] = [];
  const cieAt = (off: number): Cie => {
    const hit = cies.get(off);
    if (hit) return hit;
    const cc = new Cursor(sec, off, sec.length, what);
    const { end, is64 } = cc.unitLength();
    const id = cc.offset(is64);
    const isCie = eh ? id === 0 : (is64 ? id === 0xffffffffffffffff || id >= 2 ** 53 - 1 : id === 0xffffffff);
    if (!isCie) throw new DwarfError(`${what}: FDE points at ${hex(off)}, which is not a CIE`);
    const version = cc.u8();
    if (version !== 1 && version !== 3 && version !== 4) throw new DwarfError(`${what}: CIE at ${hex(off)} has unsupported version ${version}`);
    const augmentation = cc.cstr();
    let cieAddrSize = addrSize;
    if (version === 4) { cieAddrSize = cc.u8(); cc.u8(); }
    const codeAlign = cc.uleb();
    const dataAlign = cc.sleb();
    const raReg = version === 1 ? cc.u8() : cc.uleb();
    let fdeEncoding = 0, signalFrame = false;
    if (augmentation.startsWith('z')) {
      const n = cc.uleb();
      const augEnd = cc.pos + n;
      const ac = new Cursor(sec, cc.pos, Math.min(augEnd, end), what);
      for (const ch of augmentation.slice(1)) {
        if (ch === 'R') fdeEncoding = ac.u8();
        else if (ch === 'L') ac.u8();
        else if (ch === 'P') { const e = ac.u8(); readEncoded(ac, e & 0x7f, sectionAddr, cieAddrSize, false); }
        else if (ch === 'S') signalFrame = true;
        else break;   // unknown letters: the length lets us skip the rest
      }
      cc.pos = augEnd;
    } else if (augmentation !== '' && augmentation !== 'eh') {
      throw new DwarfError(`${what}: CIE at ${hex(off)} has unknown augmentation '${augmentation}'`);
    }
    if (cc.pos > end) throw new DwarfError(`${what}: CIE at ${hex(off)} overruns its length`);
    const cie: Cie = { offset: off, version, augmentation, codeAlign, dataAlign, raReg, initial: sec.subarray(cc.pos, end), fdeEncoding, addrSize: cieAddrSize, signalFrame };
    cies.set(off, cie);
    return cie;
  };
  while (c.pos < sec.length) {
    const start = c.pos;
    // A zero length: .eh_frame's terminator; in .debug_frame, a terminator the linker kept
    // from an input (ld does for NASM objects), which readelf too skips.
    if (sec.length - start >= 4 && c.u32() === 0) { if (eh) break; continue; }
    c.pos = start;
    const { end, is64 } = c.unitLength();
    const idPos = c.pos;
    const id = c.offset(is64);
    const isCie = eh ? id === 0 : (is64 ? id >= 2 ** 53 - 1 : id === 0xffffffff);
    if (isCie) { cieAt(start); c.pos = end; continue; }
    const cieOff = eh ? idPos - id : id;
    if (cieOff < 0 || cieOff >= sec.length) throw new DwarfError(`${what}: FDE at ${hex(start)} points at CIE offset ${hex(cieOff)}, outside the section`);
    const cie = cieAt(cieOff);
    const fc = new Cursor(sec, c.pos, end, what);
    let pcBegin: number, pcRange: number;
    if (eh) {
      pcBegin = readEncoded(fc, cie.fdeEncoding, sectionAddr, cie.addrSize);
      pcRange = readEncoded(fc, cie.fdeEncoding & 0x0f, sectionAddr, cie.addrSize, false);
      if (cie.augmentation.startsWith('z')) fc.skip(fc.uleb());
    } else {
      pcBegin = fc.addr(cie.addrSize);
      pcRange = fc.addr(cie.addrSize);
    }
    fdes.push({ offset: start, cie, start: pcBegin, end: pcBegin + pcRange, program: sec.subarray(fc.pos, end), source: eh ? 'eh_frame' : 'debug_frame' });
    c.pos = end;
  }
  return fdes;
}

const MAX_CFA_OPS = 100_000;
const MAX_STATE_DEPTH = 64;

/** Runs the CIE's initial program and the FDE's program up to `pc`; the row in effect there. */
export function rowAt(fde: Fde, pc: number): CfiRow {
  const cie = fde.cie;
  const arch = archForAddrSize(cie.addrSize);
  const row: CfiRow = { pc: fde.start, cfa: { kind: 'reg', reg: arch.spReg, offset: arch.wordSize }, regs: new Map(), argsSize: 0 };
  run(cie.initial, cie, row, null, Infinity, fde);
  const initialRegs = new Map(row.regs);
  run(fde.program, cie, row, initialRegs, pc, fde);
  return row;
}

function run(prog: Uint8Array, cie: Cie, row: CfiRow, initial: Map<number, RegRule> | null, pc: number, fde: Fde): void {
  const what = `${fde.source} CFA program of FDE at ${hex(fde.offset)}`;
  const c = new Cursor(prog, 0, prog.length, what);
  const stack: Array<{ cfa: CfaRule; regs: Map<number, RegRule> }> = [];
  let loc = fde.start;
  let ops = 0;
  const advance = (delta: number): boolean => { loc += delta * cie.codeAlign; return loc > pc; };
  const restore = (reg: number): void => {
    const r = initial?.get(reg);
    if (r) row.regs.set(reg, r); else row.regs.delete(reg);
  };
  while (!c.atEnd) {
    if (++ops > MAX_CFA_OPS) throw new DwarfError(`${what}: too many operations`);
    const op = c.u8();
    const hi = op & 0xc0, low = op & 0x3f;
    if (hi === 0x40) { if (advance(low)) return; continue; }
    if (hi === 0x80) { row.regs.set(low, { kind: 'offset', offset: c.uleb() * cie.dataAlign }); continue; }
    if (hi === 0xc0) { if (initial) restore(low); continue; }
    switch (op) {
      case 0x00: break;
      case 0x01: { const to = cie.fdeEncoding && fde.source === 'eh_frame' ? readEncoded(c, cie.fdeEncoding, 0, cie.addrSize, false) : c.addr(cie.addrSize); if (to > pc) return; loc = to; break; }
      case 0x02: if (advance(c.u8())) return; break;
      case 0x03: if (advance(c.u16())) return; break;
      case 0x04: if (advance(c.u32())) return; break;
      case 0x05: { const r = c.uleb(); row.regs.set(r, { kind: 'offset', offset: c.uleb() * cie.dataAlign }); break; }
      case 0x06: { const r = c.uleb(); if (initial) restore(r); break; }
      case 0x07: row.regs.set(c.uleb(), { kind: 'undefined' }); break;
      case 0x08: row.regs.set(c.uleb(), { kind: 'same' }); break;
      case 0x09: { const r = c.uleb(); row.regs.set(r, { kind: 'register', reg: c.uleb() }); break; }
      case 0x0a:
        if (stack.length >= MAX_STATE_DEPTH) throw new DwarfError(`${what}: DW_CFA_remember_state nested too deeply`);
        stack.push({ cfa: { ...row.cfa }, regs: new Map(row.regs) });
        break;
      case 0x0b: {
        const s = stack.pop();
        if (!s) throw new DwarfError(`${what}: DW_CFA_restore_state without remember_state`);
        row.cfa = s.cfa; row.regs = s.regs;
        break;
      }
      case 0x0c: { const r = c.uleb(); row.cfa = { kind: 'reg', reg: r, offset: c.uleb() }; break; }
      case 0x0d: { const r = c.uleb(); row.cfa = { kind: 'reg', reg: r, offset: row.cfa.kind === 'reg' ? row.cfa.offset : 0 }; break; }
      case 0x0e: { const o = c.uleb(); row.cfa = { kind: 'reg', reg: row.cfa.kind === 'reg' ? row.cfa.reg : archForAddrSize(cie.addrSize).spReg, offset: o }; break; }
      case 0x0f: row.cfa = { kind: 'expression', expr: c.bytes(c.uleb()) }; break;
      case 0x10: { const r = c.uleb(); row.regs.set(r, { kind: 'expression', expr: c.bytes(c.uleb()) }); break; }
      case 0x11: { const r = c.uleb(); row.regs.set(r, { kind: 'offset', offset: c.sleb() * cie.dataAlign }); break; }
      case 0x12: { const r = c.uleb(); row.cfa = { kind: 'reg', reg: r, offset: c.sleb() * cie.dataAlign }; break; }
      case 0x13: { const o = c.sleb() * cie.dataAlign; row.cfa = { kind: 'reg', reg: row.cfa.kind === 'reg' ? row.cfa.reg : archForAddrSize(cie.addrSize).spReg, offset: o }; break; }
      case 0x14: { const r = c.uleb(); row.regs.set(r, { kind: 'val-offset', offset: c.uleb() * cie.dataAlign }); break; }
      case 0x15: { const r = c.uleb(); row.regs.set(r, { kind: 'val-offset', offset: c.sleb() * cie.dataAlign }); break; }
      case 0x16: { const r = c.uleb(); row.regs.set(r, { kind: 'val-expression', expr: c.bytes(c.uleb()) }); break; }
      case 0x2e: row.argsSize = c.uleb(); break;
      case 0x2f: { const r = c.uleb(); row.regs.set(r, { kind: 'offset', offset: -c.uleb() * cie.dataAlign }); break; }
      default: throw new DwarfError(`${what}: unknown CFA instruction ${hex(op)} at byte ${c.pos - 1}`);
    }
  }
}

/** The table of FDEs of an image, sorted for lookup by address. */
export class FrameTable {
  private sorted: Fde[] = [];
  /** FDEs to parse at the first lookup (a debug file's: 46,000 of them, not needed before a stop). */
  private pending: (() => Fde[]) | null = null;
  constructor(fdes: Fde[] | (() => Fde[])) { this.reset(fdes); }
  /** Replaces every FDE (a debug file's sections were relocated: KASLR). */
  reset(fdes: Fde[] | (() => Fde[])): void {
    if (typeof fdes === 'function') { this.pending = fdes; this.sorted = []; return; }
    this.pending = null;
    // .debug_frame wins over .eh_frame for the same code: it is the one gcc -g always fills.
    this.sorted = fdes.filter((f) => f.end > f.start).sort((a, b) => a.start - b.start || (a.source === 'debug_frame' ? -1 : 1));
  }
  private get fdes(): Fde[] {
    if (this.pending) this.reset(this.pending());
    return this.sorted;
  }
  get size(): number { return this.fdes.length; }
  all(): readonly Fde[] { return this.fdes; }
  find(pc: number): Fde | null {
    const fdes = this.fdes;
    let lo = 0, hi = fdes.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (fdes[mid]!.start <= pc) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    // FDEs may nest or overlap in odd images: scan back a little for one that covers pc.
    for (let i = best; i >= 0 && i > best - 8; i--) {
      const f = fdes[i]!;
      if (pc >= f.start && pc < f.end) return f;
    }
    return null;
  }
}

function regGet(arch: DwarfArch, regs: Regs, n: number): number | undefined {
  const name = arch.regs[n];
  return name ? regs[name] : undefined;
}

/** A saved word (4 bytes on i386, 8 on x86-64) at `addr`, as the arch represents values. */
export function readWord(arch: DwarfArch, readMemory: ReadMemory, addr: number): number {
  const n = arch.wordSize;
  const b = readMemory(addr, n);
  if (!b || b.length < n) throw new DwarfError(`cannot read the saved value at ${addressText(addr)}`);
  const lo = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  if (n === 4) return lo;
  const hi = b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24);
  return hi * 0x100000000 + lo;   // signed: exact for canonical addresses (arch.ts)
}

function addressText(a: number): string { return a >= 0 ? hex(a) : '0x' + BigInt.asUintN(64, BigInt(Math.trunc(a))).toString(16); }

/** CFA at `pc` for the frame whose registers are `regs`. */
export function computeCfa(row: CfiRow, regs: Regs, readMemory: ReadMemory, arch: DwarfArch = archForAddrSize(4)): number {
  if (row.cfa.kind === 'reg') {
    const v = regGet(arch, regs, row.cfa.reg);
    if (v === undefined) throw new DwarfError(`CFA rule needs register ${arch.regs[row.cfa.reg] || row.cfa.reg}, which is not known`);
    return normalizeAddress(arch, v + row.cfa.offset);
  }
  const loc = evaluate(row.cfa.expr, { regs, readMemory }, arch.addrSize);
  if (loc.kind !== 'memory') throw new DwarfError('DW_CFA_def_cfa_expression did not compute an address');
  return loc.address;
}

export interface UnwoundFrame {
  /** The caller's registers (PC = return address, SP = CFA). Registers the rules lose are absent. */
  regs: Regs;
  /** The CFA of the frame that was unwound. */
  cfa: number;
  method: 'cfi' | 'ebp-chain';
  /**
   * The unwound frame was an interrupt or trap frame (its CIE has the 'S' augmentation): the
   * caller's PC is the interrupted instruction itself, not a return address after a call.
   */
  interrupted?: boolean;
  /**
   * Where each register restored from memory was saved, so its exact bytes can be read again
   * (a number holds 64-bit values only up to 2^53); registers absent here kept the callee's value
   * (rule same_value) or were computed.
   */
  savedAt?: Map<string, number>;
  /** Registers whose value is the callee frame's own (same_value, or no rule): exact where that one's is. */
  same?: Set<string>;
}

/** The general registers an unwinder carries from frame to frame (not XMM/x87 state). */
function unwoundColumns(arch: DwarfArch): number {
  return arch.name === 'i386' ? arch.regs.length : 17;   // x86-64: RAX..R15 and RIP
}

/**
 * Unwinds one frame with the CFI row at `pc`. `pc` should be the PC for the innermost frame and
 * the return address - 1 for callers (a call may be the last instruction of a function).
 */
export function unwindWithRow(row: CfiRow, raReg: number, regs: Regs, readMemory: ReadMemory, arch: DwarfArch = archForAddrSize(4)): UnwoundFrame {
  const cfa = computeCfa(row, regs, readMemory, arch);
  const out: Regs = {};
  const savedAt = new Map<string, number>();
  const same = new Set<string>();
  const columns = unwoundColumns(arch);
  for (let n = 0; n < columns; n++) {
    const name = arch.regs[n]!;
    if (!name) continue;
    // Call-clobbered registers (EAX/ECX/EDX; RAX, RCX, RDX, RSI, RDI, R8-R11): without a rule their values are lost.
    const rule: RegRule = row.regs.get(n) ?? (arch.callClobbered.has(n) ? { kind: 'undefined' } : { kind: 'same' });
    let v: number | undefined;
    switch (rule.kind) {
      case 'undefined': v = undefined; break;
      case 'same': v = regs[name]; same.add(name); break;
      case 'offset': { const at = normalizeAddress(arch, cfa + rule.offset); v = readWord(arch, readMemory, at); savedAt.set(name, at); break; }
      case 'val-offset': v = cfa + rule.offset; break;
      case 'register': v = regGet(arch, regs, rule.reg); break;
      case 'expression': case 'val-expression': {
        // DWARF pushes the CFA before evaluating a register rule's expression.
        const loc = evaluate(rule.expr, { regs, readMemory, cfa }, arch.addrSize, 0, [cfa]);
        if (loc.kind !== 'memory') throw new DwarfError('CFI register expression did not compute an address');
        const addr = loc.address;
        v = rule.kind === 'expression' ? readWord(arch, readMemory, addr) : addr;
        if (rule.kind === 'expression') savedAt.set(name, addr);
        break;
      }
    }
    if (v !== undefined) out[name] = normalizeAddress(arch, v);
  }
  const ra = row.regs.get(raReg);
  if (raReg !== arch.raReg || arch.regs[raReg] !== arch.pc) {
    const v = regGet(arch, out, raReg);
    if (v !== undefined) out[arch.pc] = v; else delete out[arch.pc];
  } else if (!ra) {
    delete out[arch.pc];
  }
  if (!row.regs.has(arch.spReg)) { out[arch.sp] = cfa; same.delete(arch.sp); }
  same.delete(arch.pc); savedAt.delete(arch.pc);
  return { regs: out, cfa, method: 'cfi', savedAt, same };
}

/** The classic frame-pointer walk: [EBP] is the caller's EBP, [EBP+4] the return address (RBP, RBP+8 on x86-64). */
export function unwindEbpChain(regs: Regs, readMemory: ReadMemory, arch: DwarfArch = archForAddrSize(4)): UnwoundFrame | null {
  const fp = regs[arch.fp];
  if (fp === undefined || fp === 0) return null;
  try {
    const w = arch.wordSize;
    const savedFp = readWord(arch, readMemory, fp);
    const ret = readWord(arch, readMemory, normalizeAddress(arch, fp + w));
    const kept: Regs = {};
    for (const [k, v] of Object.entries(regs)) if (!arch.callClobbered.has(arch.regs.indexOf(k))) kept[k] = v;
    const cfa = normalizeAddress(arch, fp + 2 * w);
    return { regs: { ...kept, [arch.fp]: savedFp, [arch.pc]: ret, [arch.sp]: cfa }, cfa, method: 'ebp-chain' };
  } catch {
    return null;
  }
}
