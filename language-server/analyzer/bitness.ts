// Which mode a line of code runs in (16-, 32- or 64-bit), for the table's 64-bit facts and the
// 64-bit wrappers. What decides it, in the order a kernel developer would expect:
//
// - assembly: the mode directives in force at the line: NASM `bits 64`, `[BITS 64]`, `use64`
//   (and 16/32), GAS `.code64`, `.code32`, `.code16`, `.code16gcc`; a `paravirt: bits=64`
//   (or `paravirt: target=pv64`) comment acts like a directive where it stands;
// - C/C++: `#ifdef __x86_64__` / `#if defined(__x86_64__)` (also `__amd64__`, `__LP64__`,
//   `CONFIG_X86_64`) regions are 64-bit, `__i386__` / `CONFIG_X86_32` regions 32-bit, their
//   `#else` branches the other; outside them a `paravirt: bits=64` comment, else the build's
//   flags (compile_commands.json's -m32 or not, or `-D __x86_64__` in the project's defines);
// - otherwise (no directive before the line, no marker, no flags): 64 when the file names a
//   64-bit general register anywhere (rax, %r8, r12d...), which 32-bit code cannot (counted
//   per line as the text changes, so an edit costs only its own lines); else, for a .S file,
//   the build's defines as for C; else what the file's name or its folder's says, as kernels
//   name them (entry_64.S, paging-x86_64.c, hvm64/, x86_64/; head_32.S, i386/); else 32.

import type { DefineSet } from './preprocessor';

export type Bits = 16 | 32 | 64;

const NASM_BITS = /^\s*(?:\[\s*bits\s+(16|32|64)\s*\]|bits\s+(16|32|64)\b|use(16|32|64)\b)/i;
const GAS_CODE = /^\s*\.code(16|32|64)(?:gcc)?\b/;
// `bits=64`, or the mode written after the target: `target=pv64`, `target=hvm32`, `target=pvh64`.
const MARKER = /paravirt:\s*(?:bits\s*=\s*|target\s*=\s*(?:pvh|pv|hvm))(16|32|64)\b/i;

/** The mode a NASM line's directive (or marker comment) sets, or 0. */
export function nasmLineBits(line: string): Bits | 0 {
  const m = NASM_BITS.exec(line);
  if (m) return Number(m[1] ?? m[2] ?? m[3]) as Bits;
  return markerBits(line);
}

/** The mode a GAS line's `.codeNN` directive (or marker comment) sets, or 0. */
export function gasLineBits(line: string): Bits | 0 {
  const m = GAS_CODE.exec(line);
  if (m) return Number(m[1]) as Bits;
  return markerBits(line);
}

export function markerBits(line: string): Bits | 0 {
  if (line.indexOf('paravirt') < 0) return 0;
  const m = MARKER.exec(line);
  return m ? (Number(m[1]) as Bits) : 0;
}

// A 64-bit general register: rax..r15 and their 32/16/8-bit parts r8d/r8w/r8b, spl/bpl/sil/dil,
// and RIP-relative addressing (%rip, [rip + x], NASM's [rel x]); RIP only in those shapes, since
// "rip" is also an English word in comments. Comments count otherwise: they are usually about
// the code around them.
const REG64 = /(?:^|[^\w$.])%{0,2}(?:r[abcd]x|r[sb]p|r[sd]i|r(?:8|9|1[0-5])[dwb]?|[sb]pl|[sd]il)\b|%rip\b|\[\s*(?:rip\b|rel\s)/i;

/** Lines in [from, to) that name a 64-bit register (the document keeps the count across edits). */
export function countReg64(lines: readonly string[], from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to && i < lines.length; i++) if (REG64.test(lines[i])) n++;
  return n;
}

