// The one place where the conformance and fuzz harnesses reach the emulator, so the rest of
// them depend only on the contract (emulator/machine/api.ts) and the decodeInfo signature.

import { decodeInfo } from '../../emulator/isa';
import { Machine } from '../../emulator/machine';
import type { DecodeFn } from './decoder-conformance';

export const emulatorDecodeInfo: DecodeFn = decodeInfo;

/** A small HVM machine: the harnesses use less than 1 MiB, and snapshots copy all of RAM. */
export function createEmulatorMachine(): Machine {
  return new Machine({ mode: 'hvm', memoryMiB: 1 });
}
