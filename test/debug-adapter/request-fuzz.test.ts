// Malformed DAP requests, generated: every request the adapter advertises, with arguments of
// the wrong shape, while a guest is stopped and while it runs. Each must be answered (success
// or an error response) and the adapter must still answer `threads` afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, launch, nextStopped, startClient, type Built, removeBuild } from './harness';

let b: Built;
let dc: DebugClient;
before(async () => { b = await buildAll(['spin']); dc = await startClient(b.adapter); });
after(async () => { await dc.stop().catch(() => undefined); removeBuild(b); });

const COMMANDS = [
  'setBreakpoints', 'setFunctionBreakpoints', 'setInstructionBreakpoints', 'setDataBreakpoints', 'dataBreakpointInfo',
  'setExceptionBreakpoints', 'stackTrace', 'scopes', 'variables', 'setVariable', 'evaluate', 'readMemory', 'writeMemory',
  'disassemble', 'exceptionInfo', 'loadedSources', 'paravirt.exitLog', 'threads', 'source', 'completions', 'goto',
];

// A small deterministic generator (xorshift), so a failure names a reproducible case.
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 0x100000000; };
}

function junk(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * 10);
  switch (k) {
    case 0: return null;
    case 1: return Math.floor(r() * 2 ** 33) - 2 ** 32;
    case 2: return r() < 0.5 ? '0x' + Math.floor(r() * 2 ** 32).toString(16) : 'zz' + r();
    case 3: return r() < 0.5;
    case 4: return depth < 2 ? Array.from({ length: Math.floor(r() * 3) }, () => junk(r, depth + 1)) : [];
    case 5: return -1;
    case 6: return 1e300;
    case 7: return '((((';
    default: {
      if (depth >= 2) return {};
      const keys = ['source', 'breakpoints', 'lines', 'name', 'expression', 'memoryReference', 'count', 'offset', 'data',
        'instructionCount', 'instructionOffset', 'variablesReference', 'value', 'frameId', 'threadId', 'filters', 'filterOptions', 'dataId', 'from', 'filter'];
      const o: Record<string, unknown> = {};
      for (let i = 0; i < 3; i++) o[keys[Math.floor(r() * keys.length)]!] = junk(r, depth + 1);
      return o;
    }
  }
}

async function answered(command: string, args: unknown): Promise<void> {
  try { await dc.customRequest(command, args); } catch (e) {
    // An error response is an answer; a timeout is not.
    assert.doesNotMatch(String(e), /timeout|no response/i, `${command} ${JSON.stringify(args)}`);
  }
}

test('malformed arguments to every request are answered; the adapter keeps running', async () => {
  await launch(dc, { program: b.elf('spin'), stopOnEntry: true, profile: false });
  await nextStopped(dc);
  const r = rng(20261125);
  for (let i = 0; i < 300; i++) {
    const cmd = COMMANDS[i % COMMANDS.length]!;
    await answered(cmd, junk(r));
  }
  // While the guest runs, state requests are refused rather than answered from a moving machine.
  await dc.setBreakpointsRequest({ source: { path: '/nonexistent.c' }, breakpoints: [] });
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await dc.customRequest('setInstructionBreakpoints', { breakpoints: [] });
  await dc.customRequest('setDataBreakpoints', { breakpoints: [] });
  await dc.setExceptionBreakpointsRequest({ filters: [] });
  await dc.continueRequest({ threadId: 1 });
  await assert.rejects(dc.stackTraceRequest({ threadId: 1 }), /running/);
  for (let i = 0; i < 60; i++) await answered(COMMANDS[i % COMMANDS.length]!, junk(r));
  await dc.pauseRequest({ threadId: 1 });
  assert.equal((await nextStopped(dc)).reason, 'pause');
  assert.equal((await dc.threadsRequest()).body.threads.length, 1);
  assert.ok((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames.length >= 1);
});
