// Rewrites of one instruction into the matching wrapper from guest/, in the file's own syntax,
// or the reason no faithful rewrite exists. Edits touch only the instruction's own text (asm)
// or the asm statement (C), so indentation and comments stay as they were.

import { specialRegisterNumber } from '../../emulator/isa';
import { resolveOperandRef, type CAsmStmt } from './c-inline';
import type { AnalyzedDocument, Hit } from './document';
import { GPR32, normalizeOperand } from './operands';
import type { Range, TextEdit } from './types';

export type FixPlan =
  | { ok: true; edit: TextEdit; replacement: string }
  | { ok: false; reason: string };

export const INCLUDE_NAME = { nasm: 'paravirt.inc', gas: 'paravirt-gas.inc', c: 'paravirt.h' } as const;
/** The 64-bit wrappers: the same names with 64-bit bodies (the C header has both halves). */
export const INCLUDE_NAME_64 = { nasm: 'paravirt64.inc', gas: 'paravirt64-gas.inc', c: 'paravirt.h' } as const;

const GPR64 = new Set(['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15']);

function refuse(reason: string): FixPlan { return { ok: false, reason }; }

export function planFix(doc: AnalyzedDocument, hit: Hit): FixPlan {
  const { entry, instr } = hit;
  if (!entry.wrappers.nasm && !entry.wrappers.c && !entry.wrappers.cTemplate) {
    return refuse(entry.refusal ?? 'no PV wrapper exists for this instruction');
  }
  if (instr.prefixed) return refuse('the instruction carries a prefix the wrapper cannot express');
  return hit.c ? planC(doc, hit, hit.c) : planAsm(doc, hit);
}

function planAsm(doc: AnalyzedDocument, hit: Hit): FixPlan {
  const { entry, instr } = hit;
  const gas = doc.syntax === 'gas';
  if (gas && instr.intel) return refuse('the GAS wrappers are written in AT&T syntax and this code is under .intel_syntax');
  const reg = (r: string) => (gas ? '%' + r : r);
  const imm = (n: number) => (gas ? '$' + n : String(n));
  let text: string | null = null;
  const ops = instr.ops;
  // In 64-bit code the wrappers take 64-bit registers (a 32-bit write would zero the upper half).
  const long = hit.bits === 64;
  const GPR = long ? GPR64 : GPR32;
  const width = long ? '64-bit' : '32-bit';
  const sp = long ? 'rsp' : 'esp';
  switch (entry.id) {
    case 'mov-to-cr':
      if (ops[0] !== 'cr3') return refuse(entry.refusal!);
      if (!GPR.has(ops[1])) return refuse(`the source is not a ${width} general register`);
      text = `PV_WRITE_CR3 ${reg(ops[1])}`;
      break;
    case 'mov-from-cr':
      if (ops[1] !== 'cr2') return refuse(entry.refusal!);
      if (!GPR.has(ops[0]) || ops[0] === sp) return refuse(`the destination is not a ${width} general register`);
      text = `PV_READ_CR2 ${reg(ops[0])}`;
      break;
    case 'wrfsbase':
    case 'wrgsbase':
      if (!GPR64.has(ops[0])) return refuse(entry.refusal ?? 'the operand is not a 64-bit general register');
      text = `${gas ? entry.wrappers.gas : entry.wrappers.nasm} ${reg(ops[0])}`;
      break;
    case 'iret':
      // In 64-bit code only IRETQ pops the 8-byte frame the iret hypercall takes.
      if (long && !/^iretq$/i.test(instr.raw)) return refuse(entry.refusal!);
      text = (gas ? entry.wrappers.gas : entry.wrappers.nasm) ?? null;
      break;
    case 'invlpg': {
      if (instr.rawOps.length !== 1) break;
      const raw = instr.rawOps[0].text.trim();
      if (/\b[er]?sp\b|%[er]sp\b/i.test(raw)) return refuse(entry.refusal!);
      if (gas) text = `PV_INVLPG ${raw.includes(',') ? `"${raw}"` : raw}`;
      else text = `PV_INVLPG ${raw.replace(/^(byte|word|dword|qword)\s+/i, '')}`;
      break;
    }
    case 'mov-to-dr': {
      const n = specialRegisterNumber(ops[0]);
      if (!GPR.has(ops[1])) return refuse(`the source is not a ${width} general register`);
      text = `PV_SET_DEBUGREG ${imm(n)}, ${reg(ops[1])}`;
      break;
    }
    case 'mov-from-dr': {
      const n = specialRegisterNumber(ops[1]);
      if (!GPR.has(ops[0]) || ops[0] === sp) return refuse(`the destination is not a ${width} general register`);
      text = `PV_GET_DEBUGREG ${reg(ops[0])}, ${imm(n)}`;
      break;
    }
    default:
      // An instruction without operands becomes its wrapper macro as the table names it.
      if (ops.length === 0) text = (gas ? entry.wrappers.gas : entry.wrappers.nasm) ?? null;
  }
  if (!text) return refuse(entry.refusal ?? 'the operands do not match the wrapper');
  return { ok: true, replacement: text, edit: { range: hit.range, newText: text } };
}

