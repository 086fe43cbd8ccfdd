// The adapter over stdio against a C kernel built with gcc -m32 -g -O0 (and -O2): source,
// function, instruction, conditional and data breakpoints, stepping by line and instruction,
// stack, registers, memory, disassembly, evaluate, serial output, the end of the run and the
// exit profile. Oracles: addr2line, nm, objdump (binutils) and the guest's own arithmetic.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { addr2line, buildAll, GUESTS, launch, markerLine, asmLine, nmAddress, startClient, waitForOutput, nextStopped, outputs, type Built, removeBuild } from './harness';

let b: Built;
const SRC = join(GUESTS, 'kernel.c');
const clients: DebugClient[] = [];

before(async () => { b = await buildAll(['kernel-O0', 'kernel-O2', 'kernel-Og']); });
after(async () => { for (const c of clients) await c.stop().catch(() => undefined); removeBuild(b); });

async function client(): Promise<DebugClient> { const c = await startClient(b.adapter); clients.push(c); return c; }

async function top(dc: DebugClient) {
  const st = await dc.stackTraceRequest({ threadId: 1 });
  return st.body.stackFrames;
}

async function stoppedAfter(dc: DebugClient, req: Promise<unknown>) {
  await req;
  return nextStopped(dc);
}

test('source breakpoint: verified at the line gcc put code on, hit, with a stack of source frames', async () => {
  const dc = await client();
  const elf = b.elf('kernel-O0');
  const line = markerLine('kernel.c', 'sum-call');
  let bps: Array<{ verified: boolean; line?: number; instructionReference?: string }> = [];
  const profile = join(b.dir, 'profile-O0.json');
  await launch(dc, { program: elf, profile }, async () => {
    // A blank line before `counter = r;` has no code: the breakpoint moves to the next line.
    const r = await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line }, { line: markerLine('kernel.c', 'kmain-store') - 1 }] });
    bps = r.body.breakpoints;
  });
  assert.equal(bps[0]!.verified, true);
  assert.equal(bps[0]!.line, line);
  const addr = parseInt(bps[0]!.instructionReference!, 16);
  assert.deepEqual(addr2line(elf, addr), [SRC, line], 'addr2line puts the breakpoint address on the same line');
  assert.equal(bps[1]!.verified, true);
  assert.equal(bps[1]!.line, markerLine('kernel.c', 'kmain-store'));

  const ev = await nextStopped(dc);
  assert.equal(ev.reason, 'breakpoint');
  const frames = await top(dc);
  assert.equal(frames[0]!.line, line);
  assert.equal(frames[0]!.source?.path, SRC);
  assert.match(frames[0]!.name, /^sum_squares/);
  assert.match(frames[1]!.name, /^kmain/);
  assert.equal(frames[1]!.line, markerLine('kernel.c', 'kmain-sum'));
  assert.match(frames[2]!.name, /^_start/);
  assert.equal(frames[2]!.source?.path, join(GUESTS, 'boot.asm'));
  // pc in the frame is where the client can disassemble.
  assert.equal(parseInt(frames[0]!.instructionPointerReference!, 16), addr);

  // Serial output reached the Debug Console before the stop.
  await waitForOutput(dc, 'stdout', 'hello from the guest\n');

  // Clear the loop breakpoint and run to the next one, then to the end: 1+4+9+16+25 = 55, status (55 << 1) | 1.
  await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: markerLine('kernel.c', 'kmain-store') }] });
  const ev2 = await stoppedAfter(dc, dc.continueRequest({ threadId: 1 }));
  assert.equal(ev2.reason, 'breakpoint');
  assert.equal((await top(dc))[0]!.line, markerLine('kernel.c', 'kmain-store'));
  const exited = dc.waitForEvent('exited');
  const terminated = dc.waitForEvent('terminated');
  await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [] });
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await exited).body.exitCode, (55 << 1) | 1);
  await terminated;
  await waitForOutput(dc, 'console', 'guest exit code 55 (isa-debug-exit status 111)');

  // The exit profile names the line of the OUT instruction (outb's asm at -O0): one I/O exit
  // per character printed, and one for the debug-exit write in boot.asm.
  assert.ok(existsSync(profile));
  const p = JSON.parse(readFileSync(profile, 'utf8'));
  assert.equal(p.version, 1);
  assert.equal(p.mode, 'hvm');
  const io = p.lines.find((l: { file: string; line: number }) => l.file === SRC && l.line === markerLine('kernel.c', 'outb-asm'));
  assert.ok(io, JSON.stringify(p.lines));
  assert.equal(io.byReason.IO_INSTRUCTION, 'hello from the guest\n'.length);
  const exitLine = p.lines.find((l: { file: string }) => l.file === join(GUESTS, 'boot.asm'));
  assert.equal(exitLine.line, asmLine('boot.asm', 'out dx, al'));
  assert.deepEqual(exitLine.byReason, { IO_INSTRUCTION: 1 });
});

