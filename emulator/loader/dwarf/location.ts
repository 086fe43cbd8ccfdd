// DWARF expression evaluation (DWARF 5 spec, section 2.5-2.6) for what gcc -m32 emits: stack
// operations, register-based addresses (fbreg, bregN), register locations (regN), implicit
// values, pieces, call_frame_cfa and entry_value. i386 DWARF register numbers: 0 eax, 1 ecx,
// 2 edx, 3 ebx, 4 esp, 5 ebp, 6 esi, 7 edi, 8 eip, 9 eflags.

import { Cursor, DwarfError, hex } from './reader';

export const DWARF_REGS = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags'] as const;
export type DwarfRegName = typeof DWARF_REGS[number];
export type Regs = Partial<Record<DwarfRegName, number>>;

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

function regName(n: number): string { return DWARF_REGS[n] ?? `r${n}`; }

function regValue(regs: Regs, n: number): number {
  const name = DWARF_REGS[n];
  const v = name ? regs[name] : undefined;
  if (v === undefined) throw new DwarfError(`register ${regName(n)} is not available`);
  return v >>> 0;
}

function readU(frame: Frame, addr: number, size: number): number {
  if (size < 1 || size > 4) throw new DwarfError(`DW_OP_deref_size ${size} is not supported`);
  const b = frame.readMemory(addr >>> 0, size);
  if (!b || b.length < size) throw new DwarfError(`cannot read ${size} bytes of memory at ${hex(addr >>> 0)}`);
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = v * 256 + b[i]!;
  return v;
}

/**
 * Evaluates a location expression. Throws DwarfError only for malformed expressions that the
 * caller should surface; a missing register or unreadable memory is also a DwarfError.
 */
