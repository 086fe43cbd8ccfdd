// One byte per asm line saying what its LineFacts hold, kept in step with the facts array.
// Every diagnostics pass needs "the lines with instructions" (and the target comment, macro
// definitions, includes); scanning a byte array is far cheaper than touching 100,000 fact
// objects of several shapes, and the counts let a pass skip a scan that would find nothing.

import type { LineFacts } from './types';

export const HAS_INSTR = 1;
export const HAS_DEFS = 2;
/** A NASM or GAS macro definition (cpp #define macros never shadow an instruction). */
export const HAS_MACRO_DEF = 4;
export const HAS_INCLUDE = 8;
export const HAS_TARGET = 16;
/** A mode directive (bits 64, .code64) or `paravirt: bits=` comment. */
export const HAS_BITS = 32;
const BITS = [HAS_INSTR, HAS_DEFS, HAS_MACRO_DEF, HAS_INCLUDE, HAS_TARGET, HAS_BITS];

export function flagsOf(f: LineFacts): number {
  let v = 0;
  if (f.instrs) v |= HAS_INSTR;
  if (f.defs) {
    v |= HAS_DEFS;
    for (const d of f.defs) if (d.kind === 'macro' && !d.cpp) { v |= HAS_MACRO_DEF; break; }
  }
  if (f.include) v |= HAS_INCLUDE;
  if (f.target) v |= HAS_TARGET;
  if (f.bits) v |= HAS_BITS;
  return v;
}

export class LineFlags {
  private a = new Uint8Array(0);
  private n = 0;
  private counts = new Int32Array(32);

  get length(): number { return this.n; }

  reset(facts: readonly LineFacts[]): void {
    this.a = new Uint8Array(facts.length);
    this.n = facts.length;
    this.counts.fill(0);
    for (let i = 0; i < facts.length; i++) { const v = flagsOf(facts[i]); this.a[i] = v; this.add(v, 1); }
  }

  /** Lines holding `bit`. */
  count(bit: number): number { return this.counts[31 - Math.clz32(bit)]; }

  /** The first line at or after `from` holding `bit`, or -1. */
  next(bit: number, from: number): number {
    if (this.count(bit) === 0) return -1;
    const a = this.a, n = this.n;
    for (let i = from; i < n; i++) if (a[i] & bit) return i;
    return -1;
  }

  /** Mirror of facts.splice(at, remove, ...added). */
  splice(at: number, remove: number, added: readonly LineFacts[]): void {
    at = Math.min(at, this.n);
    remove = Math.max(0, Math.min(remove, this.n - at));
    for (let i = at; i < at + remove; i++) this.add(this.a[i], -1);
    const len = this.n - remove + added.length;
    if (added.length !== remove) {
      const b = new Uint8Array(len);
      b.set(this.a.subarray(0, at), 0);
      b.set(this.a.subarray(at + remove, this.n), at + added.length);
      this.a = b;
      this.n = len;
    }
    for (let k = 0; k < added.length; k++) { const v = flagsOf(added[k]); this.a[at + k] = v; this.add(v, 1); }
  }

  /** Mirror of facts[i] = f (i may be the current length: an append). */
  set(i: number, f: LineFacts): void {
    if (i >= this.n) { this.splice(this.n, 0, [f]); return; }
    this.add(this.a[i], -1);
    const v = flagsOf(f);
    this.a[i] = v;
    this.add(v, 1);
  }

  /** Mirror of facts.length = n (shrinking). */
  truncate(n: number): void {
    if (n >= this.n) return;
    this.splice(n, this.n - n, []);
  }

  private add(v: number, d: number): void {
    if (v === 0) return;
    for (const bit of BITS) if (v & bit) this.counts[31 - Math.clz32(bit)] += d;
  }
}
