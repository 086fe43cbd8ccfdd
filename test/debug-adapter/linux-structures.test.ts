// Linux's own data structures over DAP, on linuxlike64.c (gcc -m64 -O2 -g): a kernel laid out
// as Linux lays out its per-CPU areas (GS base, __per_cpu_offset, pcpu_hot.current_task), its
// task list and its printk ring buffer. Oracles: what the kernel itself printed on the serial
// port (its console lines, its task list walked in C, `current` read through %gs), QEMU
// running the same kernel, and gdb reading the same ELF for offsets and sizes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, GUESTS, launch, markerLine, nextStopped, removeBuild, startClient, waitForOutput, type Built } from './harness';
import { qemuReference } from '../guest-vs-qemu/qemu-cache';

let b: Built;
let elf: string;
const SRC = join(GUESTS, 'linuxlike64.c');
const clients: DebugClient[] = [];
let qemuSerial = '';

before(async () => {
  b = await buildAll(['linuxlike64', 'count']);
  elf = b.elf('linuxlike64');
  qemuSerial = (await qemuReference(elf, 30_000, 'core2duo', 'x86_64')).serial;
});
after(async () => { for (const c of clients) await c.stop().catch(() => undefined); removeBuild(b); });

async function client(): Promise<DebugClient> { const c = await startClient(b.adapter); clients.push(c); return c; }

/** gdb's answer for an expression on the ELF alone (no running program): offsets and sizes. */
function gdbPrint(expr: string): string {
  const r = spawnSync('gdb', ['-nx', '-batch', '-ex', `print ${expr}`, elf], { encoding: 'utf8' });
  const m = /^\$1 = (.*)$/m.exec(r.stdout);
  if (!m) throw new Error(`gdb: ${r.stdout}${r.stderr}`);
  return m[1]!;
}

/** nm's address of a symbol (binutils). */
function nm(name: string): bigint {
  const line = spawnSync('nm', [elf], { encoding: 'utf8' }).stdout.split('\n').find((l) => l.endsWith(` ${name}`));
  if (!line) throw new Error(`nm: no ${name}`);
  return BigInt('0x' + line.split(' ')[0]);
}

/** Stops at a marker line; returns an evaluator for watch expressions there. */
async function stopAt(dc: DebugClient, marker: string): Promise<(e: string) => Promise<string>> {
  const line = markerLine('linuxlike64.c', marker);
  await launch(dc, { program: elf, profile: false }, async () => {
    const bp = (await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line }] })).body.breakpoints[0];
    assert.equal(bp?.verified, true, `breakpoint at ${marker}`);
  });
  assert.equal((await nextStopped(dc)).reason, 'breakpoint');
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  return async (expression) => (await dc.evaluateRequest({ expression, context: 'watch', frameId: frames[0]!.id })).body.result;
}

test('QEMU runs linuxlike64: the console lines, task list and current the other tests compare with', () => {
  assert.match(qemuSerial, /^\[    0\.001000\] Linux version 6\.1\.0-linuxlike64/m);
  assert.match(qemuSerial, /^tasks:\n0 0 swapper\/0\n1 1 init\n2 1 kthreadd\n5 1026 kworker\/0:0\n7 2 jbd2\/sda1-8\n/m);
  assert.match(qemuSerial, /^current 0x[0-9a-f]{16} 1 init$/m);
});

test('per-CPU variables through GS base: current, this_cpu_ptr, per_cpu, $lx_current, container_of, offsetof', async () => {
  const dc = await client();
  const ev = await stopAt(dc, 'schedule-point');
  // After schedule_point's this_cpu_write: CPU 0 runs init (pid 1); CPU 1's area says kthreadd.
  assert.equal(await ev('current->pid'), '1');
  assert.match(await ev('current->comm'), /^"init(\\|")/);
  assert.equal(await ev('$lx_current().pid'), '1');
  assert.equal(await ev('this_cpu_read(pcpu_hot).current_task->pid'), '1');
  assert.equal(await ev('this_cpu_ptr(&pcpu_hot)->cpu_number'), '0');
  assert.equal(await ev('per_cpu_ptr(&pcpu_hot, 1)->cpu_number'), '1');
  assert.match(await ev('per_cpu(pcpu_hot, 1).current_task->comm'), /^"kthreadd(\\|")/);
  assert.match(await ev('$lx_current(1).comm'), /^"kthreadd(\\|")/);
  assert.match(await ev('container_of(init_task.tasks.next, struct task_struct, tasks)->comm'), /^"init(\\|")/);
  assert.match(await ev('container_of(init_task.tasks.prev, struct task_struct, tasks)->comm'), /^"jbd2\/sda1-8(\\|")/);
  assert.equal(await ev('offsetof(struct task_struct, tasks)'), gdbPrint('(int)&((struct task_struct *)0)->tasks'));
  assert.equal(await ev('offsetof(struct pcpu_hot, cpu_number)'), gdbPrint('(int)&((struct pcpu_hot *)0)->cpu_number'));
  assert.equal(await ev('sizeof(struct printk_info)'), gdbPrint('(int)sizeof(struct printk_info)'));
  await assert.rejects(dc.evaluateRequest({ expression: 'per_cpu(pcpu_hot, 2)', context: 'watch' }), /no per-CPU offset for CPU 2/);
  await assert.rejects(dc.evaluateRequest({ expression: 'container_of(prb, struct nothing_here, x)', context: 'watch' }), /no type named 'struct nothing_here'/);
  // The Watch follows the selected frame: kmain's locals in its frame, schedule_point's in its own.
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  assert.deepEqual(frames.slice(0, 2).map((f) => f.name), ['schedule_point', 'kmain']);
  const inFrame = async (expression: string, frameId: number) => (await dc.evaluateRequest({ expression, context: 'watch', frameId })).body.result;
  assert.match(await inFrame('next->comm', frames[0]!.id), /^"init(\\|")/);
  // kmain's volatile union lives in its stack frame (gcc keeps it in memory at -O2).
  assert.equal(await inFrame('w.q', frames[1]!.id), '1234605616436508552');
  assert.equal(await inFrame('w.b[0]', frames[1]!.id), "136 '\\210'");
  await assert.rejects(dc.evaluateRequest({ expression: 'w.q', context: 'watch', frameId: frames[0]!.id }), /unknown name 'w'/);
  const cur = await ev('(unsigned long)current');
  await dc.continueRequest({ threadId: 1 });
  const out = await waitForOutput(dc, 'stdout', 'message ');
  // The kernel printed current as it read it through %gs after the breakpoint.
  const printed = /^current (0x[0-9a-f]{16}) 1 init$/m.exec(out);
  assert.ok(printed, out);
  assert.equal(BigInt(cur), BigInt(printed[1]!));
});

