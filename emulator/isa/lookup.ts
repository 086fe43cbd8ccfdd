// Lookup helpers over the instruction table. The linter calls classify() once per parsed
// instruction, so the maps are built once at load time and lookups allocate nothing.

import { INSTRUCTION_TABLE } from './instruction-table';
import type { IsaEntry, OperandForm, PvhFacts } from './types';
import type { OpcodeForm, PrivilegeClass } from './form-types';

const byMnemonic = new Map<string, IsaEntry[]>();
const byRule = new Map<string, IsaEntry>();
const byId = new Map<string, IsaEntry>();
for (const e of INSTRUCTION_TABLE) {
  byRule.set(e.rule, e);
  byId.set(e.id, e);
  for (const m of e.mnemonics) {
    const list = byMnemonic.get(m);
    if (list) list.push(e); else byMnemonic.set(m, [e]);
  }
}

const CR_RE = /^cr([0-9]|1[0-5])$/;
const DR_RE = /^(dr|db)[0-7]$/;

export function isControlRegister(op: string): boolean { return CR_RE.test(op); }
export function isDebugRegister(op: string): boolean { return DR_RE.test(op); }

/** Every mnemonic the table knows (lower case). */
export function tableMnemonics(): IterableIterator<string> { return byMnemonic.keys(); }

/** True if the (lower-case) mnemonic appears in the table, in any operand form. */
export function isTableMnemonic(mnemonic: string): boolean { return byMnemonic.has(mnemonic); }

export function entryByRule(rule: string): IsaEntry | undefined { return byRule.get(rule); }
export function entryById(id: string): IsaEntry | undefined { return byId.get(id); }

/**
 * The table mnemonic for a GAS mnemonic with an AT&T size suffix (outb -> out, pushfl -> pushf,
 * insl -> ins), or the mnemonic itself when it is already in the table or unknown.
 */
export function stripAttSuffix(mnemonic: string): string {
  if (byMnemonic.has(mnemonic)) return mnemonic;
  const last = mnemonic.charCodeAt(mnemonic.length - 1);
  // b w l q
  if (mnemonic.length > 2 && (last === 98 || last === 119 || last === 108 || last === 113)) {
    const base = mnemonic.slice(0, -1);
    if (byMnemonic.has(base)) return base;
  }
  return mnemonic;
}

function operandForm(mnemonic: string, ops: readonly string[]): OperandForm | null {
  if (mnemonic === 'mov' && ops.length === 2) {
    const dst = ops[0], src = ops[1];
    if (dst === 'cr8') return 'to-cr8';
    if (src === 'cr8') return 'from-cr8';
    if (CR_RE.test(dst)) return 'to-cr';
    if (CR_RE.test(src)) return 'from-cr';
    if (DR_RE.test(dst)) return 'to-dr';
    if (DR_RE.test(src)) return 'from-dr';
    if (src === 'cs' || src === 'ss') return 'read-cs-ss';
    return null;
  }
  if (mnemonic === 'push' && ops.length === 1 && (ops[0] === 'cs' || ops[0] === 'ss')) return 'read-cs-ss';
  return null;
}

/**
 * Classify one instruction. `mnemonic` is lower case without prefixes (GAS suffixes already
 * stripped); `operands` are lower case, in Intel order (destination first), registers without
 * the AT&T `%`; `msr`, when the caller knows it, is the value ECX holds (RDMSR/WRMSR).
 * Returns the table entry, or undefined for ordinary instructions.
 */
export function classify(mnemonic: string, operands: readonly string[], msr?: number): IsaEntry | undefined {
  const list = byMnemonic.get(mnemonic);
  if (!list) return undefined;
  let form: OperandForm | null | undefined;
  let general: IsaEntry | undefined;
  for (const e of list) {
    if (e.msrs !== undefined) {
      if (msr !== undefined && e.msrs.some((m) => m.number === msr)) return e;
      continue;
    }
    if (!e.operandForm) {
      if (msr === undefined) return e;
      general ??= e;
      continue;
    }
    if (form === undefined) form = operandForm(mnemonic, operands);
    if (form === e.operandForm) return e;
  }
  return general;
}

const longViews = new Map<IsaEntry, IsaEntry>();
const RING_1 = /ring([ -])1\b/g;

/**
 * The entry as it reads for 64-bit code: its `long` facts over the 32-bit ones, and the
 * 32-bit text's "ring 1" as "ring 3" (a 64-bit PV kernel runs in ring 3). One object per entry.
 */
export function longModeView(e: IsaEntry): IsaEntry {
  let v = longViews.get(e);
  if (v === undefined) {
    const l = e.long ?? {};
    v = Object.freeze({
      ...e,
      pvBehaviour: l.pvBehaviour ?? e.pvBehaviour.replace(RING_1, 'ring$13'),
      pvSeverity: l.pvSeverity !== undefined ? l.pvSeverity : e.pvSeverity,
      pvReplacement: l.pvReplacement ?? e.pvReplacement,
      hypercalls: l.hypercalls ?? e.hypercalls,
      wrappers: l.wrappers ?? e.wrappers,
      refusal: l.refusal ?? e.refusal,
      hvm: l.hvm !== undefined ? l.hvm : e.hvm,
    });
    longViews.set(e, v);
  }
  return v;
}

/** The entry for code of this bitness (16 and 32 read the table as it is). */
export function entryForBits(e: IsaEntry, bits: 16 | 32 | 64): IsaEntry {
  return bits === 64 ? longModeView(e) : e;
}

const pvhViews = new Map<IsaEntry, Required<PvhFacts>>();

/**
 * What an entry means to a PVH kernel: its `pvh` facts, else the HVM ones (a PVH kernel runs
 * at ring 0 in an HVM container, so an instruction that can exit is information and the rest
 * say nothing). One object per entry.
 */
export function pvhView(e: IsaEntry): Required<PvhFacts> {
  let v = pvhViews.get(e);
  if (v === undefined) {
    const p = e.pvh;
    const h = e.hvm;
    v = Object.freeze({
      behaviour: p?.behaviour ?? (h ? `exits as under HVM (${h.reason} ${h.name}${h.when === 'conditional' ? ', when that exit is on' : ''}) and Xen handles it` : 'runs at ring 0 without an exit'),
      severity: p ? p.severity : h ? 'information' : null,
      replacement: p?.replacement ?? '',
      hypercalls: p?.hypercalls ?? [],
    });
    pvhViews.set(e, v);
  }
  return v;
}

/** Which control or debug register number an operand names, or -1. */
export function specialRegisterNumber(op: string): number {
  const m = /^(?:cr|dr|db)([0-9]+)$/.exec(op);
  return m ? Number(m[1]) : -1;
}

/** A form's privilege class, from its instruction-table entry ('unprivileged' without one). */
export function formPrivilege(f: OpcodeForm): PrivilegeClass {
  const e = f.isa === undefined ? undefined : byId.get(f.isa);
  if (e === undefined) return 'unprivileged';
  return e.class === 'exit-only' ? 'exit-causing' : e.class;
}
