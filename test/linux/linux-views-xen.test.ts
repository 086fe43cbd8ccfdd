// Issue 17 points 3 and 4 and issue 16 point 6 in Xen's modes, on Debian's cloud kernel (its
// debug vmlinux as `symbols`) booted over DAP as a 64-bit PV guest and as a PVH guest, one
// session each, launched with the configuration the README's scripts/linux-launch.ts prints:
// - start_kernel's breakpoint stops with init/main.c (linux-source, through sourceMap) at gdb's line;
// - the hypercall filter stops on the next hypercall, Linux's HYPERVISOR_<name> wrapper on the stack;
// - the upcall filter stops where Xen enters the kernel with an event (PV: the callback
//   xen_asm_exc_xen_hypervisor_callback registered, Xen's bounce frame on its stack; PVH: the
//   IDT gate of the upcall vector), and the stack continues below into the interrupted code
//   (PV: down to xen_start_kernel through the tail call x86_64_start_reservations made);
// - a breakpoint in xen_evtchn_do_upcall unwinds through the upcall path (PV:
//   xen_pv_evtchn_do_upcall and exc_xen_hypervisor_callback; PVH: the system vector) to the
//   pt_regs the entry saved, whose ip is the interrupted frame's pc;
// - at run_init_process the kernel log view holds what the kernel printed on hvc0 and the task
//   list the boot's tasks (idle, PID 1 current, kthreadd and its kernel threads), as in HVM
//   (linux-views.test.ts);
// - then the first page fault on a user address stops the exception filter (PV: Xen's trap bounce
//   into xen_asm_exc_page_fault, its error code in the frame; PVH: the #PF exit): the kernel's
//   clear_user as exec loads /init, or /init itself.
// PARAVIRT_LINUX_DEBUG=0 skips it.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { join } from 'node:path';
import { launch, nextStopped, outputs, ROOT } from '../debug-adapter/harness';
import { cloudDebug } from './cloud-debug';

const s = cloudDebug({ optional: true });
const skip = s.skip;

interface Task { pid: number; comm: string; kernelThread: boolean; current: boolean; stateLetter: string }
type Frame = DebugProtocol.StackFrame;

const INTERRUPTED = / \(interrupted: (.*)\)$/;
const plain = (n: string) => n.replace(INTERRUPTED, '');
const show = (frames: Frame[]) => frames.map((f) => `${f.name}:${f.line}`).join(' <- ');

/** `names` appear in `frames` in this order, one right after the other. */
function assertRun(frames: Frame[], names: string[]): number {
  const all = frames.map((f) => plain(f.name));
  const at = all.findIndex((_, i) => names.every((n, k) => all[i + k] === n));
  assert.ok(at >= 0, `${names.join(' <- ')} in ${show(frames)}`);
  return at;
}

/** objdump's calls and jumps in a function of the vmlinux (nm gives its extent): `jmp start_kernel`. */
function branchesOf(vmlinux: string, fn: string): string[] {
  const sym = spawnSync('nm', ['-S', vmlinux], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout.split('\n').find((l) => l.endsWith(` T ${fn}`) || l.endsWith(` t ${fn}`));
  assert.ok(sym, `nm: ${fn}`);
  const [a, size] = sym.split(' ').slice(0, 2).map((x) => BigInt(`0x${x}`));
  const dis = spawnSync('objdump', ['-d', '--no-show-raw-insn', `--start-address=0x${a!.toString(16)}`, `--stop-address=0x${(a! + size!).toString(16)}`, vmlinux], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout;
  return [...dis.matchAll(/\s(jmp|call)\s+[0-9a-f]+ <([^>+]+)>/g)].map((m) => `${m[1]} ${m[2]}`);
}

/** gdb's file and line for a function's first instruction in the vmlinux alone: `info line *NAME`. */
function gdbEntryLine(vmlinux: string, fn: string): { file: string; line: number } {
  const r = spawnSync('gdb', ['-nx', '-batch', '-ex', `info line *${fn}`, vmlinux], { encoding: 'utf8', timeout: 300_000 });
  const m = /Line (\d+) of "([^"]+)"/.exec(r.stdout);
  assert.ok(m, `gdb: info line *${fn}: ${r.stdout}${r.stderr}`);
  return { file: m[2]!, line: Number(m[1]) };
}

