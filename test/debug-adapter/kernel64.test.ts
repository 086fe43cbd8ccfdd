// The adapter over stdio on an x86-64 kernel (kernel64.c, gcc -m64 -g, put into long mode by
// guest/boot64.inc): a source breakpoint in kmain, stepping in, over and out through 64-bit C
// frames, stepBack, the call stack through a 64-bit interrupt frame, the 64-bit Registers
// scope and `$rax`-style names, setVariable of a 64-bit register, and an exit breakpoint in
// 64-bit code. Oracles: qemu-system-x86_64 running the same kernel (its serial output and exit
// status), addr2line and nm (binutils), objdump's instruction lengths, and the SysV ABI and
// the SDM for what registers hold.
//
// Until our CPU runs this kernel as QEMU does, the debugger tests are skipped with the
// difference as the reason (never passed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { buildAll, GUESTS, launch, markerLine, startClient, waitForOutput, nextStopped, removeBuild, type Built } from './harness';
import { qemuReference } from '../guest-vs-qemu/qemu-cache';
import { runOnEmulator } from '../guest-vs-qemu/run-emulator';

let b: Built;
const SRC = join(GUESTS, 'kernel64.c');
const clients: DebugClient[] = [];
/** The builds: linked at 1 MiB (-O0, -Og), and in the top 2 GiB (-mcmodel=kernel, as the x86-64 sample). */
const KERNELS = ['kernel64-O0', 'kernel64-Og', 'kernel64high-O0'];
/** Per build: why the debugger tests cannot run yet (our CPU does not run it as QEMU does), or null. */
const notYet = new Map<string, string | null>();
const qemu = new Map<string, { serial: string; status: number }>();

before(async () => {
  b = await buildAll(KERNELS);
  for (const k of KERNELS) {
    const q = await qemuReference(b.elf(k), 30_000, 'core2duo,+pdpe1gb', 'x86_64');
    qemu.set(k, { serial: q.serial, status: q.status ?? -1 });
    const ours = runOnEmulator(b.elf(k), 50_000_000);
    notYet.set(k, ours.serial === q.serial && ours.status === q.status ? null
      : `our CPU does not run ${k} as qemu-system-x86_64 does yet: serial ${JSON.stringify(ours.serial.slice(0, 120))} status ${ours.status}${ours.error ? ` (${ours.error.split('\n')[0]})` : ''}`);
  }
});
after(async () => { for (const c of clients) await c.stop().catch(() => undefined); removeBuild(b); });

async function client(): Promise<DebugClient> { const c = await startClient(b.adapter); clients.push(c); return c; }
async function top(dc: DebugClient) { return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames; }
async function after_(dc: DebugClient, req: Promise<unknown>) { await req; return nextStopped(dc); }
/** Addresses as BigInts: a kernel in the top 2 GiB has addresses no double holds as unsigned. */
const pcOf = (f: DebugProtocol.StackFrame): bigint => BigInt(f.instructionPointerReference!);
const M64 = (1n << 64n) - 1n;
/** nm's address of a symbol (binutils), all 64 bits. */
function nm64(elf: string, name: string): bigint {
  const line = spawnSync('nm', [elf], { encoding: 'utf8' }).stdout.split('\n').find((l) => l.endsWith(` ${name}`));
  if (!line) throw new Error(`nm: no ${name} in ${elf}`);
  return BigInt('0x' + line.split(' ')[0]!);
}

/** addr2line's `file:line` for an address (binutils). */
function addr2line64(elf: string, addr: bigint): string {
  return spawnSync('addr2line', ['-e', elf, addr.toString(16)], { encoding: 'utf8' }).stdout.trim();
}

async function children(dc: DebugClient, vars: DebugProtocol.Variable[], name: string) {
  const v = vars.find((x) => x.name === name);
  assert.ok(v, `${name} among ${vars.map((x) => x.name).join(', ')}`);
  return (await dc.variablesRequest({ variablesReference: v.variablesReference })).body.variables;
}

