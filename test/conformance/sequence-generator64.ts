// Random candidate instructions for the decoder comparison in 64-bit code. Uniform bytes
// would rarely put a REX right before an opcode, give an SSE opcode its mandatory prefix or
// reach RIP-relative addressing; this shapes the prefix chain (legacy prefixes, then REX with
// a random W/R/X/B, sometimes a REX that a later prefix cancels or two in a row), the opcode
// (one-byte, 0F, SSE with its mandatory prefix, the three-byte maps, x87, and the opcodes
// 64-bit mode changes) and the ModR/M/SIB (RIP-relative, SIB with and without a base), and
// leaves displacements and immediates random.

import type { Rng } from './random';
import { SLOT } from './sequence-generator';

const LEGACY = [0x66, 0x66, 0x67, 0x67, 0xf2, 0xf3, 0xf0, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65] as const;

/** One-byte opcodes whose meaning or size 64-bit mode changes (the bias toward them). */
const CHANGED = [
  0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61, 0x62, 0x63, 0x68, 0x6a, 0x6d, 0x6f,
  0x82, 0x8c, 0x8e, 0x8f, 0x90, 0x98, 0x99, 0x9a, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2, 0xa3, 0xa5, 0xa7, 0xab, 0xad, 0xaf,
  0xc2, 0xc3, 0xc4, 0xc5, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xce, 0xcf, 0xd4, 0xd5, 0xd6, 0xe0, 0xe1, 0xe2, 0xe3, 0xe8, 0xe9,
  0xea, 0xeb, 0xff, 0x50, 0x57, 0x58, 0x5f, 0xb8, 0xbf,
] as const;
const CHANGED_0F = [0x00, 0x01, 0x05, 0x07, 0x20, 0x21, 0x22, 0x23, 0x34, 0x35, 0xa0, 0xa1, 0xa8, 0xa9, 0xae, 0xc7, 0xc8, 0xcf, 0x80, 0x8f] as const;
/** 0F opcodes of SSE..SSSE3 (with and without a mandatory prefix). */
const SSE_0F: number[] = [];
for (const [lo, hi] of [[0x10, 0x17], [0x28, 0x2f], [0x50, 0x7f], [0xc2, 0xc6], [0xd0, 0xff]] as const) for (let op = lo; op <= hi; op++) SSE_0F.push(op);
const MANDATORY = [0, 0x66, 0x66, 0xf3, 0xf2] as const;

/** Writes one 64-bit candidate into buf[offset .. offset+SLOT). */
export function generateSequence64(rng: Rng, buf: Uint8Array, offset: number): void {
  rng.fill(buf, offset, offset + SLOT);
  let p = offset;
  const roll = rng.below(100);
  const legacy = roll < 55 ? 0 : roll < 85 ? 1 : roll < 95 ? 2 : 4;
  for (let i = 0; i < legacy; i++) buf[p++] = LEGACY[rng.below(LEGACY.length)];
  const kind = rng.below(100);
  // SSE takes its mandatory prefix before the REX.
  if (kind >= 60 && kind < 75) {
    const m = MANDATORY[rng.below(MANDATORY.length)];
    if (m !== 0) buf[p++] = m;
  }
  const rexRoll = rng.below(100);
  if (rexRoll < 8) {
    buf[p++] = 0x40 | rng.below(16);        // cancelled by the legacy prefix after it
    buf[p++] = LEGACY[rng.below(LEGACY.length)];
  }
  if (rexRoll >= 8 && rexRoll < 12) buf[p++] = 0x40 | rng.below(16);   // two REX: the last counts
  if (rexRoll < 70) buf[p++] = 0x40 | rng.below(16);
  if (kind < 38) {
    buf[p++] = rng.byte();                   // one-byte map (0F and prefixes among them)
  } else if (kind < 50) {
    buf[p++] = CHANGED[rng.below(CHANGED.length)];
  } else if (kind < 60) {
    buf[p++] = 0x0f;
    buf[p++] = rng.chance(0.4) ? CHANGED_0F[rng.below(CHANGED_0F.length)] : rng.byte();
  } else if (kind < 75) {
    buf[p++] = 0x0f;
    buf[p++] = SSE_0F[rng.below(SSE_0F.length)];
  } else if (kind < 82) {
    buf[p++] = 0x0f;
    buf[p++] = rng.chance(0.5) ? 0x38 : 0x3a;
    buf[p++] = rng.chance(0.7) ? rng.below(0x20) : rng.byte();
  } else if (kind < 90) {
    buf[p++] = 0xd8 + rng.below(8);          // x87
  } else {
    buf[p++] = 0x0f;
    buf[p++] = rng.byte();
  }
  if (p >= offset + SLOT) return;
  // The byte after the opcode, read as ModR/M where the opcode has one.
  const shape = rng.below(100);
  const reg = rng.below(8) << 3;
  if (shape < 20) buf[p] = 0x05 | reg;                                   // RIP-relative disp32
  else if (shape < 40) buf[p] = (rng.below(3) << 6) | reg | 4;           // SIB (base 101 with mod 00: disp32)
  else if (shape < 60) buf[p] = 0xc0 | reg | rng.below(8);              // register operands
}
