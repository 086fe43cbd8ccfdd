// The sample's x86-64 flavour as a user gets it (the sample-project command's copy, built
// there by its Makefile), through its own launch configuration and source breakpoints
// (sample64.test.ts runs the committed binary by function breakpoints): a breakpoint in kmain
// binds and stops at its 64-bit address in the top 2 GiB (addr2line and nm are the
// references), the caller is the boot code's call in guest/boot64.inc, and a breakpoint in
// the timer's dispatcher stops there with the interrupted kmain below the interrupt frame.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, launch, nextStopped, removeBuild, ROOT, startClient, type Built } from './harness';
import { copySample, sampleLaunchJson } from '../../extension/sample-files';

let b: Built;
let ws = '';
let dc: DebugClient | undefined;
before(async () => {
  b = await buildAll([]);
  ws = mkdtempSync(join(tmpdir(), 'paravirt-sample64-'));
  copySample(ROOT, ws);
  const r = spawnSync('make', ['-s', 'clean', 'all'], { cwd: ws, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
});
after(async () => {
  await dc?.stop().catch(() => undefined);
  removeBuild(b);
  if (ws) rmSync(ws, { recursive: true, force: true });
});

const lineOf = (file: string, text: string) => readFileSync(join(ws, file), 'utf8').split('\n').findIndex((l) => l.trim().startsWith(text)) + 1;
/** addr2line's file:line for a 64-bit address given as hex (too wide for a JS number to hold exactly). */
function addr2line(elf: string, hex: string): [string, number] | null {
  const m = /^(.*):(\d+)/.exec(spawnSync('addr2line', ['-e', elf, hex], { encoding: 'utf8' }).stdout.trim());
  return m && m[1] !== '??' ? [m[1]!, Number(m[2])] : null;
}
function nm(elf: string, name: string): bigint {
  const line = spawnSync('nm', [elf], { encoding: 'utf8' }).stdout.split('\n').find((l) => l.endsWith(` ${name}`));
  assert.ok(line, `nm: no ${name}`);
  return BigInt('0x' + line.split(' ')[0]);
}

test('x86-64 sample: kmain stops at its higher-half address, called from boot64.inc; the timer interrupt stops in trap_dispatch', async () => {
  const config = (JSON.parse(sampleLaunchJson().replaceAll('${workspaceFolder}', ws)).configurations as Array<Record<string, unknown>>)
    .find((c) => c.name === 'Sample kernel (HVM, x86-64)');
  assert.ok(config, 'the launch.json names the x86-64 flavour');
  const elf = join(ws, 'build', 'sample-hvm64.elf');
  const kmainC = join(ws, 'common', 'kmain.c'), boot64 = join(ws, 'guest', 'boot64.inc'), idt = join(ws, 'hvm64', 'interrupts-idt64.c');
  const kmainLine = lineOf('common/kmain.c', 'print("paging on'), callMain = lineOf('guest/boot64.inc', 'call BOOT64_MAIN');
  const tickLine = lineOf('hvm64/interrupts-idt64.c', 'if (f->vector == 0x20)');
  dc = await startClient(b.adapter);
  await launch(dc, { ...config, profile: false, serial: 'none' }, async () => {
    const bp = (await dc!.setBreakpointsRequest({ source: { path: kmainC }, breakpoints: [{ line: kmainLine }] })).body.breakpoints[0]!;
    assert.equal(bp.verified, true, bp.message);
    assert.equal(bp.line, kmainLine);
  });
  assert.equal((await nextStopped(dc)).reason, 'breakpoint');
  let frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  assert.equal(frames[0]!.source?.path, kmainC);
  assert.equal(frames[0]!.line, kmainLine);
  assert.equal(frames[0]!.name, 'kmain');
  const pc = BigInt(frames[0]!.instructionPointerReference!);
  assert.ok(pc >= 0xFFFFFFFF80000000n, `pc ${pc.toString(16)} in the top 2 GiB`);
  const kmain = nm(elf, 'kmain');
  assert.ok(pc > kmain && pc < kmain + 0x400n, `pc ${pc.toString(16)} inside kmain at ${kmain.toString(16)}`);
  assert.equal(addr2line(elf, pc.toString(16))?.[1], kmainLine);
  const caller = frames[1];
  assert.ok(caller, `frames: ${frames.map((f) => f.name).join(' < ')}`);
  assert.equal(caller.source?.path, boot64);
  assert.equal(caller.line, callMain);

  await dc.setBreakpointsRequest({ source: { path: kmainC }, breakpoints: [] });
  const bp = (await dc.setBreakpointsRequest({ source: { path: idt }, breakpoints: [{ line: tickLine }] })).body.breakpoints[0]!;
  assert.equal(bp.verified, true, bp.message);
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await nextStopped(dc)).reason, 'breakpoint');
  frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  assert.equal(frames[0]!.source?.path, idt);
  assert.equal(frames[0]!.line, tickLine);
  assert.equal(frames[0]!.name, 'trap_dispatch');
  // Below the interrupt frame: the code the tick interrupted, in the kernel's C (cpu_idle's sti; hlt, from kmain's loop).
  const names = frames.map((f) => f.name);
  assert.ok(names.includes('kmain'), `the interrupted kmain is on the stack: ${names.join(' < ')}`);
});
