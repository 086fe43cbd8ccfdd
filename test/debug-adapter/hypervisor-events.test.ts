// The adapter against NASM kernels (DWARF from nasm -F dwarf) and a Xen PV kernel: pause,
// assembly source breakpoints, exception filters with conditions over exit fields,
// exceptionInfo, the paravirt.exits event and paravirt.exitLog request, triple fault, PV
// hypercalls and PV state, and the end of a run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { asmLine, buildAll, GUESTS, launch, nmAddress, startClient, waitForOutput, nextStopped, type Built, removeBuild } from './harness';

let b: Built;
const clients: DebugClient[] = [];
before(async () => { b = await buildAll(['spin', 'triple', 'pv', 'fault']); });
after(async () => { for (const c of clients) await c.stop().catch(() => undefined); removeBuild(b); });
async function client(): Promise<DebugClient> { const c = await startClient(b.adapter); clients.push(c); return c; }
async function pc(dc: DebugClient): Promise<number> {
  return parseInt((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!.instructionPointerReference!, 16);
}

test('pause stops a running guest; NASM source breakpoints bind through DWARF', async () => {
  const dc = await client();
  const elf = b.elf('spin');
  await launch(dc, { program: elf, profile: false });
  await waitForOutput(dc, 'stdout', 'S');
  const stopped = nextStopped(dc);
  await dc.pauseRequest({ threadId: 1 });
  assert.equal((await stopped).reason, 'pause');
  const p = await pc(dc);
  assert.ok(p >= nmAddress(elf, 'spin_loop') && p < nmAddress(elf, 'spin_loop') + 8, `paused in the loop, at 0x${p.toString(16)}`);

  const src = join(GUESTS, 'spin.asm');
  const line = asmLine('spin.asm', 'inc dword [spins]');
  const bp = (await dc.setBreakpointsRequest({ source: { path: src }, breakpoints: [{ line }] })).body.breakpoints[0]!;
  assert.equal(bp.verified, true);
  assert.equal(bp.line, line);
  const hit = nextStopped(dc);
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await hit).reason, 'breakpoint');
  const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
  assert.equal(frame.source?.path, src);
  assert.equal(frame.line, line);
  assert.equal(parseInt(frame.instructionPointerReference!, 16), nmAddress(elf, 'spin_loop'));
  // The counter advances by one per pass around the loop.
  const before = (await dc.evaluateRequest({ expression: '[spins]', context: 'watch' })).body.result;
  const again = nextStopped(dc);
  await dc.continueRequest({ threadId: 1 });
  await again;
  const after = (await dc.evaluateRequest({ expression: '[spins]', context: 'watch' })).body.result;
  assert.equal(parseInt(after, 16), parseInt(before, 16) + 1);
  // loadedSources lists the assembly file.
  const sources = (await dc.customRequest('loadedSources', {})).body.sources as Array<{ path?: string }>;
  assert.ok(sources.some((s) => s.path === src));
});

test('VM exit filter with a condition stops on the OUT to COM1; exceptionInfo, exitLog and the exits event describe it', async () => {
  const dc = await client();
  const elf = b.elf('spin');
  const exitsEvent = dc.waitForEvent('paravirt.exits');
  await launch(dc, { program: elf, profile: false }, async () => {
    const caps = await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'vmexit', condition: 'reason == IO_INSTRUCTION && port == 0x3f8 && !in' }] });
    assert.equal(caps.body?.breakpoints?.length, 1);
  });
  const ev = await nextStopped(dc);
  assert.equal(ev.reason, 'exception');
  const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
  assert.equal(info.exceptionId, 'IO_INSTRUCTION');
  assert.match(info.description!, /3f8/i);
  assert.match(info.description!, /OUT/i);
  // The OUT has retired: the guest stands on the instruction after it.
  const outAddr = nmAddress(elf, 'spin_loop') - 1; // `out dx, al` is one byte (EE) just before the loop
  assert.equal(await pc(dc), outAddr + 1);

  const log = await dc.customRequest('paravirt.exitLog', { from: 0, count: 10, filter: 'port == 0x3f8' });
  assert.equal(log.body.records.length, 1);
  assert.equal(log.body.records[0].eip, outAddr);
  assert.equal(log.body.records[0].bytes, 'ee');
  assert.equal(log.body.records[0].value, 'S'.charCodeAt(0));
  const ev2 = (await exitsEvent).body;
  assert.ok(ev2.total >= 1);
  assert.equal(ev2.byReason.IO_INSTRUCTION, 1);
  assert.equal(ev2.cyclesAreEstimates, true);

  // A filter condition that cannot be read is refused, naming what went wrong; the old filters stay.
  await assert.rejects(dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'vmexit', condition: 'port == == 1' }] }), /exception filter/);
  await assert.rejects(dc.customRequest('paravirt.exitLog', { filter: 'port ==' }), /exitLog/);
});