test('stepping by line (next, stepIn, stepOut) and by instruction', async () => {
  const dc = await client();
  await launch(dc, { program: b.elf('kernel-O0'), profile: false }, async () => {
    await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: markerLine('kernel.c', 'kmain-sum') }] });
  });
  await nextStopped(dc);
  // stepIn enters sum_squares at its first line (the opening brace's prologue row or its body).
  await stoppedAfter(dc, dc.stepInRequest({ threadId: 1 }));
  let f = await top(dc);
  assert.match(f[0]!.name, /^sum_squares/);
  const inLine = f[0]!.line;
  assert.ok(inLine >= markerLine('kernel.c', 'sum-first') - 2 && inLine <= markerLine('kernel.c', 'sum-first'), `line ${inLine}`);
  // next until the call line, then next over it (square runs, we stay in sum_squares).
  for (let i = 0; i < 6 && (await top(dc))[0]!.line !== markerLine('kernel.c', 'sum-call'); i++) {
    await stoppedAfter(dc, dc.nextRequest({ threadId: 1 }));
  }
  assert.equal((await top(dc))[0]!.line, markerLine('kernel.c', 'sum-call'));
  await stoppedAfter(dc, dc.nextRequest({ threadId: 1 }));
  f = await top(dc);
  assert.match(f[0]!.name, /^sum_squares/);
  assert.notEqual(f[0]!.line, markerLine('kernel.c', 'sum-call'));
  // Back to the call line and into square.
  for (let i = 0; i < 4 && (await top(dc))[0]!.line !== markerLine('kernel.c', 'sum-call'); i++) {
    await stoppedAfter(dc, dc.nextRequest({ threadId: 1 }));
  }
  await stoppedAfter(dc, dc.stepInRequest({ threadId: 1 }));
  f = await top(dc);
  assert.match(f[0]!.name, /^square/);
  assert.match(f[1]!.name, /^sum_squares/);
  // stepOut returns into sum_squares.
  const ev = await stoppedAfter(dc, dc.stepOutRequest({ threadId: 1 }));
  assert.equal(ev.reason, 'step');
  f = await top(dc);
  assert.match(f[0]!.name, /^sum_squares/);
  assert.equal(f[0]!.line, markerLine('kernel.c', 'sum-call'));

  // One instruction: EIP moves by the length objdump gives for the instruction at the pc.
  const pc = parseInt(f[0]!.instructionPointerReference!, 16);
  const len = objdumpLength(b.elf('kernel-O0'), pc);
  await stoppedAfter(dc, dc.nextRequest({ threadId: 1, granularity: 'instruction' }));
  const pc2 = parseInt((await top(dc))[0]!.instructionPointerReference!, 16);
  assert.equal(pc2, pc + len);
});

