// reverseContinue passes over the intervals between snapshots where no breakpoint's instruction
// ran (the CPU records which code runs in each), and must still stop at the latest hit before
// the present, every time. rare.asm says where each hit is in its own memory: the stops of the
// forward run (every 32768 iterations) leave a snapshot each, the hits of `rare` are all in the
// first half, and `once` runs in one iteration only, so most intervals hold no hit and a
// skipped interval that did would show as a stop at an earlier hit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, launch, nextStopped, nmAddress, startClient, type Built, removeBuild } from './harness';

const HALF = 0x80000, CALLS = 0x200000, LAST = 0x200004, ONCE = 0x200008;

let b: Built;
let dc: DebugClient;
before(async () => { b = await buildAll(['rare']); dc = await startClient(b.adapter); });
after(async () => { await dc.stop().catch(() => undefined); removeBuild(b); });

const at = (...names: string[]) => ({ breakpoints: names.map((n) => ({ instructionReference: '0x' + nmAddress(b.elf('rare'), n).toString(16) })) });
const pc = async () => Number((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!.instructionPointerReference);
const word = async (addr: number) => {
  const r = (await dc.customRequest('readMemory', { memoryReference: '0x' + addr.toString(16), count: 4 })).body as { data: string };
  return Buffer.from(r.data, 'base64').readUInt32LE(0);
};
const reverse = async () => { await dc.customRequest('reverseContinue', { threadId: 1 }); return (await nextStopped(dc, 120_000)).reason; };

test('reverseContinue skips intervals without a hit and still stops at the latest one, each time', async () => {
  await launch(dc, { program: b.elf('rare'), profile: false, memory: 4 }, () => dc.customRequest('setInstructionBreakpoints', at('mark', 'done')));
  let stops = 0;
  for (;;) {
    assert.equal((await nextStopped(dc, 120_000)).reason, 'instruction breakpoint');
    if (await pc() === nmAddress(b.elf('rare'), 'done')) break;
    stops++;
    await dc.continueRequest({ threadId: 1 });
  }
  assert.equal(stops, 32, 'a stop at every 32768th iteration');
  const history = (await dc.customRequest('paravirt.runStats', {})).body.history as { snapshots: number };
  assert.ok(history.snapshots >= 30, `${history.snapshots} snapshots`);

  // Breakpoints set only now (the forward run never stopped at them): the last call of `rare`,
  // 16 iterations before the half, then the one before it.
  await dc.customRequest('setInstructionBreakpoints', at('rare_count'));
  assert.equal(await reverse(), 'breakpoint');
  assert.equal(await pc(), nmAddress(b.elf('rare'), 'rare_count'));
  assert.equal(await word(LAST), HALF - 16);
  assert.equal(await word(CALLS), HALF / 16 - 1);
  assert.equal(await reverse(), 'breakpoint');
  assert.equal(await word(LAST), HALF - 32);
  assert.equal(await word(CALLS), HALF / 16 - 2);

  // Code that ran once, interpreted, beside the loop: iteration 100000, after 6250 calls of `rare`.
  await dc.customRequest('setInstructionBreakpoints', at('once', 'done'));
  assert.equal(await reverse(), 'breakpoint');
  assert.equal(await pc(), nmAddress(b.elf('rare'), 'once'));
  assert.equal(await word(ONCE), 0);
  assert.equal(await word(CALLS), 100000 / 16);
  // Nothing before it: back to the start of the run.
  assert.equal(await reverse(), 'entry');
  assert.equal(await word(CALLS), 0);
});
