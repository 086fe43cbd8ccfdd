// Exit filters a person can type: "IO_INSTRUCTION port == 0xf4", "CR_ACCESS cr == 3 && access == 0",
// "EXCEPTION_NMI vector == 14", "VMCALL nr == 0x7fff", "eip >= 0x100000 && eip < 0x101000".
// An optional leading exit-reason name, then an expression over the exit's fields in the
// debugger's expression language (emulator/expression), with the filter syntax's one rule:
// & ^ | bind tighter than comparisons. Every name is checked when the filter is compiled; a
// field an exit does not have makes a comparison false. Filters read no guest memory.

import type { ExitRecord } from '../trace/exit-record';
import { ExpressionError, parseExpression, type ExpressionScope } from '../expression';
import { EXIT_REASONS, ExitReason, QUALIFICATION_FILTER_NAMES, qualificationField } from '../isa/exit-reasons';
import { decodeIo } from '../isa/exit-qualification';
import { PV_RECORD_KINDS, PvKind } from '../trace/record-kinds';

export class ExitFilterError extends Error {
  override name = 'ExitFilterError';
}

type Getter = (r: ExitRecord) => number | undefined;
const IO = ExitReason.IO_INSTRUCTION;
const bool = (b: boolean) => (b ? 1 : 0);

/** The names a filter may use, and how each is read from a record (undefined = not applicable). */
export const FILTER_FIELDS: Readonly<Record<string, Getter>> = {
  reason: (r) => r.reason,
  qualification: (r) => r.qualification >>> 0,
  eip: (r) => r.eip >>> 0,
  // 64-bit RIP: ripHi exactly; rip as one number, exact up to 2^53 (compare ripHi and eip for
  // an exact upper-half address).
  ripHi: (r) => (r.ripHi ?? 0) >>> 0,
  rip: (r) => ((r.ripHi ?? 0) >>> 0) * 0x100000000 + (r.eip >>> 0),
  long64: (r) => bool(r.long64 === true),
  qualificationHi: (r) => (r.qualificationHi !== undefined ? r.qualificationHi >>> 0 : undefined),
  valueHi: (r) => (r.valueHi !== undefined ? r.valueHi >>> 0 : undefined),
  cs: (r) => r.cs,
  cpl: (r) => r.cpl,
  icount: (r) => r.icount,
  cycles: (r) => r.cycles,
  gpa: (r) => r.gpa,
  msr: (r) => r.msr,
  value: (r) => r.value,
  vector: (r) => r.vector,
  errorCode: (r) => r.errorCode,
  nr: (r) => (r.reason === ExitReason.VMCALL ? r.value : r.reason === PvKind.HYPERCALL ? r.qualification : undefined),
  leaf: (r) => (r.reason === ExitReason.CPUID ? r.value : undefined),
  // Qualification fields (port, size, in, cr, access, gpr, dr, linear, ...) come from the
  // layouts in the exit-reason table: a field is defined where the record's layout has it.
  ...Object.fromEntries(QUALIFICATION_FILTER_NAMES.map((name): [string, Getter] => [name, (r) => qualificationField(r, name)])),
  out: (r) => (r.reason === IO ? bool(!decodeIo(r.qualification).in) : undefined),
};

/** Intel's reasons and the PV hypervisor's record kinds (HYPERCALL nr == 29, TRAP_BOUNCE vector == 14, ...). */
const REASONS: ReadonlyArray<{ name: string; reason: number }> = [
  ...EXIT_REASONS, ...PV_RECORD_KINDS.map((k) => ({ name: k.name, reason: k.kind })),
];
const REASON_BY_NAME = new Map(REASONS.map((x) => [x.name, x.reason]));

/** Operators that make a leading reason name an operand instead (`CPUID == reason`). */
const CONTINUES = /^\s*(==|!=|<=|>=|<<|>>|<|>|&&|\|\||[&|^+*/%-])/;

function recordScope(r: ExitRecord): ExpressionScope {
  return {
    name: (id) => FILTER_FIELDS[id]?.(r) ?? (id === id.toUpperCase() ? REASON_BY_NAME.get(id) : undefined),
    read: () => null,
  };
}

/** Compiles a filter; throws ExitFilterError with a readable message for bad text. */
export function compileExitFilter(text: string): (r: ExitRecord) => boolean {
  if (typeof text !== 'string' || text.trim() === '') throw new ExitFilterError('empty exit filter');
  let rest = text;
  let reason: number | undefined;
  const lead = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(text);
  const leadReason = lead ? REASON_BY_NAME.get(lead[1]!.toUpperCase()) : undefined;
  if (lead && leadReason !== undefined && !CONTINUES.test(text.slice(lead[0].length))) {
    reason = leadReason;
    rest = text.slice(lead[0].length);
  }
  let test: ((s: ExpressionScope) => boolean) | null = null;
  if (rest.trim() !== '') {
    let parsed;
    try { parsed = parseExpression(rest, 'filter'); } catch (e) {
      if (e instanceof ExpressionError) throw new ExitFilterError(e.message);
      throw e;
    }
    for (const n of parsed.names) {
      if (!FILTER_FIELDS[n] && !(n === n.toUpperCase() && REASON_BY_NAME.has(n))) {
        throw new ExitFilterError(`unknown name '${n}' (fields: ${Object.keys(FILTER_FIELDS).join(', ')})`);
      }
    }
    if (parsed.readsMemory) throw new ExitFilterError('an exit filter reads the exit\'s fields, not guest memory');
    test = parsed.test;
  }
  return (r) => {
    if (reason !== undefined && r.reason !== reason) return false;
    if (test === null) return true;
    // Runs on the machine's exit path: a division by zero in a filter is no match, never a host error.
    try { return test(recordScope(r)); } catch { return false; }
  };
}
