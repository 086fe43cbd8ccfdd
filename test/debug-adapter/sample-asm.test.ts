// The sample project as a user gets it (the sample-project command's copy, built there by
// its Makefile with real nasm, gcc and ld): breakpoints in its assembly verify and stop,
// and frames in assembly (`_start`, the interrupt stubs) show their source. addr2line is the
// reference for where each stop is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { addr2line, buildAll, launch, nextStopped, nmAddress, removeBuild, ROOT, startClient, type Built } from './harness';
import { copySample, sampleLaunchJson } from '../../extension/sample-files';

let b: Built;
let ws = '';
const clients: DebugClient[] = [];
before(async () => {
  b = await buildAll([]);
  ws = mkdtempSync(join(tmpdir(), 'paravirt-sample-asm-'));
  copySample(ROOT, ws);
  const r = spawnSync('make', ['-s', 'clean', 'all'], { cwd: ws, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
});
after(async () => {
  for (const c of clients) await c.stop().catch(() => undefined);
  removeBuild(b);
  if (ws) rmSync(ws, { recursive: true, force: true });
});

/** The launch configuration of the sample's launch.json for `mode`, with ${workspaceFolder} filled in. */
function sampleConfig(mode: 'hvm' | 'pv'): Record<string, unknown> {
  const all = JSON.parse(sampleLaunchJson().replaceAll('${workspaceFolder}', ws)).configurations as Array<Record<string, unknown>>;
  return { ...all.find((c) => c.mode === mode)!, profile: false, serial: 'none' };
}

const lineOf = (file: string, text: string) => readFileSync(join(ws, file), 'utf8').split('\n').findIndex((l) => l.trim().startsWith(text)) + 1;

/** Assembly frames are named by symbol and offset. */
const START = /^_start(\.\w+)?(\+0x[0-9a-f]+)?$/;

async function top(dc: DebugClient) {
  return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
}

test('HVM: breakpoints in boot.asm and isr.asm verify and stop; _start and the stubs show their source', async () => {
  const dc = await startClient(b.adapter); clients.push(dc);
  const elf = join(ws, 'build', 'sample-hvm.elf');
  const boot = join(ws, 'hvm', 'boot.asm'), isr = join(ws, 'hvm', 'isr.asm'), kmainC = join(ws, 'common', 'kmain.c');
  const lgdt = lineOf('hvm/boot.asm', 'lgdt'), callKmain = lineOf('hvm/boot.asm', 'call kmain'), dispatch = lineOf('hvm/isr.asm', 'call trap_dispatch');
  const kmainLine = lineOf('common/kmain.c', 'print("paging on');
  await launch(dc, sampleConfig('hvm'), async () => {
    const set = async (path: string, line: number) => (await dc.setBreakpointsRequest({ source: { path }, breakpoints: [{ line }] })).body.breakpoints[0]!;
    for (const [path, line] of [[boot, lgdt], [isr, dispatch], [kmainC, kmainLine]] as const) {
      const bp = await set(path, line);
      assert.equal(bp.verified, true, `${path}:${line}: ${bp.message}`);
      assert.equal(bp.line, line);
    }
  });
  // lgdt in _start: the frame is _start in boot.asm at that line, where addr2line puts the pc.
  assert.equal((await nextStopped(dc)).reason, 'breakpoint');
  let frames = await top(dc);
  assert.match(frames[0]!.name, START);
  assert.equal(frames[0]!.source?.path, boot);
  assert.equal(frames[0]!.line, lgdt);
  const pc = parseInt(frames[0]!.instructionPointerReference!, 16);
  assert.ok(pc > nmAddress(elf, '_start') && pc < nmAddress(elf, '_start') + 16);
  assert.deepEqual(addr2line(elf, pc)?.[1], lgdt);
  // kmain, called from _start: the caller's frame is the call in boot.asm, not "Unknown Source".
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await nextStopped(dc)).reason, 'breakpoint');
  frames = await top(dc);
  assert.equal(frames[0]!.source?.path, kmainC);
  const start = frames.find((f) => START.test(f.name));
  assert.ok(start, `frames: ${frames.map((f) => f.name).join(' < ')}`);
  assert.equal(start.source?.path, boot);
  assert.equal(start.line, callKmain);
  // The timer's interrupt reaches the common stub.
  await dc.setBreakpointsRequest({ source: { path: kmainC }, breakpoints: [] });
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await nextStopped(dc)).reason, 'breakpoint');
  frames = await top(dc);
  assert.equal(frames[0]!.source?.path, isr);
  assert.equal(frames[0]!.line, dispatch);
});

test('PV: a breakpoint in pv/boot.asm verifies and stops in _start', async () => {
  const dc = await startClient(b.adapter); clients.push(dc);
  const boot = join(ws, 'pv', 'boot.asm');
  const line = lineOf('pv/boot.asm', 'call kmain');
  await launch(dc, sampleConfig('pv'), async () => {
    const bp = (await dc.setBreakpointsRequest({ source: { path: boot }, breakpoints: [{ line }] })).body.breakpoints[0]!;
    assert.equal(bp.verified, true, bp.message);
  });
  assert.equal((await nextStopped(dc)).reason, 'breakpoint');
  const f = (await top(dc))[0]!;
  assert.match(f.name, START);
  assert.equal(f.source?.path, boot);
  assert.equal(f.line, line);
});
