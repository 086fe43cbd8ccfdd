// Issue 2, point 7a: our decoder against iced-x86 on random 16- and 32-bit byte sequences.
// PARAVIRT_CONFORMANCE_COUNT (default 200,000 here; `npm run conformance` uses 1,000,000)
// and PARAVIRT_SEED override the size and the seed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeDecoderResult, runDecoderConformance, type DecodeFn } from './decoder-conformance';
import { decodeWithIced } from './iced-decode';
import { emulatorDecodeInfo } from './emulator-under-test';
import { envInt } from './random';

test('decoder agrees with iced-x86 on random 16- and 32-bit sequences', (t) => {
  const count = envInt('PARAVIRT_CONFORMANCE_COUNT', 200_000);
  const seed = envInt('PARAVIRT_SEED', 20261125);
  const r = runDecoderConformance(emulatorDecodeInfo, count, seed);
  const report = describeDecoderResult(r);
  t.diagnostic(report);
  assert.equal(r.checked, count);
  assert.equal(r.disagreed, 0, `seed ${seed}:\n${report}`);
  // A decoder that returns null for everything would agree vacuously.
  assert.ok(r.decodedByUs > r.inScopeValid * 0.5, `we decoded only ${r.decodedByUs} of ${r.inScopeValid} in-scope instructions`);
});

test('the comparison accepts a faithful decoder and catches wrong lengths and mnemonics', () => {
  const faithful = runDecoderConformance(decodeWithIced, 4000, 7);
  assert.equal(faithful.disagreed, 0);
  assert.equal(faithful.notImplemented, 0);

  const longAdd: DecodeFn = (bytes, bits) => {
    const d = decodeWithIced(bytes, bits);
    return d && d.mnemonic === 'add' ? { ...d, length: d.length + 1 } : d;
  };
  const wrongLength = runDecoderConformance(longAdd, 4000, 7);
  assert.ok(wrongLength.disagreed > 0);
  assert.equal(wrongLength.disagreementsByMnemonic[0][0], 'add');

  const swappedJcc: DecodeFn = (bytes, bits) => {
    const d = decodeWithIced(bytes, bits);
    return d && d.mnemonic === 'je' ? { ...d, mnemonic: 'jz' } : d && d.mnemonic === 'jne' ? { ...d, mnemonic: 'je' } : d;
  };
  const wrongName = runDecoderConformance(swappedJcc, 20000, 7);
  assert.deepEqual(wrongName.disagreementsByMnemonic.map(([m]) => m), ['jne'], 'jz is an alias of je, je is not jne');

  const missingMul: DecodeFn = (bytes, bits) => {
    const d = decodeWithIced(bytes, bits);
    return d && d.mnemonic === 'mul' ? null : d;
  };
  const missing = runDecoderConformance(missingMul, 20000, 7);
  assert.equal(missing.disagreed, 0);
  assert.deepEqual(missing.missing.map(([m]) => m), ['mul']);
});
