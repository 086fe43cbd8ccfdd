// How a run's end becomes the process exit status. The guest's own statuses (isa-debug-exit
// writes (value << 1) | 1) are always odd, so every status the CLI chooses itself is even
// and the two can never be confused. STATUS_* are process statuses; exit reasons are
// ExitReason.* (emulator/isa/exit-reasons.ts).

import type { StopReason } from '../emulator/machine';

export const STATUS_OK = 0;
/** Bad option, missing or unreadable file, bad image. */
export const STATUS_USAGE = 2;
export const STATUS_TRIPLE_FAULT = 4;
export const STATUS_DOMAIN_CRASH = 6;
/** Ended at an exit matching --stop-on. */
export const STATUS_STOP_ON = 8;
/** An error inside the emulator itself (a bug: please report it). */
export const STATUS_INTERNAL = 70;
/** The --max-instructions budget ran out first (the convention of timeout(1)). */
export const STATUS_BUDGET = 124;
/** Stopped by SIGINT (128 + 2, the shell's convention). */
export const STATUS_INTERRUPTED = 130;

export function exitStatusFor(stop: StopReason, interrupted: boolean): number {
  switch (stop.kind) {
    case 'debug-exit': return stop.code & 0xff;
    case 'shutdown': return stop.code & 0xff;
    case 'halted':
    case 'reset': return STATUS_OK;
    case 'triple-fault': return STATUS_TRIPLE_FAULT;
    case 'domain-crash': return STATUS_DOMAIN_CRASH;
    case 'budget': return STATUS_BUDGET;
    case 'filter': return STATUS_STOP_ON;
    case 'paused': return interrupted ? STATUS_INTERRUPTED : STATUS_OK;
    default: return STATUS_INTERNAL; // breakpoints, watchpoints, steps: never set by the CLI
  }
}
