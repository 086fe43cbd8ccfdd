// Unwinding through interrupt frames from anywhere in a handler: in the vector stubs, in the
// common stub after PUSHA (which then changes EBP), and two calls deep in the functions it
// calls; in assembly (EBP chains) and in C at -O0 and -O2 (CFI, no frame pointers at -O2).
// Oracles: nm's addresses of the faulting instructions and functions, the source lines of the
// calls, and the vector each fault has in the SDM (#DE 0, #GP 13).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { addr2line, asmLine, buildAll, GUESTS, launch, markerLine, nextStopped, nmAddress, startClient, type Built, removeBuild } from './harness';

let b: Built;
let dc: DebugClient;
before(async () => { b = await buildAll(['isr', 'irq-O0', 'irq-O2']); dc = await startClient(b.adapter); });
after(async () => { await dc.stop().catch(() => undefined); removeBuild(b); });

const SRC = join(GUESTS, 'isr.asm');
const at = (name: string) => nmAddress(b.elf('isr'), name);

async function stack(): Promise<Array<{ name: string; pc: number; line: number }>> {
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  return frames.map((f) => ({ name: f.name, pc: parseInt(f.instructionPointerReference!, 16), line: f.line }));
}

/** The frames from the interrupted one down: victim at the fault, outer, _start. */
function assertInterrupted(frames: Awaited<ReturnType<typeof stack>>, from: number, fault: string, vector: number): void {
  const f = frames.slice(from);
  assert.equal(f[0]!.pc, at(fault), `the interrupted instruction (${fault}) in ${JSON.stringify(frames)}`);
  assert.match(f[0]!.name, new RegExp(`^victim.*\\(interrupted: vector ${vector}\\)$`));
  assert.equal(f[0]!.line, asmLine('isr.asm', fault.replace('victim', '') + ':') + 1, 'the faulting instruction\'s own line');
  assert.match(f[1]!.name, /^outer/);
  assert.equal(f[1]!.line, asmLine('isr.asm', 'call victim'));
  assert.match(f[2]!.name, /^_start/);
  assert.equal(f[2]!.line, asmLine('isr.asm', 'call outer'));
  assert.equal(f.length, 3, JSON.stringify(frames));
}

test('interrupt frames: the interrupted code under the handler from its stubs and from functions it calls', async () => {
  const bp = (label: string) => ({ instructionReference: '0x' + at(label).toString(16) });
  await launch(dc, { program: b.elf('isr'), profile: false }, async () => {
    await dc.customRequest('setInstructionBreakpoints', { breakpoints: [bp('isr13'), bp('isr_common.in_common'), bp('leaf.in_leaf')] });
  });

  // #DE: in the common stub after PUSHA and `mov ebp, esp`; the vector is the one isr0 pushed.
  await nextStopped(dc);
  let frames = await stack();
  assert.equal(frames[0]!.pc, at('isr_common.in_common'));
  assertInterrupted(frames, 1, 'victim.fault_de', 0);

  // Two calls deeper: leaf <- dispatch <- the common stub <- the interrupted victim.
  await dc.continueRequest({ threadId: 1 });
  await nextStopped(dc);
  frames = await stack();
  assert.match(frames[0]!.name, /^leaf/);
  assert.match(frames[1]!.name, /^dispatch/);
  assert.equal(frames[1]!.line, asmLine('isr.asm', 'call leaf'));
  assert.match(frames[2]!.name, /^isr_common/);
  assert.equal(frames[2]!.line, asmLine('isr.asm', 'call dispatch'));
  assertInterrupted(frames, 3, 'victim.fault_de', 0);

  // #GP, which comes with an error code: at the gate, then in the leaf again.
  await dc.continueRequest({ threadId: 1 });
  await nextStopped(dc);
  frames = await stack();
  assert.equal(frames[0]!.pc, at('isr13'));
  assertInterrupted(frames, 1, 'victim.fault_gp', 13);
  await dc.continueRequest({ threadId: 1 });
  await nextStopped(dc);
  assertInterrupted(await stack(), 1, 'victim.fault_gp', 13);
  await dc.continueRequest({ threadId: 1 });
  await nextStopped(dc);
  frames = await stack();
  assert.match(frames[0]!.name, /^leaf/);
  assertInterrupted(frames, 3, 'victim.fault_gp', 13);


  await dc.customRequest('setInstructionBreakpoints', { breakpoints: [] });
  const exited = dc.waitForEvent('exited');
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await exited).body.exitCode, (2 << 1) | 1);
});