export function evaluate(expr: Uint8Array, frame: Frame, addrSize = 4, depth = 0, initialStack: number[] = []): Location {
  if (expr.length === 0) return { kind: 'optimized-out' };
  const c = new Cursor(expr, 0, expr.length, 'location expression');
  const stack: number[] = initialStack.slice();
  const pieces: Array<{ size: number; location: Location }> = [];
  let loc: Location | null = null;   // a register/implicit location waiting for a piece (or the end)
  const push = (v: number): void => { if (stack.length >= MAX_STACK) throw new DwarfError('location expression: stack overflow'); stack.push(v >>> 0); };
  const pop = (): number => { const v = stack.pop(); if (v === undefined) throw new DwarfError('location expression: stack underflow'); return v; };
  const signed = (v: number): number => v | 0;
  let steps = 0;
  while (!c.atEnd) {
    if (++steps > MAX_STEPS) throw new DwarfError('location expression: too many steps (a loop?)');
    const op = c.u8();
    if (op >= 0x30 && op <= 0x4f) { push(op - 0x30); continue; }                       // lit0..31
    if (op >= 0x50 && op <= 0x6f) { loc = { kind: 'register', reg: op - 0x50, name: regName(op - 0x50) }; continue; } // reg0..31
    if (op >= 0x70 && op <= 0x8f) { push(regValue(frame.regs, op - 0x70) + c.sleb()); continue; } // breg0..31
    switch (op) {
      case 0x03: push(c.addr(addrSize)); break;                                        // addr
      case 0x06: push(readU(frame, pop(), 4)); break;                                  // deref
      case 0x08: push(c.u8()); break;                                                  // const1u
      case 0x09: push(c.i8()); break;
      case 0x0a: push(c.u16()); break;
      case 0x0b: push(c.i16()); break;
      case 0x0c: push(c.u32()); break;
      case 0x0d: push(c.i32()); break;
      case 0x0e: push(c.u64()); break;                                                 // const8u (low 32 bits kept)
      case 0x0f: push(c.i64()); break;
      case 0x10: push(c.uleb()); break;                                                // constu
      case 0x11: push(c.sleb()); break;                                                // consts
      case 0x12: { const v = pop(); push(v); push(v); break; }                         // dup
      case 0x13: pop(); break;                                                         // drop
      case 0x14: { const n = stack.length; if (n < 2) throw new DwarfError('location expression: stack underflow'); push(stack[n - 2]!); break; } // over
      case 0x15: { const i = c.u8(); const n = stack.length; if (i >= n) throw new DwarfError('location expression: DW_OP_pick past the stack'); push(stack[n - 1 - i]!); break; }
      case 0x16: { const a = pop(), b = pop(); push(a); push(b); break; }              // swap
      case 0x17: { const a = pop(), b = pop(), d = pop(); push(a); push(d); push(b); break; } // rot
      case 0x19: push(Math.abs(signed(pop()))); break;
      case 0x1a: { const a = pop(), b = pop(); push((a & b) >>> 0); break; }
      case 0x1b: { const a = signed(pop()), b = signed(pop()); if (a === 0) throw new DwarfError('location expression: division by zero'); push(Math.trunc(b / a)); break; }
      case 0x1c: { const a = pop(), b = pop(); push(b - a); break; }
      case 0x1d: { const a = pop(), b = pop(); if (a === 0) throw new DwarfError('location expression: modulo by zero'); push(b % a); break; }
      case 0x1e: { const a = pop(), b = pop(); push(Math.imul(a, b)); break; }
      case 0x1f: push(-signed(pop())); break;
      case 0x20: push(~pop()); break;
      case 0x21: { const a = pop(), b = pop(); push(a | b); break; }
      case 0x22: { const a = pop(), b = pop(); push(a + b); break; }
      case 0x23: push(pop() + c.uleb()); break;                                        // plus_uconst
      case 0x24: { const a = pop(), b = pop(); push(a >= 32 ? 0 : b << a); break; }
      case 0x25: { const a = pop(), b = pop(); push(a >= 32 ? 0 : b >>> a); break; }
      case 0x26: { const a = pop(), b = pop(); push(a >= 32 ? (signed(b) < 0 ? -1 : 0) : signed(b) >> a); break; }
      case 0x27: { const a = pop(), b = pop(); push(a ^ b); break; }
      case 0x29: { const a = pop(), b = pop(); push(b === a ? 1 : 0); break; }         // eq
      case 0x2a: { const a = signed(pop()), b = signed(pop()); push(b >= a ? 1 : 0); break; }
      case 0x2b: { const a = signed(pop()), b = signed(pop()); push(b > a ? 1 : 0); break; }
      case 0x2c: { const a = signed(pop()), b = signed(pop()); push(b <= a ? 1 : 0); break; }
      case 0x2d: { const a = signed(pop()), b = signed(pop()); push(b < a ? 1 : 0); break; }
      case 0x2e: { const a = pop(), b = pop(); push(b !== a ? 1 : 0); break; }
      case 0x2f: { const off = c.i16(); jump(c, off); break; }                         // skip
      case 0x28: { const off = c.i16(); if (pop() !== 0) jump(c, off); break; }        // bra
      case 0x90: { const r = c.uleb(); loc = { kind: 'register', reg: r, name: regName(r) }; break; } // regx
      case 0x91: {                                                                      // fbreg
        if (frame.frameBase === undefined) throw new DwarfError('DW_OP_fbreg: the frame base is not known');
        push(frame.frameBase + c.sleb());
        break;
      }
      case 0x92: { const r = c.uleb(); push(regValue(frame.regs, r) + c.sleb()); break; } // bregx
      case 0x93: {                                                                      // piece
        const size = c.uleb();
        let part: Location;
        if (loc) part = loc;
        else if (stack.length) part = { kind: 'memory', address: pop() };
        else part = { kind: 'optimized-out' };
        pieces.push({ size, location: part });
        loc = null;
        stack.length = 0;
        break;
      }
      case 0x94: { const size = c.u8(); push(readU(frame, pop(), size)); break; }      // deref_size
      case 0x9d: {                                                                      // bit_piece
        const bits = c.uleb(), offset = c.uleb();
        if (bits % 8 !== 0 || offset !== 0) throw new DwarfError(`DW_OP_bit_piece ${bits} bits at bit ${offset} is not supported`);
        let part: Location;
        if (loc) part = loc;
        else if (stack.length) part = { kind: 'memory', address: pop() };
        else part = { kind: 'optimized-out' };
        pieces.push({ size: bits / 8, location: part });
        loc = null;
        stack.length = 0;
        break;
      }
      // Typed stack operations (DWARF 5 section 2.5.1.6, and the GNU forms before it). Values on
      // this stack are 32-bit words, so types up to 4 bytes are exact and conversions are no-ops.
      case 0xa4: case 0xf4: {                                                           // const_type
        c.uleb();
        const n = c.u8();
        const b = c.bytes(n);
        let v = 0;
        for (let i = Math.min(n, 4) - 1; i >= 0; i--) v = v * 256 + b[i]!;
        push(v);
        break;
      }
      case 0xa5: case 0xf5: { const r = c.uleb(); c.uleb(); push(regValue(frame.regs, r)); break; } // regval_type
      case 0xa6: case 0xf6: { const size = c.u8(); c.uleb(); push(readU(frame, pop(), Math.min(size, 4))); break; } // deref_type
      case 0xa8: case 0xa9: case 0xf7: case 0xf9: c.uleb(); break;                     // convert, reinterpret
      case 0x96: break;                                                                 // nop
      case 0x9c: {                                                                      // call_frame_cfa
        if (frame.cfa === undefined) throw new DwarfError('DW_OP_call_frame_cfa: the CFA is not known at this address');
        push(frame.cfa);
        break;
      }
      case 0x9e: { const n = c.uleb(); loc = { kind: 'implicit', bytes: c.bytes(n) }; break; } // implicit_value
      case 0x9f: { loc = { kind: 'value', value: pop() }; break; }                      // stack_value
      case 0xa3: case 0xf3: {                                                           // entry_value, GNU_entry_value
        const n = c.uleb();
        const sub = c.bytes(n);
        push(entryValue(sub, frame, addrSize, depth));
        break;
      }
      case 0xe0: push(0); break;                                                        // GNU_push_tls_address: no TLS in a kernel
      case 0xf0: throw new DwarfError('DW_OP_GNU_uninit is not supported');
      default:
        throw new DwarfError(`location expression: unsupported operation ${hex(op)} at byte ${c.pos - 1}`);
    }
  }
  if (pieces.length) return { kind: 'pieces', pieces };
  if (loc) return loc;
  if (stack.length === 0) return { kind: 'optimized-out' };
  return { kind: 'memory', address: stack[stack.length - 1]! };
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
  if (inner.kind === 'register') return regValue(frame.entryRegs, inner.reg);
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
  const max = addrSize === 8 ? Number.MAX_SAFE_INTEGER : 0xffffffff;
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
