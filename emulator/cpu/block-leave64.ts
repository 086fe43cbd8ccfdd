// How a 64-bit block leaves: through the interpreter for one instruction, or after an
// instruction the interpreter ran inside the block. A file of its own so that both
// block-compiler64.ts and block-more64.ts can use it without importing each other.

import { RELOAD, type Emitter } from './block-emitter';

/** RIP's low half at offset x of the block (the run loop keeps a block off a page where it would wrap). */
export const E = (x: number): string => `(e0+${x})|0`;

/**
 * A direct transfer's target (offset from the block's entry) that RIP's low half cannot carry
 * alone: outside int32, or across 0 or 2^31 where the high half (H, the sign of e0) changes.
 */
export const leavesHalf = (target: number): string => `(((e0+${target})|0)!==e0+${target}||((e0+${target})>>31)!==H)`;

/** Run this instruction in the interpreter and leave the block after it (state synced first). */
export function interpretAndLeave(em: Emitter): string {
  return `{${em.sync()}c.eip=${E(em.off)};c.execOne();c.icount=ic0+${em.k + 1};return;}`;
}

/** The run loop's check after an interpreted instruction, with 64-bit mode's extra conditions. */
export function after64(em: Emitter): string {
  return `${RELOAD}if(c.attn===true||c.eip!==((e0+${em.next})|0)||c.ripHi!==H||c.long64!==true||ic0+@COUNT@>c.limit){c.icount=ic0+${em.k + 1};return;}`;
}
