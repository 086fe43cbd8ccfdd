// A PVH kernel under the debug adapter (a real DAP client over stdio, launch "mode": "pvh"):
// stop on entry at XEN_ELFNOTE_PHYS32_ENTRY with EBX = the start info, stop at a hypercall by
// name and read its exception info once (the VMCALL's HYPERCALL record, not the exit too),
// stop on the I/O exit to a port nothing owns, the PV state scope, and the end of the run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, launch, nextStopped, nmAddress, removeBuild, startClient, waitForOutput, type Built } from '../debug-adapter/harness';
import { buildPvhGuest } from './harness';

let b: Built;
const clients: DebugClient[] = [];
const elf = buildPvhGuest('start');
before(async () => { b = await buildAll([]); });
after(async () => { for (const c of clients) await c.stop().catch(() => undefined); removeBuild(b); });

test('launch mode pvh: entry, a hypercall by name, an I/O exit, PV state, shutdown', async () => {
  const dc = await startClient(b.adapter);
  clients.push(dc);
  await launch(dc, { program: elf, mode: 'pvh', stopOnEntry: true, profile: false, cmdline: 'from-dap' });
  assert.equal((await nextStopped(dc)).reason, 'entry');
  const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
  assert.equal(parseInt(frame.instructionPointerReference!, 16), nmAddress(elf, 'pvh_start32'));
  const ebx = Number((await dc.evaluateRequest({ expression: 'ebx', context: 'watch' })).body.result.split(' ')[0]);
  const magic = (await dc.customRequest('readMemory', { memoryReference: `0x${ebx.toString(16)}`, count: 4 })).body.data as string;
  assert.equal(Buffer.from(magic, 'base64').readUInt32LE(0), 0x336ec578);

  await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'hypercall', condition: 'name == "hvm_op"' }] });
  let hit = nextStopped(dc);
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await hit).reason, 'exception');
  assert.equal((await dc.exceptionInfoRequest({ threadId: 1 })).body.exceptionId, 'hypercall:hvm_op');
  // The first hvm_op is the 32-bit half's get_param: one stop for it, at its HYPERCALL record.
  const log = (await dc.customRequest('paravirt.exitLog', { from: 0, count: 1000, filter: 'nr == 34' })).body.records as Array<{ reasonName: string }>;
  assert.deepEqual(log.map((r) => r.reasonName), ['VMCALL', 'HYPERCALL']);
  await waitForOutput(dc, 'stdout', 'pvh: 32-bit hypercalls through the page\n');

  await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'vmexit', condition: 'reason == IO_INSTRUCTION && port == 0x3f8' }] });
  hit = nextStopped(dc);
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await hit).reason, 'exception');
  assert.equal((await dc.exceptionInfoRequest({ threadId: 1 })).body.exceptionId, 'IO_INSTRUCTION');
  const scopes = (await dc.scopesRequest({ frameId: 0 })).body.scopes;
  const pv = scopes.find((s) => s.name === 'PV state');
  assert.ok(pv, scopes.map((s) => s.name).join());
  const vars = (await dc.variablesRequest({ variablesReference: pv.variablesReference })).body.variables;
  assert.ok(vars.some((v) => /event/i.test(v.name)), vars.map((v) => v.name).join());

  await dc.setExceptionBreakpointsRequest({ filters: [] });
  const exited = dc.waitForEvent('exited');
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await exited).body.exitCode, 0);
  await waitForOutput(dc, 'stdout', 'cmdline="from-dap"');
});
