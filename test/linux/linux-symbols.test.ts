// Issue 17 points 1 and 7: Debian's cloud kernel debugged from its separate debug vmlinux over
// DAP (a real client on stdio, as an editor drives the adapter). gdb reading the same vmlinux is
// the oracle for every address and line: where `break start_kernel` and `break FILE:LINE` go.
// The figures (launch -> stop, guest vs symbol time, resolution times, RSS) are printed as
// diagnostics, never asserted; `npm run bench` reports them beside gdb's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { launch, nextStopped, outputs, ROOT } from '../debug-adapter/harness';
import { cloudDebug } from './cloud-debug';

const s = cloudDebug();
const skip = s.skip;

/** The compilation directory Debian's build records (paths in the DWARF are relative to it). */
const BUILD_DIR = 'debian/build/build_amd64_none_cloud-amd64';

/** gdb's answer about the vmlinux alone (no target): `break WHAT` -> address, file, line. */
function gdbBreak(vmlinux: string, what: string): { address: number; file: string; line: number } {
  const r = spawnSync('gdb', ['-nx', '-batch', '-ex', `break ${what}`, vmlinux], { encoding: 'utf8', timeout: 300_000 });
  const m = /Breakpoint 1 at 0x([0-9a-f]+): file (\S+), line (\d+)\./.exec(r.stdout);
  assert.ok(m, `gdb: break ${what}: ${r.stdout}${r.stderr}`);
  return { address: Number(BigInt.asIntN(64, BigInt(`0x${m[1]}`))), file: m[2]!, line: Number(m[3]) };
}

/** gdb's line for an address: `info line *ADDR`. */
function gdbLineAt(vmlinux: string, address: number): { file: string; line: number } {
  const hexAddr = `0x${BigInt.asUintN(64, BigInt(address)).toString(16)}`;
  const r = spawnSync('gdb', ['-nx', '-batch', '-ex', `info line *${hexAddr}`, vmlinux], { encoding: 'utf8', timeout: 300_000 });
  const m = /Line (\d+) of "([^"]+)"/.exec(r.stdout);
  assert.ok(m, `gdb: info line *${hexAddr}: ${r.stdout}${r.stderr}`);
  return { file: m[2]!, line: Number(m[1]) };
}

/** gdb's `print EXPR` on the vmlinux alone (values as the file initialises them), without `$1 = `. */
function gdbPrint(vmlinux: string, expr: string): string {
  const r = spawnSync('gdb', ['-nx', '-batch', '-ex', `print ${expr}`, vmlinux], { encoding: 'utf8', timeout: 300_000 });
  const m = /^\$1 = (.*)$/m.exec(r.stdout);
  assert.ok(m, `gdb: print ${expr}: ${r.stdout}${r.stderr}`);
  return m[1]!;
}

function addressOf(ref: string | undefined): number {
  assert.ok(ref, 'an instruction pointer reference');
  return Number(BigInt.asIntN(64, BigInt(ref)));
}

