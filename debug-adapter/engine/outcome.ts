// How a run or a step of the debug engine ends, shared by the engine and its stepper (apart
// from both, so neither imports the other).

import type { ExitRecord } from '../../emulator/machine';

export type StopKind = 'entry' | 'breakpoint' | 'function breakpoint' | 'instruction breakpoint' | 'data breakpoint' | 'exception' | 'step' | 'pause';

export interface StopInfo {
  kind: StopKind;
  description: string;
  text?: string;
  breakpointIds?: number[];
  /** The exit record that stopped the guest (exception filter) or the fatal condition. */
  exit?: ExitRecord;
  fatal?: string;
}

export interface EndInfo { message: string; exitCode: number }

export type Outcome =
  /** `inlineHidden`: the inlined frames to hide at this stop when not gdb's rule (hiddenInlineFrames); `enterInline`: a step into an inlined call shows one more. */
  | { kind: 'stop'; info: StopInfo; inlineHidden?: number; enterInline?: boolean }
  | { kind: 'end'; info: EndInfo }
  | { kind: 'temp' };
