// Values that cross the protocol boundary: exit records as JSON, memory references, and the
// workspace a kernel belongs to.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ExitRecord } from '../emulator/machine';
import { describeExit } from '../emulator/trace/describe-exit';
import { isPvRecord } from '../emulator/trace/record-kinds';
import type { ExitRecordJson } from './custom-protocol';

export function exitJson(r: ExitRecord): ExitRecordJson {
  const o: ExitRecordJson = {
    seq: r.seq, reason: r.reason, reasonName: r.reasonName, qualification: r.qualification >>> 0, eip: r.eip >>> 0, cs: r.cs, cpl: r.cpl,
    bytes: [...r.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' '), icount: r.icount, handler: r.handler, cycles: r.cycles,
    description: isPvRecord(r.reason) ? r.handler : describeExit(r),
  };
  for (const k of ['gpa', 'msr', 'value', 'vector', 'errorCode', 'qualificationHi', 'valueHi', 'linear', 'linearHi', 'instrInfo'] as const) {
    if (r[k] !== undefined) o[k] = r[k];
  }
  // RIP's high half and the 64-bit flag where they say something, as --trace-exits does.
  if (r.long64 || r.ripHi) { o.ripHi = (r.ripHi ?? 0) >>> 0; o.long64 = r.long64 === true; }
  return o;
}

/**
 * The workspace a kernel belongs to, for the default exit-profile path when no cwd is given
 * (the extension host's cwd says nothing): the nearest ancestor of the program with .vscode or
 * .git, else the program's own directory.
 */
export function workspaceOf(program: string): string {
  for (let d = dirname(program); ; d = dirname(d)) {
    if (existsSync(join(d, '.vscode')) || existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return dirname(program);
  }
}

/** A memory reference: `0x...` (linear) or `phys:0x...` (guest-physical). */
export function memoryRef(ref: unknown): { address: number; physical: boolean } | null {
  if (typeof ref === 'string' && /^phys:/i.test(ref.trim())) {
    const a = parseAddress(ref.trim().slice(5));
    return a === null ? null : { address: a, physical: true };
  }
  const a = parseAddress(ref);
  return a === null ? null : { address: a, physical: false };
}

/** An address as a memoryReference: 8 hex digits for 32-bit ones, all 64 bits for a long-mode guest's (signed values). */
export function addressRef(a: number): string {
  return a >= 0 && a <= 0xffffffff ? `0x${(a >>> 0).toString(16).padStart(8, '0')}` : `0x${BigInt.asUintN(64, BigInt(Math.trunc(a))).toString(16)}`;
}

export function parseAddress(ref: unknown): number | null {
  if (typeof ref === 'number' && Number.isInteger(ref)) return ref >>> 0;
  if (typeof ref !== 'string') return null;
  const t = ref.trim();
  if (/^0x[0-9a-f]{1,8}$/i.test(t)) return parseInt(t, 16) >>> 0;
  // A 64-bit address (a long-mode guest's): its signed value, as the debugger keeps addresses;
  // exact for every canonical address, refused when it is not one.
  if (/^0x[0-9a-f]{9,16}$/i.test(t)) {
    const v = BigInt.asIntN(64, BigInt(t));
    return v >= -(1n << 47n) && v < 1n << 47n ? Number(v) : null;
  }
  if (/^\d{1,10}$/.test(t) && Number(t) <= 0xffffffff) return Number(t);
  return null;
}