test('Debian\'s kernel with symbols from its debug vmlinux: start_kernel, then a file:line and a name set after the stop', { skip, timeout: 900_000 }, async (t) => {
  const f = s.fixture;
  // Debian's linux-source (its arch/x86, as scripts/fetch-linux-source.sh extracts it) is where sourceMap points.
  const arch = spawnSync('bash', [join(ROOT, 'scripts', 'fetch-linux-source.sh')], { encoding: 'utf8' });
  assert.equal(arch.status, 0, arch.stderr);
  const src = dirname(dirname(arch.stdout.trim()));
  // gdb first, so the figures below time the adapter and the guest only.
  const oracle = gdbBreak(f.vmlinuxPath, '*start_kernel');
  const line = gdbLineAt(f.vmlinuxPath, oracle.address);
  const dc = await s.client();
  const t0 = performance.now();
  const bp = await new Promise<{ verified: boolean; message?: string; instructionReference?: string }>((resolve, reject) => {
    launch(dc, s.kernel({
      cmdline: `${f.cmdline} nokaslr`,
      sourceMap: { [BUILD_DIR]: src },
    }), async () => {
      const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'start_kernel' }] });
      resolve(r.body.breakpoints[0]!);
    }).catch(reject);
  });
  assert.ok(bp.verified, bp.message);
  assert.equal(addressOf(bp.instructionReference), oracle.address, 'the breakpoint is at start_kernel as gdb places *start_kernel');
  const stop = await nextStopped(dc, 600_000);
  const launchToStop = performance.now() - t0;
  assert.equal(stop.reason, 'function breakpoint');
  const st = await dc.stackTraceRequest({ threadId: 1 });
  const top = st.body.stackFrames[0]!;
  assert.equal(top.name, 'start_kernel');
  assert.equal(addressOf(top.instructionPointerReference), oracle.address);
  assert.equal(top.line, line.line, 'the frame\'s line is gdb\'s for that address');
  assert.equal(top.source?.path, join(src, line.file), 'the frame names the file through sourceMap');
  let t1 = 0;
  const stats = (await dc.customRequest('paravirt.runStats')).body as { instructions: number; wallMs: number; machineMs: number };
  t.diagnostic(`launch -> stopped at start_kernel: ${launchToStop.toFixed(0)} ms; the run from configurationDone ${stats.wallMs.toFixed(0)} ms, of which the guest ${stats.machineMs.toFixed(0)} ms for ${stats.instructions} instructions`);
  t.diagnostic(outputs.get(dc)!.console?.match(/symbols: .*/)?.[0] ?? 'no symbols line');

  // The disassembly there names its source lines, whether or not the file is on disk
  // (init/main.c is not: only linux-source's arch/x86 is extracted).
  const dis = (await dc.customRequest('disassemble', { memoryReference: top.instructionPointerReference!, instructionCount: 8 })).body as
    { instructions: Array<{ address: string; line?: number; location?: { path?: string } }> };
  const first = dis.instructions.find((i) => addressOf(i.address) === oracle.address);
  assert.ok(first, 'the disassembly starts at start_kernel');
  assert.equal(first.line, line.line);
  assert.equal(first.location?.path, join(src, line.file));

  // Globals of units not read yet, found by name: init_task (init/init_task.c) and prb (kernel/printk/printk.c),
  // as gdb prints them from the file (nothing has changed them yet at start_kernel's first instruction).
  const frameId = top.id;
  // A cast names its type: found by name in the debug file (gdb prints the member the same).
  t1 = performance.now();
  const cast = await dc.evaluateRequest({ expression: '((struct task_struct *)&init_task)->comm', frameId, context: 'watch' });
  t.diagnostic(`((struct task_struct *)&init_task)->comm in ${(performance.now() - t1).toFixed(0)} ms`);
  assert.equal(cast.body.result, gdbPrint(f.vmlinuxPath, '((struct task_struct *)&init_task)->comm'));
  for (const expr of ['init_task.comm', 'init_task.pid', 'prb']) {
    t1 = performance.now();
    const ev = await dc.evaluateRequest({ expression: expr, frameId, context: 'watch' });
    t.diagnostic(`${expr} = ${ev.body.result} (${(performance.now() - t1).toFixed(0)} ms)`);
    const want = gdbPrint(f.vmlinuxPath, expr);
    // A pointer: its value (gdb adds the type and the data symbol, which the watch does not show).
    const ptr = /^\(.*\*\) (0x[0-9a-f]+)/.exec(want);
    if (ptr) assert.match(ev.body.result, new RegExp(`^${ptr[1]}\\b`), expr); else assert.equal(ev.body.result, want, expr);
  }

  // After the stop: a function by name and a file:line in another unit (arch/x86/kernel/setup.c).
  const setupC = join(src, 'arch/x86/kernel/setup.c');
  // A statement of setup_arch's that is a call, so it has code of its own: early_cpu_init().
  const lineWanted = readFileSync(setupC, 'utf8').split('\n').findIndex((l) => l.trim() === 'early_cpu_init();') + 1;
  assert.ok(lineWanted > 0, 'setup.c calls early_cpu_init()');
  const byLine = gdbBreak(f.vmlinuxPath, `arch/x86/kernel/setup.c:${lineWanted}`);
  // And a line whose only row shares its address with an inlined header's rows (an empty
  // inline function's call): gdb finds no code there and moves on; so must we.
  const emptyLine = readFileSync(setupC, 'utf8').split('\n').findIndex((l) => l.trim() === 'setup_olpc_ofw_pgd();') + 1;
  assert.ok(emptyLine > 0, 'setup.c calls setup_olpc_ofw_pgd()');
  const movedOn = gdbBreak(f.vmlinuxPath, `arch/x86/kernel/setup.c:${emptyLine}`);
  t1 = performance.now();
  const fb = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'setup_arch' }] });
  const nameMs = performance.now() - t1;
  assert.ok(fb.body.breakpoints[0]!.verified, fb.body.breakpoints[0]!.message);
  t1 = performance.now();
  const sb = await dc.setBreakpointsRequest({ source: { path: setupC }, breakpoints: [{ line: lineWanted }, { line: emptyLine }] });
  const lineMs = performance.now() - t1;
  const lb = sb.body.breakpoints[0]!;
  assert.ok(lb.verified, lb.message);
  assert.equal(lb.line, byLine.line, 'moved to the line gdb moves it to');
  assert.equal(addressOf(lb.instructionReference), byLine.address, 'at the address gdb puts it');
  const eb = sb.body.breakpoints[1]!;
  assert.ok(eb.verified, eb.message);
  assert.notEqual(movedOn.line, emptyLine, 'gdb moves that one');
  assert.deepEqual([eb.line, addressOf(eb.instructionReference)], [movedOn.line, movedOn.address], `setup.c:${emptyLine} goes where gdb puts it`);
  t.diagnostic(`after the stop: setup_arch by name resolved in ${nameMs.toFixed(0)} ms, setup.c:${lineWanted} in ${lineMs.toFixed(0)} ms`);

  // A function only ever inlined (no symbol of its own): every inlined instance, as gdb's break.
  const g = spawnSync('gdb', ['-nx', '-batch', '-ex', 'break memblock_alloc', f.vmlinuxPath], { encoding: 'utf8', timeout: 300_000 });
  const gm = /Breakpoint 1 at 0x([0-9a-f]+): memblock_alloc\. \((\d+) locations\)/.exec(g.stdout);
  assert.ok(gm, `gdb: break memblock_alloc: ${g.stdout}${g.stderr}`);
  t1 = performance.now();
  const ib = (await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'setup_arch' }, { name: 'memblock_alloc' }] })).body.breakpoints[1]!;
  t.diagnostic(`memblock_alloc (inlined only) resolved in ${(performance.now() - t1).toFixed(0)} ms: ${ib.message}`);
  assert.ok(ib.verified, ib.message);
  assert.match(ib.message ?? '', new RegExp(`^${gm[2]} locations \\(${gm[2]} inlined\\): 0x${gm[1]}, 0xffffffff`));
  assert.equal(addressOf(ib.instructionReference), Number(BigInt.asIntN(64, BigInt(`0x${gm[1]}`))));
  // Only setup_arch for the run below (the order the kernel reaches the others in is not this test's point).
  assert.ok((await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'setup_arch' }] })).body.breakpoints[0]!.verified);

  await dc.continueRequest({ threadId: 1 });
  const s1 = await nextStopped(dc, 300_000);
  assert.equal(s1.reason, 'function breakpoint');
  const st1 = await dc.stackTraceRequest({ threadId: 1 });
  assert.equal(st1.body.stackFrames[0]!.name, 'setup_arch');
  const caller = st1.body.stackFrames.find((fr) => fr.name === 'start_kernel');
  assert.ok(caller, `start_kernel below setup_arch: ${st1.body.stackFrames.map((fr) => fr.name).join(' <- ')}`);
  assert.equal(caller.source?.path, join(src, 'init/main.c'));
  await dc.continueRequest({ threadId: 1 });
  const s2 = await nextStopped(dc, 300_000);
  assert.equal(s2.reason, 'breakpoint');
  const st2 = await dc.stackTraceRequest({ threadId: 1 });
  assert.equal(st2.body.stackFrames[0]!.line, byLine.line);
  assert.equal(st2.body.stackFrames[0]!.source?.path, setupC);
});

