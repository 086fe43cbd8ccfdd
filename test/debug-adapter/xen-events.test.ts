// The debugger stops on what Xen does to a PV domain: hypercalls, event upcalls and trap
// bounces, with exceptionInfo describing each, on the sample's prebuilt kernels. Independent
// checks: where an upcall stops is the event callback the kernel registered (its symbol, read
// with nm), a trap bounce's vector and CR2 are the sample's demand-paged address, and the
// number of upcall stops is the number of EVENT_UPCALL records `paravirt run` counts for
// the same kernel.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, launch, nextStopped, nmAddress, removeBuild, ROOT, startClient, type Built } from './harness';

const PV = join(ROOT, 'examples/sample/build/sample-pv.elf');
let b: Built;
const clients: DebugClient[] = [];
before(async () => { b = await buildAll([]); });
after(async () => { for (const c of clients) await c.stop().catch(() => undefined); removeBuild(b); });

async function pc(dc: DebugClient): Promise<number> {
  return parseInt((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!.instructionPointerReference!, 16);
}

/** EVENT_UPCALL records of a whole run, as the CLI counts them. */
function cliUpcalls(elf: string, mode: string): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'cli/main.ts'), 'run', elf, '--mode', mode, '--summary', 'json', '--serial', 'none'], { encoding: 'utf8', cwd: ROOT });
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { exits: { byReason: Record<string, number> } }).exits.byReason.EVENT_UPCALL ?? 0;
}

test('32-bit PV: the upcall filter stops at the registered event callback, once per upcall', async () => {
  const dc = await startClient(b.adapter); clients.push(dc);
  await launch(dc, { program: PV, mode: 'pv', profile: false, serial: 'none' }, () =>
    dc.setExceptionBreakpointsRequest({ filters: ['upcall'] }));
  const entry = nmAddress(PV, 'event_entry');
  let stops = 0;
  for (;;) {
    const ev = await Promise.race([nextStopped(dc).then((s) => ({ stop: s })), dc.waitForEvent('exited', 20000).then(() => null)]);
    if (!ev) break;
    assert.equal(ev.stop.reason, 'exception');
    stops++;
    if (stops === 1) {
      const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
      assert.equal(info.exceptionId, 'EVENT_UPCALL');
      assert.equal(await pc(dc), entry, 'stopped at the callback set_callbacks registered');
    }
    await dc.continueRequest({ threadId: 1 });
  }
  assert.equal(stops, cliUpcalls(PV, 'pv'));
  assert.ok(stops >= 20, `${stops} upcalls: the sample's 20 timer ticks at least`);
});

test('32-bit PV: the exception filter stops on the trap bounce of the demand-paged fault, with its CR2', async () => {
  const dc = await startClient(b.adapter); clients.push(dc);
  await launch(dc, { program: PV, mode: 'pv', profile: false, serial: 'none' }, () =>
    dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'exception', condition: 'vector == 14' }] }));
  assert.equal((await nextStopped(dc)).reason, 'exception');
  const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
  assert.equal(info.exceptionId, 'TRAP_BOUNCE');
  // The sample's DEMAND_VA (common/kmain.c) is what the fault was on.
  const cr2 = (await dc.evaluateRequest({ expression: '$cr2', context: 'watch' })).body.result;
  assert.equal(parseInt(cr2, 16), 0x40000000);
});
