// Issue 17 points 2 and 4 on Linux itself: Debian's cloud kernel (HVM, nokaslr) with its debug
// vmlinux, stopped over DAP where kernel_init starts /init (run_init_process). There `current`
// (per-CPU through GS base) is PID 1, still named after the idle task it was forked from; the
// kernel log read from the printk ring buffer holds the lines the serial console printed, in
// order; the task list holds the idle task, PID 1 and the kernel threads the boot started
// (kthreadd, PID 2, and its children). And the first timer interrupt of the boot, taken inside
// start_kernel: its stack from timer_interrupt down to the interrupt entry is gdb's (gdb on QEMU
// with the same kernel stops there, at the IRQ stack's edge), then the pt_regs frame common
// interrupt entry saved, the interrupted code, and start_kernel's callers down to the entry.
// PARAVIRT_LINUX_DEBUG=0 skips them (minutes of boot).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, nextStopped, outputs } from '../debug-adapter/harness';
import { cloudDebug } from './cloud-debug';

const s = cloudDebug({ optional: true });
const skip = s.skip;

/** gdb's backtrace on QEMU at the first timer_interrupt of this kernel (arch/x86/kernel/time.c), outermost last. */
const GDB_TIMER_STACK = ['timer_interrupt', '__handle_irq_event_percpu', 'handle_irq_event_percpu', 'handle_irq_event', 'handle_level_irq',
  'generic_handle_irq_desc', 'handle_irq', '__common_interrupt', 'common_interrupt'];

for (const kaslr of [false, true]) test(`a timer interrupt during start_kernel${kaslr ? ' (KASLR: the ORC tables move with the kernel)' : ''}: gdb's frames, then pt_regs, the interrupted code and start_kernel's callers`, { skip, timeout: 900_000 }, async (t) => {
  const f = s.fixture;
  const dc = await s.client();
  await launch(dc, s.kernel({ cmdline: kaslr ? f.cmdline : `${f.cmdline} nokaslr` }), async () => {
    const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'timer_interrupt' }] });
    assert.ok(r.body.breakpoints[0]!.verified, r.body.breakpoints[0]!.message);
  });
  assert.equal((await nextStopped(dc, 800_000)).reason, 'function breakpoint');
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  t.diagnostic(`stack: ${frames.map((fr) => `${fr.name}:${fr.line}`).join(' <- ')}`);
  t.diagnostic(outputs.get(dc)!.console?.match(/stack: .*/)?.[0] ?? 'no ORC line');
  // The IRQ's flow handler depends on how IRQ 0 is routed when it comes (PIC: level; IO-APIC check: edge).
  const flow = (n: string) => n.replace(/^handle_(level|edge)_irq$/, 'handle_*_irq');
  assert.deepEqual(frames.slice(0, GDB_TIMER_STACK.length).map((fr) => flow(fr.name)), GDB_TIMER_STACK.map(flow));
  assert.equal(frames[GDB_TIMER_STACK.length]!.name, 'asm_common_interrupt', 'the entry code, which has ORC data and no CFI');
  const interrupted = frames.findIndex((fr) => / \(interrupted: pt_regs at 0x[0-9a-f]{16}\)$/.test(fr.name));
  assert.equal(interrupted, GDB_TIMER_STACK.length + 1, 'the interrupted frame right below the entry code');
  // The interrupted pc is the one the entry code saved in pt_regs (ip at offset 128).
  const regs = /pt_regs at (0x[0-9a-f]{16})/.exec(frames[interrupted]!.name)![1]!;
  const ev = async (expression: string) => (await dc.evaluateRequest({ expression, context: 'watch', frameId: frames[0]!.id })).body.result;
  assert.equal(BigInt((await ev(`qword [${regs} + 128]`)).split(' ')[0]!), BigInt(frames[interrupted]!.instructionPointerReference!));
  // ORC's pt_regs is the one common_interrupt was given (its `regs` parameter, read through DWARF).
  const ci = frames.find((fr) => fr.name === 'common_interrupt')!;
  const scopes = (await dc.scopesRequest({ frameId: ci.id })).body.scopes;
  const locals = (await dc.variablesRequest({ variablesReference: scopes.find((sc) => sc.name === 'Locals')!.variablesReference })).body.variables;
  const param = locals.find((v) => v.name === 'regs');
  assert.ok(param, `common_interrupt's parameters: ${locals.map((v) => `${v.name}=${v.value}`).join(', ')}`);
  assert.equal(BigInt(/0x[0-9a-f]+/.exec(param.value)![0]), BigInt(regs));
  // orig_ax: idtentry's body sets it to -1 (no system call to restart) after taking the vector.
  assert.equal(BigInt((await ev(`qword [${regs} + 120]`)).split(' ')[0]!), (1n << 64n) - 1n);
  const below = frames.slice(interrupted).map((fr) => fr.name.replace(/ \(interrupted.*$/, ''));
  const sk = below.indexOf('start_kernel');
  assert.ok(sk >= 0, `start_kernel below the interrupt: ${below.join(' <- ')}`);
  // x86_64_start_kernel and x86_64_start_reservations reach start_kernel by tail calls: no frames
  // of their own on the stack (gdb's unwinder sees none either).
  assert.deepEqual(below.slice(sk), ['start_kernel', 'secondary_startup_64_no_verify']);
  assert.equal(await ev('current->pid'), '0', 'the idle task runs start_kernel');
});