/** The first bytes of a function in the vmlinux, as gdb reads them from the file. */
function gdbBytes(vmlinux: string, what: string, n: number): number[] {
  const r = spawnSync('gdb', ['-nx', '-batch', '-ex', `x/${n}xb ${what}`, vmlinux], { encoding: 'utf8', timeout: 300_000 });
  const bytes = [...r.stdout.matchAll(/\b0x([0-9a-f]{2})\b/g)].map((m) => parseInt(m[1]!, 16));
  assert.equal(bytes.length, n, `gdb: x/${n}xb ${what}: ${r.stdout}${r.stderr}`);
  return bytes;
}

test('without nokaslr the kernel\'s KASLR offset is found and start_kernel is still where the breakpoint stops', { skip, timeout: 900_000 }, async (t) => {
  const f = s.fixture;
  const dc = await s.client();
  const changed: Array<{ id?: number; instructionReference?: string }> = [];
  dc.on('breakpoint', (e) => { if (e.body.reason === 'changed') changed.push(e.body.breakpoint); });
  let bpId: number | undefined;
  await launch(dc, s.kernel({ cmdline: f.cmdline }),
    async () => { bpId = (await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'start_kernel' }] })).body.breakpoints[0]!.id; });
  const stop = await nextStopped(dc, 600_000);
  assert.equal(stop.reason, 'function breakpoint');
  const said = outputs.get(dc)!.console ?? '';
  const m = /KASLR: the kernel runs (at its link addresses|moved by (-?)0x([0-9a-f]+) from its link addresses)/.exec(said);
  assert.ok(m, `the Debug Console says what offset was found: ${said}`);
  const delta = m[3] ? (m[2] ? -1 : 1) * parseInt(m[3], 16) : 0;
  t.diagnostic(m[0]);
  assert.notEqual(delta, 0, 'the decompressor chose an offset (a kernel left at its link address would not test this)');
  assert.equal(delta % 0x200000, 0, 'a multiple of CONFIG_PHYSICAL_ALIGN');
  const st = await dc.stackTraceRequest({ threadId: 1 });
  const top = st.body.stackFrames[0]!;
  assert.equal(top.name, 'start_kernel');
  const link = gdbBreak(f.vmlinuxPath, '*start_kernel');
  assert.equal(addressOf(top.instructionPointerReference), link.address + delta);
  // The client heard where its breakpoint went.
  const event = changed.find((c) => c.id === bpId);
  assert.ok(event, `a 'changed' breakpoint event for the start_kernel breakpoint: ${JSON.stringify(changed)}`);
  assert.equal(addressOf(event.instructionReference), link.address + delta);
  assert.equal(top.line, gdbLineAt(f.vmlinuxPath, link.address).line);
  // The code there is start_kernel's: the guest's bytes at the relocated address are the file's,
  // but for the absolute addresses the decompressor relocated, which are the file's plus delta.
  const mem = (await dc.customRequest('readMemory', { memoryReference: top.instructionPointerReference!, count: 32 })).body as { data: string };
  const got = [...Buffer.from(mem.data, 'base64')];
  const file = gdbBytes(f.vmlinuxPath, 'start_kernel', 32);
  const u32 = (b: number[], i: number) => ((b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0);
  let moved = 0;
  for (let i = 0; i < 32;) {
    if (got[i] === file[i]) { i++; continue; }
    const j = [i - 3, i - 2, i - 1, i].find((k) => k >= 0 && k + 4 <= 32 && u32(got, k) === ((u32(file, k) + delta) >>> 0));
    assert.ok(j !== undefined, `byte ${i} of start_kernel: ${got[i]} in the guest, ${file[i]} in the file, and no relocated address holds it`);
    moved++;
    i = j + 4;
  }
  t.diagnostic(`start_kernel's first 32 bytes: the file's, with ${moved} absolute address(es) moved by the offset`);
  // Data moved with the code: &init_task is gdb's plus the offset, and its name reads as in the file.
  const at = await dc.evaluateRequest({ expression: '&init_task', frameId: top.id, context: 'watch' });
  const fileAt = /0x([0-9a-f]+)/.exec(gdbPrint(f.vmlinuxPath, '&init_task'))![1]!;
  assert.match(at.body.result, new RegExp(`0x${BigInt.asUintN(64, BigInt.asIntN(64, BigInt(`0x${fileAt}`)) + BigInt(delta)).toString(16)}\\b`));
  const comm = await dc.evaluateRequest({ expression: 'init_task.comm', frameId: top.id, context: 'watch' });
  assert.equal(comm.body.result, gdbPrint(f.vmlinuxPath, 'init_task.comm'));
});

