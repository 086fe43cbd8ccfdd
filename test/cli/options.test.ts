import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { parseAddress, parseCount, parseCostModelFile, parseExitControl, parseMemory, parseSerial } from '../../cli/options';
import { exitStatusFor } from '../../cli/exit-status';

test('counts accept plain, scientific and suffixed forms and refuse the rest', () => {
  assert.equal(parseCount('1000'), 1000);
  assert.equal(parseCount('5e6'), 5_000_000);
  assert.equal(parseCount('5M'), 5_000_000);
  assert.equal(parseCount('2G'), 2_000_000_000);
  assert.equal(parseCount('1.5k'), 1500);
  for (const bad of ['0', '-5', 'lots', '1.5', '', '1e400', '0x10']) assert.throws(() => parseCount(bad), InvalidArgumentError, bad);
});

test('memory is whole MiB within range; addresses are 32-bit', () => {
  assert.equal(parseMemory('64'), 64);
  for (const bad of ['0', '3073', '1.5', 'x', '-1']) assert.throws(() => parseMemory(bad), InvalidArgumentError, bad);
  assert.equal(parseAddress('0x100000'), 0x100000);
  assert.equal(parseAddress('4096'), 4096);
  for (const bad of ['0x100000000', 'here', '-1']) assert.throws(() => parseAddress(bad), InvalidArgumentError, bad);
});

test('serial targets', () => {
  assert.deepEqual(parseSerial('stdout'), { kind: 'stdout' });
  assert.deepEqual(parseSerial('none'), { kind: 'none' });
  assert.deepEqual(parseSerial('out.txt'), { kind: 'file', path: 'out.txt' });
  assert.throws(() => parseSerial(' '), InvalidArgumentError);
});

test('--exit-control switches known controls and accumulates', () => {
  const a = parseExitControl('rdtsc=on');
  const b = parseExitControl('hltExiting=off', a);
  const c = parseExitControl('cr0Mask=0x80000001', b);
  assert.deepEqual(c, { rdtsc: true, hltExiting: false, cr0Mask: 0x80000001 });
  assert.deepEqual(parseExitControl('exceptionBitmap=0'), { exceptionBitmap: 0 });
  for (const bad of ['rdtsc', 'nosuch=on', 'rdtsc=maybe', 'cr0Mask=0x100000000', 'hltExiting=5']) {
    assert.throws(() => parseExitControl(bad), InvalidArgumentError, bad);
  }
});

test('--cost-model files are read and validated up front', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-cost-'));
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify({ exitRoundTrip: 2000 }));
  assert.deepEqual(parseCostModelFile(good), { exitRoundTrip: 2000 });
  const typo = join(dir, 'typo.json');
  writeFileSync(typo, JSON.stringify({ exitRoundtrip: 2000 }));
  assert.throws(() => parseCostModelFile(typo), /exitRoundtrip/);
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{ nope');
  assert.throws(() => parseCostModelFile(broken), /not valid JSON/);
  assert.throws(() => parseCostModelFile(join(dir, 'missing.json')), /ENOENT/);
});

test('exit statuses: the guest\'s own are passed through, the CLI\'s are even', () => {
  assert.equal(exitStatusFor({ kind: 'debug-exit', code: 33 }, false), 33);
  assert.equal(exitStatusFor({ kind: 'debug-exit', code: (0x7f << 1) | 1 }, false), 255);
  assert.equal(exitStatusFor({ kind: 'halted', detail: 'hlt' }, false), 0);
  assert.equal(exitStatusFor({ kind: 'reset', via: '0xcf9' }, false), 0);
  assert.equal(exitStatusFor({ kind: 'budget' }, false), 124);
  assert.equal(exitStatusFor({ kind: 'filter', exitSeq: 3 }, false), 8);
  assert.equal(exitStatusFor({ kind: 'paused' }, true), 130);
  for (const s of [exitStatusFor({ kind: 'triple-fault', detail: '' }, false), exitStatusFor({ kind: 'domain-crash', detail: '' }, false)]) {
    assert.equal(s % 2, 0);
  }
});
