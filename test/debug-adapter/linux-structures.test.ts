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
  b = await buildAll(['linuxlike64']);
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
  const cur = await ev('(unsigned long)current');
  await dc.continueRequest({ threadId: 1 });
  const out = await waitForOutput(dc, 'stdout', 'message ');
  // The kernel printed current as it read it through %gs after the breakpoint.
  const printed = /^current (0x[0-9a-f]{16}) 1 init$/m.exec(out);
  assert.ok(printed, out);
  assert.equal(BigInt(cur), BigInt(printed[1]!));
});