test('an exit breakpoint with a condition on Linux: the first byte written to the serial port stops in the 8250 driver, with the stack that wrote it', { skip, timeout: 900_000 }, async (t) => {
  const f = s.fixture;
  const dc = await s.client();
  await launch(dc, s.kernel({ cmdline: `${f.cmdline} nokaslr` }), async () => {
    await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'vmexit', condition: 'reason == IO_INSTRUCTION && port == 0x3f8 && !in' }] });
  });
  const stop = await nextStopped(dc, 800_000);
  assert.equal(stop.reason, 'exception');
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  t.diagnostic(`stack: ${frames.map((fr) => `${fr.name}:${fr.line}`).join(' <- ')}`);
  // The 8250 driver's port accessor (its outb inlined): the console's setup programs the baud
  // rate divisor through 0x3f8 (DLAB set) before any text goes out, from console_init.
  const names = frames.map((fr) => fr.name);
  assert.equal(names[0], 'io_serial_out', names.join(' <- '));
  assert.ok(names.includes('serial8250_set_divisor') && names.includes('register_console') && names.includes('console_init'), names.join(' <- '));
  assert.equal(names.at(-2), 'start_kernel');
  assert.equal(names.at(-1), 'secondary_startup_64_no_verify', 'down to the kernel\'s entry');
  assert.equal((outputs.get(dc)!.stdout ?? ''), '', 'nothing reached the serial port before it');
});

interface Task { pid: number; tgid: number; comm: string; stateLetter: string; kernelThread: boolean; current: boolean; address: string }