/**
 * Why an instruction in C must stay as written, for the places kernels put instructions where
 * a C call cannot go: a macro's body, a macro argument, an ALTERNATIVE, an exception-table
 * entry, a header's assembly part. null when none applies.
 */
function placeRefusal(doc: AnalyzedDocument, hit: Hit, st: CAsmStmt): string | null {
  const o = st.origin;
  if (o?.kind === 'asm-block') return 'the instruction is in the header\'s __ASSEMBLY__ part, which .S files include; use the GAS wrappers of paravirt-gas.inc there';
  const alt = o ? /alternative/i.test(o.macro) : /\bALTERNATIVE/.test(doc.textRange(st.regionStart, st.regionEnd));
  if (alt) return 'the instruction is one alternative of an ALTERNATIVE(): the kernel patches one of them in at boot, so the text must stay an instruction (a PV kernel swaps it through pv_ops instead)';
  if (o?.kind === 'macro-body') return `the instruction is in the body of macro ${o.macro}, which asm text uses${o.uses.length > 1 ? ` in ${o.uses.length}${o.uses.length >= 20 ? '+' : ''} places` : ''}; a rewrite here would change every expansion, so change its users by hand`;
  if (o?.kind === 'macro-span') return `the instruction is inside an asm statement that macro ${o.macro} opens and a later macro closes; a C call cannot take its place there`;
  if (o?.kind === 'macro-argument') return `the instruction is text passed to macro ${o.macro}, which builds an asm statement around it; a C call cannot take its place inside that statement`;
  const tpl = st.template;
  const lineStart = tpl.lastIndexOf('\n', hit.instr.start - 1) + 1;
  if (/[\w.]+:\s*$/.test(tpl.slice(lineStart, hit.instr.start)) && /_ASM_EXTABLE|__ex_table/.test(doc.textRange(st.regionStart, st.regionEnd))) {
    return 'the instruction\'s label is an exception-table entry (_ASM_EXTABLE): a fault there is fixed up by the kernel, and a hypercall wrapper has no such entry, so the error path would be lost';
  }
  return null;
}

