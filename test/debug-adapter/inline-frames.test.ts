// The adapter over stdio on a kernel tree built from its root (test/guests/tree, every variant
// of test/dwarf/tree-build.ts: gcc and clang, -O0 and -O2, DWARF 4 and 5, with and without
// -ffile-prefix-map): a function breakpoint on `sieve`, a static function the compilers inline
// at -O2 (and keep out of line for a function pointer), is one verified breakpoint with gdb's
// locations and stops in sieve with its frame on top at each; every frame's path is exact and
// exists; the inlined frame has its own locals. Stepping into, over and out of the inlined
// calls follows gdb's rules. Oracles: gdb's breakpoint locations, the tree's layout and markers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { buildAll, launch, nextStopped, startClient, type Built, removeBuild } from './harness';
import { TREE, buildTree, treeLine, treeVariants, type TreeVariant } from '../dwarf/tree-build';
import { linesForFile, parseProfile } from '../../language-server/analyzer/profile';

let b: Built;
const clients: DebugClient[] = [];
before(async () => { b = await buildAll([]); });
after(async () => { for (const c of clients) await c.stop().catch(() => undefined); removeBuild(b); });

async function client(): Promise<DebugClient> { const c = await startClient(b.adapter); clients.push(c); return c; }

const SIEVE = join(TREE, 'x86/sieve.c');
const MAIN = join(TREE, 'lib/main.c');
const ENTRY = join(TREE, 'boot/entry.asm');

/** gdb's locations for `break <name>` on the ELF (no process). */
function gdbLocations(elf: string, name: string): number[] {
  const r = spawnSync('gdb', ['-nx', '-batch', '-ex', `break ${name}`, '-ex', 'info breakpoints', elf], { encoding: 'utf8' });
  const multi = [...r.stdout.matchAll(/^\d+\.\d+\s+y\s+0x([0-9a-f]+)/gm)].map((m) => parseInt(m[1]!, 16));
  if (multi.length) return multi;
  const one = /^\d+\s+breakpoint\s+keep\s+y\s+0x([0-9a-f]+)/m.exec(r.stdout);
  return one ? [parseInt(one[1]!, 16)] : [];
}
const hasGdb = spawnSync('gdb', ['--version'], { stdio: 'ignore' }).status === 0;

async function stack(dc: DebugClient): Promise<DebugProtocol.StackFrame[]> {
  return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
}

async function locals(dc: DebugClient, frameId: number): Promise<Map<string, string>> {
  const scopes = (await dc.scopesRequest({ frameId })).body.scopes;
  const loc = scopes.find((s) => s.name === 'Locals');
  if (!loc) return new Map();
  const vars = (await dc.variablesRequest({ variablesReference: loc.variablesReference })).body.variables;
  return new Map(vars.map((v) => [v.name, v.value]));
}

/** The body of sieve: from its declaration to its closing brace. */
const SIEVE_LINES = [treeLine('x86/sieve.c', 'sieve-first') - 3, treeLine('x86/sieve.c', 'sieve-return') + 1];

function assertFramePaths(frames: DebugProtocol.StackFrame[], what: string): void {
  for (const f of frames) {
    if (!f.source?.path) continue;
    assert.ok(existsSync(f.source.path), `${what}: frame ${f.name}'s source ${f.source.path} exists`);
  }
}

async function startAt(v: TreeVariant, configure: (dc: DebugClient) => Promise<unknown>): Promise<DebugClient> {
  const dc = await client();
  // The launch's cwd is the tree's root: where a prefix-mapped build's "." points.
  await launch(dc, { program: buildTree(v), cwd: TREE, profile: false }, () => configure(dc));
  return dc;
}

/** The next stop, or null when the guest ended first. */
async function stopOrEnd(dc: DebugClient, ended: Promise<null>): Promise<Awaited<ReturnType<typeof nextStopped>> | null> {
  return Promise.race([nextStopped(dc).catch(() => null), ended]);
}

