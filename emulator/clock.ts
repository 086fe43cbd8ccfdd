// Virtual time. Every run is deterministic because time is derived from the instruction
// count, never from the host clock.
//
// One tick = one retired guest instruction = INSTRUCTION_NS nanoseconds. While the CPU is
// halted (HLT with IF=1) the machine skips ticks forward to the next device deadline, so
// virtual time = retired instructions + idle ticks. Devices see ticks through
// PlatformOptions.now(); the TSC runs at TSC_PER_TICK per tick (1 GHz at 10 ns per tick).

export const INSTRUCTION_NS = 10;
export const TICKS_PER_SECOND = 1e9 / INSTRUCTION_NS;
export const TSC_PER_TICK = 10;

export function ticksToNs(ticks: number): number {
  return ticks * INSTRUCTION_NS;
}

export function nsToTicks(ns: number): number {
  return Math.ceil(ns / INSTRUCTION_NS);
}
