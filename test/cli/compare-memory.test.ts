// `paravirt compare`'s memory rows come from the run: the EPT tables a hypervisor builds for
// the guest-physical pages a run reached, and for PV the frames Xen validated as page tables.
// Two guests of test/guests with very different footprints: `hello` (a few pages) and
// `memtouch` (one dword in every page from 8 MiB to 48 MiB). The expected table counts are
// computed here from each run's page list with the EPT's geometry (a PT per 2 MiB, a PD per
// 1 GiB, a PDPT per 512 GiB, one PML4), and the page lists are checked against what each
// guest is known to touch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readImage } from '../../emulator/loader';
import { Machine } from '../../emulator/machine';
import { planFlavour, runFlavour, type FlavourOptions } from '../../cli/compare-flavour';
import { compareFlavours, flavoursOf } from '../../cli/compare';

const ROOT = resolve(__dirname, '..', '..');
const GUEST = (n: string) => join(ROOT, 'test/guests/build', n + '.elf');
const MIB = 64;
const OPTS: FlavourOptions = { memory: MIB, maxInstructions: 50_000_000, exitControls: 'ept', pvPrivileged: 'xen' };

/** The guest-physical pages an HVM run of `name` reached, from a machine of our own. */
function pagesOf(name: string): number[] {
  const image = readImage(new Uint8Array(readFileSync(GUEST(name))));
  const m = new Machine({ mode: 'hvm', memoryMiB: MIB, serialOut: () => {} });
  m.load(planFlavour('hvm', image, GUEST(name), OPTS));
  const stop = m.run(OPTS.maxInstructions);
  assert.notEqual(stop.kind, 'budget', `${name} ran to its end`);
  return m.reachedMemory().pages;
}

/** EPT tables over `pages`, 4 KiB entries, or 2 MiB entries where `large(range)`. */
function tablesFor(pages: number[], large: (range: number) => boolean): { pt: number; total: number } {
  const pt = new Set<number>(), pd = new Set<number>(), pdpt = new Set<number>();
  for (const p of pages) {
    if (!large(p >> 9)) pt.add(p >> 9);
    pd.add(p >> 18); pdpt.add(p >> 27);
  }
  return { pt: pt.size, total: 1 + pdpt.size + pd.size + pt.size };
}

/** A 2 MiB range wholly RAM on this PC: not the first (the VGA window and BIOS ROM are below 1 MiB), inside RAM. */
const wholeRam = (range: number) => range > 0 && (range + 1) * 512 * 4096 <= MIB * 1024 * 1024;

function runHvm(name: string, costModel?: Record<string, unknown>) {
  const image = readImage(new Uint8Array(readFileSync(GUEST(name))));
  const o = { ...OPTS, costModel };
  return runFlavour('hvm', GUEST(name), planFlavour('hvm', image, GUEST(name), o), o);
}

test('HVM: the EPT row is the tables for the pages each guest reached, 4 KiB entries by default', () => {
  const small = pagesOf('hello'), big = pagesOf('memtouch');
  // memtouch reached every page it wrote; hello nothing above its image and stack.
  const set = new Set(big);
  for (let p = 0x800; p < 0x3000; p++) assert.ok(set.has(p), `memtouch reached page 0x${p.toString(16)}`);
  assert.ok(small.length < 200, `hello reached ${small.length} pages`);
  assert.ok(small.every((p) => p < 0x800), 'hello reached nothing from 8 MiB up');
  for (const [name, pages] of [['hello', small], ['memtouch', big]] as const) {
    const r = runHvm(name).resources;
    const want = tablesFor(pages, () => false);
    assert.equal(r['guest-physical pages reached (EPT-mapped)'], pages.length, name);
    assert.equal(r['EPT PTs (4 KiB entries)'], want.pt, name);
    assert.equal(r['EPT tables (PML4 + PDPT + PD + PT)'], want.total, name);
    assert.equal(r['hypervisor paging structures (bytes)'], want.total * 4096, name);
    assert.equal(r['EPT 2 MiB large pages'], 0, name);
  }
  // 40 MiB of touched RAM needs at least its 20 PTs beside the low pages' one.
  assert.ok(tablesFor(big, () => false).pt >= 21);
  assert.ok(runHvm('memtouch').resources['hypervisor paging structures (bytes)'] > runHvm('hello').resources['hypervisor paging structures (bytes)']);
});

test('HVM with eptLargePages: a 2 MiB range wholly RAM costs no PT; the low range (VGA, BIOS) keeps its PT', () => {
  const big = pagesOf('memtouch');
  const r = runHvm('memtouch', { eptLargePages: true }).resources;
  const want = tablesFor(big, wholeRam);
  const largeRanges = new Set(big.filter((p) => wholeRam(p >> 9)).map((p) => p >> 9));
  assert.ok(largeRanges.size >= 20);
  assert.equal(r['EPT 2 MiB large pages'], largeRanges.size);
  assert.equal(r['EPT PTs (4 KiB entries)'], want.pt);
  assert.ok(want.pt >= 1, 'the first 2 MiB is never one large page');
  assert.equal(r['hypervisor paging structures (bytes)'], want.total * 4096);
});

test('PV: the paging structures are the frames Xen validated as page tables, at the end and at the peak', () => {
  const HVM = join(ROOT, 'examples/sample/build/sample-hvm.elf'), PV = join(ROOT, 'examples/sample/build/sample-pv.elf');
  const c = compareFlavours(flavoursOf([HVM, PV], {}), { ...OPTS, maxInstructions: 100_000_000 });
  const p = c.flavours[1].resources;
  const levels = p['guest page-table pages'];
  assert.ok(levels >= 4, `the PAE sample has an L3, L2s and L1s: ${levels}`);
  assert.equal(p['validated page tables at the end (bytes)'], levels * 4096);
  assert.ok(p['validated page tables at the peak (bytes)'] >= p['validated page tables at the end (bytes)']);
  assert.equal(p['hypervisor paging structures (bytes)'], 0, 'no shadow, no EPT');
});
