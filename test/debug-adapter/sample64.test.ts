// The adapter over stdio on the x86-64 sample as the demo ships it (examples/sample/build/
// sample-hvm64.elf: gcc -O2 -g, linked in the top 2 GiB, interrupts on the APIC timer): a
// breakpoint in kmain, the 64-bit Registers scope, and a breakpoint in the timer's handler
// whose stack goes through the 64-bit interrupt frame into the code the tick interrupted.
// Oracles: nm for addresses, the SDM for what long mode leaves in EFER/CR0/CR4.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { ROOT, buildAll, launch, nextStopped, removeBuild, startClient, type Built } from './harness';

const ELF = join(ROOT, 'examples/sample/build/sample-hvm64.elf');
const clients: DebugClient[] = [];
let b: Built | undefined;
after(async () => { for (const c of clients) await c.stop().catch(() => undefined); removeBuild(b); });

function nm64(name: string): bigint {
  const line = spawnSync('nm', [ELF], { encoding: 'utf8' }).stdout.split('\n').find((l) => l.endsWith(` ${name}`));
  if (!line) throw new Error(`nm: no ${name}`);
  return BigInt('0x' + line.split(' ')[0]!);
}

test('x86-64 sample: kmain in the top 2 GiB, its registers, and the timer handler\'s stack through the interrupt frame', async () => {
  b = await buildAll([]);
  const dc = await startClient(b.adapter);
  clients.push(dc);
  await launch(dc, { program: ELF, profile: false }, async () => {
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'kmain' }] });
  });
  assert.equal((await nextStopped(dc)).reason, 'function breakpoint');
  let frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  assert.match(frames[0]!.name, /^kmain/);
  assert.equal(BigInt(frames[0]!.instructionPointerReference!), nm64('kmain'));
  assert.ok(nm64('kmain') >= 0xffffffff80000000n, 'linked in the top 2 GiB');
  const scopes = (await dc.scopesRequest({ frameId: frames[0]!.id })).body.scopes;
  const regs = (await dc.variablesRequest({ variablesReference: scopes.find((s) => s.name === 'Registers')!.variablesReference })).body.variables;
  assert.equal(BigInt(regs.find((r) => r.name === 'rip')!.value), nm64('kmain'));
  assert.ok(BigInt(regs.find((r) => r.name === 'rsp')!.value) >= 0xffffffff80000000n, 'the stack in the top 2 GiB too');
  const control = (await dc.variablesRequest({ variablesReference: regs.find((r) => r.name === 'control')!.variablesReference })).body.variables;
  assert.match(control.find((c) => c.name === 'mode')!.value, /^64-bit/);
  assert.match(control.find((c) => c.name === 'efer')!.value, /\bLME\b.*\bLMA\b/);

  await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'on_timer_tick' }] });
  await dc.continueRequest({ threadId: 1 });
  await nextStopped(dc);
  frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  const names = frames.map((f) => f.name);
  assert.match(names[0]!, /^on_timer_tick/);
  const i = names.findIndex((n) => /\(interrupted: vector 32\)$/.test(n));
  assert.ok(i > 0, `the interrupted code under the handler: ${JSON.stringify(names)}`);
  assert.ok(names.slice(i).some((n) => /^kmain/.test(n)), `kmain below the interrupted frame: ${JSON.stringify(names)}`);
});