test('triple fault: stops with the fault described (filter on by default), then the session ends', async () => {
  const dc = await client();
  await launch(dc, { program: b.elf('triple'), profile: false }, async () => {
    await dc.setExceptionBreakpointsRequest({ filters: ['triple-fault'] });
  });
  const ev = await nextStopped(dc);
  assert.equal(ev.reason, 'exception');
  const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
  assert.match(info.description!, /triple fault/);
  const terminated = dc.waitForEvent('terminated');
  await dc.continueRequest({ threadId: 1 });
  await terminated;
  await waitForOutput(dc, 'console', 'triple fault');

  // With the filter off the session ends at once, with the message.
  const dc2 = await client();
  const end = dc2.waitForEvent('terminated');
  await launch(dc2, { program: b.elf('triple'), profile: false }, async () => {
    await dc2.setExceptionBreakpointsRequest({ filters: [] });
  });
  await end;
  await waitForOutput(dc2, 'console', 'triple fault');
});

test('PV kernel: hypercall filter by name, PV state scope, console output and shutdown', async () => {
  const dc = await client();
  const elf = b.elf('pv');
  await launch(dc, { program: elf, mode: 'pv', stopOnEntry: true, profile: false });
  assert.equal((await nextStopped(dc)).reason, 'entry');
  assert.equal(await pc(dc), nmAddress(elf, '_start'));
  await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'hypercall', condition: 'name == "xen_version"' }] });
  const hit = nextStopped(dc);
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await hit).reason, 'exception');
  const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
  assert.equal(info.exceptionId, 'hypercall:xen_version');
  await waitForOutput(dc, 'stdout', 'pv hello\n');
  const scopes = (await dc.scopesRequest({ frameId: 0 })).body.scopes;
  const pvScope = scopes.find((s) => s.name === 'PV state');
  assert.ok(pvScope, scopes.map((s) => s.name).join());
  const vars = (await dc.variablesRequest({ variablesReference: pvScope.variablesReference })).body.variables;
  assert.ok(vars.some((v) => v.name === 'upcall mask'));
  // The stack shows the hypercall's caller (get_version) and its caller (_start's loop).
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  assert.ok(frames.some((f) => f.name.startsWith('get_version')), frames.map((f) => f.name).join());
  // By number too: xen_version is hypercall 17 (Xen's public xen.h).
  await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'hypercall', condition: 'nr == 17' }] });
  const hit2 = nextStopped(dc);
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await hit2).reason, 'exception');
  const records = (await dc.customRequest('paravirt.exitLog', { from: 0, count: 100, filter: 'nr == 17' })).body.records;
  assert.equal(records.length, 2);
  await dc.setExceptionBreakpointsRequest({ filters: [] });
  const exited = dc.waitForEvent('exited');
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await exited).body.exitCode, 0);
  await waitForOutput(dc, 'console', 'shut down');
});

test('bad configurations and malformed requests get errors; the adapter keeps answering', async () => {
  const dc = await client();
  await dc.initializeRequest();
  await assert.rejects(dc.launchRequest({ program: join(b.dir, 'missing.elf') } as never), /'program'.*no such file/);
  await assert.rejects(dc.launchRequest({ program: b.elf('spin'), mode: 'xen' } as never), /'mode'/);
  await assert.rejects(dc.launchRequest({ program: b.elf('spin'), memory: 99999 } as never), /'memory'/);
  await assert.rejects(dc.launchRequest({} as never), /'program'.*missing/);
  await assert.rejects(dc.launchRequest({ program: join(GUESTS, 'spin.asm') } as never), /'program'/, 'a text file is no kernel');
  await assert.rejects(dc.launchRequest({ program: b.elf('spin'), mode: 'pv' } as never), /'program'.*Xen/i, 'an HVM kernel in PV mode');
  // Errors the machine raises name the attribute to fix from their type, not from their wording.
  await assert.rejects(dc.launchRequest({ program: b.elf('spin'), exitControls: { preset: 'ept', overrides: { noSuchControl: true } } } as never),
    /launch attribute 'exitControls': cannot start the guest: unknown exit control 'noSuchControl'/);
  await assert.rejects(dc.launchRequest({ program: b.elf('pv'), mode: 'pv', memory: 1 } as never), /launch attribute 'memory': cannot start the guest: .*give it more memory/);
  await assert.rejects(dc.stackTraceRequest({ threadId: 1 }), /launch first/);
  await assert.rejects(dc.customRequest('noSuchRequest', {}), /.+/);

  // The same adapter then launches a good configuration.
  const init = dc.waitForEvent('initialized');
  await dc.launchRequest({ program: b.elf('spin'), stopOnEntry: true, profile: false } as never);
  await init;
  await dc.configurationDoneRequest();
  await nextStopped(dc);
  await assert.rejects(dc.setBreakpointsRequest({} as never), /source\.path/);
  await assert.rejects(dc.customRequest('readMemory', { memoryReference: 'zzz', count: 4 }), /not an address/);
  await assert.rejects(dc.customRequest('readMemory', { memoryReference: '0x1000', count: -1 }), /count/);
  await assert.rejects(dc.evaluateRequest({ expression: '1 +' }), /ends too early/);
  await assert.rejects(dc.evaluateRequest({ expression: 'nosuchname' }), /unknown name/);
  await assert.rejects(dc.evaluateRequest({ expression: '1 / 0' }), /division by zero/);
  await assert.rejects(dc.customRequest('disassemble', { memoryReference: '0x100000', instructionCount: 1e9 }), /instructionCount/);
  await assert.rejects(dc.variablesRequest({ variablesReference: 987654 }), /no variables/);
  await assert.rejects(dc.customRequest('setDataBreakpoints', { breakpoints: [{ dataId: 'bogus' }] }), /address:length/);
  const fn = (await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'spin_loop', condition: '((' }] })).body.breakpoints[0]!;
  assert.equal(fn.verified, false);
  const threads = await dc.threadsRequest();
  assert.equal(threads.body.threads.length, 1);

  // maxInstructions ends the run with a message.
  const dc2 = await client();
  const end = dc2.waitForEvent('terminated');
  await launch(dc2, { program: b.elf('spin'), maxInstructions: 5000, profile: false });
  await end;
  await waitForOutput(dc2, 'console', 'maxInstructions');
});