for (const v of treeVariants()) {
  test(`${v.name}: a function breakpoint on the static function sieve stops in it at every location, inlined frame on top`, async () => {
    const elf = buildTree(v);
    let bp: DebugProtocol.Breakpoint | undefined;
    const dc = await startAt(v, async (c) => { bp = (await c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'sieve' }] })).body.breakpoints[0]; });
    assert.equal(bp?.verified, true, 'verified');
    const callers = new Set<string>();
    const pcs = new Set<string>();
    let inlinedStops = 0, stops = 0;
    // sieve's first instructions may be a loop's top, hit on each turn: bounded.
    const ended = dc.waitForEvent('terminated', 60000).then(() => null, () => null);
    for (let ev = await stopOrEnd(dc, ended); ev && stops < 400; ev = await stopOrEnd(dc, ended)) {
      stops++;
      assert.equal(ev.reason, 'function breakpoint', `stop ${stops}`);
      assert.deepEqual(ev.hitBreakpointIds, [bp!.id]);
      const frames = await stack(dc);
      const [top, caller] = frames;
      assert.equal(top!.name, 'sieve', `stop ${stops}: sieve on top, got ${frames.map((f) => f.name).join(' < ')}`);
      const first = !pcs.has(top!.instructionPointerReference!);
      pcs.add(top!.instructionPointerReference!);
      callers.add(caller!.name);
      if (!first) { await dc.continueRequest({ threadId: 1 }); continue; }
      assert.equal(top!.source?.path, SIEVE, 'sieve is in x86/sieve.c');
      assert.ok(top!.line >= SIEVE_LINES[0]! && top!.line <= SIEVE_LINES[1]!, `line ${top!.line} is in sieve`);
      assertFramePaths(frames, `stop ${stops}`);
      const bottom = frames.filter((f) => f.source?.path);
      assert.equal(bottom[bottom.length - 1]!.source!.path, ENTRY, '_start is in boot/entry.asm');
      const k = frames.find((f) => f.name === 'kmain');
      assert.equal(k?.source?.path, MAIN, 'kmain is in lib/main.c');
      assert.ok([treeLine('lib/main.c', 'main-sieve'), treeLine('lib/main.c', 'main-small')].includes(k!.line), `kmain at a test call, line ${k!.line}`);
      // The same pc as the caller's frame when inlined; the caller's line is the call's.
      if (top!.instructionPointerReference === caller!.instructionPointerReference) {
        inlinedStops++;
        assert.equal(caller!.source?.path, SIEVE);
        assert.ok([treeLine('x86/sieve.c', 'test-call'), treeLine('x86/sieve.c', 'small-call'), treeLine('x86/sieve.c', 'small-ptr')].includes(caller!.line), `${caller!.name} at its call of sieve, line ${caller!.line}`);
      }
      // Its own locals: the parameter and the prime counter, not the caller's n.
      const mine = await locals(dc, top!.id);
      assert.ok(mine.has('limit') && mine.has('primes'), `sieve's locals: ${[...mine.keys()].join(', ')}`);
      assert.ok(!mine.has('n'), "the caller's n is not sieve's");
      await dc.continueRequest({ threadId: 1 });
    }
    assert.ok(callers.has('test_sieve') && callers.has('test_sieve_small'), `called from ${[...callers].join(', ')}`);
    if (hasGdb) {
      const n = gdbLocations(elf, 'sieve').length;
      assert.equal(pcs.size, n, `as many places stopped at (${[...pcs].join(' ')}) as gdb has locations`);
      // The breakpoint says where it stops when that is more than one place.
      if (n > 1) assert.match(bp!.message ?? '', new RegExp(`^${n} locations \\(${n - 1} inlined\\): (0x[0-9a-f]+(, |$)){${n}}`));
      else assert.equal(bp!.message, undefined);
    }
    if (v.opt === 'O2') assert.ok(inlinedStops >= 1, `${inlinedStops} stops in inlined copies`);
    else assert.equal(inlinedStops, 0, 'nothing is inlined at -O0');
  });

  test(`${v.name}: step out of sieve leaves its frame; the caller is on top with its line`, async () => {
    const dc = await startAt(v, (c) => c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'sieve' }] }));
    assert.equal((await nextStopped(dc)).reason, 'function breakpoint');
    const frames = await stack(dc);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    await dc.stepOutRequest({ threadId: 1 });
    assert.equal((await nextStopped(dc)).reason, 'step');
    const back = await stack(dc);
    assert.equal(back[0]!.name, frames[1]!.name, `out of sieve into ${frames[1]!.name}: ${back.map((f) => `${f.name}@${f.line}`).join(' < ')}`);
    assert.equal(back.length, frames.length - 1, 'one frame fewer');
    assert.equal(back[0]!.source?.path, SIEVE);
    assertFramePaths(back, 'after step out');
  });
}

