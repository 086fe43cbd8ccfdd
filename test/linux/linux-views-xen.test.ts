// Issue 17 point 4 in Xen's modes: the kernel log and task list views, and `current`, on
// Debian's cloud kernel (its debug vmlinux as `symbols`) as far as Linux gets in PVH and PV today
// (issue 16 is bringing them up). PARAVIRT_LINUX_DEBUG=0 skips it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, nextStopped, outputs } from '../debug-adapter/harness';
import { cloudDebug } from './cloud-debug';

const s = cloudDebug({ optional: true });
const skip = s.skip;

interface Task { pid: number; comm: string }

// Xen's modes, as far as Linux gets in them today (issue 16 is bringing them up): PVH reaches
// rest_init, PV ends xen_start_kernel and dies of a BUG(). Stopped at rest_init or `panic`,
// the views read the same structures as in HVM: the log holds what Xen's early console
// (earlyprintk=xen: console_io) printed, and the task list is the idle task alone.
// PV's boot is changing under issue 16's work: where it does not stop at either, the test is todo.
const TODO: Record<'pv' | 'pvh', string | false> = {
  pvh: false,
  pv: process.env.PARAVIRT_XEN_GUESTS_STRICT === '1' ? false : 'Linux PV dies early in xen_start_kernel and its boot changes under issue 16: no stop at rest_init or panic within the limit on a loaded machine',
};
for (const mode of ['pvh', 'pv'] as const) {
  test(`the kernel log, the task list and current in ${mode.toUpperCase()} (stopped at rest_init or panic)`, { skip, todo: TODO[mode], timeout: 900_000 }, async (t) => {
    const f = s.fixture;
    const dc = await s.client();
    await launch(dc, s.kernel({
      cmdline: 'console=hvc0 earlyprintk=xen nokaslr',
      mode, hypervisorConsole: 'debugConsole', maxInstructions: 2_000_000_000,
    }), async () => {
      // Whichever comes first: the end of start_kernel's setup, or a panic on the way.
      const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'rest_init' }, { name: 'panic' }] });
      for (const bp of r.body.breakpoints) assert.ok(bp.verified, bp.message);
    });
    const stop = await nextStopped(dc, 800_000);
    const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    t.diagnostic(`${mode}: stopped (${stop.reason}): ${frames.map((fr) => fr.name).join(' <- ')}`);
    assert.equal(stop.reason, 'function breakpoint');
    const log = (await dc.customRequest('paravirt.kernelLog')).body as { available: boolean; reason?: string; lines: string[]; firstSeq: number; records: Array<{ level: number; text: string }> };
    assert.ok(log.available, log.reason);
    // Xen's early console and hvc0 may both print a line; the ring may have dropped the oldest.
    const printed = new Set(Object.values(outputs.get(dc)!).join('').replace(/\r/g, '').split('\n').filter((l) => /^\[ *\d+\.\d{6}\] /.test(l)));
    t.diagnostic(`${mode}: log ${log.lines.length} lines from seq ${log.firstSeq}, console ${printed.size} distinct lines; last: ${log.lines.at(-1)}`);
    assert.ok(printed.size > 10, 'the console printed the boot');
    // Every line the console's level lets through (KERN_DEBUG does not) was printed, and the log ends where the console did.
    let i = 0, shown = 0;
    for (const r of log.records) {
      for (const _ of r.text.replace(/\n$/, '').split('\n')) {
        const line = log.lines[i++]!;
        // (An empty record, a bare newline from pr_cont, leaves no line of its own on every console.)
        if (r.level < 7 && r.text.trim() !== '') { assert.ok(printed.has(line), `log line on the console: ${line}`); shown++; }
      }
    }
    assert.ok(shown > 10);
    assert.ok(printed.has(log.lines.at(-1)!), 'the last record reached the console');
    const tasks = (await dc.customRequest('paravirt.tasks')).body as { available: boolean; reason?: string; tasks: Task[] };
    assert.ok(tasks.available, tasks.reason);
    t.diagnostic(`${mode}: tasks ${tasks.tasks.map((x) => `${x.pid}:${x.comm}`).join(' ')}`);
    assert.equal(tasks.tasks[0]!.pid, 0);
    assert.equal(tasks.tasks[0]!.comm, 'swapper/0');
    // The idle task runs start_kernel (and dies in PV's early BUG): per-CPU current says so.
    const ev = async (expression: string) => (await dc.evaluateRequest({ expression, context: 'watch', frameId: frames[0]!.id })).body.result;
    assert.equal(await ev('current->pid'), '0');
    assert.match(await ev('current->comm'), /^"swapper\/0(\\|")/);
  });
}
