// The reverse history's memory budget over DAP: what paravirt.runStats and the Debug Console
// say it holds, that it never holds more than the budget, and that going back still reaches
// every point, the start of the run included, when the budget is too small for more than a
// few snapshots. Oracles: the guest's array (all zeroes before the first pass, the last pass's
// number at the end) and the instruction counts the guest's source gives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, launch, nextStopped, nmAddress, outputs, startClient, type Built, removeBuild } from './harness';

const PASSES = 16, DWORDS = 0x80000;
/** Instructions retired when the CPU reaches `done` (sweep.asm). */
const TO_DONE = 2 + PASSES * (4 + 4 * DWORDS);
const MIB = 1 << 20;

interface HistoryStats { snapshots: number; heldBytes: number; budgetBytes: number; fromInstruction: number; toInstruction: number; spacing: number; skipped: number }

let b: Built;
const pc = async (dc: DebugClient) => Number((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!.instructionPointerReference);
before(async () => { b = await buildAll(['sweep']); });
after(() => removeBuild(b));

const at = (elf: string, ...names: string[]) => ({ breakpoints: names.map((n) => ({ instructionReference: '0x' + nmAddress(elf, n).toString(16) })) });

/**
 * A session stopped at `done`, after stopping at the start of each of the first `passStops`
 * passes on the way (every stop takes a snapshot, so those hold whole copies of the array).
 */
async function session(historyMemory: number, passStops: number): Promise<DebugClient> {
  const dc = await startClient(b.adapter);
  const elf = b.elf('sweep');
  await launch(dc, { program: elf, profile: false, memory: 8, historyMemory }, async () => {
    await dc.customRequest('setInstructionBreakpoints', at(elf, 'pass', 'done'));
  });
  // Without stopOnEntry the guest runs from configurationDone to the first breakpoint.
  assert.equal((await nextStopped(dc, 120_000)).reason, 'instruction breakpoint');
  for (let i = 1; i < passStops; i++) {
    await dc.continueRequest({ threadId: 1 });
    assert.equal((await nextStopped(dc, 120_000)).reason, 'instruction breakpoint');
  }
  await dc.customRequest('setInstructionBreakpoints', at(elf, 'done'));
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await nextStopped(dc, 120_000)).reason, 'instruction breakpoint');
  assert.equal(await pc(dc), nmAddress(elf, 'done'));
  return dc;
}

const stats = async (dc: DebugClient) => (await dc.customRequest('paravirt.runStats', {})).body as { instructions: number; history: HistoryStats };
const word = async (dc: DebugClient, addr: number) => {
  const r = (await dc.customRequest('readMemory', { memoryReference: '0x' + addr.toString(16), count: 4 })).body as { data: string };
  return Buffer.from(r.data, 'base64').readUInt32LE(0);
};

test('a budget too small for the run: never exceeded, said so, and the start is still reached', async () => {
  // 3 MiB: room for one copy of the 2 MiB array beside the machine's own image, not two.
  const dc = await session(3, 4);
  try {
    const s = await stats(dc);
    assert.equal(s.history.budgetBytes, 3 * MIB);
    assert.ok(s.history.heldBytes <= 3 * MIB, `${s.history.heldBytes} bytes held`);
    assert.ok(s.history.skipped > 0, 'snapshots were refused for want of room');
    assert.equal(s.history.fromInstruction, 0);
    const line = /Reverse history: (\d+) snapshots? \(([\d.]+) MiB of its 3 MiB budget\) from instruction 0 to ([\d,]+).*The budget is full/.exec(outputs.get(dc)!.console ?? '');
    assert.ok(line, `the Debug Console line: ${JSON.stringify(outputs.get(dc)!.console)}`);
    assert.ok(Number(line[2]) <= 3);
    assert.equal(await word(dc, 0x200000 + 4 * 1234), 1);

    // Back to the start of the run across all of it: the array was all zeroes there.
    const elf = b.elf('sweep');
    await dc.customRequest('setInstructionBreakpoints', at(elf, 'early', 'done'));
    await dc.customRequest('reverseContinue', { threadId: 1 });
    assert.equal((await nextStopped(dc, 120_000)).reason, 'breakpoint');
    assert.equal(await pc(dc), nmAddress(elf, 'early'));
    for (const i of [0, 777, DWORDS - 1]) assert.equal(await word(dc, 0x200000 + 4 * i), 0);
    assert.ok((await stats(dc)).history.heldBytes <= 3 * MIB);
  } finally {
    await dc.stop().catch(() => undefined);
  }
});

test('a budget with room: snapshots along the run, stepping back lands on exact state', async () => {
  const dc = await session(64, 3);
  try {
    const s = await stats(dc);
    assert.equal(s.history.skipped, 0);
    assert.ok(s.history.snapshots >= 4, `${s.history.snapshots} snapshots: the start, three stops at passes and one at done`);
    assert.ok(s.history.heldBytes <= 64 * MIB);
    assert.equal(s.history.toInstruction, TO_DONE, 'the stop took one');
    // One instruction back: the last `jnz pass`, not taken; EBX already 0, the array all ones.
    await dc.customRequest('stepBack', { threadId: 1, granularity: 'instruction' });
    assert.equal((await nextStopped(dc)).reason, 'step');
    assert.equal((await stats(dc)).instructions, -1);
    assert.equal(await word(dc, 0x200000), 1);
    assert.match((await dc.evaluateRequest({ expression: 'ebx', context: 'watch' })).body.result, /^0x0+ \(0\)$/);
  } finally {
    await dc.stop().catch(() => undefined);
  }
});