test('qemu-system-x86_64 runs each kernel64 build: the reference the debugger tests compare with', () => {
  // mix(0xfedcba9876543210, {7, -3}) = (a ^ 7*7) - 3, computed here from the C source's arithmetic.
  const r = ((0xfedcba9876543210n ^ 49n) - 3n) & M64;
  for (const k of KERNELS) {
    const q = qemu.get(k)!;
    assert.equal(q.serial, `kernel64\n0x${r.toString(16)}\nback from int 0x30\n0x0000000000000130\n`, k);
    assert.equal(q.status, Number(((r & 0x7fn) << 1n) | 1n), k);
  }
});

for (const kernel of ['kernel64-O0', 'kernel64high-O0']) test(`x86-64 ${kernel}: a source breakpoint in kmain, 64-bit registers and $rax names, a 64-bit setVariable`, async (t) => {
  const why = notYet.get(kernel);
  if (why) { t.skip(why); return; }
  const dc = await client();
  const elf = b.elf(kernel);
  const line = markerLine('kernel64.c', 'kmain-mix');
  let bp: DebugProtocol.Breakpoint | undefined;
  await launch(dc, { program: elf, profile: false }, async () => {
    bp = (await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line }] })).body.breakpoints[0];
  });
  assert.equal(bp?.verified, true);
  const addr = BigInt(bp!.instructionReference!);
  assert.equal(addr2line64(elf, addr), `${SRC}:${line}`);
  assert.equal((await nextStopped(dc)).reason, 'breakpoint');
  let frames = await top(dc);
  assert.match(frames[0]!.name, /^kmain/);
  assert.equal(frames[0]!.line, line);
  assert.equal(pcOf(frames[0]!), addr);
  await waitForOutput(dc, 'stdout', 'kernel64\n');

  const scopes = (await dc.scopesRequest({ frameId: frames[0]!.id })).body.scopes;
  const locals = (await dc.variablesRequest({ variablesReference: scopes.find((s) => s.name === 'Locals')!.variablesReference })).body.variables;
  assert.equal(locals.find((v) => v.name === 'value')!.value, String(0xfedcba9876543210n), 'a u64 beyond 2^53, exact');
  assert.equal(locals.find((v) => v.name === 'pt')!.value, '{x = 7, y = -3}');

  const regs = (await dc.variablesRequest({ variablesReference: scopes.find((s) => s.name === 'Registers')!.variablesReference })).body.variables;
  assert.deepEqual(regs.slice(0, 17).map((r) => r.name), ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip']);
  assert.equal(BigInt(regs.find((r) => r.name === 'rip')!.value), addr);
  const control = await children(dc, regs, 'control');
  assert.match(control.find((c) => c.name === 'mode')!.value, /^64-bit/);
  assert.match(control.find((c) => c.name === 'efer')!.value, /\bLME\b.*\bLMA\b/, 'long mode enabled and active (SDM 2.2.1)');
  assert.match(control.find((c) => c.name === 'cr0')!.value, /\bPE\b.*\bPG\b/);
  assert.match(control.find((c) => c.name === 'cr4')!.value, /\bPAE\b/);
  const segs = await children(dc, regs, 'segments');
  assert.equal(segs.find((s) => s.name === 'cs')!.value, '0x0008', 'boot64.h BOOT64_KCODE');
  assert.ok(segs.find((s) => s.name === 'fs.base') && segs.find((s) => s.name === 'gs.base'));
  const rflags = await children(dc, regs, 'rflags');
  assert.ok(rflags.find((f) => f.name === 'IF'));
  const sse = await children(dc, regs, 'sse');
  assert.match(sse.find((x) => x.name === 'mxcsr')!.value, /^0x00001f80 \(RC nearest/, 'MXCSR as reset leaves it (SDM 11.6.4), the kernel does not touch it');
  assert.deepEqual(sse.filter((x) => /^xmm/.test(x.name)).map((x) => x.name), Array.from({ length: 16 }, (_, i) => `xmm${i}`), 'XMM0-15 in 64-bit mode');

  // $rsp and $rip: the stack pointer the Registers scope shows, the pc of the frame.
  const ev = async (expression: string) => (await dc.evaluateRequest({ expression, context: 'watch' })).body.result;
  assert.equal(BigInt((await ev('$rip')).split(' ')[0]!), addr);
  assert.equal(BigInt((await ev('$rsp')).split(' ')[0]!), BigInt(regs.find((r) => r.name === 'rsp')!.value));
  assert.equal(BigInt((await ev('big_global')).split(' ')[0]!), 0xfedcba9876543210n);
  assert.equal(BigInt((await ev('big_global >> 32')).split(' ')[0]!), 0xfedcba98n, '64-bit arithmetic');

  // mix(a, p): at its first instruction the SysV ABI puts a in RDI and p in RSI.
  await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [] });
  await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'mix', condition: '$rdi == 0xfedcba9876543210' }] });
  assert.equal((await after_(dc, dc.continueRequest({ threadId: 1 }))).reason, 'function breakpoint');
  frames = await top(dc);
  assert.equal(pcOf(frames[0]!), nm64(elf, 'mix'));
  assert.equal(BigInt((await ev('$rdi')).split(' ')[0]!), 0xfedcba9876543210n);
  assert.equal(BigInt((await ev('$edi')).split(' ')[0]!), 0x76543210n, '$edi is the low half');
  assert.equal(BigInt((await ev('$dil')).split(' ')[0]!), 0x10n);
  assert.equal(BigInt((await ev('qword [$rsi]')).split(' ')[0]!), 7n, 'p->x through RSI');
  // A new 64-bit value for RDI: mix then computes with it, and the guest prints the result.
  const ref = (await dc.scopesRequest({ frameId: frames[0]!.id })).body.scopes.find((s) => s.name === 'Registers')!.variablesReference;
  const set = await dc.setVariableRequest({ variablesReference: ref, name: 'rdi', value: '0x1111222233334444' });
  assert.equal(BigInt(set.body.value.split(' ')[0]!), 0x1111222233334444n);
  const exited = dc.waitForEvent('exited');
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await dc.continueRequest({ threadId: 1 });
  const r = ((0x1111222233334444n ^ 49n) - 3n) & M64;
  await waitForOutput(dc, 'stdout', `0x${r.toString(16).padStart(16, '0')}\n`);
  assert.equal((await exited).body.exitCode, Number(((r & 0x7fn) << 1n) | 1n));
});