/** Length of the instruction at addr according to objdump. */
function objdumpLength(elf: string, addr: number): number {
  const r = spawnSync('objdump', ['-d', '--start-address=' + addr, '--stop-address=' + (addr + 16), elf], { encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.trim().startsWith(addr.toString(16) + ':'))!;
  return line.split('\t')[1]!.trim().split(/\s+/).length;
}

test('function, instruction, conditional, hit-count and log-point breakpoints', async () => {
  const dc = await client();
  const elf = b.elf('kernel-O0');
  const square = nmAddress(elf, 'square');
  const put = nmAddress(elf, 'put_string');
  let fn: Array<{ verified: boolean; message?: string }> = [];
  await launch(dc, { program: elf, profile: false }, async () => {
    fn = (await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'square', condition: '[esp+4] == 3' }, { name: 'no_such_function' }] })).body.breakpoints;
    await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x' + put.toString(16) }] });
  });
  assert.equal(fn[0]!.verified, true);
  assert.equal(fn[1]!.verified, false);
  assert.match(fn[1]!.message!, /no symbol/);
  let ev = await nextStopped(dc);
  assert.equal(ev.reason, 'instruction breakpoint');
  assert.equal(parseInt((await top(dc))[0]!.instructionPointerReference!, 16), put);
  ev = await stoppedAfter(dc, dc.continueRequest({ threadId: 1 }));
  assert.equal(ev.reason, 'function breakpoint');
  assert.equal(parseInt((await top(dc))[0]!.instructionPointerReference!, 16), square);
  // The condition held only for the call with x == 3.
  assert.match((await dc.evaluateRequest({ expression: '[esp+4]', context: 'watch' })).body.result, /^0x00000003 /);

  // Hit count and log point: the log point prints on each pass, the hit-count one stops on the 2nd pass.
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await dc.setBreakpointsRequest({
    source: { path: SRC }, breakpoints: [
      { line: markerLine('kernel.c', 'square-body'), logMessage: 'x={[ebp+8]}' },
      { line: markerLine('kernel.c', 'sum-call'), hitCondition: '2' },
    ],
  });
  ev = await stoppedAfter(dc, dc.continueRequest({ threadId: 1 }));
  assert.equal(ev.reason, 'breakpoint');
  // Resumed from square(3): the log point prints x for passes 3 and 4; the hit-count
  // breakpoint's first hit (i == 4) is skipped, its second (i == 5) stops.
  assert.equal(await waitForOutput(dc, 'console', 'x=0x4'), 'x=0x3\nx=0x4\n');
  assert.match((await dc.evaluateRequest({ expression: 'dword [ebp-8]', context: 'watch' })).body.result, /^0x00000005 /, 'i == 5 at the second hit');
});