/** The kernel's console lines (`[    1.234567] text`) from its serial output. */
const consoleLines = (serial: string) => serial.split('\n').filter((l) => /^\[ *\d+\.\d{6}\] /.test(l));

test('paravirt.kernelLog reads the printk ring buffer: its lines are the console\'s, oldest records overwritten', async () => {
  const dc = await client();
  await stopAt(dc, 'linuxlike-exit');
  const body = (await dc.customRequest('paravirt.kernelLog')).body as { available: boolean; lines: string[]; firstSeq: number; records: Array<{ seq: number; level: number; text: string }> };
  assert.equal(body.available, true);
  const console = consoleLines(qemuSerial);
  assert.equal(console.length, 21);
  // The ring holds 16 descriptors and 512 bytes of text: the newest records, whole.
  assert.ok(body.lines.length >= 5 && body.lines.length < console.length, `${body.lines.length} lines kept`);
  assert.deepEqual(body.lines, console.slice(console.length - body.lines.length));
  assert.equal(body.firstSeq, console.length - body.lines.length);
  assert.deepEqual(body.records.map((r) => r.seq), body.lines.map((_, i) => body.firstSeq + i));
  // linuxlike64.c logs every third line at KERN_WARNING (4), the others at KERN_INFO (6).
  for (const r of body.records) assert.equal(r.level, r.seq % 3 === 2 ? 4 : 6, `level of record ${r.seq}`);
});

test('paravirt.tasks walks init_task.tasks: PID, state and comm as the kernel printed them, current marked', async () => {
  const dc = await client();
  await stopAt(dc, 'linuxlike-exit');
  const body = (await dc.customRequest('paravirt.tasks')).body as { available: boolean; tasks: Array<{ pid: number; state: number; stateLetter: string; comm: string; current: boolean; address: string }> };
  assert.equal(body.available, true);
  const printed = /^tasks:\n((?:\d+ \d+ .*\n)+)/m.exec(qemuSerial)![1]!.trimEnd().split('\n').map((l) => { const [pid, state, ...comm] = l.split(' '); return { pid: Number(pid), state: Number(state), comm: comm.join(' ') }; });
  assert.deepEqual(body.tasks.map((t) => ({ pid: t.pid, state: t.state, comm: t.comm })), printed);
  // ps's letters for TASK_RUNNING, INTERRUPTIBLE, INTERRUPTIBLE, IDLE, UNINTERRUPTIBLE.
  assert.deepEqual(body.tasks.map((t) => t.stateLetter), ['R', 'S', 'S', 'I', 'D']);
  assert.deepEqual(body.tasks.filter((t) => t.current).map((t) => t.pid), [1], 'schedule_point made init current');
  assert.equal(BigInt(body.tasks[0]!.address), nm('init_task'));
});

