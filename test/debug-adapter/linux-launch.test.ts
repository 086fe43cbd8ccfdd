// The launch configuration's Linux attributes over DAP: format, initrd, cmdline and linuxEntry
// reach the kernel as `paravirt run`'s flags do (the bz-report fixture prints its zero page),
// and a missing initrd fails the launch naming the attribute.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, launch, removeBuild, ROOT, startClient, waitForOutput, type Built } from './harness';

let b: Built;
const clients: DebugClient[] = [];
let kernel: string;
let initrd: string;
const bytes = new Uint8Array(1500).map((_, i) => (i * 11 + 1) & 0xff);
before(async () => {
  b = await buildAll([]);
  kernel = join(b.dir, 'bz-report.bin');
  const r = spawnSync('nasm', ['-f', 'bin', '-o', kernel, join(ROOT, 'test', 'loader', 'fixtures', 'bz-report.asm')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  initrd = join(b.dir, 'initrd.img');
  writeFileSync(initrd, bytes);
});
after(async () => {
  for (const c of clients) await c.stop().catch(() => undefined);
  removeBuild(b);
});

test('launch with format bzimage, initrd and cmdline: the kernel gets both', async () => {
  const dc = await startClient(b.adapter);
  clients.push(dc);
  await launch(dc, { program: kernel, format: 'bzimage', initrd, cmdline: 'console=ttyS0 rdinit=/init', profile: false });
  const sum = bytes.reduce((a, v) => a + v, 0);
  const out = await waitForOutput(dc, 'stdout', 'map=');
  assert.match(out, /^cmdline=console=ttyS0 rdinit=\/init$/m);
  assert.match(out, new RegExp(`^initrd=[0-9a-f]{5}000 ${bytes.length.toString(16).padStart(8, '0')} ${sum.toString(16).padStart(8, '0')}$`, 'm'));
  assert.match(out, /^esi=00010000$/m);
});

test('launch with a missing initrd fails naming the attribute', async () => {
  const dc = await startClient(b.adapter);
  clients.push(dc);
  await dc.initializeRequest();
  await assert.rejects(dc.launchRequest({ program: kernel, initrd: join(b.dir, 'none.img') } as never), /launch attribute 'initrd': cannot read .*none\.img.*no such file/);
});