// Stepping at -O2, where sieve is inlined into test_sieve: from test_sieve's first line, next
// goes through the inlined call as through a call (test_sieve stays on top), step enters it
// (sieve on top, test_sieve below at the call). gdb's rules for inline frames (infrun.c).
for (const v of treeVariants().filter((x) => x.opt === 'O2')) {
  const callLine = treeLine('x86/sieve.c', 'test-call');
  const printLine = treeLine('x86/sieve.c', 'test-print');

  test(`${v.name}: next from test_sieve's start goes through the inlined sieve; step enters it`, async () => {
    const over = await startAt(v, (c) => c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'test_sieve' }] }));
    assert.equal((await nextStopped(over)).reason, 'function breakpoint');
    const at = await stack(over);
    assert.equal(at[0]!.name, 'test_sieve', `stopped in test_sieve: ${at.map((f) => `${f.name}@${f.line}`).join(' < ')}`);
    await over.setFunctionBreakpointsRequest({ breakpoints: [] });
    for (let i = 0; i < 4; i++) {
      await over.nextRequest({ threadId: 1 });
      assert.equal((await nextStopped(over)).reason, 'step');
      const f = await stack(over);
      assert.equal(f[0]!.name, 'test_sieve', `next ${i} stays in test_sieve: ${f.map((x) => `${x.name}@${x.line}`).join(' < ')}`);
      assert.equal(f[0]!.source?.path, SIEVE);
      assert.ok(f[0]!.line >= callLine - 1 && f[0]!.line <= printLine + 2, `next ${i}: line ${f[0]!.line} of test_sieve`);
      assertFramePaths(f, `next ${i}`);
      if (f[0]!.line > callLine) break;
    }

    const into = await startAt(v, (c) => c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'test_sieve' }] }));
    assert.equal((await nextStopped(into)).reason, 'function breakpoint');
    await into.setFunctionBreakpointsRequest({ breakpoints: [] });
    let f = await stack(into);
    for (let i = 0; i < 4 && f[0]!.name === 'test_sieve'; i++) {
      await into.stepInRequest({ threadId: 1 });
      assert.equal((await nextStopped(into)).reason, 'step');
      f = await stack(into);
    }
    assert.equal(f[0]!.name, 'sieve', `step entered the inlined sieve: ${f.map((x) => `${x.name}@${x.line}`).join(' < ')}`);
    assert.equal(f[1]!.name, 'test_sieve');
    assert.equal(f[1]!.line, callLine, 'test_sieve is at its call of sieve');
    assert.equal(f[0]!.source?.path, SIEVE);
    assert.ok(f[0]!.line >= SIEVE_LINES[0]! && f[0]!.line <= SIEVE_LINES[1]!, `sieve at line ${f[0]!.line}`);
    // And out again: test_sieve on top, past the call.
    await into.stepOutRequest({ threadId: 1 });
    assert.equal((await nextStopped(into)).reason, 'step');
    f = await stack(into);
    assert.equal(f[0]!.name, 'test_sieve', `stepped out: ${f.map((x) => `${x.name}@${x.line}`).join(' < ')}`);
    assertFramePaths(f, 'out');
  });
}

