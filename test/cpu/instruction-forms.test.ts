// The dispatch tables against the instruction description: an opcode the decoder accepts in
// some form has a handler in some family, and an opcode with a handler decodes in some form.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ONE_BYTE_FAMILY, TWO_BYTE_FAMILY } from '../../emulator/cpu/dispatch';
import { decodeInfo } from '../../emulator/cpu/decode-info';

const PREFIXES = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);

/** Whether any ModR/M byte (and an F3 prefix, for PAUSE-like forms) makes the opcode decode. */
function decodesInSomeForm(opcode: readonly number[]): boolean {
  for (const pre of [[], [0xf3]]) {
    for (let m = 0; m < 256; m++) {
      const bytes = new Uint8Array([...pre, ...opcode, m, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      if (decodeInfo(bytes, true) !== null) return true;
    }
  }
  return false;
}

test('every one-byte opcode that decodes has a handler, and every handler an encoding', () => {
  for (let b = 0; b < 256; b++) {
    if (PREFIXES.has(b) || b === 0x0f) continue;
    assert.equal(ONE_BYTE_FAMILY[b] !== '', decodesInSomeForm([b]), `opcode ${b.toString(16)}: family '${ONE_BYTE_FAMILY[b]}'`);
  }
});

test('every 0F opcode that decodes has a handler, and every handler an encoding', () => {
  for (let b = 0; b < 256; b++) {
    assert.equal(TWO_BYTE_FAMILY[b] !== '', decodesInSomeForm([0x0f, b]), `opcode 0F ${b.toString(16)}: family '${TWO_BYTE_FAMILY[b]}'`);
  }
});