for (const kernel of KERNELS) {
  test(`x86-64 ${kernel}: step in, over and out through 64-bit C frames, by instruction, and stepBack`, async (t) => {
    const why = notYet.get(kernel);
    if (why) { t.skip(why); return; }
    const dc = await client();
    const elf = b.elf(kernel);
    await launch(dc, { program: elf, profile: false }, async () => {
      await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: markerLine('kernel64.c', 'kmain-mix') }] });
    });
    await nextStopped(dc);
    await after_(dc, dc.stepInRequest({ threadId: 1 }));
    let f = await top(dc);
    assert.match(f[0]!.name, /^mix/);
    assert.match(f[1]!.name, /^kmain/);
    assert.equal(f[1]!.line, markerLine('kernel64.c', 'kmain-mix'));
    for (let i = 0; i < 6 && (await top(dc))[0]!.line !== markerLine('kernel64.c', 'mix-call'); i++) await after_(dc, dc.nextRequest({ threadId: 1 }));
    assert.equal((await top(dc))[0]!.line, markerLine('kernel64.c', 'mix-call'));
    await after_(dc, dc.stepInRequest({ threadId: 1 }));
    f = await top(dc);
    assert.match(f[0]!.name, /^square/);
    assert.deepEqual(f.slice(1, 3).map((x) => x.name.split(' ')[0]), ['mix', 'kmain']);
    assert.equal(f[1]!.line, markerLine('kernel64.c', 'mix-call'));
    await after_(dc, dc.stepOutRequest({ threadId: 1 }));
    f = await top(dc);
    assert.match(f[0]!.name, /^mix/);
    // Back in mix at the return address: the line addr2line gives for it (mix-call at -O0; at
    // -Og the call may be that line's last instruction).
    assert.equal(`${SRC}:${f[0]!.line}`, addr2line64(elf, pcOf(f[0]!)).replace(/ \(discriminator \d+\)$/, ''));
    if (f[0]!.line === markerLine('kernel64.c', 'mix-call')) await after_(dc, dc.nextRequest({ threadId: 1 }));
    assert.equal((await top(dc))[0]!.line, markerLine('kernel64.c', 'mix-after'));
    // A line back: the line that ran before this one, square's last, with mix below it at the call.
    const back = await after_(dc, dc.stepBackRequest({ threadId: 1 }));
    assert.equal(back.reason, 'step');
    f = await top(dc);
    assert.match(f[0]!.name, /^square/);
    assert.equal(f[0]!.line, markerLine('kernel64.c', 'square-body') + (level(kernel) === 'O0' ? 1 : 0), 'the closing brace at -O0 (leave; ret), the body at -Og');
    assert.match(f[1]!.name, /^mix/);
    assert.equal(f[1]!.line, markerLine('kernel64.c', 'mix-call'));
    // One instruction: RIP moves by the length objdump gives for the instruction there.
    const pc = pcOf(f[0]!);
    await after_(dc, dc.nextRequest({ threadId: 1, granularity: 'instruction' }));
    const pc2 = pcOf((await top(dc))[0]!);
    const ins = objdumpAt(elf, pc);
    // Over a call as well: next by instruction steps over it.
    assert.equal(pc2, pc + BigInt(ins.length), `after ${ins.mnemonic}`);
    // And one instruction back.
    await after_(dc, dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
    assert.equal(pcOf((await top(dc))[0]!), pc);
  });
}

