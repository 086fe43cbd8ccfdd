// PV filters and the end of a session: guest exceptions by vector (trap bounces), the
// privileged-operation filter with a condition, a domain crash (the filter on: stop, show, then end; off: end at once with the reason), and
// terminate. Oracles: nm's addresses of the guest's labels; the guest reads CR0 once and then
// executes UD2 with no trap table, which Xen answers by crashing the domain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, launch, nextStopped, nmAddress, startClient, waitForOutput, type Built, removeBuild } from './harness';

let b: Built;
const clients: DebugClient[] = [];
before(async () => { b = await buildAll(['pvcrash', 'pvtick']); });
after(async () => { for (const c of clients) await c.stop().catch(() => undefined); removeBuild(b); });
async function client(): Promise<DebugClient> { const c = await startClient(b.adapter); clients.push(c); return c; }

const pc = async (dc: DebugClient) => parseInt((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!.instructionPointerReference!, 16);

test('privileged-operation filter: a condition that does not hold lets the guest go on; then the domain crash stops it and ends the session', async () => {
  const dc = await client();
  const elf = b.elf('pvcrash');
  await launch(dc, { program: elf, mode: 'pv', profile: false }, async () => {
    // HLT's opcode: not what the guest runs.
    await dc.setExceptionBreakpointsRequest({ filters: ['domain-crash'], filterOptions: [{ filterId: 'privop', condition: 'opcode == 0xf4' }] });
  });
  const stop = await nextStopped(dc);
  assert.equal(stop.reason, 'exception');
  assert.equal(await pc(dc), nmAddress(elf, 'crash_here'));
  const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
  assert.equal(info.exceptionId, 'domain-crash');
  assert.match(info.description!, /domain crash.*no handler/);
  const exited = dc.waitForEvent('exited');
  const terminated = dc.waitForEvent('terminated');
  await dc.continueRequest({ threadId: 1 });
  await exited;
  await terminated;
  await waitForOutput(dc, 'console', 'domain crash');
});

test('privileged-operation filter without a condition stops after the emulated CR0 read; terminate ends the session', async () => {
  const dc = await client();
  const elf = b.elf('pvcrash');
  await launch(dc, { program: elf, mode: 'pv', profile: false }, async () => {
    await dc.setExceptionBreakpointsRequest({ filters: ['privop', 'domain-crash'] });
  });
  assert.equal((await nextStopped(dc)).reason, 'exception');
  // The emulated instruction has retired (mov eax, cr0 is 3 bytes: 0F 20 C0).
  assert.equal(await pc(dc), nmAddress(elf, 'read_cr0') + 3);
  const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
  assert.match(`${info.exceptionId} ${info.description}`, /PRIV/i);
  // The run's own account: two instructions (mov esp, mov eax, cr0), all of them inside Machine.run().
  const stats = (await dc.customRequest('paravirt.runStats', {})).body;
  assert.equal(stats.instructions, 2);
  assert.ok(stats.slices >= 1 && stats.machineMs <= stats.wallMs, JSON.stringify(stats));
  const terminated = dc.waitForEvent('terminated');
  await dc.terminateRequest({});
  await terminated;
  await assert.rejects(dc.stackTraceRequest({ threadId: 1 }), /ended/);
});

test('domain-crash filter off: the session ends at the crash with the reason', async () => {
  const dc = await client();
  // Listening before the launch: the guest crashes at once, and the exit may come before
  // configurationDone's answer does.
  const ended = dc.waitForEvent('exited');
  await launch(dc, { program: b.elf('pvcrash'), mode: 'pv', profile: false }, async () => {
    await dc.setExceptionBreakpointsRequest({ filters: [] });
  });
  const exited = await ended;
  assert.notEqual(exited.body.exitCode, 0);
  await waitForOutput(dc, 'console', 'no handler');
});

test('guest exception filter in PV mode: the #DE bounced to the trap table, by vector', async () => {
  const dc = await client();
  const elf = b.elf('pvtick');
  await launch(dc, { program: elf, mode: 'pv', profile: false }, async () => {
    await dc.setExceptionBreakpointsRequest({ filters: ['domain-crash'], filterOptions: [{ filterId: 'exception', condition: 'vector == 0' }] });
  });
  assert.equal((await nextStopped(dc)).reason, 'exception');
  // The bounce is done: the kernel stands at its #DE handler, the only trap-table entry.
  assert.equal(await pc(dc), nmAddress(elf, 'de_handler'));
  const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
  assert.match(`${info.exceptionId} ${info.description}`, /TRAP|exception|bounce/i);
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  assert.match(frames[1]!.name, /\(interrupted: vector 0\)$/);
  await dc.setExceptionBreakpointsRequest({ filters: [] });
  const exited = dc.waitForEvent('exited');
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await exited).body.exitCode, 0);
});
