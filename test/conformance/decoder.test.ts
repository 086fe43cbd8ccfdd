// Issue 2, point 7a: our decoder against iced-x86 on random 16- and 32-bit byte sequences;
// issue 15, point 7: the same in 64-bit code. PARAVIRT_CONFORMANCE_COUNT (16/32-bit) and
// PARAVIRT_DECODER64_COUNT (64-bit) (default 200,000 each here; `npm run conformance` uses
// 1,000,000 each) and PARAVIRT_SEED override the sizes and the seed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDecoderResult, runDecoderConformance, runRealCodeComparison, type DecodeFn } from './decoder-conformance';
import { decodeWithIced } from './iced-decode';
import { emulatorDecodeInfo } from './emulator-under-test';
import { decodeForm } from '../../emulator/isa';
import { Rng } from './random';
import { SLOT } from './sequence-generator';
import { generateSequence64 } from './sequence-generator64';
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

test('decoder agrees with iced-x86 on random 64-bit sequences (REX, SSE with REX, RIP-relative, SIB)', (t) => {
  const count = envInt('PARAVIRT_DECODER64_COUNT', 200_000);
  const seed = envInt('PARAVIRT_SEED', 20261125);
  const r = runDecoderConformance(emulatorDecodeInfo, count, seed, [64]);
  const report = describeDecoderResult(r);
  t.diagnostic(report);
  assert.equal(r.byMode[64]?.checked, count);
  assert.equal(r.disagreed, 0, `seed ${seed}:\n${report}`);
  assert.ok(r.decodedByUs > r.inScopeValid * 0.9, `we decoded only ${r.decodedByUs} of ${r.inScopeValid} in-scope instructions`);
  // VEX/EVEX (AVX and later) are not the CPU's: iced decodes them, we answer #UD, and they are counted.
  const vex = r.outsideByKind.find(([k]) => k === 'vex')?.[1] ?? 0;
  assert.ok(vex > 0, 'no VEX encodings counted as outside the scope');
});

test('the 64-bit sequences reach what 64-bit mode changes', () => {
  const n = 20000;
  const rng = new Rng(11);
  const buf = new Uint8Array(SLOT);
  const seen = { rexW: 0, rexIgnored: 0, ripRelative: 0, sib: 0, imm64: 0, moffs64: 0, sseRex: 0, addr32: 0, o16: 0, default64: 0 };
  for (let i = 0; i < n; i++) {
    generateSequence64(rng, buf, 0);
    const d = decodeForm(buf, 64);
    if (d === null) continue;
    const f = d.form;
    if (d.rex & 8) seen.rexW++;
    if (buf.subarray(0, d.opcodeAt).some((b, k) => (b & 0xf0) === 0x40 && k < d.opcodeAt - 1 && (buf[k + 1] & 0xf0) !== 0x40) && d.rex === 0) seen.rexIgnored++;
    const memory = f.modrm && !f.registerOnly && d.modrmByte >> 6 !== 3;
    if (memory && d.addressBits !== 16 && d.modrmByte >> 6 === 0 && (d.modrmByte & 7) === 5) seen.ripRelative++;
    if (memory && (d.modrmByte & 7) === 4) seen.sib++;
    if (f.imm === 'v64' && d.operandBits === 64) seen.imm64++;
    if (f.imm === 'moffs' && d.addressBits === 64) seen.moffs64++;
    if (f.prefix !== undefined && d.rex !== 0) seen.sseRex++;
    if (d.addressBits === 32) seen.addr32++;
    if (d.operandBits === 16) seen.o16++;
    if (f.size64 !== undefined && d.operandBits === 64) seen.default64++;
  }
  for (const [k, v] of Object.entries(seen)) assert.ok(v >= 20, `${k}: only ${v} of ${n} sequences`);
});

test('the 64-bit comparison catches a decoder that reads 64-bit code as 32-bit, or drops imm64', () => {
  const as32: DecodeFn = (bytes) => emulatorDecodeInfo(bytes, 32);
  const r32 = runDecoderConformance(as32, 20000, 7, [64]);
  assert.ok(r32.disagreed > 1000, `only ${r32.disagreed} disagreements`);
  assert.ok(r32.acceptedInvalid > 0, 'no invalid encodings accepted (PUSH ES, DAA ... are #UD in 64-bit code)');

  const shortImm: DecodeFn = (bytes, bits) => {
    const d = decodeForm(bytes, bits);
    return d === null ? null : { length: d.form.imm === 'v64' && d.operandBits === 64 ? d.length - 4 : d.length, mnemonic: d.mnemonic };
  };
  const rImm = runDecoderConformance(shortImm, 50000, 7, [64]);
  assert.deepEqual(rImm.disagreementsByMnemonic.map(([m]) => m), ['mov']);

  const faithful = runDecoderConformance(decodeWithIced, 4000, 7, [64]);
  assert.equal(faithful.disagreed, 0);
  assert.equal(faithful.notImplemented, 0);
});

test('decoder agrees with iced-x86 on real 64-bit code: the host C library\'s .text', (t) => {
  // gcc names its own libc; a host without a 64-bit one cannot run this comparison.
  const libc = spawnSync('gcc', ['-m64', '-print-file-name=libc.so.6'], { encoding: 'utf8' }).stdout.trim();
  if (!libc || !existsSync(libc)) { t.skip('no 64-bit libc.so.6 for gcc -m64'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'pv-libc-'));
  try {
    const out = join(dir, 'text.bin');
    const r = spawnSync('objcopy', ['-O', 'binary', '-j', '.text', libc, out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const text = new Uint8Array(readFileSync(out));
    const res = runRealCodeComparison(emulatorDecodeInfo, text, 64);
    const report = describeDecoderResult(res);
    t.diagnostic(`${text.length} bytes of .text: ${report}`);
    assert.equal(res.disagreed, 0, report);
    assert.ok(res.checked > 100_000, `only ${res.checked} instructions`);
    assert.ok(res.decodedByUs > res.checked * 0.5, `we decoded only ${res.decodedByUs} of ${res.checked}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