const level = (kernel: string) => kernel.split('-')[1];

/** objdump's length and mnemonic for the instruction at addr. */
function objdumpAt(elf: string, addr: bigint): { length: number; mnemonic: string } {
  const r = spawnSync('objdump', ['-d', '--start-address=0x' + addr.toString(16), '--stop-address=0x' + (addr + 16n).toString(16), elf], { encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.trim().startsWith(addr.toString(16) + ':'))!;
  const [, bytes, text] = line.split('\t');
  return { length: bytes!.trim().split(/\s+/).length, mnemonic: (text ?? '').trim() };
}

for (const kernel of ['kernel64-O0', 'kernel64high-O0']) test(`x86-64 ${kernel}: the call stack through a 64-bit interrupt frame (INT 0x30 -> boot64 stub -> C handler)`, async (t) => {
  const why = notYet.get(kernel);
  if (why) { t.skip(why); return; }
  const dc = await client();
  const elf = b.elf(kernel);
  await launch(dc, { program: elf, profile: false }, async () => {
    await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: markerLine('kernel64.c', 'handler-work') }] });
  });
  await nextStopped(dc);
  const f = await top(dc);
  const names = f.map((x) => x.name);
  assert.match(names[0]!, /^handler_work/);
  assert.match(names[1]!, /^on_trap/);
  assert.equal(f[1]!.line, markerLine('kernel64.c', 'on-trap'));
  const i = names.findIndex((n) => /\(interrupted: vector 48\)$/.test(n));
  assert.ok(i > 1, JSON.stringify(names));
  assert.match(names[i]!, /^trigger/);
  // The interrupted frame's pc is what the CPU pushed as RIP: the instruction after INT 0x30 (2 bytes, CD 30).
  const int = objdumpFind(elf, 'trigger', 'int');
  assert.equal(pcOf(f[i]!), int + 2n);
  assert.match(names[i + 1]!, /^kmain/);
  assert.equal(f[i + 1]!.line, markerLine('kernel64.c', 'kmain-trigger'));
  // A data breakpoint on trap_count (a global, in the top 2 GiB in the high build): the next
  // INT 0x30 would write it; here the write of this one comes first, in handler_work.
  const info = await dc.dataBreakpointInfoRequest({ name: 'trap_count' });
  assert.equal(BigInt(info.body.dataId!.split(':')[0]!), nm64(elf, 'trap_count'));
  await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [] });
  await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
  const hit = await after_(dc, dc.continueRequest({ threadId: 1 }));
  assert.equal(hit.reason, 'data breakpoint');
  const fw = await top(dc);
  assert.match(fw[0]!.name, /^handler_work/);
  assert.equal((await dc.evaluateRequest({ expression: 'trap_count', context: 'watch' })).body.result, '1', 'the store done');
  await dc.setDataBreakpointsRequest({ breakpoints: [] });
  // The handler's argument is the vector the stub pushed.
  const scopes = (await dc.scopesRequest({ frameId: f[0]!.id })).body.scopes;
  const locals = (await dc.variablesRequest({ variablesReference: scopes.find((s) => s.name === 'Locals')!.variablesReference })).body.variables;
  assert.equal(locals.find((v) => v.name === 'vector')!.value, '48');
});