test('Linux at run_init_process: current, the kernel log against the console, the task list', { skip, timeout: 1_800_000 }, async (t) => {
  const f = s.fixture;
  const dc = await s.client();
  // With the adapter's default history (undefined leaves the attribute out) and a profile.
  await launch(dc, s.kernel({
    cmdline: `${f.cmdline} nokaslr`, historyMemory: undefined,
    profile: join(mkdtempSync(join(tmpdir(), 'paravirt-linux-')), 'last-run.json'),
  }), async () => {
    const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'run_init_process' }] });
    assert.ok(r.body.breakpoints[0]!.verified, r.body.breakpoints[0]!.message);
  });
  const stop = await nextStopped(dc, 1_500_000);
  assert.equal(stop.reason, 'function breakpoint');
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  t.diagnostic(`stack: ${frames.map((fr) => `${fr.name}:${fr.line}`).join(' <- ')}`);
  assert.match(frames[0]!.name, /^run_init_process/);
  assert.ok(frames.some((fr) => fr.name.startsWith('kernel_init')), 'kernel_init below');
  const ev = async (expression: string) => (await dc.evaluateRequest({ expression, context: 'watch', frameId: frames[0]!.id })).body.result;

  // kernel_init runs as PID 1, forked from the idle task (swapper/0) and not yet exec'd.
  assert.equal(await ev('current->pid'), '1');
  assert.match(await ev('current->comm'), /^"swapper\/0(\\|")/);
  assert.equal(await ev('$lx_current().pid'), '1');
  assert.equal(await ev('per_cpu(current_task, 0)->pid'), '1');
  assert.match(await ev('container_of(init_task.tasks.next, struct task_struct, tasks)->comm'), /^"swapper\/0(\\|")/, 'init_task.tasks.next is PID 1');

  // The log: what the console printed (console_loglevel 7 prints levels 0-6), in order.
  const log = (await dc.customRequest('paravirt.kernelLog')).body as { available: boolean; reason?: string; lines: string[]; firstSeq: number; records: Array<{ level: number; text: string }> };
  assert.ok(log.available, log.reason);
  const serial = (outputs.get(dc)!.stdout ?? '').replace(/\r/g, '');
  const consoleLines = serial.split('\n').filter((l) => /^\[ *\d+\.\d{6}\] /.test(l));
  t.diagnostic(`kernel log: ${log.records.length} records (first seq ${log.firstSeq}); console: ${consoleLines.length} lines`);
  assert.ok(consoleLines.length > 100, `the console printed the boot (${consoleLines.length} lines)`);
  // Records below the console's level (KERN_DEBUG) are in the log and not on the console.
  const printable = log.lines;
  const firstConsole = printable.indexOf(consoleLines[0]!);
  assert.ok(firstConsole >= 0, `the console's first line is in the log: ${consoleLines[0]}`);
  let k = firstConsole;
  for (const line of consoleLines) {
    while (k < printable.length && printable[k] !== line) k++;
    assert.ok(k < printable.length, `console line in the log, in order: ${line}`);
    k++;
  }
  assert.equal(printable.at(-1), consoleLines.at(-1), 'the log ends where the console does');

  // The tasks: the idle task, PID 1 (current), kthreadd and the kernel threads it started.
  const tasks = ((await dc.customRequest('paravirt.tasks')).body as { available: boolean; reason?: string; tasks: Task[] });
  assert.ok(tasks.available, tasks.reason);
  t.diagnostic(`tasks: ${tasks.tasks.map((x) => `${x.pid}:${x.comm}:${x.stateLetter}`).join(' ')}`);
  const byPid = new Map(tasks.tasks.map((x) => [x.pid, x]));
  assert.equal(byPid.size, tasks.tasks.length, 'each PID once');
  assert.equal(byPid.get(0)?.comm, 'swapper/0');
  assert.deepEqual([byPid.get(1)?.comm, byPid.get(1)?.current, byPid.get(1)?.kernelThread, byPid.get(1)?.stateLetter], ['swapper/0', true, false, 'R']);
  assert.deepEqual([byPid.get(2)?.comm, byPid.get(2)?.kernelThread], ['kthreadd', true]);
  assert.ok(tasks.tasks.length > 10, `the boot started kernel threads (${tasks.tasks.length} tasks)`);
  for (const x of tasks.tasks) if (x.pid > 2) assert.ok(x.kernelThread, `${x.pid} ${x.comm} is a kernel thread before /init runs`);
  assert.ok(tasks.tasks.some((x) => /^kworker\//.test(x.comm)) && tasks.tasks.some((x) => /^ksoftirqd\/0$/.test(x.comm)), 'kworkers and ksoftirqd/0');
  assert.equal(BigInt(tasks.tasks.find((x) => x.current)!.address), BigInt(await ev('(unsigned long)current')));

  // The boot's exits by kernel function, costliest first: every exit the log holds is counted.
  const prof = (await dc.customRequest('paravirt.exitProfile', { top: 10000 })).body as { available: boolean; total: number; functions: Array<{ name: string; exits: number; cycles: number; byReason: Record<string, number>; file?: string; line?: number }> };
  assert.ok(prof.available);
  const logTotal = ((await dc.customRequest('paravirt.exitLog', { count: 0 })).body as { total: number }).total;
  assert.equal(prof.total, logTotal, 'the profile counts every exit of the boot');
  assert.equal(prof.functions.reduce((n, x) => n + x.exits, 0), logTotal, 'and attributes each to a function');
  for (let i = 1; i < prof.functions.length; i++) assert.ok(prof.functions[i - 1]!.cycles >= prof.functions[i]!.cycles, 'ranked by cycles');
  t.diagnostic(`exits by function: ${prof.functions.slice(0, 8).map((x) => `${x.name} ${x.exits} (${Object.entries(x.byReason).map(([k, v]) => `${k} ${v}`).join(', ')}) ${x.file ?? ''}:${x.line ?? ''}`).join('; ')}`);
  // The console's UART is driven by port I/O in the 8250 driver's accessors.
  const uart = prof.functions.filter((x) => (x.byReason.IO_INSTRUCTION ?? 0) > 1000).map((x) => x.name);
  assert.ok(uart.some((n) => /^io_serial_(in|out)$/.test(n)), `port I/O from the 8250 accessors: ${uart.join(', ')}`);
  const top = prof.functions[0]!;
  assert.ok(top.file && top.line, 'the costliest function names its costliest line');

  // Line steps in Linux, then one back: the same line and instruction as before the last step.
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await dc.nextRequest({ threadId: 1 });
  assert.equal((await nextStopped(dc, 300_000)).reason, 'step');
  const before0 = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
  await dc.nextRequest({ threadId: 1 });
  assert.equal((await nextStopped(dc, 300_000)).reason, 'step');
  const after1 = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
  t.diagnostic(`next: ${before0.name}:${before0.line} -> ${after1.name}:${after1.line}`);
  assert.notEqual(after1.instructionPointerReference, before0.instructionPointerReference);
  await dc.stepBackRequest({ threadId: 1 });
  assert.equal((await nextStopped(dc, 600_000)).reason, 'step');
  const back = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
  assert.deepEqual([back.name, back.line, back.instructionPointerReference], [before0.name, before0.line, before0.instructionPointerReference]);
  assert.equal(await ev('current->pid'), '1', 'and current is PID 1 again');
});