test('registers, evaluate, setVariable, readMemory, writeMemory, disassembly and a data breakpoint', async () => {
  const dc = await client();
  const elf = b.elf('kernel-O0');
  await launch(dc, { program: elf, profile: false }, async () => {
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'kmain' }] });
  });
  await nextStopped(dc);
  const scopes = (await dc.scopesRequest({ frameId: 0 })).body.scopes;
  const regScope = scopes.find((s) => s.name === 'Registers')!;
  assert.equal(regScope.presentationHint, 'registers');
  const regs = (await dc.variablesRequest({ variablesReference: regScope.variablesReference })).body.variables;
  const eip = regs.find((v) => v.name === 'eip')!;
  assert.equal(parseInt(eip.value, 16), nmAddress(elf, 'kmain'));
  const cr0 = (await dc.variablesRequest({ variablesReference: regs.find((v) => v.name === 'control')!.variablesReference })).body.variables[0]!;
  assert.match(cr0.value, /\bPE\b/, 'multiboot entry is in protected mode');
  const flags = (await dc.variablesRequest({ variablesReference: regs.find((v) => v.name === 'eflags')!.variablesReference })).body.variables;
  assert.equal(flags.find((f) => f.name === 'IF')!.value, '0', 'multiboot starts with interrupts off');
  const segs = (await dc.variablesRequest({ variablesReference: regs.find((v) => v.name === 'segments')!.variablesReference })).body.variables;
  assert.ok(segs.find((s) => s.name === 'cs')!.variablesReference > 0, 'the CS descriptor cache is expandable');

  // setVariable on a register, read back through evaluate.
  const set = await dc.setVariableRequest({ variablesReference: regScope.variablesReference, name: 'esi', value: '0x1234 + 1' });
  assert.equal(set.body.value, '0x00001235');
  assert.match((await dc.evaluateRequest({ expression: 'esi * 2', context: 'repl' })).body.result, /^0x0000246a /);
  // C expressions over the program's variables, with the values the source gives them.
  const evx = async (x: string) => (await dc.evaluateRequest({ expression: x, context: 'watch' })).body;
  assert.equal((await evx('table')).result, '{1, 2, 3, 4}');
  assert.equal((await evx('table')).type, 'unsigned int [4]');
  assert.ok((await evx('table')).variablesReference > 0, 'an array expands');
  assert.equal((await evx('table[2]')).result, '3');
  assert.equal((await evx('*(table + 3)')).result, '4', 'pointer arithmetic scales by the element size');
  assert.equal((await evx('&table[1] - &table[0]')).result, '0x00000001 (1)');
  assert.match((await evx('&table[1]')).result, new RegExp(`0x${(nmAddress(elf, 'table') + 4).toString(16)}`));
  assert.equal((await evx('table[1] * 10 + table[3]')).result, '0x00000018 (24)');
  assert.equal((await evx('(unsigned char)0x141')).result, "65 'A'");
  assert.equal((await evx('[0x' + nmAddress(elf, 'table').toString(16) + ' + 8]')).result, '0x00000003 (3)');
  assert.equal((await evx('where->y')).result, '-4');
  assert.equal((await evx('(*where).x')).result, '3');
  assert.equal((await evx('origin')).result, '{x = 3, y = -4}');
  assert.equal((await evx('origin.x + origin.y')).result, '0xffffffff (4294967295, -1)');
  assert.equal((await evx('((struct point *)&origin)->x')).result, '3');
  await assert.rejects(dc.evaluateRequest({ expression: 'origin.z' }), /no member 'z'/);
  await assert.rejects(dc.evaluateRequest({ expression: 'table.x' }), /struct or union/);
  await assert.rejects(dc.evaluateRequest({ expression: '*counter' }), /pointer or an array/);

  // readMemory of the table against the ELF's initial data; writeMemory changes what the guest sees.
  const table = nmAddress(elf, 'table');
  const mem = await dc.customRequest('readMemory', { memoryReference: '0x' + table.toString(16), count: 16 });
  assert.deepEqual([...Buffer.from(mem.body.data, 'base64')], [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0]);
  await dc.customRequest('writeMemory', { memoryReference: '0x' + table.toString(16), offset: 8, data: Buffer.from([9, 0, 0, 0]).toString('base64') });
  assert.equal((await dc.evaluateRequest({ expression: 'table[2]', context: 'watch' })).body.result, '9');
  const unmapped = await dc.customRequest('readMemory', { memoryReference: '0xfffffff0', count: 8 });
  assert.ok(unmapped.body.unreadableBytes >= 0);

  // Disassembly: the same mnemonics objdump prints for kmain's first instructions.
  const dis = await dc.customRequest('disassemble', { memoryReference: '0x' + nmAddress(elf, 'kmain').toString(16), instructionCount: 5 });
  const ours = dis.body.instructions.map((i: { instruction: string }) => i.instruction.split(/\s+/)[0]);
  const od = spawnSync('objdump', ['-d', '-M', 'intel', `--start-address=${nmAddress(elf, 'kmain')}`, `--stop-address=${nmAddress(elf, 'kmain') + 40}`, elf], { encoding: 'utf8' })
    .stdout.split('\n').filter((l) => /^\s+[0-9a-f]+:\t/.test(l)).map((l) => l.split('\t')[2]!.trim().split(/\s+/)[0]).slice(0, 5);
  assert.deepEqual(ours, od);
  assert.equal(dis.body.instructions[0].symbol, 'kmain');
  // Backwards from the fourth instruction, as the disassembly view asks: the same addresses objdump lists.
  const odAddrs = spawnSync('objdump', ['-d', `--start-address=${nmAddress(elf, 'kmain')}`, `--stop-address=${nmAddress(elf, 'kmain') + 40}`, elf], { encoding: 'utf8' })
    .stdout.split('\n').filter((l) => /^\s+[0-9a-f]+:\t/.test(l)).map((l) => parseInt(l.trim().split(':')[0]!, 16));
  const backDis = await dc.customRequest('disassemble', { memoryReference: '0x' + odAddrs[3]!.toString(16), instructionOffset: -3, instructionCount: 5 });
  assert.deepEqual(backDis.body.instructions.map((i: { address: string }) => parseInt(i.address, 16)), odAddrs.slice(0, 5));
  assert.equal(dis.body.instructions[0].location.path, SRC);

  // Data breakpoint on `counter`: the store in kmain writes it.
  const info = await dc.customRequest('dataBreakpointInfo', { name: 'counter' });
  assert.equal(info.body.dataId, `0x${nmAddress(elf, 'counter').toString(16).padStart(8, '0')}:4`);
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await dc.customRequest('setDataBreakpoints', { breakpoints: [{ dataId: info.body.dataId, accessType: 'write' }] });
  const ev = await stoppedAfter(dc, dc.continueRequest({ threadId: 1 }));
  assert.equal(ev.reason, 'data breakpoint');
  assert.equal((await dc.evaluateRequest({ expression: 'counter', context: 'watch' })).body.result, '55', '55 was just stored');
  assert.match((await dc.evaluateRequest({ expression: '[0x' + nmAddress(elf, 'counter').toString(16) + ']', context: 'watch' })).body.result, /^0x00000037 /);
});