/** The build's mode from the defines (compile_commands.json or the project's -D list), or 0. */
export function definesBits(defines: DefineSet | undefined): Bits | 0 {
  if (!defines) return 0;
  const on = (n: string) => { const v = defines.macros.get(n); return v !== undefined && v !== null && v !== '0'; };
  if (on('__x86_64__') || on('__amd64__') || on('CONFIG_X86_64')) return 64;
  if (on('__i386__') || on('CONFIG_X86_32')) return 32;
  return 0;
}

/** A point where the mode changes: from `line` on, `bits` (0: back to the file's default). */
export interface BitsSwitch { line: number; bits: Bits | 0 }

const C_COND = /^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/;
const X64_NAMES = /\b(?:__x86_64__|__x86_64|__amd64__|__amd64|__LP64__|_LP64|CONFIG_X86_64)\b/;
const X32_NAMES = /\b(?:__i386__|__i386|i386|CONFIG_X86_32)\b/;

/** What a #if/#ifdef/#ifndef condition says of the mode: 64, 32, or 0 when it is about something else. */
function conditionBits(kw: string, cond: string): Bits | 0 {
  const has64 = X64_NAMES.test(cond), has32 = X32_NAMES.test(cond);
  if (has64 === has32) return 0;
  // A condition that combines the test with others (&&, ||) says nothing certain.
  if (/&&|\|\|/.test(cond)) return 0;
  const negated = kw === 'ifndef' || /!\s*(?:defined\b|\(|[A-Za-z_])/.test(cond);
  const bits: Bits = has64 ? 64 : 32;
  return negated ? (bits === 64 ? 32 : 64) : bits;
}

/**
 * C/C++: the mode switches made by #if regions that test the architecture, in line order.
 * Each switch holds from its line until the next one.
 */
export function cBitsSwitches(lines: readonly string[]): BitsSwitch[] {
  const out: BitsSwitch[] = [];
  // Per open #if group: the mode of its current branch (0 = not about the mode, inherit).
  const stack: Array<{ bits: Bits | 0; taken: Bits | 0 }> = [];
  const current = (): Bits | 0 => { for (let i = stack.length - 1; i >= 0; i--) if (stack[i].bits) return stack[i].bits; return 0; };
  let last: Bits | 0 = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.indexOf('#') < 0) continue;
    const m = C_COND.exec(l);
    if (!m) continue;
    const kw = m[1], cond = m[2];
    if (kw === 'if' || kw === 'ifdef' || kw === 'ifndef') {
      const b = conditionBits(kw, cond);
      stack.push({ bits: b, taken: b });
    } else if (kw === 'elif' && stack.length) {
      const top = stack[stack.length - 1];
      const b = conditionBits('if', cond);
      top.bits = b || (top.taken ? (top.taken === 64 ? 32 : 64) : 0);
    } else if (kw === 'else' && stack.length) {
      const top = stack[stack.length - 1];
      top.bits = top.taken ? (top.taken === 64 ? 32 : 64) : 0;
    } else if (kw === 'endif' && stack.length) {
      stack.pop();
    } else continue;
    const now = current();
    if (now !== last) { out.push({ line: i + 1, bits: now }); last = now; }
  }
  return out;
}

const FILE_64 = /(?:^|[_-])64$|^[a-z]+64$|x86[_-]?64|amd64/;
const FILE_32 = /(?:^|[_-])32$|^[a-z]+32$|x86[_-]?32|^i[3-6]86$/;
const DIR_64 = /^(?:x86[_-]?64|amd64|[a-z]+64)$/;
const DIR_32 = /^(?:x86[_-]?32|i[3-6]86|[a-z]+32)$/;

/** What the file's name, or else its folder's, says of the mode (0: nothing). */
export function pathBits(path: string): Bits | 0 {
  const parts = path.split(/[\\/]/);
  const file = (parts.pop() ?? '').replace(/\.[^.]*$/, '').toLowerCase();
  if (FILE_64.test(file)) return 64;
  if (FILE_32.test(file)) return 32;
  const dir = (parts.pop() ?? '').toLowerCase();
  if (DIR_64.test(dir)) return 64;
  if (DIR_32.test(dir)) return 32;
  return 0;
}