/** The upcall path from the handler down to the entry code that saved pt_regs, by mode. */
const UPCALL_PATH = {
  pv: ['xen_evtchn_do_upcall', '__xen_pv_evtchn_do_upcall', 'xen_pv_evtchn_do_upcall', 'exc_xen_hypervisor_callback'],
  // DEFINE_IDTENTRY_SYSVEC's body is __sysvec_*, called from instr_sysvec_* (inlined: a frame of its own, as gdb shows it).
  pvh: ['xen_evtchn_do_upcall', '__sysvec_xen_hvm_callback', 'instr_sysvec_xen_hvm_callback', 'sysvec_xen_hvm_callback', 'asm_sysvec_xen_hvm_callback'],
};

for (const mode of ['pv', 'pvh'] as const) {
  test(`Linux ${mode.toUpperCase()}: the upcall stop and its stack, the upcall path down to pt_regs, the kernel log and the task list at run_init_process, a page fault on a user address`, { skip, timeout: 1_800_000 }, async (t: TestContext) => {
    const f = s.fixture;
    const dc = await s.client();
    const frames = async () => (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    const ev = async (expression: string, frameId?: number) => (await dc.evaluateRequest({ expression, context: 'watch', ...(frameId !== undefined ? { frameId } : {}) })).body.result;
    const q = async (expression: string) => BigInt.asUintN(64, BigInt((await ev(expression)).split(' ')[0]!));
    // The README's configuration for the mode, as scripts/linux-launch.ts prints it.
    const script = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'linux-launch.ts')], { encoding: 'utf8', cwd: ROOT });
    assert.equal(script.status, 0, script.stderr);
    const conf = (JSON.parse(script.stdout) as { configurations: Array<Record<string, unknown> & { mode: string; sourceMap: Record<string, string> }> }).configurations.find((c) => c.mode === mode)!;
    await launch(dc, {
      ...conf, profile: false, historyMemory: 0, hypervisorConsole: 'debugConsole',
      // PVH: guest page faults exit only when the exception bitmap says so (as in HVM).
      ...(mode === 'pvh' ? { exitControls: { preset: 'ept', overrides: { exceptionBitmap: 0x4000 } } } : {}),
    }, async () => {
      await dc.setExceptionBreakpointsRequest({ filters: ['upcall'] });
      const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'start_kernel' }] });
      assert.ok(r.body.breakpoints[0]!.verified, r.body.breakpoints[0]!.message);
    });

    // 0. start_kernel, with init/main.c from linux-source at gdb's line for it.
    assert.equal((await nextStopped(dc, 800_000)).reason, 'function breakpoint');
    let st = await frames();
    const want = gdbEntryLine(f.vmlinuxPath, 'start_kernel');
    assert.equal(st[0]!.name, 'start_kernel');
    assert.equal(st[0]!.line, want.line);
    assert.equal(st[0]!.source?.path, join(Object.values(conf.sourceMap)[0]!, want.file), 'the source through sourceMap');
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });

    // 0'. The next hypercall (any): its stop names it, and Linux's wrapper for it
    // (HYPERVISOR_<name>, include/xen/interface and asm/xen/hypercall.h) is on the stack.
    await dc.setExceptionBreakpointsRequest({ filters: ['hypercall'] });
    await dc.continueRequest({ threadId: 1 });
    assert.equal((await nextStopped(dc, 300_000)).reason, 'exception');
    const hc = (await dc.exceptionInfoRequest({ threadId: 1 })).body.exceptionId;
    st = await frames();
    t.diagnostic(`${mode} first hypercall after start_kernel (${hc}): ${show(st)}`);
    assert.match(hc, /^hypercall:[a-z_]+$/);
    assert.ok(st.some((fr) => fr.name === `HYPERVISOR_${hc.slice('hypercall:'.length)}`), `HYPERVISOR_${hc.slice(10)} in ${show(st)}`);
    assert.ok(st.some((fr) => fr.name === 'start_kernel'), 'made on start_kernel\'s behalf');
    await dc.setExceptionBreakpointsRequest({ filters: ['upcall'] });
    await dc.continueRequest({ threadId: 1 });

    // 1. The first event upcall: where Xen entered the kernel, and what it interrupted.
    assert.equal((await nextStopped(dc, 800_000)).reason, 'exception');
    assert.equal((await dc.exceptionInfoRequest({ threadId: 1 })).body.exceptionId, 'EVENT_UPCALL');
    st = await frames();
    t.diagnostic(`${mode} upcall stop: ${show(st)}`);
    if (mode === 'pv') {
      assert.equal(st[0]!.name, 'xen_asm_exc_xen_hypervisor_callback', 'the callback Linux registered with callback_op');
      // Xen's bounce frame: RCX, R11, then the IRET frame whose RIP is the interrupted pc.
      const m = INTERRUPTED.exec(st[1]!.name);
      assert.ok(m, `the interrupted frame right below: ${show(st)}`);
      assert.match(m[1]!, /^event upcall: Xen's bounce frame at 0x[0-9a-f]{16}$/);
      const frameAt = /0x[0-9a-f]{16}/.exec(m[1]!)![0];
      assert.equal(BigInt(frameAt), await q('$rsp'), 'the frame is at the stack pointer on entry');
      assert.equal(BigInt(st[1]!.instructionPointerReference!), await q(`qword [${frameAt} + 16]`));
      // The first upcall comes as start_kernel enables interrupts. xen_start_kernel called
      // x86_64_start_reservations, which jumps to start_kernel (objdump: its last branch):
      // the tail-call frame between them, as gdb shows it.
      assert.deepEqual(branchesOf(f.vmlinuxPath, 'x86_64_start_reservations').at(-1), 'jmp start_kernel');
      const names = st.map((fr) => plain(fr.name));
      const sk = names.indexOf('start_kernel');
      assert.ok(sk > 0, show(st));
      assert.deepEqual(names.slice(sk, sk + 3), ['start_kernel', 'x86_64_start_reservations (tail call)', 'xen_start_kernel']);
    } else {
      // The IDT gate of the vector Linux asked for (HVMOP_set_evtchn_upcall_vector, or the callback vector).
      assert.equal(st[0]!.name, 'asm_sysvec_xen_hvm_callback');
      const m = INTERRUPTED.exec(st[1]!.name);
      assert.ok(m, `the interrupted frame right below: ${show(st)}`);
      assert.equal(BigInt(st[1]!.instructionPointerReference!), await q('qword [$rsp]'), 'the pc the CPU pushed');
    }
    assert.ok(st.length >= 3, `the interrupted code's callers follow: ${show(st)}`);

    // 2. Inside the upcall's C handler: through the upcall path to the pt_regs its entry saved.
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'xen_evtchn_do_upcall' }] });
    assert.ok(r.body.breakpoints[0]!.verified, r.body.breakpoints[0]!.message);
    await dc.continueRequest({ threadId: 1 });
    assert.equal((await nextStopped(dc, 800_000)).reason, 'function breakpoint');
    st = await frames();
    t.diagnostic(`${mode} in xen_evtchn_do_upcall: ${show(st)}`);
    const path = UPCALL_PATH[mode];
    const at = assertRun(st, path);
    const below = st[at + path.length]!;
    const pt = INTERRUPTED.exec(below.name);
    assert.ok(pt, `the interrupted frame right below the entry code: ${show(st)}`);
    const regs = /^pt_regs at (0x[0-9a-f]{16})$/.exec(pt[1]!)?.[1];
    assert.ok(regs, pt[1]);
    assert.equal(BigInt(below.instructionPointerReference!), await q(`qword [${regs} + 128]`), 'pt_regs->ip is the interrupted pc');

    // 3. run_init_process: the views against the console.
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'run_init_process' }] });
    await dc.continueRequest({ threadId: 1 });
    assert.equal((await nextStopped(dc, 1_200_000)).reason, 'function breakpoint');
    st = await frames();
    assert.match(st[0]!.name, /^run_init_process/);
    assert.equal(await ev('current->pid', st[0]!.id), '1');
    const log = (await dc.customRequest('paravirt.kernelLog')).body as { available: boolean; reason?: string; lines: string[]; firstSeq: number; records: Array<{ level: number; text: string }> };
    assert.ok(log.available, log.reason);
    const printed = Object.values(outputs.get(dc)!).join('').replace(/\r/g, '').split('\n').filter((l) => /^\[ *\d+\.\d{6}\] /.test(l));
    t.diagnostic(`${mode}: log ${log.lines.length} lines from seq ${log.firstSeq}; hvc0 ${printed.length} lines; last: ${log.lines.at(-1)}`);
    assert.ok(printed.length > 100, `hvc0 printed the boot (${printed.length} lines)`);
    // Every line hvc0 printed is in the log, in order (records below the console's level are
    // in the log only), and the log ends where the console does.
    let k = log.lines.indexOf(printed[0]!);
    assert.ok(k >= 0, `hvc0's first line is in the log: ${printed[0]}`);
    for (const line of printed) {
      while (k < log.lines.length && log.lines[k] !== line) k++;
      assert.ok(k < log.lines.length, `hvc0 line in the log, in order: ${line}`);
      k++;
    }
    assert.equal(log.lines.at(-1), printed.at(-1), 'the log ends where hvc0 does');
    const tasks = (await dc.customRequest('paravirt.tasks')).body as { available: boolean; reason?: string; tasks: Task[] };
    assert.ok(tasks.available, tasks.reason);
    t.diagnostic(`${mode}: tasks ${tasks.tasks.map((x) => `${x.pid}:${x.comm}:${x.stateLetter}`).join(' ')}`);
    const byPid = new Map(tasks.tasks.map((x) => [x.pid, x]));
    assert.equal(byPid.size, tasks.tasks.length, 'each PID once');
    assert.equal(byPid.get(0)?.comm, 'swapper/0');
    assert.deepEqual([byPid.get(1)?.current, byPid.get(1)?.kernelThread, byPid.get(1)?.stateLetter], [true, false, 'R']);
    assert.deepEqual([byPid.get(2)?.comm, byPid.get(2)?.kernelThread], ['kthreadd', true]);
    assert.ok(tasks.tasks.length > 10, `the boot started kernel threads (${tasks.tasks.length} tasks)`);
    assert.ok(tasks.tasks.some((x) => /^kworker\//.test(x.comm)) && tasks.tasks.some((x) => x.comm === 'ksoftirqd/0'), 'kworkers and ksoftirqd/0');
    // The Xen drivers' threads: xenbus and xenwatch (drivers/xen/xenbus) run in both modes.
    assert.ok(tasks.tasks.some((x) => x.comm === 'xenbus') && tasks.tasks.some((x) => x.comm === 'xenwatch'), 'xenbus and xenwatch');

    // 4. The first page fault in user space (/init's busybox): the exception filter.
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'exception', condition: 'vector == 14 && cr2 < 0x800000000000' }] });
    await dc.continueRequest({ threadId: 1 });
    assert.equal((await nextStopped(dc, 600_000)).reason, 'exception');
    const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
    st = await frames();
    t.diagnostic(`${mode} user #PF (${info.exceptionId}): ${show(st)}`);
    const cr2 = await q('$cr2');
    assert.ok(cr2 < 0x800000000000n, `a user address: ${cr2.toString(16)}`);
    if (mode === 'pv') {
      assert.equal(info.exceptionId, 'TRAP_BOUNCE');
      assert.equal(st[0]!.name, 'xen_asm_exc_page_fault', 'the trap table\'s #PF entry');
      // RCX, R11, the error code, then the IRET frame: the faulting pc in user space.
      const m = INTERRUPTED.exec(st[1]!.name);
      assert.ok(m && /^vector 14: Xen's bounce frame at /.test(m[1]!), show(st));
      const ip = BigInt.asUintN(64, BigInt(st[1]!.instructionPointerReference!));
      assert.equal(ip, await q('qword [$rsp + 24]'));
      // The error code's U bit says whether user code faulted or the kernel touched user memory
      // (the first such fault is exec's clear_user as it loads /init's busybox).
      const fromUser = ip < 0x800000000000n;
      assert.equal((await q('qword [$rsp + 16]') & 4n) !== 0n, fromUser, 'the error code agrees with the interrupted pc');
      if (!fromUser) assert.ok(st.some((fr) => fr.name === 'kernel_execve'), 'the kernel loading /init');
    } else {
      assert.equal(info.exceptionId, 'EXCEPTION_NMI');
    }
  });
}
