// The assembly half of a C header: lines inside `#ifdef __ASSEMBLY__` (or the #else of
// `#ifndef __ASSEMBLY__`) are GAS that .S files include, macros and all
// (`#define SAVE_FLAGS pushfq; popq %rax`). Read with the GAS line parser, in place.

import type { CAsmStmt } from './c-inline';
import { IN_COMMENT, parseGasLineFull } from './gas-line';

const MARK = /__ASSEMBL(?:Y|ER)__/;
const COND = /^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/;

/** Line ranges [from, to) of a C text's assembly-only branches. */
export function asmBlockLines(lines: readonly string[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  // Per open #if: whether it tests __ASSEMBLY__, and whether its current branch is the asm one.
  const stack: Array<{ asm: boolean; on: boolean }> = [];
  let from = -1;
  const inAsm = () => { for (let k = stack.length - 1; k >= 0; k--) if (stack[k].asm) return stack[k].on; return false; };
  for (let n = 0; n < lines.length; n++) {
    const l = lines[n];
    if (l.indexOf('#') < 0) continue;
    const m = COND.exec(l);
    if (!m) continue;
    const was = inAsm();
    const [, kw, rest] = m;
    if (kw === 'if' || kw === 'ifdef' || kw === 'ifndef') {
      const asm = MARK.test(rest) && !/&&|\|\|/.test(rest);
      const negative = kw === 'ifndef' || /!\s*defined|!\s*__ASSEMBL/.test(rest);
      stack.push({ asm, on: asm && !negative });
    } else if (kw === 'else') { const f = stack[stack.length - 1]; if (f?.asm) f.on = !f.on; }
    else if (kw === 'elif') { const f = stack[stack.length - 1]; if (f?.asm) f.on = false; }
    else if (kw === 'endif') stack.pop();
    const now = inAsm();
    if (!was && now) from = n + 1;
    else if (was && !now) { if (n > from) out.push([from, n]); from = -1; }
  }
  if (from >= 0 && from < lines.length) out.push([from, lines.length]);
  return out;
}

/** One statement per line of the blocks that holds table instructions (origin 'asm-block'). */
export function asmBlockStatements(lines: readonly string[], lineStart: (line: number) => number, text: string): CAsmStmt[] {
  if (!MARK.test(text)) return [];
  const out: CAsmStmt[] = [];
  for (const [from, to] of asmBlockLines(lines)) {
    let state = 0;
    for (let n = from; n < to; n++) {
      const line = lines[n];
      const f = parseGasLineFull(line, state, true);
      state = f.endState & IN_COMMENT;
      if (!f.instrs) continue;
      const base = lineStart(n);
      const map = new Int32Array(line.length + 1);
      for (let k = 0; k <= line.length; k++) map[k] = base + k;
      out.push({
        kwStart: base, closeParen: base + line.length, templateIsLiteral: false, templateStart: base, templateEnd: base + line.length,
        regionStart: base, regionEnd: base + line.length, template: line, map, extended: false, outputs: [], inputs: [],
        statementCount: f.instrs.length, instrs: f.instrs.map((instr) => ({ instr })), labels: [], analysis: undefined,
        origin: { kind: 'asm-block', macro: '', uses: [] },
      });
    }
  }
  return out;
}
