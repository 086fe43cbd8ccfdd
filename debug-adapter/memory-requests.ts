// readMemory and writeMemory: linear addresses (64-bit in a long-mode guest, wrapping at 4 GiB
// in a 32-bit one) or physical ones (`phys:0x...`), read page by page so an unmapped page ends
// the read as the protocol's unreadableBytes expects.

import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DebugEngine } from './engine/debug-engine';
import { addressRef, memoryRef } from './protocol-values';
import { hex } from './state-views';

/** The most bytes one request reads or writes. */
export const MAX_READ = 1 << 20;

export function readMemoryBody(e: DebugEngine, args: DebugProtocol.ReadMemoryArguments): NonNullable<DebugProtocol.ReadMemoryResponse['body']> | { error: string } {
  const ref = memoryRef(args?.memoryReference);
  const count = Number(args?.count);
  if (ref === null) return { error: `memoryReference '${args?.memoryReference}' is not an address (0x..., or phys:0x... for physical memory)` };
  if (!Number.isInteger(count) || count < 0 || count > MAX_READ) return { error: `count must be a whole number from 0 to ${MAX_READ}` };
  // A long-mode guest's linear addresses are 64-bit (signed numbers); 32-bit ones wrap.
  const wide = e.image64 && !ref.physical;
  const start = wide ? ref.address + (Number(args.offset) || 0) : (ref.address + (Number(args.offset) || 0)) >>> 0;
  let bytes: Uint8Array;
  if (ref.physical) {
    bytes = e.machine.readPhysical(start, count);
  } else {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      // Page by page: stop at the first unmapped page, as the protocol's unreadableBytes expects.
      const a = wide ? start + i : (start + i) >>> 0;
      const n = Math.min(count - i, 0x1000 - (a & 0xfff));
      const chunk = e.machine.readLinear(a, n);
      if (!chunk) break;
      for (const b of chunk) out.push(b);
      i += n - 1;
    }
    bytes = Uint8Array.from(out);
  }
  return { address: (ref.physical ? 'phys:' : '') + (wide ? addressRef(start) : hex(start)), data: Buffer.from(bytes).toString('base64'), unreadableBytes: count - bytes.length };
}

/** Writes the bytes (the caller tells the engine its state was edited). */
export function writeMemoryBody(e: DebugEngine, args: DebugProtocol.WriteMemoryArguments): NonNullable<DebugProtocol.WriteMemoryResponse['body']> | { error: string } {
  const ref = memoryRef(args?.memoryReference);
  if (ref === null || typeof args.data !== 'string') return { error: 'writeMemory needs a memoryReference address and base64 data' };
  const data = new Uint8Array(Buffer.from(args.data, 'base64'));
  if (data.length > MAX_READ) return { error: `writeMemory: at most ${MAX_READ} bytes at a time` };
  const at = e.image64 && !ref.physical ? ref.address + (Number(args.offset) || 0) : (ref.address + (Number(args.offset) || 0)) >>> 0;
  if (ref.physical) e.machine.writePhysical(at, data);
  else if (!e.machine.writeLinear(at, data)) return { error: `memory at ${addressRef(at)} (+${data.length}) is not mapped` };
  return { offset: 0, bytesWritten: data.length };
}
