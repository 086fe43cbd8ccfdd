// What the views know when a guest ends: the paravirt.exits events of a whole run, applied to
// the extension's model, must hold the run's totals and every exit, as `paravirt run
// --trace-exits` (the CLI, no debugger in the way) records them; exit records name the
// source line of their instruction where the DWARF line table knows it (addr2line agrees);
// the debug console states the guest's own exit code. The sample kernels are short runs
// (a few hundred exits, over in less than one 100 ms event tick), the case that lost them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { addr2line, buildAll, launch, removeBuild, ROOT, startClient, waitForOutput, type Built } from './harness';
import { buildAll as buildCli, paravirt, type Built as CliBuilt } from '../cli/harness';
import { ExitModel } from '../../extension/exit-model';

const SAMPLE = join(ROOT, 'examples', 'sample');
let b: Built;
let cli: CliBuilt;
const clients: DebugClient[] = [];
before(async () => { b = await buildAll([]); cli = await buildCli([]); });
after(async () => {
  for (const c of clients) await c.stop().catch(() => undefined);
  removeBuild(b);
  if (cli) rmSync(cli.dir, { recursive: true, force: true });
});

interface TraceLine { seq: number; name: string; eip: number | string }

function cliTrace(elf: string, mode: string): TraceLine[] {
  const out = join(cli.dir, `${mode}.jsonl`);
  const r = paravirt(cli, ['run', elf, '--mode', mode, '--serial', 'none', '--summary', 'none', '--trace-exits', out]);
  assert.ok(r.status !== null && r.status !== 2, `paravirt run: ${r.stderr}`);
  return readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
}

for (const mode of ['hvm', 'pv'] as const) {
  test(`the ${mode.toUpperCase()} sample run to its end: the exits events hold every exit the CLI records`, async () => {
    const elf = join(SAMPLE, 'build', `sample-${mode}.elf`);
    const want = cliTrace(elf, mode);
    assert.ok(want.length > 50, `the CLI recorded ${want.length} exits`);
    const dc = await startClient(b.adapter); clients.push(dc);
    const model = new ExitModel();
    let events = 0;
    dc.on('paravirt.exits', (e) => { events++; model.apply(e.body, Date.now()); });
    const exited = dc.waitForEvent('exited');
    const sourceFileMap = Object.fromEntries(['common/', 'hvm/', 'pv/'].map((d) => [d, join(SAMPLE, d)]));
    await launch(dc, { program: elf, mode, profile: false, serial: 'none', sourceFileMap });
    const code = (await exited).body.exitCode;
    assert.ok(events >= 1, 'at least the final exits event');
    assert.equal(model.total, want.length, 'the view\'s total is the run\'s');
    const byReason = new Map<string, number>();
    for (const t of want) byReason.set(t.name, (byReason.get(t.name) ?? 0) + 1);
    assert.deepEqual(new Map(model.byReason), byReason);
    assert.equal(model.dropped, 0);
    assert.deepEqual(model.recent.map((e) => [e.seq, e.reasonName, e.eip]), want.map((t) => [t.seq, t.name, Number(t.eip) >>> 0]),
      'every exit, in order, as the CLI traced it');
    if (mode === 'pv') assert.ok((model.hypercalls.get('sched_op') ?? 0) >= 1, `hypercalls: ${JSON.stringify([...model.hypercalls])}`);
    // Sources: each exit with a line names the file and line addr2line gives for its eip.
    const withSource = model.recent.filter((e) => e.source);
    assert.ok(withSource.length > 0, 'some exits come from C lines');
    const lines = withSource.map((e) => addr2line(elf, e.eip));
    withSource.forEach((e, i) => {
      const l = lines[i];
      assert.ok(l, `addr2line knows 0x${e.eip.toString(16)}`);
      if (/(^|\/)guest\//.test(l[0])) return; // the repository's guest/ headers, outside the sample
      assert.equal(e.source!.line, l[1]);
      assert.ok(e.source!.path.startsWith(SAMPLE + '/') && e.source!.path.endsWith(l[0].replace(/^\.\//, '')), `${e.source!.path} for ${l[0]}`);
    });
    if (mode === 'hvm') {
      // machine_exit(0) writes 0 to isa-debug-exit; QEMU's status for it is 1.
      assert.equal(code, 1);
      await waitForOutput(dc, 'console', 'guest exit code 0 (isa-debug-exit status 1)');
    }
  });
}