test('PV kernel: assembly source breakpoint, next over a call that makes a hypercall, stepIn into it', async () => {
  const dc = await client();
  const src = join(GUESTS, 'pv.asm');
  const callLine = asmLine('pv.asm', 'call get_version');
  await launch(dc, { program: b.elf('pv'), mode: 'pv', profile: false }, async () => {
    const bp = (await dc.setBreakpointsRequest({ source: { path: src }, breakpoints: [{ line: callLine }] })).body.breakpoints[0]!;
    assert.equal(bp.verified, true);
  });
  assert.equal((await nextStopped(dc)).reason, 'breakpoint');
  await dc.nextRequest({ threadId: 1 });
  assert.equal((await nextStopped(dc)).reason, 'step');
  let f = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
  assert.equal(f.line, asmLine('pv.asm', 'dec dword [rounds]'));
  assert.match(f.name, /^ask_version/);
  // The hypercall ran during the step: its record is in the log.
  const log = await dc.customRequest('paravirt.exitLog', { from: 0, count: 100, filter: 'name == "xen_version"' });
  assert.equal(log.body.records.length, 1);
  await dc.nextRequest({ threadId: 1 });
  await nextStopped(dc);
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await nextStopped(dc)).reason, 'breakpoint');
  await dc.stepInRequest({ threadId: 1 });
  await nextStopped(dc);
  f = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
  assert.equal(f.line, asmLine('pv.asm', 'mov ebx, XENVER_version'));
  assert.equal(parseInt(f.instructionPointerReference!, 16), nmAddress(b.elf('pv'), 'get_version'));
  // A line back in PV mode too: the call that entered get_version.
  await dc.customRequest('stepBack', { threadId: 1 });
  assert.equal((await nextStopped(dc)).reason, 'step');
  f = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
  assert.equal(f.line, callLine);
  assert.match(f.name, /^ask_version/);
});

test('HVM guest exceptions reach the exception filter when the exception bitmap makes them exit', async () => {
  const dc = await client();
  const elf = b.elf('fault');
  const exited = dc.waitForEvent('exited');
  await launch(dc, { program: elf, profile: false, exitControls: { preset: 'ept', overrides: { exceptionBitmap: 1 } } }, async () => {
    await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'exception', condition: 'vector == 0 && eip == second_trap' }] });
  });
  const ev = await nextStopped(dc);
  assert.equal(ev.reason, 'exception');
  const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
  assert.equal(info.exceptionId, 'EXCEPTION_NMI');
  const log = (await dc.customRequest('paravirt.exitLog', { from: 0, count: 10, filter: 'vector == 0' })).body.records;
  assert.deepEqual(log.map((r: { eip: number }) => r.eip), [nmAddress(elf, 'first_trap'), nmAddress(elf, 'second_trap')]);
  // Stopped at the handler's entry: the stack shows the handler over the faulting DIV.
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  assert.equal(frames[0]!.name, 'de_handler');
  assert.equal(frames[1]!.name, 'second_trap (interrupted: vector 0)');
  assert.equal(parseInt(frames[1]!.instructionPointerReference!, 16), nmAddress(elf, 'second_trap'));
  assert.equal(frames[1]!.line, asmLine('fault.asm', 'div ecx') + 2, 'the second DIV (two lines after the first)');
  // The guest's handler ran for the first division; the second stopped the guest.
  assert.match((await dc.evaluateRequest({ expression: '[hits]', context: 'watch' })).body.result, /^0x0000000[12] /);
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await exited).body.exitCode, (2 << 1) | 1, 'both #DE reached the guest handler');
});
