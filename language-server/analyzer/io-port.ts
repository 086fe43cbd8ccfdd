// Which I/O port an IN/OUT/INS/OUTS reaches, when the code says so where it stands: an
// immediate port operand, a constant moved into DX a few statements before (with nothing in
// between that could jump there or change DX), or, in C, an immediate in the template or the
// constant "N"/"d" input. Under target=pvh the device behind the port decides the message.

import type { CAsmStmt } from './c-inline';
import type { LineInstr } from './types';
import { msrConstant } from './msr';
import { normalizeOperand } from './operands';

/** How far back an assembly IN/OUT looks for the load of DX (the same as RDMSR/WRMSR's ECX). */
export const PORT_LOOKBACK = 8;
const MOV_DX_INTEL = /^\s*(?:[\w.$]+:\s*)?mov\s+(?:e|r)?dx\s*,\s*([^;#\s][^;#]*?)\s*(?:[;#].*)?$/i;
const MOV_DX_ATT = /^\s*(?:[\w.$]+:\s*)?mov[wlq]?\s+(\$[^,]+?)\s*,\s*%[er]?dx\s*(?:#.*)?$/i;
/** A line after which DX may hold anything: a label, a jump or call, a write to DX/DL/DH. */
const BARRIER = /^\s*[\w.$]+:|^\s*(?:j[a-z]+|call[a-z]*|ret[a-z]*|loop[a-z]*)\b|[,\s]%?(?:[er]?dx|dl|dh)\s*(?:[;#]|$)|\b(?:cpuid|rdmsr|rdtscp?|mul|div|cwd|cdq|cqo)\b/i;

function constant(text: string): number | undefined {
  const n = msrConstant(text);
  return n !== undefined && Number.isInteger(n) && n >= 0 && n <= 0xffff ? n : undefined;
}

/** The immediate port of an IN/OUT as parsed (Intel order: OUT's first operand, IN's second). */
function immediatePort(instr: LineInstr): number | undefined {
  let op = instr.mnemonic === 'out' ? instr.ops[0] : instr.mnemonic === 'in' ? instr.ops[1] : undefined;
  if (op === undefined || op === 'dx') return undefined;
  // GAS keeps a non-register operand as written (`mem:$0x64`); an immediate is its `$` form.
  if (op.startsWith('mem:')) { if (op[4] !== '$') return undefined; op = op.slice(4); }
  // In C, `%1` names an operand (normalized to "1"): not a port number.
  const raw = instr.rawOps.find((r) => normalizeOperand(r.text) === op);
  if (raw && /^%(?!%)/.test(raw.text.trim())) return undefined;
  return constant(op);
}

/** The port an assembly IN/OUT/INS/OUTS at `line` reaches, when the code shows it. */
export function asmPortBefore(lines: readonly string[], line: number, instr: LineInstr, gas: boolean): number | undefined {
  const imm = immediatePort(instr);
  if (imm !== undefined) return imm;
  for (let i = line - 1; i >= 0 && i >= line - PORT_LOOKBACK; i--) {
    const l = lines[i];
    const m = (gas ? MOV_DX_ATT : MOV_DX_INTEL).exec(l) ?? (gas ? MOV_DX_INTEL : null)?.exec(l);
    if (m) return constant(m[1]);
    if (BARRIER.test(l.replace(/\s*(?:;|#|\/\/).*$/, ''))) return undefined;
  }
  return undefined;
}

/** The port of a C asm statement's IN/OUT: an immediate in the template, or a constant "N"/"d" input it names. */
export function cPort(st: CAsmStmt, instr: LineInstr): number | undefined {
  const imm = immediatePort(instr);
  if (imm !== undefined) return imm;
  const d = st.inputs.find((op) => /^[^=+]*[Nd]/.test(op.constraint.replace(/"/g, '')) && !/[rqmai]/.test(op.constraint.replace(/"/g, '')));
  return d ? constant(d.expr) : undefined;
}

export function isPortInstr(mnemonic: string): boolean {
  return mnemonic === 'in' || mnemonic === 'out' || mnemonic === 'ins' || mnemonic === 'outs'
    || mnemonic === 'insb' || mnemonic === 'insw' || mnemonic === 'insd' || mnemonic === 'outsb' || mnemonic === 'outsw' || mnemonic === 'outsd';
}