test('-O2 build: breakpoints on inlined and optimized code still bind and hit', async () => {
  const dc = await client();
  const elf = b.elf('kernel-O2');
  let bp: { verified: boolean; line?: number; instructionReference?: string } | undefined;
  await launch(dc, { program: elf, profile: false }, async () => {
    bp = (await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: markerLine('kernel.c', 'put-out') }] })).body.breakpoints[0];
  });
  assert.equal(bp!.verified, true);
  const a2l = addr2line(elf, parseInt(bp!.instructionReference!, 16));
  assert.equal(a2l?.[0], SRC);
  const ev = await nextStopped(dc);
  assert.equal(ev.reason, 'breakpoint');
  const f = await top(dc);
  assert.equal(f[0]!.source?.path, SRC);
});

test('DWARF variables: parameters, locals of each frame, globals with types; setVariable changes what the guest computes', async () => {
  const dc = await client();
  const elf = b.elf('kernel-O0');
  await launch(dc, { program: elf, profile: false }, async () => {
    await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: markerLine('kernel.c', 'square-body'), condition: 'x == 5' }] });
  });
  await nextStopped(dc);
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  assert.match(frames[0]!.name, /^square/);
  const scopes0 = (await dc.scopesRequest({ frameId: frames[0]!.id })).body.scopes;
  assert.deepEqual(scopes0.map((s) => s.name), ['Locals', 'Globals', 'Registers', 'Last exit']);
  const locals0 = (await dc.variablesRequest({ variablesReference: scopes0[0]!.variablesReference })).body.variables;
  assert.deepEqual(locals0.map((v) => [v.name, v.value, v.type]), [['x', '5', 'int']]);
  // The caller's frame: n == 5, i == 5, total == 1+4+9+16 (the loop is at its last pass).
  const scopes1 = (await dc.scopesRequest({ frameId: frames[1]!.id })).body.scopes;
  const locals1 = (await dc.variablesRequest({ variablesReference: scopes1[0]!.variablesReference })).body.variables;
  const byName = Object.fromEntries(locals1.map((v) => [v.name, v.value]));
  assert.deepEqual(byName, { n: '5', total: '30', i: '5' });
  const globals = (await dc.variablesRequest({ variablesReference: scopes0[1]!.variablesReference })).body.variables;
  const table = globals.find((v) => v.name === 'table')!;
  assert.equal(table.type, 'unsigned int [4]');
  assert.equal(table.value, '{1, 2, 3, 4}');
  const elems = (await dc.variablesRequest({ variablesReference: table.variablesReference })).body.variables;
  assert.deepEqual(elems.map((v) => v.value), ['1', '2', '3', '4']);
  assert.equal(globals.find((v) => v.name === 'counter')!.type, 'volatile unsigned int');
  // Expressions see the frame's variables.
  assert.equal((await dc.evaluateRequest({ expression: 'x * x + 1', context: 'watch' })).body.result, '0x0000001a (26)');
  // total = 100 in the caller: kmain gets 100 + 25 and sends it to the exit port.
  const set = await dc.setVariableRequest({ variablesReference: scopes1[0]!.variablesReference, name: 'total', value: '100' });
  assert.equal(set.body.value, '100');
  await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [] });
  const exited = dc.waitForEvent('exited');
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await exited).body.exitCode, (125 << 1) | 1);
});

