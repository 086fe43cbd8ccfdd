// What the guest can be stopped on besides breakpoints: hypervisor events. Each filter
// matches a kind of exit record (or a fatal end) and may carry a condition over the record's
// fields, in the same expression language as breakpoint conditions.

import type { ExitRecord, Mode } from '../../emulator/machine';
import { FILTER_FIELDS } from '../../emulator/machine';
import { ExitReason, exitReasonNumber } from '../../emulator/isa/exit-reasons';
import { PV_RECORD_KINDS, PvKind, isPvRecord } from '../../emulator/trace/record-kinds';
import { hypercallByName } from '../../emulator/pv/abi';
import { compileCondition, type ExpressionScope } from '../../emulator/expression';

const PV_HYPERCALL = PvKind.HYPERCALL, PV_TRAP_BOUNCE = PvKind.TRAP_BOUNCE, PV_PRIV_OP = PvKind.PRIV_OP, PV_EVENT_UPCALL = PvKind.EVENT_UPCALL;

export interface FilterInfo {
  id: string;
  label: string;
  description: string;
  default: boolean;
  conditionDescription: string;
  modes: Mode[];
}

export const EXCEPTION_FILTERS: FilterInfo[] = [
  { id: 'vmexit', label: 'VM exits', description: 'Stop on a VM exit (HVM, PVH)', default: false, modes: ['hvm', 'pvh'],
    conditionDescription: 'e.g. reason == IO_INSTRUCTION && port == 0x3f8 && !in' },
  { id: 'hypercall', label: 'Hypercalls', description: 'Stop on a hypercall (PV and PVH: Xen hypercalls; HVM: VMCALL)', default: false, modes: ['hvm', 'pv', 'pvh'],
    conditionDescription: 'e.g. nr == 29, or name == "console_io"' },
  { id: 'upcall', label: 'Event upcalls', description: 'Stop when the hypervisor enters the guest\'s event callback with events pending (PV: the registered callback; PVH: the upcall or callback vector)', default: false, modes: ['pv', 'pvh'],
    conditionDescription: 'e.g. icount > 1000000' },
  { id: 'privop', label: 'Privileged operations', description: 'Stop when the hypervisor emulates a privileged instruction of the ring-1 kernel (PV)', default: false, modes: ['pv'],
    conditionDescription: 'e.g. opcode == 0xf4' },
  { id: 'exception', label: 'Guest exceptions', description: 'Stop when an exception is delivered to the guest (PV trap bounces; HVM exceptions that exit)', default: false, modes: ['hvm', 'pv', 'pvh'],
    conditionDescription: 'e.g. vector == 14 && cr2 < 0x1000' },
  { id: 'triple-fault', label: 'Triple fault', description: 'Stop instead of ending the session on a triple fault', default: true, modes: ['hvm', 'pvh'],
    conditionDescription: '' },
  { id: 'domain-crash', label: 'Domain crash', description: 'Stop instead of ending the session when the PV or PVH domain crashes', default: true, modes: ['pv', 'pvh'],
    conditionDescription: '' },
];

/** Names an exit record offers to conditions: the HVM filter fields plus PV and symbolic ones. */
export function recordScope(r: ExitRecord, base: ExpressionScope, cr2: () => number): ExpressionScope {
  return {
    read: base.read,
    name(id: string) {
      switch (id) {
        case 'reason': return r.reason;
        case 'reasonName': return r.reasonName;
        case 'handler': return r.handler;
        case 'nr': return r.reason === PV_HYPERCALL ? r.qualification : FILTER_FIELDS.nr!(r);
        case 'name': return r.reason === PV_HYPERCALL ? r.handler : r.reasonName;
        case 'rc': return r.reason === PV_HYPERCALL ? r.value : undefined;
        case 'opcode': return r.reason === PV_PRIV_OP ? r.qualification : undefined;
        case 'vector': return r.reason === PV_TRAP_BOUNCE ? r.qualification : r.vector;
        case 'cr2': return (r.reason === PV_TRAP_BOUNCE && r.qualification === 14) || r.vector === 14 ? cr2() : undefined;
      }
      const f = FILTER_FIELDS[id];
      if (f) return f(r);
      // An exit reason's name stands for its number (reason == IO_INSTRUCTION, reason == EVENT_UPCALL), a hypercall's for its number.
      const n = id === id.toUpperCase() ? exitReasonNumber(id) ?? PV_RECORD_KINDS.find((k) => k.name === id)?.kind : undefined;
      if (n !== undefined) return n;
      const hc = hypercallByName(id);
      if (hc) return hc.nr;
      return base.name(id);
    },
  };
}

export interface ActiveFilter { id: string; test(r: ExitRecord, scope: ExpressionScope): boolean }

function kindMatches(id: string, r: ExitRecord): boolean {
  switch (id) {
    case 'vmexit': return !isPvRecord(r.reason);
    // A PVH VMCALL (handler xen) is followed by its HYPERCALL record, which names the call: stop there once.
    case 'hypercall': return r.reason === PV_HYPERCALL || (r.reason === ExitReason.VMCALL && r.handler !== 'xen');
    case 'privop': return r.reason === PV_PRIV_OP;
    case 'upcall': return r.reason === PV_EVENT_UPCALL;
    case 'exception': return r.reason === PV_TRAP_BOUNCE || (r.reason === ExitReason.EXCEPTION_NMI && r.vector !== undefined);
    default: return false;
  }
}

/** Compiles the filters a client enabled; throws ExpressionError for an unreadable condition. */
export function compileFilter(id: string, condition?: string): ActiveFilter {
  if (!EXCEPTION_FILTERS.some((f) => f.id === id)) throw new Error(`unknown exception filter '${id}'`);
  const cond = condition && condition.trim() ? compileCondition(condition) : null;
  return { id, test: (r, s) => kindMatches(id, r) && (cond === null || cond(s)) };
}