function planC(doc: AnalyzedDocument, hit: Hit, st: CAsmStmt): FixPlan {
  const { entry, instr } = hit;
  const place = placeRefusal(doc, hit, st);
  if (place) return refuse(place);
  if (st.statementCount !== 1) {
    return refuse(`the asm statement holds ${st.statementCount} statements; a C call can replace only an asm statement that is exactly one privileged instruction (split it, or move it to an assembly file and use ${entry.wrappers.nasm ?? 'the wrapper'})`);
  }
  const whole: Range = { start: doc.positionAt(st.kwStart), end: doc.positionAt(st.closeParen + 1) };
  const src = instr.intel ? instr.rawOps[1] : instr.rawOps[0];
  const dst = instr.intel ? instr.rawOps[0] : instr.rawOps[1];
  const input = (raw: { text: string } | undefined) => {
    if (!raw) return null;
    const r = resolveOperandRef(st, raw.text);
    return r && !r.output && /[rqabcdSDg]/.test(r.op.constraint) ? r.op.expr : null;
  };
  const output = (raw: { text: string } | undefined) => {
    if (!raw) return null;
    const r = resolveOperandRef(st, raw.text);
    return r && r.output && r.op.constraint.startsWith('=') ? r.op.expr : null;
  };
  let text: string | null = null;
  switch (entry.id) {
    case 'cpuid': {
      const range: Range = { start: doc.positionAt(st.templateStart), end: doc.positionAt(st.templateEnd) };
      return { ok: true, replacement: 'PV_ASM_CPUID', edit: { range, newText: 'PV_ASM_CPUID' } };
    }
    case 'mov-to-cr': {
      if (instr.ops[0] !== 'cr3') return refuse(entry.refusal!);
      const e = input(src);
      if (!e) return refuse('the source operand is not a C expression passed in a register (%N with an "r" constraint)');
      text = `pv_write_cr3(${e})`;
      break;
    }
    case 'mov-from-cr': {
      if (instr.ops[1] !== 'cr2') return refuse(entry.refusal!);
      const e = output(dst);
      if (!e) return refuse('the destination operand is not a C lvalue output (%N with an "=r" constraint)');
      text = `${e} = pv_read_cr2()`;
      break;
    }
    case 'invlpg': {
      const raw = instr.rawOps[0]?.text.trim() ?? '';
      const inParens = /^\((%[a-zA-Z]?(?:\d+|\[[A-Za-z_]\w*\]))\)$/.exec(raw);
      const r = resolveOperandRef(st, inParens ? inParens[1] : raw);
      if (r && !r.output) {
        if (inParens && /[rabcdSDq]/.test(r.op.constraint)) text = `pv_invlpg((const void *)(${r.op.expr}))`;
        else if (!inParens && r.op.constraint.includes('m')) text = `pv_invlpg(&(${r.op.expr}))`;
      }
      if (!text) return refuse('the address operand is not a C pointer in a register or a memory operand');
      break;
    }
    case 'wrfsbase':
    case 'wrgsbase': {
      const e = input(instr.rawOps[0]);
      if (!e) return refuse('the operand is not a C expression passed in a register');
      text = `${entry.wrappers.c}(${e})`;
      break;
    }
    case 'wrmsr-segment-base':
    case 'wrmsr-syscall': {
      // wrmsr with "c"(msr), "a"(low), "d"(high): the wrapper takes the MSR and the 64-bit value.
      const by = (letter: string) => st.inputs.find((op) => op.constraint.replace(/"/g, '') === letter)?.expr;
      const msr = by('c'), lo = by('a'), hi = by('d');
      if (!msr || !lo || !hi || st.outputs.length) return refuse('the asm statement does not pass the MSR, low and high halves as "c", "a" and "d" inputs');
      text = `${entry.wrappers.c}(${msr}, ((unsigned long)(${hi}) << 32) | (unsigned int)(${lo}))`;
      break;
    }
    case 'mov-to-dr': {
      const e = input(src);
      if (!e) return refuse('the source operand is not a C expression passed in a register');
      text = `pv_set_debugreg(${specialRegisterNumber(instr.ops[0])}, ${e})`;
      break;
    }
    case 'mov-from-dr': {
      const e = output(dst);
      if (!e) return refuse('the destination operand is not a C lvalue output');
      text = `${e} = pv_get_debugreg(${specialRegisterNumber(instr.ops[1])})`;
      break;
    }
    default:
      // An instruction without operands becomes a call of its wrapper function, as the table names it.
      if (instr.ops.length === 0 && st.outputs.length === 0 && entry.wrappers.c) text = `${entry.wrappers.c}()`;
  }
  if (!text) return refuse(entry.refusal ?? 'no C wrapper matches this asm statement');
  return { ok: true, replacement: text, edit: { range: whole, newText: text } };
}

const INCLUDE_RE = {
  nasm: /^\s*%include\s+["'<][^"'>]*(?<![\w-])paravirt\.inc["'>]/,
  gas: /^\s*(\.include|#\s*include)\s+["<][^">]*(?<![\w-])paravirt-gas\.inc[">]/,
  c: /^\s*#\s*include\s+["<][^">]*paravirt\.h[">]/,
};
const INCLUDE_RE_64 = {
  nasm: /^\s*%include\s+["'<][^"'>]*paravirt64\.inc["'>]/,
  gas: /^\s*(\.include|#\s*include)\s+["<][^">]*paravirt64-gas\.inc[">]/,
  c: INCLUDE_RE.c,
};
const ANY_INCLUDE_RE = {
  nasm: /^\s*%include\b/,
  gas: /^\s*(\.include|#\s*include)\b/,
  c: /^\s*#\s*include\b/,
};

export function hasWrapperInclude(doc: AnalyzedDocument, bits: number = 32): boolean {
  const re = (bits === 64 ? INCLUDE_RE_64 : INCLUDE_RE)[doc.syntax];
  for (const l of doc.lines) if (re.test(l)) return true;
  return false;
}

/** The edit adding the wrapper include, placed before `beforeLine` (the first fixed line). */
export function includeEdit(doc: AnalyzedDocument, beforeLine: number, bits: number = 32): TextEdit | null {
  if (hasWrapperInclude(doc, bits)) return null;
  const anyRe = ANY_INCLUDE_RE[doc.syntax];
  let at = -1;
  for (let i = 0; i < doc.lines.length && i < beforeLine; i++) if (anyRe.test(doc.lines[i])) at = i + 1;
  if (at < 0) {
    // After the leading block of comments and blank lines, but never after the fixed line.
    at = 0;
    let inBlock = false;
    while (at < doc.lines.length && at < beforeLine) {
      const l = doc.lines[at].trim();
      if (inBlock) { if (l.includes('*/')) inBlock = false; at++; continue; }
      if (l === '' || l.startsWith('//') || (doc.syntax === 'nasm' && l.startsWith(';'))
        || (doc.syntax === 'gas' && l.startsWith('#') && !/^#\s*(include|define|if|ifdef|ifndef|undef|error)\b/.test(l))) { at++; continue; }
      if (doc.syntax !== 'nasm' && l.startsWith('/*')) { if (!l.includes('*/')) inBlock = true; at++; continue; }
      break;
    }
  }
  const names = bits === 64 ? INCLUDE_NAME_64 : INCLUDE_NAME;
  const line = doc.syntax === 'nasm' ? `%include "${names.nasm}"` : doc.syntax === 'gas' ? `.include "${names.gas}"` : `#include "${names.c}"`;
  const eol = doc.lines.length > 1 && doc.lines[0].endsWith('\r') ? '\r\n' : '\n';
  return { range: { start: { line: at, character: 0 }, end: { line: at, character: 0 } }, newText: line + eol };
}

export { normalizeOperand };
