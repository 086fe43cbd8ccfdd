// DWARF expression evaluation (DWARF 5 spec, section 2.5-2.6) for what gcc -m32 and -m64 emit:
// stack operations, register-based addresses (fbreg, bregN), register locations (regN),
// implicit values, pieces, call_frame_cfa and entry_value. The stack holds address-sized
// unsigned values (BigInt, so 64-bit arithmetic, masks and shifts are exact); register numbers
// follow the image's psABI (arch.ts).

import { Cursor, DwarfError, hex } from './reader';
import { I386, archForAddrSize, type DwarfArch } from './arch';

/** The i386 numbering (0 eax ... 9 eflags); x86-64's is X86_64.regs in arch.ts. */
export const DWARF_REGS = I386.regs as readonly ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags'];
export type DwarfRegName = string;
/** Register values by DWARF name (eax.. for i386, rax.. for x86-64); absent ones are unknown. */
export type Regs = { [name: string]: number | undefined };

/** Reads `length` bytes of guest memory at a linear address; null when unmapped. */
export type ReadMemory = (address: number, length: number) => Uint8Array | null;

export interface Frame {
  regs: Regs;
  readMemory: ReadMemory;
  /** Canonical frame address of this frame (from CFI), for DW_OP_call_frame_cfa. */
  cfa?: number;
  /** The function's frame base (DW_AT_frame_base evaluated), for DW_OP_fbreg. */
  frameBase?: number;
  /** Register values at function entry, for DW_OP_entry_value (undefined: unknown). */
  entryRegs?: Regs;
}

export type Location =
  | { kind: 'memory'; address: number }
  | { kind: 'register'; reg: number; name: string }
  | { kind: 'value'; value: number }
  | { kind: 'implicit'; bytes: Uint8Array }
  | { kind: 'pieces'; pieces: Array<{ size: number; location: Location }> }
  | { kind: 'optimized-out' }
  | { kind: 'error'; message: string };

const MAX_STEPS = 10_000;
const MAX_STACK = 1_000;

export function regName(arch: DwarfArch, n: number): string { return arch.regs[n] || `r${n}`; }

function regNumber(arch: DwarfArch, regs: Regs, n: number): number {
  const name = arch.regs[n];
  const v = name ? regs[name] : undefined;
  if (v === undefined) throw new DwarfError(`register ${regName(arch, n)} is not available`);
  return v;
}

/** An evaluation's view of values: address-sized, wrapping, unsigned. */
class Words {
  readonly bits: bigint;
  readonly mask: bigint;
  constructor(readonly arch: DwarfArch) { this.bits = BigInt(arch.addrSize * 8); this.mask = (1n << this.bits) - 1n; }
  of(n: number): bigint { return BigInt.asUintN(Number(this.bits), BigInt(Math.trunc(n))); }
  wrap(v: bigint): bigint { return v & this.mask; }
  signed(v: bigint): bigint { return BigInt.asIntN(Number(this.bits), v); }
  /** As a number: unsigned for i386, the signed 64-bit value (exact for canonical addresses) for x86-64. */
  num(v: bigint): number { return this.arch.addrSize === 4 ? Number(v) : Number(BigInt.asIntN(64, v)); }
}

function readU(frame: Frame, addr: number, size: number, w: Words): bigint {
  if (size < 1 || size > 8) throw new DwarfError(`DW_OP_deref_size ${size} is not supported`);
  const b = frame.readMemory(addr, size);
  if (!b || b.length < size) throw new DwarfError(`cannot read ${size} bytes of memory at ${hexAddr(addr)}`);
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return w.wrap(v);
}

function hexAddr(a: number): string { return a >= 0 ? hex(a) : '0x' + BigInt.asUintN(64, BigInt(Math.trunc(a))).toString(16); }

/**
 * Evaluates a location expression. Throws DwarfError only for malformed expressions that the
 * caller should surface; a missing register or unreadable memory is also a DwarfError.
 * `addrSize` (4 or 8) picks the register numbering and the width of the stack's values.
 */
