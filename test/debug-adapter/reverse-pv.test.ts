// Reverse execution of a Xen PV kernel: machine snapshots hold the hypervisor's state, so going
// back restores the trap table, callbacks, event channels and timers along with the registers.
// Oracles: the guest's own tick counter, and the registers and PV state the forward run showed
// at the same points.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, launch, nextStopped, nmAddress, outputs, startClient, type Built, removeBuild } from './harness';

let b: Built;
let dc: DebugClient;
before(async () => { b = await buildAll(['pvtick']); dc = await startClient(b.adapter); });
after(async () => { await dc.stop().catch(() => undefined); removeBuild(b); });

const evaluate = async (e: string) => (await dc.evaluateRequest({ expression: e, context: 'watch' })).body.result;
const ticks = async () => Number(/\((\d+)\)/.exec(await evaluate('[ticks]'))![1]);

/** A scope's variables, expanded all the way down, as one string. */
async function scopeText(name: string): Promise<string> {
  const scopes = (await dc.scopesRequest({ frameId: 0 })).body.scopes;
  const s = scopes.find((x) => x.name === name);
  assert.ok(s, `no ${name} scope in ${scopes.map((x) => x.name).join()}`);
  const walk = async (ref: number, depth: number): Promise<string> => {
    const vars = (await dc.variablesRequest({ variablesReference: ref })).body.variables;
    const parts = await Promise.all(vars.map(async (v) => `${v.name}=${v.value}${v.variablesReference && depth < 3 ? `{${await walk(v.variablesReference, depth + 1)}}` : ''}`));
    return parts.join(' ');
  };
  return walk(s.variablesReference, 0);
}

const state = async () => ({ regs: await scopeText('Registers'), pv: await scopeText('PV state') });
const stoppedAfter = async (req: Promise<unknown>) => { await req; return nextStopped(dc); };

test('PV kernel: reverseContinue and stepBack bring back the hypervisor state the forward run had', async () => {
  const elf = b.elf('pvtick');
  const caps = dc.waitForEvent('capabilities');
  await launch(dc, { program: elf, mode: 'pv', stopOnEntry: true, profile: false });
  assert.equal((await caps).body.capabilities.supportsStepBack, true);
  assert.equal((await nextStopped(dc)).reason, 'entry');
  const atEntry = await state();
  assert.match(atEntry.pv, /trap table=0 entries/);

  await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x' + nmAddress(elf, 'tick_counted').toString(16) }] });
  const seen: Array<Awaited<ReturnType<typeof state>>> = [];
  for (let k = 1; k <= 4; k++) {
    assert.equal((await stoppedAfter(dc.continueRequest({ threadId: 1 }))).reason, 'instruction breakpoint');
    assert.equal(await ticks(), k);
    seen.push(await state());
    if (k === 1) {
      // Under the event callback: the upcall interrupted the block hypercall (sched_op, number
      // 29, has its 32 bytes in the hypercall page), called from the kernel's wait loop.
      const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
      const pcOf = (i: number) => parseInt(frames[i]!.instructionPointerReference!, 16);
      assert.match(frames[1]!.name, /\(interrupted: event upcall\)$/);
      const schedOp = nmAddress(elf, 'hypercall_page') + 29 * 32;
      assert.ok(pcOf(1) > schedOp && pcOf(1) < schedOp + 32, frames[1]!.name);
      assert.match(frames[2]!.name, /^wait_tick\+/);
    }
  }
  // The forward run changed the hypervisor's state: a trap table, the timer's port, time.
  assert.match(seen[0]!.pv, /trap table=1 entries/);
  assert.match(seen[0]!.pv, /virq 0/);
  assert.notEqual(seen[2]!.pv, seen[3]!.pv, 'system time moved between ticks');

  const back = await stoppedAfter(dc.customRequest('reverseContinue', { threadId: 1 }));
  assert.equal(back.reason, 'breakpoint');
  assert.equal(await ticks(), 3);
  assert.deepEqual(await state(), seen[2]);

  // One instruction back undoes the `inc dword [ticks]`; one forward redoes it.
  assert.equal((await stoppedAfter(dc.customRequest('stepBack', { threadId: 1, granularity: 'instruction' }))).reason, 'step');
  assert.equal(await ticks(), 2);
  await stoppedAfter(dc.nextRequest({ threadId: 1, granularity: 'instruction' }));
  assert.deepEqual(await state(), seen[2]);

  // Back through the two earlier ticks to the start: the hypervisor as it was before the
  // kernel set anything up.
  await stoppedAfter(dc.customRequest('reverseContinue', { threadId: 1 }));
  assert.equal(await ticks(), 2);
  assert.deepEqual(await state(), seen[1]);
  await stoppedAfter(dc.customRequest('reverseContinue', { threadId: 1 }));
  assert.equal(await ticks(), 1);
  const start = await stoppedAfter(dc.customRequest('reverseContinue', { threadId: 1 }));
  assert.equal(start.reason, 'entry');
  assert.deepEqual(await state(), atEntry);

  // Forward to the end: the same run as an uninterrupted one, its console line printed once.
  await dc.customRequest('setInstructionBreakpoints', { breakpoints: [] });
  const exited = dc.waitForEvent('exited');
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await exited).body.exitCode, 0);
  assert.equal(outputs.get(dc)!.stdout, 'ticks=5\n');
});