test('x86-64 kernel64-O0: reverseContinue goes back to the previous hit of a breakpoint in 64-bit code', async (t) => {
  const why = notYet.get('kernel64-O0');
  if (why) { t.skip(why); return; }
  const dc = await client();
  await launch(dc, { program: b.elf('kernel64-O0'), profile: false }, async () => {
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'put' }] });
  });
  // put(c) for each character of "kernel64": the SysV ABI passes c in EDI.
  const ch = async () => String.fromCharCode(Number(BigInt((await dc.evaluateRequest({ expression: '$dil', context: 'watch' })).body.result.split(' ')[0]!)));
  const seen: string[] = [];
  for (let i = 0; i < 4; i++) {
    if (i > 0) await after_(dc, dc.continueRequest({ threadId: 1 }));
    else await nextStopped(dc);
    seen.push(await ch());
  }
  assert.equal(seen.join(''), 'kern');
  const ev = await after_(dc, dc.customRequest('reverseContinue', { threadId: 1 }));
  assert.equal(ev.reason, 'breakpoint');
  assert.equal(await ch(), 'r', 'back at the hit before');
  await after_(dc, dc.continueRequest({ threadId: 1 }));
  assert.equal(await ch(), 'n', 'and forward again to the same next hit');
});

/** Address of the first instruction with `mnemonic` in function `fn` (objdump -d). */
function objdumpFind(elf: string, fn: string, mnemonic: string): bigint {
  const start = nm64(elf, fn);
  const r = spawnSync('objdump', ['-d', '--start-address=0x' + start.toString(16), '--stop-address=0x' + (start + 64n).toString(16), elf], { encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.split('\t')[2]?.trim().startsWith(mnemonic + ' '));
  if (!line) throw new Error(`no ${mnemonic} in ${fn}`);
  return BigInt('0x' + line.trim().split(':')[0]!);
}

for (const kernel of ['kernel64-O0', 'kernel64high-O0']) test(`x86-64 ${kernel}: an exit breakpoint in 64-bit code stops at the OUT, with the 64-bit stack, and reverse steps from it`, async (t) => {
  const why = notYet.get(kernel);
  if (why) { t.skip(why); return; }
  const dc = await client();
  const elf = b.elf(kernel);
  await launch(dc, { program: elf, profile: false }, async () => {
    await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'vmexit', condition: 'reason == IO_INSTRUCTION && port == 0x3f8 && !in' }] });
  });
  const ev = await nextStopped(dc);
  assert.equal(ev.reason, 'exception');
  let f = await top(dc);
  // The OUT has retired: the guest stands on the instruction after it, in outb, in 64-bit code.
  assert.match(f[0]!.name, /^outb/);
  assert.equal(f[0]!.line, markerLine('kernel64.c', 'outb-asm'));
  assert.match(objdumpAt(elf, pcOf(f[0]!) - 1n).mnemonic, /^out\s/);
  const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
  assert.equal(info.exceptionId, 'IO_INSTRUCTION');
  assert.deepEqual(f.map((x) => x.name.split(' ')[0]).filter((n) => ['put', 'put_str', 'kmain'].includes(n!)), ['put', 'put_str', 'kmain']);
  const regs = (await dc.variablesRequest({ variablesReference: (await dc.scopesRequest({ frameId: f[0]!.id })).body.scopes.find((s) => s.name === 'Registers')!.variablesReference })).body.variables;
  const rax = BigInt(regs.find((r) => r.name === 'rax')!.value);
  assert.equal(Number(rax & 0xffn), 'k'.charCodeAt(0), 'AL holds the first character of "kernel64"');
  const pc = pcOf(f[0]!);
  await after_(dc, dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
  f = await top(dc);
  assert.ok(pcOf(f[0]!) < pc, 'one instruction back');
  await after_(dc, dc.nextRequest({ threadId: 1, granularity: 'instruction' }));
  assert.equal(pcOf((await top(dc))[0]!), pc);
});
