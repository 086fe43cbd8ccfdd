// The physical bus's vocabulary: access sizes, MMIO ranges and their handlers, and records of
// accesses that reached nothing. Memory owns it because memory dispatches MMIO; devices
// implement MmioHandler and the platform reuses AccessSize for port I/O.

export type AccessSize = 1 | 2 | 4;

/** One MMIO range's handler; `offset` is relative to the range's base. */
export interface MmioHandler {
  read(offset: number, size: AccessSize): number;
  write(offset: number, size: AccessSize, value: number): void;
}

export interface MmioRange {
  base: number;      // physical address, page aligned
  size: number;      // bytes, multiple of 4096
  name: string;      // device name, for exit records and the attack-surface report
  handler: MmioHandler;
}

/** A record of an access that reached no device (reads return all ones). */
export interface UnassignedAccess {
  kind: 'io' | 'mmio';
  address: number;
  size: AccessSize;
  write: boolean;
  value: number;
  icount: number;
}
