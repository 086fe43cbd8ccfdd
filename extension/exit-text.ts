// What the VM Exits view says about a reason, a hypercall and an exit, from the exit-reason
// table, the hypercall table and the PV record kinds: the SDM's title of a reason, a
// hypercall's arguments, and an exit's qualification field by field with the SDM's meaning
// of each. No vscode import: unit-tested on its own.

import { exitReasonInfo, exitReasonNumber, qualificationLayout } from '../emulator/isa/exit-reasons';
import { fieldValue } from '../emulator/isa/exit-qualification';
import { PV_RECORD_KINDS, isPvRecord } from '../emulator/trace/record-kinds';
import { hypercallByName } from '../emulator/pv/abi';
import type { ExitEntry } from './exit-model';

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

/** 64-bit values as two 32-bit halves (as the protocol carries them), in hex: 16 digits when wide, else 8. */
function hex64(lo: number, hi: number | undefined, wide: boolean): string {
  const l = (lo >>> 0).toString(16).padStart(8, '0');
  return wide || (hi ?? 0) !== 0 ? `0x${((hi ?? 0) >>> 0).toString(16).padStart(8, '0')}${l}` : `0x${l}`;
}

/** The exiting instruction's address: all of RIP for an exit in 64-bit code, else EIP. */
export function exitAddress(e: Pick<ExitEntry, 'eip' | 'ripHi' | 'long64'>): string {
  return hex64(e.eip, e.ripHi, e.long64 === true);
}

/** The register that address is in, as the SDM names it for the exiting code's mode. */
export function exitAddressName(e: Pick<ExitEntry, 'ripHi' | 'long64'>): 'RIP' | 'EIP' {
  return e.long64 === true || (e.ripHi ?? 0) !== 0 ? 'RIP' : 'EIP';
}

/** The exit qualification with its high half where VT-x's field is 64 bits (a linear address). */
export function exitQualification(e: Pick<ExitEntry, 'qualification' | 'qualificationHi'>): string {
  return hex64(e.qualification, e.qualificationHi, false);
}

/** One line for a reason (or PV record kind) by its name: "I/O instruction (basic exit reason 30)". */
export function reasonTitle(name: string): string | undefined {
  const pv = PV_RECORD_KINDS.find((k) => k.name === name);
  if (pv) return `PV record kind ${pv.kind}: qualification holds ${pv.qualification}; handler ${pv.handler}`;
  const n = exitReasonNumber(name);
  const info = n === undefined ? undefined : exitReasonInfo(n);
  return info ? `${info.title} (basic exit reason ${info.reason})` : undefined;
}

/** A hypercall by name, from the hypercall table: "console_io (18): Write to ... Arguments: cmd (CONSOLEIO_*), count, buffer". */
export function hypercallTitle(name: string): string | undefined {
  const h = hypercallByName(name);
  if (!h) return undefined;
  const args = h.args.map((a) => `${a.name} (${a.kind}${a.constants ? `, ${a.constants}*` : ''})`).join(', ');
  return `${h.name} (${h.nr}): ${h.summary}${args ? ` Arguments in EBX, ECX, EDX, ESI, EDI: ${args}.` : ''}`;
}

/** What the record's number is: "basic exit reason 30" or "PV record kind 256". */
export function reasonKind(e: Pick<ExitEntry, 'reason'>): string {
  return isPvRecord(e.reason) ? `PV record kind ${e.reason}` : `basic exit reason ${e.reason}`;
}

/** The qualification's fields under the record's layout, one line each: "bits 31:16 port number: 0x3f8". */
export function qualificationFields(e: Pick<ExitEntry, 'reason' | 'qualification' | 'vector'>): string[] {
  if (isPvRecord(e.reason)) return [];
  return qualificationLayout(e).fields.map((f) => {
    const bits = f.width === 1 ? `bit ${f.lsb}` : `bits ${f.lsb + f.width - 1}:${f.lsb}`;
    const v = fieldValue(e.qualification, f);
    return `${bits} ${f.doc}${f.filterName ? ` (\`${f.filterName}\`)` : ''}: ${f.width === 1 ? v : hex(v)}`;
  });
}