test('C values as the kernel writes them: bitfields, unions, flexible arrays, function pointers by their target', async () => {
  const dc = await client();
  const ev = await stopAt(dc, 'linuxlike-exit');
  assert.equal(await ev('task_pool[3].sched_contributes_to_load'), '1');
  assert.equal(await ev('task_pool[2].sched_contributes_to_load'), '0');
  assert.match(await ev('task_pool[2].worker'), /^0x[0-9a-f]+ <kthread_worker_fn>$/);
  assert.equal(BigInt((await ev('task_pool[2].worker')).split(' ')[0]!), nm('kthread_worker_fn'));
  // A flexible array member: the address it decays to and, for chars, the string there.
  const flex = /^(0x[0-9a-f]+) "hello"$/.exec(await ev('((struct message *)message_store)->text'));
  assert.ok(flex);
  assert.equal(BigInt(flex[1]!), nm('message_store') + 4n);
  assert.equal(await ev('((struct message *)message_store)->len'), '5');
  assert.match(await ev('*(union word *)&w'), /^\{q = 1234605616436508552, d = \{1432778632, 287454020\}, b = /);
});

test('a 4096-element array pages by 256 in the Variables tree, each range read when opened', async () => {
  const dc = await client();
  const ev = await stopAt(dc, 'linuxlike-exit');
  void ev;
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  const top = (await dc.evaluateRequest({ expression: 'percpu_areas[1]', context: 'watch', frameId: frames[0]!.id })).body;
  assert.ok(top.variablesReference > 0, JSON.stringify(top));
  const ranges = (await dc.variablesRequest({ variablesReference: top.variablesReference })).body.variables;
  assert.ok(ranges[0]!.variablesReference > 0, JSON.stringify(ranges));
  assert.deepEqual(ranges.map((r) => r.name), Array.from({ length: 16 }, (_, i) => `[${i * 256}..${i * 256 + 255}]`));
  const first = (await dc.variablesRequest({ variablesReference: ranges[0]!.variablesReference })).body.variables;
  assert.equal(first.length, 256);
  assert.equal(first[0]!.name, '[0]');
  // CPU 1's copy of pcpu_hot lies in the area where the template has it: its current_task's low byte.
  const task = BigInt(await ev('(unsigned long)per_cpu(pcpu_hot, 1).current_task'));
  const at = Number(nm('pcpu_hot') - nm('__per_cpu_start'));
  assert.equal(BigInt(first[at]!.value.split(' ')[0]!), task & 0xffn);
  const later = (await dc.variablesRequest({ variablesReference: ranges[15]!.variablesReference })).body.variables;
  assert.deepEqual([later.length, later[0]!.name, later[255]!.name], [256, '[3840]', '[4095]']);
});

test('paravirt.exitProfile ranks the exits by function and line: every serial byte is one port write, attributed where it was made', async () => {
  const dc = await client();
  const line = markerLine('linuxlike64.c', 'linuxlike-exit');
  const profile = join(b.dir, 'profile-ranked.json');
  await launch(dc, { program: elf, profile }, async () => {
    await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line }] });
  });
  assert.equal((await nextStopped(dc)).reason, 'breakpoint');
  const body = (await dc.customRequest('paravirt.exitProfile', { top: 10000 })).body as {
    available: boolean; total: number; functions: Array<{ name: string; exits: number; cycles: number; byReason: Record<string, number>; file?: string; line?: number }>;
    lines: Array<{ file: string; line: number; exits: number; cycles: number }>;
  };
  assert.ok(body.available);
  const logTotal = ((await dc.customRequest('paravirt.exitLog', { count: 0 })).body as { total: number }).total;
  assert.equal(body.total, logTotal);
  assert.equal(body.functions.reduce((n, f) => n + f.exits, 0), logTotal, 'every exit belongs to a function');
  // Everything the kernel printed before the breakpoint went out byte by byte through port 0x3f8.
  const io = body.functions.reduce((n, f) => n + (f.byReason.IO_INSTRUCTION ?? 0), 0);
  assert.equal(io, qemuSerial.length, 'one IO_INSTRUCTION exit per serial byte QEMU received');
  for (let i = 1; i < body.functions.length; i++) assert.ok(body.functions[i - 1]!.cycles >= body.functions[i]!.cycles);
  for (let i = 1; i < body.lines.length; i++) assert.ok(body.lines[i - 1]!.cycles >= body.lines[i]!.cycles);
  const top = body.functions[0]!;
  assert.equal(top.file, SRC, `the costliest function (${top.name}) is the kernel's own code, at its costliest line`);
  assert.ok(body.lines.some((l) => l.file === SRC && l.line === top.line));
  await assert.rejects(dc.customRequest('paravirt.exitProfile', { top: 0 }), /top must be from 1 to 10000/);
});

test('a kernel without Linux structures: the views say why instead of failing', async () => {
  const dc = await client();
  await launch(dc, { program: b.elf('linuxlike64'), profile: false, stopOnEntry: true });
  await nextStopped(dc);
  // At the first instruction the ring is empty and the task list holds init_task alone.
  const log = (await dc.customRequest('paravirt.kernelLog')).body as { available: boolean; lines: string[] };
  assert.deepEqual([log.available, log.lines], [true, []]);
  const other = await client();
  await launch(other, { program: b.elf('count'), profile: false, stopOnEntry: true });
  await nextStopped(other);
  const none = (await other.customRequest('paravirt.kernelLog')).body as { available: boolean; reason: string };
  assert.equal(none.available, false);
  assert.match(none.reason, /no printk ring buffer.*'prb'/);
  const tasks = (await other.customRequest('paravirt.tasks')).body as { available: boolean; reason: string };
  assert.equal(tasks.available, false);
  assert.match(tasks.reason, /no task list.*'init_task'/);
});
