// iced-x86 wrapped as a DecodeFn, one instruction at a time. Slow (a wasm decoder per call);
// used only to check that the comparison itself can tell right from wrong.

import { Decoder, DecoderOptions, Instruction, Mnemonic } from 'iced-x86';
import type { DecodeFn } from './decoder-conformance';

export const decodeWithIced: DecodeFn = (bytes, bits) => {
  const decoder = new Decoder(bits, bytes, DecoderOptions.None);
  const instr = new Instruction();
  try {
    decoder.decodeOut(instr);
    if (instr.isInvalid) return null;
    return { length: instr.length, mnemonic: Mnemonic[instr.mnemonic].toLowerCase() };
  } finally {
    instr.free();
    decoder.free();
  }
};