for (const level of ['O0', 'O2']) {
  test(`interrupt frames in a C kernel at -${level}: the C handler's callee, the stub, then the interrupted C code and its callers`, async () => {
    const c = await startClient(b.adapter);
    try {
      const elf = b.elf(`irq-${level}`);
      const src = join(GUESTS, 'irq.c');
      await launch(c, { program: elf, profile: false }, async () => {
        await c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'note_trap' }] });
      });
      assert.equal((await nextStopped(c)).reason, 'function breakpoint');
      const frames = (await c.stackTraceRequest({ threadId: 1 })).body.stackFrames;
      const names = frames.map((f) => f.name);
      const i = names.findIndex((n) => /\(interrupted: vector 48\)$/.test(n));
      assert.ok(i > 0, JSON.stringify(names));
      // Above it: note_trap, c_handler (unless -O2 folded it), and the stub that called it.
      assert.match(names[0]!, /^note_trap/);
      assert.match(names[i - 1]!, /^isr48/);
      // The interrupted frame: victim, at the instruction after INT 0x30 (where IRET returns).
      const f = frames[i]!;
      assert.match(f.name, /^victim/);
      assert.equal(parseInt(f.instructionPointerReference!, 16), nmAddress(elf, 'victim.after_int'));
      assert.equal(f.source?.path, src);
      assert.equal(f.line, addr2line(elf, nmAddress(elf, 'victim.after_int'))![1]);
      // Its callers, from CFI: outer at its call, then kmain, then _start.
      assert.match(frames[i + 1]!.name, /^outer/);
      assert.equal(frames[i + 1]!.line, markerLine('irq.c', 'outer-call'));
      assert.match(frames[i + 2]!.name, /^kmain/);
      assert.equal(frames[i + 2]!.line, markerLine('irq.c', 'kmain-outer'));
      assert.match(frames[i + 3]!.name, /^_start/);
      await c.setFunctionBreakpointsRequest({ breakpoints: [] });
      const exited = c.waitForEvent('exited');
      await c.continueRequest({ threadId: 1 });
      // outer(20) = 42, outer2(7) - 7 = 0, plus the vector number note_trap added and isr49's 1: 91.
      assert.equal((await exited).body.exitCode, (91 << 1) | 1);
    } finally {
      await c.stop().catch(() => undefined);
    }
  });
}

for (const level of ['O0', 'O2']) {
  test(`a gcc interrupt-attribute handler at -${level} (no stub): stopped in its callee and in its own body, the next frame is the interrupted code`, async () => {
    const c = await startClient(b.adapter);
    try {
      const elf = b.elf(`irq-${level}`);
      const src = join(GUESTS, 'irq.c');
      const after = nmAddress(elf, 'victim2.after_int');
      await launch(c, { program: elf, profile: false }, async () => {
        await c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'note_direct' }] });
      });
      // The stub kernel's vector 0x30 comes first: note_direct is reached only through INT 0x31.
      assert.equal((await nextStopped(c)).reason, 'function breakpoint');
      let frames = (await c.stackTraceRequest({ threadId: 1 })).body.stackFrames;
      let names = frames.map((f) => f.name);
      assert.match(names[0]!, /^note_direct/);
      assert.match(names[1]!, /^isr49/);
      assert.equal(frames[1]!.line, markerLine('irq.c', 'isr49-call'));
      assert.match(names[2]!, /^victim2 \(interrupted: vector 49\)$/, JSON.stringify(names));
      assert.equal(parseInt(frames[2]!.instructionPointerReference!, 16), after);
      assert.equal(frames[2]!.source?.path, src);
      assert.match(names[3]!, /^outer2/);
      assert.equal(frames[3]!.line, markerLine('irq.c', 'outer2-call'));
      assert.match(names[4]!, /^kmain/);
      assert.equal(frames[4]!.line, markerLine('irq.c', 'kmain-outer'));

      // Stepping out of note_direct lands in isr49's body: the innermost frame is the handler itself.
      await c.setFunctionBreakpointsRequest({ breakpoints: [] });
      await c.stepOutRequest({ threadId: 1 });
      assert.equal((await nextStopped(c)).reason, 'step');
      frames = (await c.stackTraceRequest({ threadId: 1 })).body.stackFrames;
      names = frames.map((f) => f.name);
      assert.match(names[0]!, /^isr49/);
      assert.match(names[1]!, /^victim2 \(interrupted: vector 49\)$/, JSON.stringify(names));
      assert.equal(parseInt(frames[1]!.instructionPointerReference!, 16), after);
      assert.match(names[2]!, /^outer2/);

      const exited = c.waitForEvent('exited');
      await c.continueRequest({ threadId: 1 });
      assert.equal((await exited).body.exitCode, (91 << 1) | 1);
    } finally {
      await c.stop().catch(() => undefined);
    }
  });
}