// Issue 16's PV and PVH machines run the same bzImage (console on hvc0): the same symbols apply.
for (const mode of ['pv', 'pvh'] as const) {
  test(`${mode.toUpperCase()}: the same kernel and vmlinux stop at start_kernel, called from ${mode === 'pv' ? 'xen_start_kernel' : 'the 64-bit startup code'}`, { skip, timeout: 900_000 }, async (t) => {
    const f = s.fixture;
    const oracle = gdbBreak(f.vmlinuxPath, '*start_kernel');
    const line = gdbLineAt(f.vmlinuxPath, oracle.address);
    const dc = await s.client();
    const t0 = performance.now();
    await launch(dc, s.kernel({ cmdline: 'console=hvc0', mode }),
      () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'start_kernel' }] }));
    const stop = await nextStopped(dc, 600_000);
    t.diagnostic(`${mode}: launch -> stopped at start_kernel ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(stop.reason, 'function breakpoint');
    const st = await dc.stackTraceRequest({ threadId: 1 });
    const top = st.body.stackFrames[0]!;
    assert.equal(top.name, 'start_kernel');
    assert.equal(addressOf(top.instructionPointerReference), oracle.address, 'PV and PVH kernels run where they were linked');
    assert.equal(top.line, line.line);
    t.diagnostic(st.body.stackFrames.slice(0, 4).map((fr) => `${fr.name} ${fr.source?.name ?? ''}:${fr.line}`).join(' <- '));
    if (mode === 'pv') assert.ok(st.body.stackFrames.some((fr) => fr.name === 'xen_start_kernel'), 'a PV kernel starts in xen_start_kernel');
    else assert.match(outputs.get(dc)!.console ?? '', /KASLR: the kernel runs at its link addresses/, 'PVH enters through startup_64, at the link address');
  });
}

test('a missing or malformed symbols file fails the launch with the attribute and the reason', { skip }, async () => {
  const f = s.fixture;
  const cases: Array<[string, RegExp]> = [];
  const missing = join(s.built.dir, 'no-vmlinux');
  cases.push([missing, /launch attribute 'symbols': cannot read '.*no-vmlinux' \(no such file\)/]);
  const text = join(s.built.dir, 'not-elf');
  writeFileSync(text, 'this is not an ELF file at all, just text\n'.repeat(4));
  cases.push([text, /launch attribute 'symbols': .*not-elf: not an ELF file \(bad magic/]);
  // The bzImage is no debug file; the kernel's own stripped ELF would say the same.
  cases.push([f.kernelPath, /launch attribute 'symbols': .*vmlinuz: not an ELF file/]);
  const truncated = join(s.built.dir, 'truncated-vmlinux');
  const head = spawnSync('head', ['-c', '4096', f.vmlinuxPath], { encoding: 'buffer' });
  writeFileSync(truncated, head.stdout);
  cases.push([truncated, /launch attribute 'symbols': .*truncated-vmlinux: .*past the end of the 4096-byte file \(truncated\?\)/]);
  cases.push([s.built.dir, /launch attribute 'symbols': .*is not a regular file|EISDIR/]);
  for (const [path, why] of cases) {
    const dc = await s.client();
    await dc.initializeRequest();
    await assert.rejects(dc.launchRequest({ program: f.kernelPath, symbols: path } as never), why);
  }
});
