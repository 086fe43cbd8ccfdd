// Which MSR a RDMSR/WRMSR names, when the code says so where it stands: in assembly, a
// constant moved into ECX a few statements before (with nothing in between that could jump
// there or change ECX); in C, the asm statement's "c" input when it is a constant. The names
// kernels use for the MSRs the table tells apart are known here (the SDM's and Linux's).

import { MSR_SEGMENT_BASES, MSR_SYSCALL } from '../../emulator/isa/table-long-mode';
import type { CAsmStmt } from './c-inline';

const NAMES = new Map<string, number>();
for (const m of [...MSR_SEGMENT_BASES, ...MSR_SYSCALL]) {
  NAMES.set(m.name, m.number);
  NAMES.set(m.name.replace(/^IA32_/, 'MSR_'), m.number);
}
// Linux and Xen spell a few differently.
NAMES.set('MSR_SYSCALL_MASK', 0xc0000084).set('MSR_SHADOW_GS_BASE', 0xc0000102).set('IA32_SFMASK', 0xc0000084).set('MSR_FMASK', 0xc0000084);

/** A constant as C, NASM or GAS write it: 0xC0000100, 0C0000100h, 3221225728, MSR_FS_BASE. */
export function msrConstant(text: string): number | undefined {
  const t = text.trim().replace(/^\$/, '').replace(/^\(+|\)+$/g, '').replace(/[uUlL]+$/, '');
  if (/^0x[0-9a-f]+$/i.test(t)) return Number(t);
  if (/^[0-9][0-9a-f]*h$/i.test(t)) return parseInt(t.slice(0, -1), 16);
  if (/^[0-9]+$/.test(t)) return Number(t);
  return NAMES.get(t);
}

/** How far back an assembly RDMSR/WRMSR looks for the load of ECX. */
export const MSR_LOOKBACK = 8;
const MOV_ECX_INTEL = /^\s*(?:[\w.$]+:\s*)?mov\s+(?:e|r)cx\s*,\s*([^;#\s][^;#]*?)\s*(?:[;#].*)?$/i;
const MOV_ECX_ATT = /^\s*(?:[\w.$]+:\s*)?mov[lq]?\s+(\$[^,]+?)\s*,\s*%[er]cx\s*(?:#.*)?$/i;
/** A line after which ECX may hold anything: a label (reached from elsewhere), a jump or call, a write to ECX. */
const BARRIER = /^\s*[\w.$]+:|^\s*(?:j[a-z]+|call[a-z]*|ret[a-z]*|loop[a-z]*)\b|[,\s]%?[er]?cx\s*(?:[;#]|$)|\bcpuid\b|\b(?:rd|wr)msr\b/i;

/** The MSR number an assembly RDMSR/WRMSR at `line` reads or writes, when a constant load of ECX precedes it. */
export function asmMsrBefore(lines: readonly string[], line: number, gas: boolean): number | undefined {
  for (let i = line - 1; i >= 0 && i >= line - MSR_LOOKBACK; i--) {
    const l = lines[i];
    const m = (gas ? MOV_ECX_ATT : MOV_ECX_INTEL).exec(l) ?? (gas ? MOV_ECX_INTEL : null)?.exec(l);
    if (m) return msrConstant(m[1]);
    if (BARRIER.test(l.replace(/\s*(?:;|#|\/\/).*$/, ''))) return undefined;
  }
  return undefined;
}

/** The MSR number of a C asm statement's "c" input, when it is a constant or a known name. */
export function cMsr(st: CAsmStmt): number | undefined {
  const c = st.inputs.find((op) => /^[^=+]*c/.test(op.constraint) && !/[rqm]/.test(op.constraint.replace(/"/g, '')));
  return c ? msrConstant(c.expr) : undefined;
}
