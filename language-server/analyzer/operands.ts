// Operand splitting and normalization shared by the NASM, GAS and inline-asm parsers.

import type { RawOperand, Target } from './types';

/** Split `text[from, to)` at top-level commas (outside brackets, parens and quotes). */
export function splitOperands(text: string, from: number, to: number): RawOperand[] {
  const out: RawOperand[] = [];
  let depth = 0;
  let quote = 0;
  let segStart = from;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (quote) { if (c === quote) quote = 0; continue; }
    if (c === 34 || c === 39 || c === 96) { quote = c; continue; }
    if (c === 40 || c === 91) depth++;
    else if (c === 41 || c === 93) depth--;
    else if (c === 44 && depth <= 0) { pushTrimmed(text, segStart, i, out); segStart = i + 1; }
  }
  pushTrimmed(text, segStart, to, out);
  return out;
}

function pushTrimmed(text: string, a: number, b: number, out: RawOperand[]): void {
  while (a < b && isSpace(text.charCodeAt(a))) a++;
  while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
  if (b > a) out.push({ text: text.slice(a, b), start: a, end: b });
}

export function isSpace(c: number): boolean { return c === 32 || c === 9 || c === 13 || c === 12 || c === 11; }

export function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 63 || c === 36 || c === 64;
}

export function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 35 || c === 126;
}

/** Lower-case, drop `%` register sigils and NASM size keywords, so `dword CR3`/`%cr3` read `cr3`. */
export function normalizeOperand(op: string): string {
  let s = op.trim().toLowerCase();
  if (s.startsWith('%%')) s = s.slice(2);
  else if (s.startsWith('%')) s = s.slice(1);
  s = s.replace(/^(byte|word|dword|qword|tword|oword)\s+(ptr\s+)?/, '');
  return s;
}

export const GPR32 = new Set(['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'esp']);

// o64/a64 and GAS's rex64/rex.W... are how 64-bit code spells REX and size overrides
// (`o64 sysret` is NASM's SYSRETQ, as iced-x86 prints it).
export const NASM_PREFIXES = new Set(['rep', 'repe', 'repz', 'repne', 'repnz', 'lock', 'o16', 'o32', 'o64', 'a16', 'a32', 'a64', 'xacquire', 'xrelease', 'bnd']);
const REX_FORMS = Array.from({ length: 16 }, (_, i) => 'rex.' + ['w', 'r', 'x', 'b'].filter((_, k) => i & (8 >> k)).join('')).filter((r) => r !== 'rex.');
export const GAS_PREFIXES = new Set(['rep', 'repe', 'repz', 'repne', 'repnz', 'lock', 'data16', 'data32', 'addr16', 'addr32', 'rex', 'rex64', ...REX_FORMS, 'notrack', 'bnd', 'cs', 'ds', 'es', 'fs', 'gs', 'ss']);

/** Parse `paravirt: target=pv|hvm|pvh` and `paravirt: ignore` from comment text. */
export function commentDirectives(comment: string): { ignore: boolean; target: Target | null } {
  if (comment.indexOf('paravirt') < 0) return { ignore: false, target: null };
  const t = /paravirt:\s*target\s*=\s*(pvh|pv|hvm)(?:16|32|64)?\b/i.exec(comment);
  return { ignore: /paravirt:\s*ignore\b/i.test(comment), target: t ? (t[1].toLowerCase() as Target) : null };
}
