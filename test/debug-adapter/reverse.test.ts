// Reverse execution: reverseContinue to the previous breakpoint hit and stepBack by instruction
// and by line, from snapshots plus re-execution. Oracles: the guest's own loop variable, the
// registers seen on the way forward, and the unchanged end of the run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { addr2line, buildAll, GUESTS, launch, markerLine, nextStopped, nmAddress, outputs, startClient, type Built, removeBuild } from './harness';

let b: Built;
let dc: DebugClient;
const SRC = join(GUESTS, 'kernel.c');
before(async () => { b = await buildAll(['kernel-O0']); dc = await startClient(b.adapter); });
after(async () => { await dc.stop().catch(() => undefined); removeBuild(b); });

const evaluate = async (e: string) => (await dc.evaluateRequest({ expression: e, context: 'watch' })).body.result;
const registers = async () => {
  const scopes = (await dc.scopesRequest({ frameId: 0 })).body.scopes;
  const reg = scopes.find((s) => s.name === 'Registers')!;
  return (await dc.variablesRequest({ variablesReference: reg.variablesReference })).body.variables.map((v) => `${v.name}=${v.value}`).join(' ');
};

test('reverseContinue, stepBack by instruction and by line, then forward to the same end', async () => {
  const caps = dc.waitForEvent('capabilities');
  await launch(dc, { program: b.elf('kernel-O0'), profile: false, memory: 4 }, async () => {
    await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: markerLine('kernel.c', 'square-body') }] });
  });
  assert.equal((await caps).body.capabilities.supportsStepBack, true);
  await nextStopped(dc);
  assert.equal(await evaluate('x'), '1');
  for (let i = 2; i <= 5; i++) {
    await dc.continueRequest({ threadId: 1 });
    await nextStopped(dc);
  }
  assert.equal(await evaluate('x'), '5');

  await dc.customRequest('reverseContinue', { threadId: 1 });
  const back = await nextStopped(dc);
  assert.equal(back.reason, 'breakpoint');
  assert.equal(await evaluate('x'), '4');

  // One instruction forward and one back: the same place, the same registers.
  const regsBefore = await registers();
  await dc.nextRequest({ threadId: 1, granularity: 'instruction' });
  await nextStopped(dc);
  assert.notEqual(await registers(), regsBefore);
  await dc.customRequest('stepBack', { threadId: 1, granularity: 'instruction' });
  assert.equal((await nextStopped(dc)).reason, 'step');
  assert.equal(await registers(), regsBefore);

  // A line back from square's body: the line before it that ran, where the function begins
  // (addr2line says which line that is).
  await dc.customRequest('stepBack', { threadId: 1 });
  await nextStopped(dc);
  const f = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
  assert.match(f.name, /^square/);
  assert.equal(f.line, addr2line(b.elf('kernel-O0'), nmAddress(b.elf('kernel-O0'), 'square'))![1]);
  assert.equal(parseInt(f.instructionPointerReference!, 16), nmAddress(b.elf('kernel-O0'), 'square'));

  // Forward again: the run ends exactly as an uninterrupted one does, and the serial output was
  // not printed twice by the re-execution.
  await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [] });
  const exited = dc.waitForEvent('exited');
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await exited).body.exitCode, 111);
  assert.equal(outputs.get(dc)!.stdout, 'hello from the guest\n');
});
