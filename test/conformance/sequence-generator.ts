// Random candidate instructions for the decoder comparison. Uniform random bytes would be
// mostly one-byte opcodes with no prefixes; this shapes the first bytes (prefix mix, one- and
// two-byte opcode maps, x87 escapes) and leaves the rest random so ModRM, SIB, displacements
// and immediates take every form.

import type { Rng } from './random';

/** Every sequence occupies a slot this large; no x86 instruction is longer than 15 bytes. */
export const SLOT = 16;

const PREFIXES = [
  0x66, 0x66, 0x66, 0x67, 0x67, 0xf2, 0xf3, 0xf3, 0xf0,
  0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
] as const;

/** Writes one candidate into buf[offset .. offset+SLOT). */
export function generateSequence(rng: Rng, buf: Uint8Array, offset: number): void {
  rng.fill(buf, offset, offset + SLOT);
  let p = offset;
  const prefixRoll = rng.below(100);
  const prefixes = prefixRoll < 50 ? 0 : prefixRoll < 80 ? 1 : prefixRoll < 93 ? 2 : prefixRoll < 98 ? 3 : 5;
  for (let i = 0; i < prefixes; i++) buf[p++] = PREFIXES[rng.below(PREFIXES.length)];
  const map = rng.below(100);
  if (map < 60) {
    buf[p] = rng.byte();                 // one-byte map (0x0F among them, then a random second byte)
  } else if (map < 88) {
    buf[p] = 0x0f;                       // two-byte map
  } else {
    buf[p] = 0xd8 + rng.below(8);        // x87 escapes
    if (rng.chance(0.5)) buf[p + 1] |= 0xc0;   // register forms are the larger half of x87's table
  }
}