export function evaluate(expr: Uint8Array, frame: Frame, addrSize = 4, depth = 0, initialStack: number[] = []): Location {
  if (expr.length === 0) return { kind: 'optimized-out' };
  const arch = archForAddrSize(addrSize);
  const w = new Words(arch);
  const c = new Cursor(expr, 0, expr.length, 'location expression');
  const stack: bigint[] = initialStack.map((v) => w.of(v));
  const pieces: Array<{ size: number; location: Location }> = [];
  let loc: Location | null = null;   // a register/implicit location waiting for a piece (or the end)
  const push = (v: bigint): void => { if (stack.length >= MAX_STACK) throw new DwarfError('location expression: stack overflow'); stack.push(w.wrap(v)); };
  const pushN = (n: number): void => push(w.of(n));
  const pop = (): bigint => { const v = stack.pop(); if (v === undefined) throw new DwarfError('location expression: stack underflow'); return v; };
  const popAddr = (): number => w.num(pop());
  const reg = (n: number): bigint => w.of(regNumber(arch, frame.regs, n));
  const regLoc = (n: number): Location => ({ kind: 'register', reg: n, name: regName(arch, n) });
  const piece = (): Location => loc ?? (stack.length ? { kind: 'memory', address: popAddr() } : { kind: 'optimized-out' });
  const cmp = (f: (b: bigint, a: bigint) => boolean): void => { const a = w.signed(pop()), b = w.signed(pop()); push(f(b, a) ? 1n : 0n); };
  let steps = 0;
  while (!c.atEnd) {
    if (++steps > MAX_STEPS) throw new DwarfError('location expression: too many steps (a loop?)');
    const op = c.u8();
    if (op >= 0x30 && op <= 0x4f) { pushN(op - 0x30); continue; }                      // lit0..31
    if (op >= 0x50 && op <= 0x6f) { loc = regLoc(op - 0x50); continue; }                 // reg0..31
    if (op >= 0x70 && op <= 0x8f) { const r = reg(op - 0x70); push(r + BigInt(c.sleb())); continue; } // breg0..31
    switch (op) {
      case 0x03: pushN(c.addr(addrSize)); break;                                       // addr
      case 0x06: push(readU(frame, popAddr(), addrSize, w)); break;                    // deref
      case 0x08: pushN(c.u8()); break;                                                 // const1u
      case 0x09: pushN(c.i8()); break;
      case 0x0a: pushN(c.u16()); break;
      case 0x0b: pushN(c.i16()); break;
      case 0x0c: pushN(c.u32()); break;
      case 0x0d: pushN(c.i32()); break;
      case 0x0e: case 0x0f: { const b = c.bytes(8); push(le(b, 8)); break; }           // const8u/s: all 64 bits
      case 0x10: push(c.ulebBig()); break;                                             // constu
      case 0x11: push(c.slebBig()); break;                                             // consts
      case 0x12: { const v = pop(); push(v); push(v); break; }                         // dup
      case 0x13: pop(); break;                                                         // drop
      case 0x14: { const n = stack.length; if (n < 2) throw new DwarfError('location expression: stack underflow'); push(stack[n - 2]!); break; } // over
      case 0x15: { const i = c.u8(); const n = stack.length; if (i >= n) throw new DwarfError('location expression: DW_OP_pick past the stack'); push(stack[n - 1 - i]!); break; }
      case 0x16: { const a = pop(), b = pop(); push(a); push(b); break; }              // swap
      case 0x17: { const a = pop(), b = pop(), d = pop(); push(a); push(d); push(b); break; } // rot
      case 0x19: { const v = w.signed(pop()); push(v < 0n ? -v : v); break; }
      case 0x1a: { const a = pop(), b = pop(); push(a & b); break; }
      case 0x1b: { const a = w.signed(pop()), b = w.signed(pop()); if (a === 0n) throw new DwarfError('location expression: division by zero'); push(b / a); break; }
      case 0x1c: { const a = pop(), b = pop(); push(b - a); break; }
      case 0x1d: { const a = pop(), b = pop(); if (a === 0n) throw new DwarfError('location expression: modulo by zero'); push(b % a); break; }
      case 0x1e: { const a = pop(), b = pop(); push(a * b); break; }
      case 0x1f: push(-pop()); break;
      case 0x20: push(~pop()); break;
      case 0x21: { const a = pop(), b = pop(); push(a | b); break; }
      case 0x22: { const a = pop(), b = pop(); push(a + b); break; }
      case 0x23: push(pop() + c.ulebBig()); break;                                     // plus_uconst
      case 0x24: { const a = pop(), b = pop(); push(a >= w.bits ? 0n : b << a); break; }
      case 0x25: { const a = pop(), b = pop(); push(a >= w.bits ? 0n : b >> a); break; }
      case 0x26: { const a = pop(), b = w.signed(pop()); push(a >= w.bits ? (b < 0n ? -1n : 0n) : b >> a); break; }
      case 0x27: { const a = pop(), b = pop(); push(a ^ b); break; }
      case 0x29: { const a = pop(), b = pop(); push(b === a ? 1n : 0n); break; }       // eq
      case 0x2a: cmp((b, a) => b >= a); break;
      case 0x2b: cmp((b, a) => b > a); break;
      case 0x2c: cmp((b, a) => b <= a); break;
      case 0x2d: cmp((b, a) => b < a); break;
      case 0x2e: { const a = pop(), b = pop(); push(b !== a ? 1n : 0n); break; }
      case 0x2f: { const off = c.i16(); jump(c, off); break; }                         // skip
      case 0x28: { const off = c.i16(); if (pop() !== 0n) jump(c, off); break; }       // bra
      case 0x90: loc = regLoc(c.uleb()); break;                                        // regx
      case 0x91: {                                                                      // fbreg
        if (frame.frameBase === undefined) throw new DwarfError('DW_OP_fbreg: the frame base is not known');
        push(w.of(frame.frameBase) + BigInt(c.sleb()));
        break;
      }
      case 0x92: { const r = reg(c.uleb()); push(r + BigInt(c.sleb())); break; }       // bregx
      case 0x93: {                                                                      // piece
        const size = c.uleb();
        pieces.push({ size, location: piece() });
        loc = null;
        stack.length = 0;
        break;
      }
      case 0x94: { const size = c.u8(); push(readU(frame, popAddr(), size, w)); break; } // deref_size
      case 0x9d: {                                                                      // bit_piece
        const bits = c.uleb(), offset = c.uleb();
        if (bits % 8 !== 0 || offset !== 0) throw new DwarfError(`DW_OP_bit_piece ${bits} bits at bit ${offset} is not supported`);
        pieces.push({ size: bits / 8, location: piece() });
        loc = null;
        stack.length = 0;
        break;
      }
      // Typed stack operations (DWARF 5 section 2.5.1.6, and the GNU forms before it). Values on
      // this stack are address-sized, so types up to that size are exact and conversions are no-ops.
      case 0xa4: case 0xf4: {                                                           // const_type
        c.uleb();
        const n = c.u8();
        push(le(c.bytes(n), Math.min(n, addrSize)));
        break;
      }
      case 0xa5: case 0xf5: { const r = reg(c.uleb()); c.uleb(); push(r); break; }     // regval_type
      case 0xa6: case 0xf6: { const size = c.u8(); c.uleb(); push(readU(frame, popAddr(), Math.min(size, addrSize), w)); break; } // deref_type
      case 0xa8: case 0xa9: case 0xf7: case 0xf9: c.uleb(); break;                     // convert, reinterpret
      case 0x96: break;                                                                 // nop
      case 0x9c: {                                                                      // call_frame_cfa
        if (frame.cfa === undefined) throw new DwarfError('DW_OP_call_frame_cfa: the CFA is not known at this address');
        pushN(frame.cfa);
        break;
      }
      case 0x9e: { const n = c.uleb(); loc = { kind: 'implicit', bytes: c.bytes(n) }; break; } // implicit_value
      case 0x9f: { loc = { kind: 'value', value: w.num(pop()) }; break; }              // stack_value
      case 0xa3: case 0xf3: {                                                           // entry_value, GNU_entry_value
        const n = c.uleb();
        const sub = c.bytes(n);
        pushN(entryValue(sub, frame, addrSize, depth));
        break;
      }
      case 0xe0: pushN(0); break;                                                       // GNU_push_tls_address: no TLS in a kernel
      case 0xf0: throw new DwarfError('DW_OP_GNU_uninit is not supported');
      default:
        throw new DwarfError(`location expression: unsupported operation ${hex(op)} at byte ${c.pos - 1}`);
    }
  }
  if (pieces.length) return { kind: 'pieces', pieces };
  if (loc) return loc;
  if (stack.length === 0) return { kind: 'optimized-out' };
  return { kind: 'memory', address: w.num(stack[stack.length - 1]!) };
}

