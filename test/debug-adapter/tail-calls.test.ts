// Tail-call frames (issue 17 point 3): tailcall64.c at -O2, where outer and middle leave by a
// jump (objdump says so: the oracle for what the frames stand for) and kmain's call returns
// from leaf. Stopped in leaf, the stack holds leaf and kmain; DWARF 5's call sites (kmain's
// names outer; outer's and middle's are tail calls) put middle and outer back between them,
// marked "(tail call)", each at the line of its jump, as gdb shows its tailcall frames.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, GUESTS, launch, nextStopped, removeBuild, startClient, type Built } from './harness';

let b: Built;
const clients: DebugClient[] = [];
before(async () => { b = await buildAll(['tailcall64']); });
after(async () => { for (const c of clients) await c.stop().catch(() => undefined); removeBuild(b); });

/** objdump's last branch of a function: `jmp <x>` or `call <x>` and its target. */
function branches(elf: string, fn: string): string[] {
  const dis = spawnSync('objdump', ['-d', '--no-show-raw-insn', elf], { encoding: 'utf8' }).stdout;
  const body = dis.split(`<${fn}>:\n`)[1]!.split('\n\n')[0]!;
  return [...body.matchAll(/\s(jmp|call)\s+[0-9a-f]+ <([^>+]+)>/g)].map((m) => `${m[1]} ${m[2]}`);
}

const lineOf = (text: string): number => readFileSync(join(GUESTS, 'tailcall64.c'), 'utf8').split('\n').findIndex((l) => l.trim() === text) + 1;

test('stopped in leaf: middle and outer, which left by tail calls, are frames of their own between leaf and kmain', async () => {
  const elf = b.elf('tailcall64');
  assert.deepEqual(branches(elf, 'outer'), ['jmp middle'], 'outer ends in a jump to middle');
  assert.deepEqual(branches(elf, 'middle'), ['jmp leaf'], 'middle ends in a jump to leaf');
  assert.ok(branches(elf, 'kmain').includes('call outer'));
  const dc = await startClient(b.adapter); clients.push(dc);
  await launch(dc, { program: elf, profile: false, serial: 'none' }, async () => {
    const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'leaf' }] });
    assert.ok(r.body.breakpoints[0]!.verified);
  });
  assert.equal((await nextStopped(dc)).reason, 'function breakpoint');
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  const shown = frames.map((f) => `${f.name}:${f.line}`);
  assert.deepEqual(shown.slice(0, 4), [
    `leaf:${frames[0]!.line}`, `middle (tail call):${lineOf('leaf(p);')}`, `outer (tail call):${lineOf('middle(p);')}`, `kmain:${lineOf('outer(&counter);')}`,
  ], shown.join(' <- '));
  // The physical caller is still kmain: its pc is the return address after `call outer`.
  const ret = spawnSync('objdump', ['-d', '--no-show-raw-insn', elf], { encoding: 'utf8' }).stdout.split('\n')
    .map((l, i, all) => (/call\s+[0-9a-f]+ <outer>/.test(l) ? all[i + 1]!.trim().split(':')[0] : null)).find((x) => x);
  assert.equal(BigInt(frames[3]!.instructionPointerReference!), BigInt(`0x${ret}`));
});
