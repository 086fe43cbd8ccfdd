// decodeInfo against iced-x86 on hand-picked encodings that exercise every immediate kind,
// ModR/M and SIB form, prefix and map our decoder knows (the random-byte comparison lives
// in test/conformance; this one names the cases).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeForm, decodeInfo } from '../../emulator/isa';
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
    const ours = decodeInfo(bytes, 32), iced = decodeWithIced(bytes, 32);
    assert.ok(iced, `iced rejects ${c}`);
    assert.ok(ours, `we reject ${c} (${iced!.mnemonic})`);
    assert.equal(ours!.length, iced!.length, `length of ${c} (${iced!.mnemonic})`);
    assert.ok(sameMnemonic(ours!.mnemonic, iced!.mnemonic), `${c}: ours ${ours!.mnemonic}, iced ${iced!.mnemonic}`);
  }
});

test('16-bit code: ModR/M forms with BP/SI/DI and the operand-size prefix', () => {
  for (const c of ['8b 46 fe', '8b 06 34 12', '8b 87 00 10', '66 8b 00', '67 8b 04 24', 'b8 34 12', '66 b8 78 56 34 12', 'e8 00 10', 'ea 00 7c 00 00', 'cd 10']) {
    const bytes = hex(c);
    const ours = decodeInfo(bytes, 16), iced = decodeWithIced(bytes, 16);
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

// 64-bit code: REX (last before the opcode, ignored when a legacy prefix follows), REX.W over
// 66, default-64 and fixed-64 forms, 67 to 32-bit addresses, RIP-relative disp32, imm64 and
// moffs64, and the names that change with the size.
const CASES64 = [
  '48 01 c8', '4c 01 c0', '41 01 c0', '66 48 01 c0', '48 66 01 c0', '48 40 01 c0', '40 48 01 c0', '66 01 c0', '01 c0',
  '48 8b 05 00 10 00 00', '8b 05 f0 ff ff ff', '67 8b 05 00 00 00 00', '4a 8b 04 a5 00 00 00 00', '42 8b 44 a5 10',
  '49 8b 44 24 08', '67 41 8b 04 24', '48 8d 0d 00 00 00 00', '48 b8 01 02 03 04 05 06 07 08', '49 bf 01 02 03 04 05 06 07 08',
  'b8 01 02 03 04', '66 b8 01 02', '48 c7 c0 01 02 03 04', '48 81 c1 00 01 00 00', '48 83 e8 01', '48 69 c0 10 27 00 00',
  '48 a9 01 02 03 04', '48 05 78 56 34 12', 'a1 01 02 03 04 05 06 07 08', '48 a3 01 02 03 04 05 06 07 08', '67 a1 01 02 03 04',
  'a0 01 02 03 04 05 06 07 08', '48 98', '98', '66 98', '48 99', '99', '48 63 c1', '63 c1', '66 63 c1', '48 63 05 00 00 00 00',
  '50', '41 57', '66 50', '48 8f c0', 'ff 30', '68 01 02 03 04', '66 68 01 02', '6a 01', '9c', '66 9d', '48 9c',
  'e8 00 00 00 00', '66 e8 00 00 00 00', 'e9 00 00 00 00', '0f 84 00 01 00 00', '66 0f 85 00 01 00 00', '48 70 00', 'eb fe',
  'c3', '66 c3', 'c2 08 00', 'ff d0', '41 ff d0', '66 ff e0', 'ff 25 00 00 00 00', 'ff 18', '48 ff 18', '48 cb', 'ca 08 00',
  'e3 fe', '67 e3 fe', 'e2 fe', '67 e2 fe', 'c8 10 00 00', '66 c9', 'c9',
  '48 cf', 'cf', '66 cf', '48 a5', 'f3 48 ab', 'f3 a4', '48 a7', '48 ad', '48 af', '48 6d', '66 6f',
  '90', '48 90', '41 90', '49 90', 'f3 90', 'f3 41 90', '87 c0', '4d 87 c0', '0f c8', '49 0f c8',
  '48 0f b6 c0', '48 0f bf c0', '40 88 f0', '44 88 c0', '0f 44 c1', '4c 0f 4f c0', '48 0f af c1', '48 0f a4 c2 04',
  '48 d1 e0', '48 c1 f8 3f', '48 f7 f1', '49 f7 e8', '48 0f ba e0 3f', '48 0f bc c1', 'f0 48 0f b1 0a', 'f0 48 0f c1 01',
  '48 0f c7 08', 'f0 48 0f c7 0e', '0f c7 08', 'f0 0f c7 0e',
  '0f 20 c0', '66 0f 22 d8', '41 0f 22 d8', '0f 21 f8', '0f 01 10', '48 0f 01 18', '0f 00 d8', '0f 01 f9',
  '0f 01 d0', '0f 01 c1', '0f a2', '0f 31', '0f 32', '0f 30', '0f 34', '0f 35', '48 0f 35',
  '9e', '9f', 'fa', 'fb', 'f4', 'cc', 'cd 80', 'f1', '8e d8', '48 8c d8', '0f a0', '66 0f a1', '0f a8',
  '66 48 0f 6e c0', '66 0f 6e c0', '66 4c 0f 7e c0', 'f3 48 0f 2a c0', 'f2 4c 0f 2d c0', 'f2 48 0f 2c c1', '66 45 0f 58 c1',
  '44 0f 28 c7', '66 41 0f 6f 04 24', 'f3 44 0f 6f 05 00 00 00 00', '66 44 0f 38 00 c1', '66 45 0f 3a 0f c1 04',
  '48 0f ae 00', '0f ae 08', '48 0f ae 20', '0f ae 10', '0f ae e8', 'f2 0f f0 05 00 00 00 00', '48 0f c3 00',
  'dd 1c 24', '48 dd 00', '41 d9 04 24', 'df e0', 'd9 ee', '48 9b',
  '64 48 8b 04 25 28 00 00 00', '65 48 8b 04 25 00 00 00 00', '2e 48 8b 00',
];

test('decodeInfo gives iced-x86\'s length and mnemonic for named 64-bit encodings', () => {
  for (const c of CASES64) {
    const bytes = hex(c);
    const ours = decodeInfo(bytes, 64), iced = decodeWithIced(bytes, 64);
    assert.ok(iced, `iced rejects ${c}`);
    assert.ok(ours, `we reject ${c} (${iced!.mnemonic})`);
    assert.equal(ours!.length, iced!.length, `length of ${c} (${iced!.mnemonic})`);
    assert.ok(sameMnemonic(ours!.mnemonic, iced!.mnemonic), `${c}: ours ${ours!.mnemonic}, iced ${iced!.mnemonic}`);
  }
});

test('64-bit mode: the opcodes that vanish are #UD, as iced-x86 says they are invalid', () => {
  // PUSH/POP ES/CS/SS/DS, DAA/DAS/AAA/AAS, PUSHA/POPA, BOUND (EVEX there), 82, far direct CALL/JMP,
  // LES/LDS (VEX there), INTO, AAM/AAD, SALC; a REX on a debug register; a REX.R on a CR other than CR8.
  const gone = ['06', '07', '0e', '16', '17', '1e', '1f', '27', '2f', '37', '3f', '60', '61', '62 00', '82 c0 01',
    '9a 00 00 00 00 08 00', 'ea 00 00 00 00 08 00', 'c4 00', 'c5 00', 'ce', 'd4 0a', 'd5 0a', 'd6', '44 0f 21 c0', '44 0f 20 c8'];
  for (const c of gone) {
    assert.equal(decodeInfo(hex(c), 64), null, c);
    assert.equal(decodeWithIced(hex(c), 64), null, `iced decodes ${c}`);
    // And they are real instructions outside 64-bit mode (those iced knows there).
    if (!c.startsWith('44') && c !== 'd6') assert.ok(decodeInfo(hex(c), 32), `32-bit ${c}`);
  }
  // 40-4F are REX prefixes: the instruction is the one after them.
  assert.deepEqual(decodeInfo(hex('40 48 ff c0'), 64), { length: 4, mnemonic: 'inc' });
  assert.deepEqual(decodeInfo(hex('40'), 32), { length: 1, mnemonic: 'inc' });
  // The forms of 64-bit mode alone are #UD elsewhere: MOVSXD is ARPL there, CMPXCHG16B needs REX.
  assert.equal(decodeInfo(hex('63 c1'), 32)?.mnemonic, 'arpl');
  assert.equal(decodeInfo(hex('0f c7 08'), 32)?.mnemonic, 'cmpxchg8b');
});

test('64-bit decoding reports REX and the operand and address sizes the CPU must use', () => {
  const at = (c: string) => decodeForm(hex(c), 64)!;
  assert.deepEqual([at('48 01 c8').operandBits, at('48 01 c8').addressBits, at('48 01 c8').rex], [64, 64, 0x48]);
  assert.deepEqual([at('48 66 01 c0').operandBits, at('48 66 01 c0').rex], [16, 0]);   // REX not last: ignored
  assert.deepEqual([at('66 48 01 c0').operandBits, at('67 01 00').addressBits], [64, 32]);
  assert.deepEqual([at('50').operandBits, at('66 50').operandBits, at('48 50').operandBits], [64, 16, 64]);
  assert.deepEqual([at('66 e8 00 00 00 00').operandBits, at('66 0f 20 c0').operandBits], [64, 64]);
  assert.equal(at('01 c0').operandBits, 32);
});