// The same path resolution in the disassembly's source lines and the exit profile the adapter
// writes, which the language server's code lens reads.
for (const v of treeVariants().filter((x) => x.prefixMap || x.opt === 'O2')) {
  test(`${v.name}: disassembly source lines and the exit profile name the tree's files`, async () => {
    const profile = join(b.dir, `profile-${v.name}.json`);
    const dc = await client();
    await launch(dc, { program: buildTree(v), cwd: TREE, profile }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'put_string' }] }));
    assert.equal((await nextStopped(dc)).reason, 'function breakpoint');
    const [top] = await stack(dc);
    const dis = (await dc.disassembleRequest({ memoryReference: top!.instructionPointerReference!, instructionOffset: -8, instructionCount: 48, resolveSymbols: true })).body!.instructions;
    const files = new Set(dis.map((i) => i.location?.path).filter((p): p is string => !!p));
    assert.ok(files.has(join(TREE, 'lib/print.c')), `disassembly names lib/print.c: ${[...files].join(', ')}`);
    for (const f of files) assert.ok(f.startsWith(TREE + '/') && existsSync(f), `${f} exists in the tree`);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    const ended = dc.waitForEvent('terminated', 30000);
    await dc.continueRequest({ threadId: 1 });
    await ended;
    for (let i = 0; i < 100 && !existsSync(profile); i++) await new Promise((r) => setTimeout(r, 50));
    const json = JSON.parse(readFileSync(profile, 'utf8')) as { lines: Array<{ file: string; line: number; exits: number }> };
    for (const l of json.lines) assert.ok(l.file.startsWith(TREE + '/') && existsSync(l.file), `${l.file} exists in the tree`);
    const io = json.lines.find((l) => l.file === join(TREE, 'include/kernel/io.h') && l.line === treeLine('include/kernel/io.h', 'io-outb'));
    assert.equal(io?.exits, 'primes below 64: 18\n'.length + 'done\n'.length, 'one exit per byte, on the outb line of the header');
    // The language server's code lens for the header, from that file.
    const lens = linesForFile(parseProfile(readFileSync(profile, 'utf8'))!, join(TREE, 'include/kernel/io.h'), TREE);
    assert.equal(lens.get(treeLine('include/kernel/io.h', 'io-outb') - 1)?.exits, io!.exits, 'the code lens on the outb line');
  });
}

// A line breakpoint inside the inlined function: one breakpoint at every copy of the line,
// stopping with sieve on top; and a build whose paths were mapped to another root
// (-ffile-prefix-map=<tree>=/build, as distribution builds do), found through sourceFileMap.
for (const v of [...treeVariants().filter((x) => x.opt === 'O2' && !x.prefixMap), { name: 'gcc-O2-dwarf5-build', cc: 'gcc', opt: 'O2', dwarf: 5, prefixMap: true, prefixTo: '/build' } as TreeVariant]) {
  test(`${v.name}: a line breakpoint in the inlined sieve stops in sieve at each copy${v.prefixTo ? ', paths through sourceFileMap' : ''}`, async () => {
    const line = treeLine('x86/sieve.c', 'sieve-count');
    let bp: DebugProtocol.Breakpoint | undefined;
    const dc = await client();
    // The client sets the breakpoint by its local path; the debug information says /build/x86/sieve.c.
    await launch(dc, { program: buildTree(v), cwd: TREE, profile: false, ...(v.prefixTo ? { sourceFileMap: { [v.prefixTo]: TREE } } : {}) }, async () => {
      bp = (await dc.setBreakpointsRequest({ source: { path: SIEVE }, breakpoints: [{ line }] })).body.breakpoints[0];
    });
    assert.equal(bp?.verified, true);
    assert.equal(bp?.line, line);
    const callers = new Set<string>();
    for (let hit = 0; hit < 3; hit++) {
      assert.equal((await nextStopped(dc)).reason, 'breakpoint');
      const frames = await stack(dc);
      assert.equal(frames[0]!.name, 'sieve', frames.map((f) => f.name).join(' < '));
      assert.equal(frames[0]!.line, line);
      assert.equal(frames[0]!.source?.path, SIEVE);
      assertFramePaths(frames, `hit ${hit}`);
      callers.add(frames[1]!.name);
      await dc.continueRequest({ threadId: 1 });
    }
    assert.ok(callers.has('test_sieve'), `called from ${[...callers].join(', ')}`);
  });
}