/** Little-endian bytes as an unsigned BigInt (the first `n`). */
function le(b: Uint8Array, n: number): bigint {
  let v = 0n;
  for (let i = Math.min(n, b.length) - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

function jump(c: Cursor, off: number): void {
  const to = c.pos + off;
  if (to < 0 || to > c.end) throw new DwarfError(`location expression: branch to ${to} is outside the expression`);
  c.pos = to;
}

function entryValue(sub: Uint8Array, frame: Frame, addrSize: number, depth: number): number {
  if (depth > 2) throw new DwarfError('DW_OP_entry_value nested too deeply');
  if (!frame.entryRegs) throw new DwarfError('DW_OP_entry_value: register values at function entry are not known');
  const inner = evaluate(sub, { regs: frame.entryRegs, readMemory: frame.readMemory, cfa: frame.cfa }, addrSize, depth + 1);
  if (inner.kind === 'register') return regNumber(archForAddrSize(addrSize), frame.entryRegs, inner.reg);
  if (inner.kind === 'memory') return inner.address;   // DW_OP_bregN form: the value the expression computed
  if (inner.kind === 'value') return inner.value;
  throw new DwarfError('DW_OP_entry_value: unsupported inner expression');
}

/** One entry of a location list: the expression valid for [start, end). */
export interface LocEntry { start: number; end: number; expr: Uint8Array }

/** Reads a DWARF 2-4 .debug_loc list. */
export function readLocList(sec: Uint8Array, offset: number, addrSize: number, base: number): LocEntry[] {
  const c = new Cursor(sec, offset, sec.length, '.debug_loc');
  const out: LocEntry[] = [];
  const max = addrSize === 8 ? -1 : 0xffffffff;   // all ones (addresses of 8 bytes read signed, arch.ts)
  for (let i = 0; i < 1_000_000; i++) {
    const s = c.addr(addrSize), e = c.addr(addrSize);
    if (s === 0 && e === 0) return out;
    if (s === max) { base = e; continue; }
    const n = c.u16();
    out.push({ start: base + s, end: base + e, expr: c.bytes(n) });
  }
  throw new DwarfError(`.debug_loc: list at ${hex(offset)} does not end`);
}

/** Reads a DWARF 5 .debug_loclists list; `addrIndex` resolves .debug_addr indexes. */
export function readLocLists(sec: Uint8Array, offset: number, addrSize: number, base: number, addrIndex: (i: number) => number): LocEntry[] {
  const c = new Cursor(sec, offset, sec.length, '.debug_loclists');
  const out: LocEntry[] = [];
  for (let i = 0; i < 1_000_000; i++) {
    const kind = c.u8();
    switch (kind) {
      case 0: return out;
      case 1: base = addrIndex(c.uleb()); break;
      case 2: { const s = addrIndex(c.uleb()), e = addrIndex(c.uleb()); out.push({ start: s, end: e, expr: c.bytes(c.uleb()) }); break; }
      case 3: { const s = addrIndex(c.uleb()), n = c.uleb(); out.push({ start: s, end: s + n, expr: c.bytes(c.uleb()) }); break; }
      case 4: { const s = c.uleb(), e = c.uleb(); out.push({ start: base + s, end: base + e, expr: c.bytes(c.uleb()) }); break; }
      case 5: out.push({ start: 0, end: Number.MAX_SAFE_INTEGER, expr: c.bytes(c.uleb()) }); break; // default location
      case 6: base = c.addr(addrSize); break;
      case 7: { const s = c.addr(addrSize), e = c.addr(addrSize); out.push({ start: s, end: e, expr: c.bytes(c.uleb()) }); break; }
      case 8: { const s = c.addr(addrSize), n = c.uleb(); out.push({ start: s, end: s + n, expr: c.bytes(c.uleb()) }); break; }
      case 9: c.uleb(); c.uleb(); break;   // DW_LLE_GNU_view_pair: views only order entries at one address
      default: throw new DwarfError(`.debug_loclists: unknown entry kind ${kind} at ${hex(c.pos - 1)}`);
    }
  }
  throw new DwarfError(`.debug_loclists: list at ${hex(offset)} does not end`);
}

/** The expression of a location list that applies at pc; a default entry loses to a bounded one. */
export function pickLocation(list: LocEntry[], pc: number): Uint8Array | null {
  let fallback: Uint8Array | null = null;
  for (const e of list) {
    if (e.start === 0 && e.end === Number.MAX_SAFE_INTEGER) { fallback = e.expr; continue; }
    if (pc >= e.start && pc < e.end) return e.expr;
  }
  return fallback;
}