test('restart keeps the breakpoints; physical memory reads match linear ones with paging off', async () => {
  const dc = await client();
  const elf = b.elf('kernel-O0');
  await launch(dc, { program: elf, stopOnEntry: true, profile: false }, async () => {
    await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: markerLine('kernel.c', 'kmain-store') }] });
  });
  assert.equal((await nextStopped(dc)).reason, 'entry');
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await nextStopped(dc)).reason, 'breakpoint');
  const kmain = '0x' + nmAddress(elf, 'kmain').toString(16);
  const lin = await dc.customRequest('readMemory', { memoryReference: kmain, count: 32 });
  const phys = await dc.customRequest('readMemory', { memoryReference: 'phys:' + kmain, count: 32 });
  assert.equal(phys.body.data, lin.body.data);
  await dc.customRequest('restart', {});
  assert.equal((await nextStopped(dc)).reason, 'entry');
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await nextStopped(dc)).reason, 'breakpoint');
  assert.equal((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!.line, markerLine('kernel.c', 'kmain-store'));
  assert.equal(outputs.get(dc)!.stdout, 'hello from the guest\nhello from the guest\n', 'the guest ran twice from the start');
});

test('sourceFileMap maps recorded paths both ways; serial output to a file', async () => {
  const dc = await client();
  const elf = b.elf('kernel-O0');
  const elsewhere = join(b.dir, 'checkout');
  const serialFile = join(b.dir, 'serial.txt');
  let bp: { verified: boolean; line?: number } | undefined;
  const exited = dc.waitForEvent('exited');
  await launch(dc, { program: elf, profile: false, serial: serialFile, sourceFileMap: { [GUESTS]: elsewhere } }, async () => {
    bp = (await dc.setBreakpointsRequest({ source: { path: join(elsewhere, 'kernel.c') }, breakpoints: [{ line: markerLine('kernel.c', 'kmain-store') }] })).body.breakpoints[0];
  });
  assert.equal(bp!.verified, true);
  await nextStopped(dc);
  const f = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  assert.equal(f[0]!.source?.path, join(elsewhere, 'kernel.c'));
  assert.equal(f[1]!.source?.path, join(elsewhere, 'boot.asm'));
  await dc.continueRequest({ threadId: 1 });
  await exited;
  assert.equal(readFileSync(serialFile, 'utf8'), 'hello from the guest\n');
  assert.equal(outputs.get(dc)!.stdout, undefined, 'nothing went to the Debug Console');
});

test('variable references: a request sent with a step gets an answer, old references an empty list after the stop, new ones never reuse old numbers', async () => {
  const dc = await client();
  await launch(dc, { program: b.elf('kernel-O0'), profile: false }, async () => {
    await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: markerLine('kernel.c', 'square-body') }] });
  });
  await nextStopped(dc);
  const refsOf = async () => Object.fromEntries((await dc.scopesRequest({ frameId: 0 })).body.scopes.map((s) => [s.name, s.variablesReference]));
  const old = await refsOf();
  const x = async (ref: number) => (await dc.variablesRequest({ variablesReference: ref })).body.variables.find((v) => v.name === 'x')?.value;
  assert.equal(await x(old.Locals!), '1');

  // As an editor does while the user holds the step key: the step and a request for the
  // variables it was showing leave together. Both are answered, neither with an error.
  const [, during] = await Promise.all([dc.nextRequest({ threadId: 1, granularity: 'instruction' }), dc.variablesRequest({ variablesReference: old.Locals! })]);
  assert.ok(Array.isArray(during.body.variables));
  await nextStopped(dc);
  assert.deepEqual((await dc.variablesRequest({ variablesReference: old.Locals! })).body.variables, [], 'a reference of the previous stop');

  // Next stop: fresh numbers, none of them an old one, and they show the new state.
  await dc.continueRequest({ threadId: 1 });
  await nextStopped(dc);
  const fresh = await refsOf();
  for (const r of Object.values(fresh)) assert.ok(!Object.values(old).includes(r), `reference ${r} was handed out before`);
  assert.equal(await x(fresh.Locals!), '2');
  await assert.rejects(dc.variablesRequest({ variablesReference: 987654 }), /no variables/, 'a number never handed out is still an error');
});

