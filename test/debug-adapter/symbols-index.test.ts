// The `symbols` debug file's function name index over DAP: the first launch builds it in a
// worker thread and writes it under the cache directory by the file's build id, a later launch
// reads it back, a damaged cache file is rebuilt, and a function only ever inlined (kernel.c's
// outb at -O2: no ELF symbol) gets its breakpoint at the entry of every inlined instance
// readelf lists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, launch, removeBuild, startClient, waitForOutput, outputs, type Built } from './harness';

let b: Built;
let cacheHome: string;
const clients: DebugClient[] = [];
before(async () => {
  // The adapter inherits the environment: its cache goes to a folder of this test's own.
  cacheHome = mkdtempSync(join(tmpdir(), 'pv-cache-'));
  process.env.XDG_CACHE_HOME = cacheHome;
  b = await buildAll(['kernel-O2']);
});
after(async () => {
  for (const c of clients) await c.stop().catch(() => undefined);
  removeBuild(b);
  rmSync(cacheHome, { recursive: true, force: true });
});

async function session(): Promise<DebugClient> {
  const dc = await startClient(b.adapter);
  clients.push(dc);
  const elf = b.elf('kernel-O2');
  await launch(dc, { program: elf, symbols: elf, stopOnEntry: true, profile: false });
  return dc;
}

const cached = () => readdirSync(join(cacheHome, 'paravirt', 'symbols')).filter((f) => f.endsWith('.names'));

test('built in a worker on the first launch, read from the cache on the next, rebuilt when damaged', async () => {
  const elf = b.elf('kernel-O2');
  assert.ok(!execFileSync('nm', [elf], { encoding: 'utf8' }).split('\n').some((l) => / outb$/.test(l)), 'outb has no symbol');
  let dc = await session();
  await waitForOutput(dc, 'console', 'building the function name index in the background');
  await waitForOutput(dc, 'console', 'function name index built', 60_000);
  assert.equal(cached().length, 1);
  // Every inlined instance of outb, by readelf: the entry pcs of the inlined subroutines whose
  // abstract origin is outb's DIE.
  const info = execFileSync('readelf', ['--debug-dump=info', '--wide', elf], { encoding: 'utf8' });
  const origin = /<1><([0-9a-f]+)>: Abbrev Number: \d+ \(DW_TAG_subprogram\)\n\s*<[0-9a-f]+>\s+DW_AT_name\s*:.*: outb\n/.exec(info)?.[1];
  assert.ok(origin, 'outb in readelf');
  const entries = [...info.matchAll(new RegExp(`DW_AT_abstract_origin: \\(ref4\\) <0x${origin}>\\n\\s*<[0-9a-f]+>\\s+DW_AT_entry_pc\\s*: \\(addr\\) (0x[0-9a-f]+)`, 'g'))].map((m) => Number(m[1]));
  assert.ok(entries.length >= 1, 'outb is inlined');
  const bp = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'outb' }] });
  const r = bp.body.breakpoints[0]!;
  assert.equal(r.verified, true, r.message);
  if (entries.length === 1) assert.equal(Number(r.instructionReference), entries[0]);
  else assert.equal(r.message, `${entries.length} locations (${entries.length} inlined): ${entries.sort((x, y) => x - y).map((a) => `0x${a.toString(16)}`).join(', ')}`);
  await dc.stop(); clients.pop();

  dc = await session();
  await waitForOutput(dc, 'console', 'function name index from the cache');
  assert.ok(!(outputs.get(dc)!.console ?? '').includes('building'), 'not built again');
  assert.equal((await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'outb' }] })).body.breakpoints[0]!.verified, true);
  await dc.stop(); clients.pop();

  writeFileSync(join(cacheHome, 'paravirt', 'symbols', cached()[0]!), 'not an index');
  dc = await session();
  await waitForOutput(dc, 'console', 'function name index built', 60_000);
  await dc.stop(); clients.pop();
  dc = await session();
  await waitForOutput(dc, 'console', 'function name index from the cache');
});
