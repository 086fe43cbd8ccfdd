// The shape of an instruction handler, as the family files export them and the dispatch
// tables (dispatch.ts) hold them: the CPU with its decode state, and the opcode byte
// (the second byte for the 0F map), which groups of opcodes decode further.

import type { PortCpu } from './port-io';

/** The CPU as instruction handlers see it (everything below the run loop). */
export type ExecCpu = PortCpu;

export type Handler = (cpu: ExecCpu, op: number) => void;

/** One family's handlers by opcode (one-byte map, or the byte after 0F). */
export type HandlerMap = Readonly<Record<number, Handler>>;

/** A model-specific register a family's instructions use, which RDMSR/WRMSR then reach too. */
export interface MsrDef {
  readonly index: number;
  /** [low, high] 32-bit halves at reset. */
  readonly reset: readonly [number, number];
  /** [low, high] bits WRMSR must leave clear (#GP(0) otherwise). */
  readonly reserved?: readonly [number, number];
}

/** What a family file exports: its handlers in each opcode map, and the MSRs it brings. */
export interface Family {
  readonly name: string;
  readonly oneByte: HandlerMap;
  readonly twoByte: HandlerMap;
  /** The three-byte maps 0F 38 and 0F 3A (the opcode is the third byte). */
  readonly map0f38?: HandlerMap;
  readonly map0f3a?: HandlerMap;
  /**
   * 64-bit mode (LONG-MODE.md, "Dispatch"): handlers that replace the family's own there, for
   * opcodes whose forms are valid in 64-bit mode. Opcodes without one run the legacy handler.
   */
  readonly oneByte64?: HandlerMap;
  readonly twoByte64?: HandlerMap;
  readonly msrs?: readonly MsrDef[];
}
