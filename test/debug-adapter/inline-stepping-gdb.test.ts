// Stepping through inlined calls against gdb: the source-tree kernel (test/guests/tree) under
// QEMU with gdb on its gdbstub, and under the adapter over stdio, from the same breakpoint with
// the same commands (next, step, finish / stepOut). After each command the stack must be the
// same: each frame's function (inlined calls included), line and full source path, and the
// innermost frame's arguments and locals with their values. Variants:
// gcc and clang, -O0 and -O2, DWARF 5 and (with -ffile-prefix-map) DWARF 4.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, launch, nextStopped, startClient, type Built, removeBuild } from './harness';
import { TREE, buildTree, treeVariants, type TreeVariant } from '../dwarf/tree-build';

const hasGdb = spawnSync('gdb', ['--version'], { stdio: 'ignore' }).status === 0;
const hasQemu = spawnSync('qemu-system-i386', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = !hasGdb ? 'gdb is not installed' : !hasQemu ? 'qemu-system-i386 is not installed' : false;

let b: Built;
const clients: DebugClient[] = [];
before(async () => { b = await buildAll([]); });
after(async () => { for (const c of clients) await c.stop().catch(() => undefined); removeBuild(b); });

type Cmd = 'next' | 'step' | 'finish';
/** One stack as both sides describe it: "function:line:path" per C frame, innermost first. */
type Stack = string[];

const SCRIPT = `
import gdb, json, time
gdb.execute('set confirm off')
gdb.execute('set pagination off')
for attempt in range(100):
    try:
        gdb.execute('target remote :' + PORT, to_string=True)
        break
    except gdb.error:
        time.sleep(0.2)
def stack():
    out = []
    f = gdb.newest_frame()
    while f is not None and len(out) < 8:
        sal = f.find_sal()
        if sal.symtab is not None and f.name() is not None:
            out.append('%s:%d:%s' % (f.name(), sal.line, sal.symtab.fullname()))
        f = f.older()
    # The innermost frame's arguments and locals, as gdb's frame sees them (its own block and
    # the blocks around it, up to its function: an inlined call's own, not its caller's).
    names = {}
    f = gdb.selected_frame()
    try:
        b = f.block()
    except RuntimeError:
        b = None
    while b is not None:
        for sym in b:
            if (sym.is_variable or sym.is_argument) and sym.name not in names:
                try:
                    names[sym.name] = str(sym.value(f))
                except Exception as e:
                    names[sym.name] = '<error>'
        if b.function is not None:
            break
        b = b.superblock
    out.append('vars ' + json.dumps(names, sort_keys=True, separators=(',', ':')))
    return out
gdb.execute('break *%d' % ADDR, to_string=True)
gdb.execute('continue', to_string=True)
gdb.execute('delete', to_string=True)
res = [stack()]
for c in CMDS:
    gdb.execute(c, to_string=True)
    res.append(stack())
open(OUT, 'w').write(json.dumps(res))
gdb.execute('kill')
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); });
    s.on('error', reject);
  });
}

async function gdbStacks(elf: string, addr: number, cmds: Cmd[]): Promise<Stack[]> {
  const port = await freePort();
  const qemu = spawn('qemu-system-i386', ['-kernel', elf, '-S', '-gdb', `tcp:127.0.0.1:${port}`, '-display', 'none', '-serial', 'none', '-monitor', 'none', '-no-reboot', '-m', '32'], { stdio: 'ignore' });
  const out = `${elf}.${process.pid}.steps.json`, py = `${elf}.${process.pid}.steps.py`;
  try {
    writeFileSync(py, `PORT = ${JSON.stringify(String(port))}\nADDR = ${addr}\nCMDS = ${JSON.stringify(cmds)}\nOUT = ${JSON.stringify(out)}\n${SCRIPT}`);
    // In the tree's root, where a prefix-mapped build's "." points.
    const r = spawnSync('gdb', ['-nx', '-batch', '-x', py, elf], { cwd: TREE, encoding: 'utf8', timeout: 90_000 });
    try { return JSON.parse(readFileSync(out, 'utf8')) as Stack[]; } catch { throw new Error(`gdb recorded nothing: ${r.stdout}${r.stderr}`); }
  } finally {
    qemu.kill();
    rmSync(out, { force: true }); rmSync(py, { force: true });
  }
}

async function adapterStacks(v: TreeVariant, addr: number, cmds: Cmd[]): Promise<Stack[]> {
  const dc = await startClient(b.adapter);
  clients.push(dc);
  await launch(dc, { program: buildTree(v), cwd: TREE, profile: false }, () => dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: `0x${addr.toString(16)}` }] }));
  assert.equal((await nextStopped(dc)).reason, 'instruction breakpoint');
  await dc.customRequest('setInstructionBreakpoints', { breakpoints: [] });
  const stack = async (): Promise<Stack> => {
    const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    const scopes = (await dc.scopesRequest({ frameId: frames[0]!.id })).body.scopes;
    const loc = scopes.find((x) => x.name === 'Locals');
    const vars = loc ? (await dc.variablesRequest({ variablesReference: loc.variablesReference })).body.variables : [];
    const names: Record<string, string> = {};
    for (const x of vars.sort((p, q) => (p.name < q.name ? -1 : 1))) names[x.name] = x.value;
    return [
      // gdb names code without DWARF by its symbol alone; the adapter adds the offset.
      ...frames.filter((f) => f.source?.path).map((f) => `${f.name.replace(/\+0x[0-9a-f]+$/, '')}:${f.line}:${f.source!.path}`),
      `vars ${JSON.stringify(names)}`,
    ];
  };
  const out = [await stack()];
  for (const c of cmds) {
    if (c === 'next') await dc.nextRequest({ threadId: 1 });
    else if (c === 'step') await dc.stepInRequest({ threadId: 1 });
    else await dc.stepOutRequest({ threadId: 1 });
    await nextStopped(dc);
    out.push(await stack());
  }
  return out;
}

/**
 * gdb 13 gives an inlined call's block every variable of the function's abstract instance,
 * those of nested blocks too (its inherit_abstract_dies): a loop variable whose block does not
 * hold the pc shows there as <optimized out>. The adapter shows only the blocks holding the
 * pc; such names are left out of gdb's list when the adapter does not have them.
 */
function sameVars(theirs: Stack, ours: Stack): Stack {
  const at = theirs.findIndex((x) => x.startsWith('vars '));
  const mine = ours.find((x) => x.startsWith('vars '));
  if (at < 0 || !mine) return theirs;
  const g = JSON.parse(theirs[at]!.slice(5)) as Record<string, string>;
  const o = JSON.parse(mine.slice(5)) as Record<string, string>;
  for (const [k, v] of Object.entries(g)) if (!(k in o) && v === '<optimized out>') delete g[k];
  return theirs.map((x, i) => (i === at ? `vars ${JSON.stringify(g)}` : x));
}

/** nm's address of a symbol. */
function nm(elf: string, name: string): number {
  const line = spawnSync('nm', [elf], { encoding: 'utf8' }).stdout.split('\n').find((l) => l.endsWith(` ${name}`));
  if (!line) throw new Error(`no ${name} in ${elf}`);
  return parseInt(line.split(' ')[0]!, 16);
}

const SEQUENCES: Array<{ name: string; cmds: Cmd[] }> = [
  { name: 'next through the inlined sieve', cmds: ['next', 'next', 'next'] },
  { name: 'step into the inlined sieve and finish out of it', cmds: ['step', 'step', 'finish', 'next'] },
  { name: 'step through lines of the inlined sieve, finish from its middle', cmds: ['step', 'step', 'next', 'next', 'step', 'finish', 'next', 'step'] },
];

for (const v of treeVariants().filter((x) => x.dwarf === (x.prefixMap ? 4 : 5))) {
  for (const seq of SEQUENCES) {
    test(`${v.name}: ${seq.name} from test_sieve's entry: the stacks gdb shows`, { skip, timeout: 120_000 }, async () => {
      const elf = buildTree(v);
      const at = nm(elf, 'test_sieve');
      const theirs = await gdbStacks(elf, at, seq.cmds);
      const ours = await adapterStacks(v, at, seq.cmds);
      assert.ok(theirs[0]![0]!.startsWith('test_sieve:'), `gdb stopped in test_sieve: ${theirs[0]}`);
      theirs.forEach((t, i) => assert.deepEqual(ours[i], sameVars(t, ours[i]!), `after ${i === 0 ? 'the breakpoint' : seq.cmds.slice(0, i).join(', ')}`));
    });
  }
}
