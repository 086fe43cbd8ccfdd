// How a run's end becomes the process exit status. The guest's own statuses (isa-debug-exit
// writes (value << 1) | 1) are always odd, so every status the CLI chooses itself is even
// and the two can never be confused.

import type { StopReason } from '../emulator/machine-api';

export const EXIT_OK = 0;
/** Bad option, missing or unreadable file, bad image. */
export const EXIT_USAGE = 2;
export const EXIT_TRIPLE_FAULT = 4;
export const EXIT_DOMAIN_CRASH = 6;
/** Ended at an exit matching --stop-on. */
export const EXIT_STOP_ON = 8;
/** An error inside the emulator itself (a bug: please report it). */
export const EXIT_INTERNAL = 70;
/** The --max-instructions budget ran out first (the convention of timeout(1)). */
export const EXIT_BUDGET = 124;
/** Stopped by SIGINT (128 + 2, the shell's convention). */
export const EXIT_INTERRUPTED = 130;

export function exitStatusFor(stop: StopReason, interrupted: boolean): number {
  switch (stop.kind) {
    case 'debug-exit': return stop.code & 0xff;
    case 'shutdown': return stop.code & 0xff;
    case 'halted':
    case 'reset': return EXIT_OK;
    case 'triple-fault': return EXIT_TRIPLE_FAULT;
    case 'domain-crash': return EXIT_DOMAIN_CRASH;
    case 'budget': return EXIT_BUDGET;
    case 'filter': return EXIT_STOP_ON;
    case 'paused': return interrupted ? EXIT_INTERRUPTED : EXIT_OK;
    default: return EXIT_INTERNAL; // breakpoints, watchpoints, steps: never set by the CLI
  }
}
