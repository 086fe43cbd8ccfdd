// Instruction and data breakpoints as the client sends them, read into what the engine sets:
// instruction references that are not addresses are answered unverified in their place; a
// data breakpoint's id is the `address:length` dataBreakpointInfo gave.

import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DebugEngine } from './engine/debug-engine';
import type { BreakpointOptions } from './engine/breakpoints';
import type { WatchRequest } from './engine/watches';
import { addressRef, parseAddress } from './protocol-values';

type AddressResult = { verified: boolean; id?: number; address?: number; message?: string };

/** `set` places the readable ones; `answer` turns each result into the client's breakpoint, in the request's order. */
export function placeInstructionBreakpoints(requested: DebugProtocol.InstructionBreakpoint[], set: (req: Array<{ address: number } & BreakpointOptions>) => AddressResult[],
  answer: (r: AddressResult) => DebugProtocol.Breakpoint): DebugProtocol.Breakpoint[] {
  const req: Array<{ address: number; condition?: string; hitCondition?: string }> = [];
  const bad: Array<number> = [];
  requested.forEach((b, i) => {
    const a = parseAddress(b.instructionReference);
    if (a === null) bad.push(i); else req.push({ address: (a + (b.offset ?? 0)) >>> 0, condition: b.condition, hitCondition: b.hitCondition });
  });
  const results = set(req);
  let k = 0;
  return requested.map((b, i) => (bad.includes(i) ? { verified: false, message: `'${b.instructionReference}' is not an address` } : answer(results[k++]!)));
}

/** The watches to set, or why one of them cannot be read (then none is set). */
export function watchRequests(requested: DebugProtocol.DataBreakpoint[]): WatchRequest[] | { error: string } {
  const req: WatchRequest[] = [];
  for (const b of requested) {
    const m = /^(0x[0-9a-f]+):(\d+)$/i.exec(String(b.dataId));
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 4096) return { error: `data breakpoint '${b.dataId}' is not 'address:length' (from dataBreakpointInfo)` };
    req.push({
      address: parseAddress(m[1]!) ?? parseInt(m[1]!, 16), length: Number(m[2]), kind: b.accessType === 'read' ? 'read' : b.accessType === 'readWrite' ? 'access' : 'write',
      condition: typeof b.condition === 'string' ? b.condition : undefined, hitCondition: typeof b.hitCondition === 'string' ? b.hitCondition : undefined,
    });
  }
  return req;
}

/** What a data breakpoint on `name` would watch (a variable, a symbol, an address); `e` is null while the guest cannot be read. */
export function dataBreakpointInfo(e: DebugEngine | null, name: string): NonNullable<DebugProtocol.DataBreakpointInfoResponse['body']> {
  const where = e ? e.addressOf(name) : null;
  if (!e || where === null) return { dataId: null, description: `'${name}' is not a variable in memory, a symbol or an address the debugger can watch` };
  const sym = e.symbols.describe(where.address);
  return { dataId: `${addressRef(where.address)}:${where.size}`, description: `${where.size} bytes at ${addressRef(where.address)}${sym ? ` (${sym})` : ''}`, accessTypes: ['read', 'write', 'readWrite'], canPersist: false };
}
