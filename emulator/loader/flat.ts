// A flat binary: the file's bytes at one physical address, entered at its first byte, in flat
// 32-bit protected mode, or in real mode (a boot-sector-like image below 1 MiB).

import type { BootPlan } from './boot-plan';
import { checkPlacements, MiB } from './guest-ram';
import { ImageError, hex } from './image-error';
import type { LoadOptions } from './load-options';

export const DEFAULT_FLAT_ADDRESS = 0x100000;
export const DEFAULT_REAL_MODE_ADDRESS = 0x7c00;

export function loadFlat(bytes: Uint8Array, opts: LoadOptions): BootPlan {
  const real = opts.realMode === true;
  const address = opts.flatAddress ?? (real ? DEFAULT_REAL_MODE_ADDRESS : DEFAULT_FLAT_ADDRESS);
  if (!Number.isSafeInteger(address) || address < 0 || address > 0xffffffff) {
    throw new ImageError(`flat load address ${address} is not a 32-bit physical address`, { field: 'flatAddress' });
  }
  if (bytes.length === 0) throw new ImageError('flat image is empty', { field: 'image' });
  if (real && address + bytes.length > MiB) {
    throw new ImageError(`a real-mode image must lie below 1 MiB, but ${hex(address)}..${hex(address + bytes.length)} does not`, { field: 'flatAddress' });
  }
  checkPlacements([{ start: address, size: bytes.length, what: 'flat image', field: 'flatAddress' }], opts.ramBytes);
  const memory = [{ paddr: address, bytes: new Uint8Array(bytes) }]; // a copy, and a plain Uint8Array even for a Buffer
  if (real) {
    // A 64 KiB-aligned segment keeps IP small and the whole image reachable without wrap.
    const cs = (address >>> 4) & 0xf000;
    const ip = address - cs * 16;
    return {
      memory,
      entry: { kind: 'real', cs, ip },
      description: `flat binary, ${bytes.length} bytes at ${hex(address)}, real mode ${hex(cs)}:${hex(ip)}`,
    };
  }
  return {
    memory,
    entry: { kind: 'flat32', eip: address },
    description: `flat binary, ${bytes.length} bytes at ${hex(address)}, flat32 entry ${hex(address)}`,
  };
}
