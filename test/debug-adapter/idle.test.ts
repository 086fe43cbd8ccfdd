// The debugger's run loop on a guest that idles: HLT between 1 s APIC timer ticks for ten
// virtual minutes (test/cli/guests/idle.asm). Idle time jumps to the next timer, so the
// session runs to its end at once; maxTime ends it after that much virtual time, which
// maxInstructions alone could not do for a guest that mostly sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, launch, removeBuild, ROOT, startClient, waitForOutput, type Built } from './harness';

let b: Built;
let idle: string;
const clients: DebugClient[] = [];
before(async () => {
  b = await buildAll([]);
  const src = join(ROOT, 'test/cli/guests');
  idle = join(b.dir, 'idle.elf');
  for (const [cmd, args] of [
    ['nasm', ['-f', 'elf32', '-I', `${src}/`, '-o', join(b.dir, 'idle.o'), join(src, 'idle.asm')]],
    ['ld', ['-m', 'elf_i386', '-z', 'noexecstack', '--no-warn-rwx-segments', '-T', join(src, 'link.ld'), '-o', idle, join(b.dir, 'idle.o')]],
  ] as const) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
});
after(async () => { for (const c of clients) await c.stop().catch(() => undefined); removeBuild(b); });
async function client(): Promise<DebugClient> { const c = await startClient(b.adapter); clients.push(c); return c; }

test('an idle guest runs its ten virtual minutes to the end, the RTC showing them', async () => {
  const dc = await client();
  const end = dc.waitForEvent('terminated');
  await launch(dc, { program: idle, profile: false });
  await waitForOutput(dc, 'stdout', 'idle from 00:00:00 to 00:10:00', 20000);
  await end;
});

test('maxTime ends an idle session after that much virtual time', async () => {
  const dc = await client();
  const end = dc.waitForEvent('terminated');
  await launch(dc, { program: idle, profile: false, maxTime: 90 });
  await end;
  await waitForOutput(dc, 'console', 'stopped after 90 s of virtual time (maxTime)');
  // 90 virtual seconds: the RTC had not reached the minute and a half the guest prints at the end.
  const out = await waitForOutput(dc, 'stdout', 'idle from');
  assert.doesNotMatch(out, / to /);
});
