// decodeInfo against iced-x86 on hand-picked encodings that exercise every immediate kind,
// ModR/M and SIB form, prefix and map our decoder knows (the random-byte comparison lives
// in test/conformance; this one names the cases).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeInfo } from '../../emulator/isa';
import { decodeWithIced } from '../conformance/iced-decode';
import { sameMnemonic } from '../conformance/mnemonic-aliases';

const hex = (s: string) => new Uint8Array(s.split(' ').map((b) => parseInt(b, 16)).concat(new Array(15).fill(0x90)));

const CASES32 = [
  '01 c8', '03 04 24', '03 44 8d 10', '03 84 8d 78 56 34 12', '03 05 00 10 00 00', '66 05 34 12', '05 78 56 34 12',
  '80 38 7f', '81 c1 00 00 01 00', '66 81 c1 00 01', '83 e8 01', 'f6 c3 01', 'f7 c1 ff 00 00 00', '66 f7 c1 ff 00',
  '69 c0 10 27 00 00', '6b c0 0a', 'c8 10 00 01', 'c2 08 00', 'ca 04 00', '9a 00 10 00 00 08 00', 'ea 00 10 00 00 08 00',
  'a1 00 10 00 00', '67 a1 00 10', 'e8 00 00 00 00', 'e9 fb ff ff ff', '0f 84 00 01 00 00', '66 0f 84 00 01', 'e3 fe', '67 e3 fe',
  'f3 a5', 'f3 66 a5', 'f2 ae', 'f3 6c', '66 6d', 'a4', '60', '66 60', '9c', '66 9d', 'cf', '66 cf', '98', '66 99',
  'f0 0f b1 0a', 'f0 0f c7 0e', '0f a2', '0f 31', '0f 32', '0f 30', '0f 34', '0f 35', '0f 01 15 00 10 00 00', '0f 00 d8',
  '0f 20 c0', '0f 22 d8', '0f 21 f8', '0f ba e0 05', '0f a4 c2 04', '0f ad c2', '0f bc c1', '0f b6 04 24', '0f bf c1',
  '0f c8', '0f c1 01', '0f 44 c1', '0f 95 c0', '0f 01 c1', '0f 01 f0', '0f 01 38', '0f 1f 44 00 00', 'd7', 'd4 0a', 'd5 0a',
  'd9 ee', 'd9 e8', 'dd 1c 24', 'dd 44 24 08', 'db 2c 24', 'db 3c 24', 'df 2c 24', 'df 3c 24', 'da 04 24', 'de c9', 'de f9',
  'd9 7d fe', 'd9 6d fc', 'dd 7d fc', 'df e0', 'db e3', 'db e9', 'df e9', 'd9 c9', 'd8 c1', 'dc e1', 'de e1', 'da c1',
  '26 8b 00', '64 8b 00', '65 66 8b 00', 'cd 80', 'cc', 'ce', 'f1', 'f4', 'fa', 'fb', '8e d8', '8c c8', '8d 04 85 00 00 00 00',
  'c4 06', '0f b2 06', 'ff 15 00 10 00 00', 'ff 2d 00 10 00 00', 'ff e0', 'ff 30', '8f 00', 'c6 00 01', 'c7 00 01 00 00 00',
];

test('decodeInfo gives iced-x86\'s length and mnemonic for named 32-bit encodings', () => {
  for (const c of CASES32) {
    const bytes = hex(c);
    const ours = decodeInfo(bytes, true), iced = decodeWithIced(bytes, true);
    assert.ok(iced, `iced rejects ${c}`);
    assert.ok(ours, `we reject ${c} (${iced!.mnemonic})`);
    assert.equal(ours!.length, iced!.length, `length of ${c} (${iced!.mnemonic})`);
    assert.ok(sameMnemonic(ours!.mnemonic, iced!.mnemonic), `${c}: ours ${ours!.mnemonic}, iced ${iced!.mnemonic}`);
  }
});

test('16-bit code: ModR/M forms with BP/SI/DI and the operand-size prefix', () => {
  for (const c of ['8b 46 fe', '8b 06 34 12', '8b 87 00 10', '66 8b 00', '67 8b 04 24', 'b8 34 12', '66 b8 78 56 34 12', 'e8 00 10', 'ea 00 7c 00 00', 'cd 10']) {
    const bytes = hex(c);
    const ours = decodeInfo(bytes, false), iced = decodeWithIced(bytes, false);
    assert.ok(ours && iced, c);
    assert.equal(ours!.length, iced!.length, c);
    assert.ok(sameMnemonic(ours!.mnemonic, iced!.mnemonic), `${c}: ${ours!.mnemonic} vs ${iced!.mnemonic}`);
  }
});

test('encodings the CPU answers with #UD decode to null', () => {
  for (const c of ['0f 0b', 'f0 01 c8', 'f0 90', '8f c8', 'fe d0', 'ff f8', '0f ff', 'c4 c0', '8e c8', '0f 01 d2']) {
    assert.equal(decodeInfo(hex(c), true), null, c);
  }
  // Truncated input and over-long prefix chains are not instructions either.
  assert.equal(decodeInfo(new Uint8Array([0x0f]), true), null);
  assert.equal(decodeInfo(new Uint8Array(16).fill(0x66), true), null);
});
