// CodeCoverage's record of a stretch: which linear addresses may have run. It may say more than
// ran (never less): starts of instructions up to 16 bytes apart join up, blocks count whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodeCoverage, rangesHold, unionRanges } from '../../emulator/cpu';

test('a stretch records instruction starts and blocks; nearby starts join, far ones do not', () => {
  const c = new CodeCoverage();
  c.at(0x100000); c.at(0x100003); c.at(0x100005);       // one run of short instructions
  c.at(0x100100);                                         // far from it
  c.block(0x2000ff0 | 0, 0xff0, 0x1000);                  // a block to the end of its page
  c.at(0x2001002);                                        // next page, 2 bytes on: joins the block
  const r = c.cut()!;
  assert.deepEqual([...r], [0x100000, 0x100006, 0x100100, 0x100101, 0x2000ff0, 0x2001003]);
  for (const a of [0x100000, 0x100004, 0x100100, 0x2000ff0, 0x2000fff, 0x2001002]) assert.ok(rangesHold(r, a), a.toString(16));
  for (const a of [0x0fffff, 0x100006, 0x1000ff, 0x100101, 0x2000fef, 0x2001003]) assert.ok(!rangesHold(r, a), a.toString(16));
  // The next stretch starts empty; one that ran 64-bit code may have run anything.
  assert.deepEqual([...c.cut()!], []);
  c.unknown = true;
  assert.equal(c.cut(), null);
  assert.ok(rangesHold(null, 0x1234));
});

test('addresses above 2 GiB (a higher-half kernel) are recorded unsigned', () => {
  const c = new CodeCoverage();
  c.at(0xc0100000 | 0);
  const r = c.cut()!;
  assert.ok(rangesHold(r, 0xc0100000));
  assert.ok(!rangesHold(r, 0x40100000));
});

test('the union of two records holds what either holds', () => {
  const a = Float64Array.from([0x10, 0x20, 0x40, 0x50]);
  const b = Float64Array.from([0x18, 0x30, 0x60, 0x61]);
  assert.deepEqual([...unionRanges(a, b)!], [0x10, 0x30, 0x40, 0x50, 0x60, 0x61]);
  assert.equal(unionRanges(a, null), null);
  assert.deepEqual([...unionRanges(new Float64Array(0), b)!], [...b]);
});
