// What a snapshot's CPU, device and hypervisor state weighs, for the reverse history's memory
// budget. Guest RAM is not part of it: snapshots share page copies (memory/page-store.ts),
// which the page store counts once.

import { RamImage } from '../memory/page-store';

/**
 * Bytes of `v`: its typed arrays, and a word for every other value. Strings count as a word:
 * the one big string a snapshot holds, the serial output so far, is the machine's own.
 */
export function stateBytes(v: unknown, seen = new Set<object>()): number {
  if (v === null || typeof v !== 'object') return 8;
  if (seen.has(v) || v instanceof RamImage) return 0;
  seen.add(v);
  if (ArrayBuffer.isView(v)) return 64 + v.byteLength;
  let n = 32;
  for (const x of Object.values(v as Record<string, unknown>)) n += stateBytes(x, seen);
  return n;
}