test('data breakpoints on read, on any access with a hit count, and with a condition; GAS disassembly', async () => {
  const dc = await client();
  const elf = b.elf('kernel-O0');
  await launch(dc, { program: elf, profile: false, disassemblySyntax: 'gas' }, async () => {
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'kmain' }] });
  });
  await nextStopped(dc);
  // AT&T syntax, as objdump prints it by default (whitespace aside).
  const kmain = nmAddress(elf, 'kmain');
  const dis = await dc.customRequest('disassemble', { memoryReference: '0x' + kmain.toString(16), instructionCount: 2 });
  const od = spawnSync('objdump', ['-d', `--start-address=${kmain}`, `--stop-address=${kmain + 16}`, elf], { encoding: 'utf8' })
    .stdout.split('\n').filter((l) => /^\s+[0-9a-f]+:\t/.test(l)).map((l) => l.split('\t')[2]!.replace(/\s+/g, '')).slice(0, 2);
  assert.deepEqual(dis.body.instructions.map((i: { instruction: string }) => i.instruction.replace(/\s+/g, '')), od);

  const readLine = markerLine('kernel.c', 'kmain-store') + 1; // table[2] = counter + 1;
  const info = (await dc.customRequest('dataBreakpointInfo', { name: 'counter' })).body;
  assert.deepEqual(info.accessTypes, ['read', 'write', 'readWrite']);
  const line = async () => (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!.line;
  const watch = async (bp: Record<string, unknown>) => {
    const r = await dc.customRequest('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId, ...bp }] });
    assert.equal(r.body.breakpoints[0].verified, true);
  };
  const again = async () => { await dc.customRequest('restart', {}); await nextStopped(dc); };

  // Read: the store `counter = r` does not stop it; the load in the next line does.
  await watch({ accessType: 'read' });
  assert.equal((await stoppedAfter(dc, dc.continueRequest({ threadId: 1 }))).reason, 'data breakpoint');
  assert.equal(await line(), readLine);
  assert.equal((await dc.evaluateRequest({ expression: 'counter', context: 'watch' })).body.result, '55');

  // Any access, second hit: the store is the first, the load the second.
  await again();
  await watch({ accessType: 'readWrite', hitCondition: '2' });
  assert.equal((await stoppedAfter(dc, dc.continueRequest({ threadId: 1 }))).reason, 'data breakpoint');
  assert.equal(await line(), readLine);

  // A condition that never holds: the guest runs to its end.
  await again();
  const bad = await dc.customRequest('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId, accessType: 'write', condition: 'counter ==' }] });
  assert.equal(bad.body.breakpoints[0].verified, false);
  await watch({ accessType: 'write', condition: 'counter == 0' });
  const exited = dc.waitForEvent('exited');
  await dc.continueRequest({ threadId: 1 });
  assert.equal((await exited).body.exitCode, (55 << 1) | 1);
});

test('-Og build: parameters and locals from the register and stack locations gcc emits, in the callee and its caller', async () => {
  const dc = await client();
  const elf = b.elf('kernel-Og');
  // A function breakpoint: at -Og gcc's line table gives square's body line its own view rows.
  await launch(dc, { program: elf, profile: false }, async () => {
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'square', condition: 'x == 3' }] });
  });
  assert.equal((await nextStopped(dc)).reason, 'function breakpoint');
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  assert.match(frames[0]!.name, /^square/);
  assert.match(frames[1]!.name, /^sum_squares/);
  assert.equal(frames[1]!.line, markerLine('kernel.c', 'sum-call'));
  const vars = async (frameId: number) => {
    const scopes = (await dc.scopesRequest({ frameId })).body.scopes;
    const locals = scopes.find((s) => s.name === 'Locals')!;
    return Object.fromEntries((await dc.variablesRequest({ variablesReference: locals.variablesReference })).body.variables.map((v) => [v.name, v.value]));
  };
  assert.deepEqual(await vars(frames[0]!.id), { x: '3' });
  // The loop's third pass: n = 5, i = 3, total = 1 + 4 (kept in callee-saved registers).
  assert.deepEqual(await vars(frames[1]!.id), { n: '5', i: '3', total: '5' });
});
