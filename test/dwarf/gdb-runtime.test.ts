// The same kernel run twice: under QEMU with gdb attached to its gdbstub, and on our Machine
// with DebugInfo. At the same breakpoints (every function entry and every statement of
// compute, checkpoint and kmain), the call stack (inlined calls included) and every argument
// and local of every frame must print as gdb prints them (or be unavailable to both).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine } from '../../emulator/machine';
import { loadImage } from '../../emulator/loader/index';
import { LineTable } from '../../emulator/loader/dwarf/line-table';
import { DebugInfo } from '../../emulator/loader/dwarf';
import type { Regs, Variable } from '../../emulator/loader/dwarf';
import { BUILD, VARIANTS, buildC, hasGdb, read } from './programs';

const hasQemu = spawnSync('qemu-system-i386', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = !hasGdb ? 'gdb is not installed' : !hasQemu ? 'qemu-system-i386 is not installed' : false;
const HITS = 120;

interface GdbFrame { pc: number; fn: string | null; inline: boolean; vars: Record<string, string> }

const SCRIPT = `
import gdb, json, sys, time
gdb.execute('set confirm off')
gdb.execute('set pagination off')
gdb.execute('set print symbol off')
# QEMU may still be opening its gdbstub on a loaded machine: retry for up to 20 s.
for attempt in range(100):
    try:
        gdb.execute('target remote :' + PORT, to_string=True)
        break
    except gdb.error:
        time.sleep(0.2)
for a in ADDRS:
    gdb.execute('break *0x%x' % a, to_string=True)
out = open(OUT, 'w')
for hit in range(HITS):
    try:
        gdb.execute('continue', to_string=True)
    except gdb.error:
        break
    frames = []
    f = gdb.newest_frame()
    while f is not None and len(frames) < 8:
        rec = {'pc': int(f.pc()), 'fn': f.name(), 'inline': f.type() == gdb.INLINE_FRAME, 'vars': {}}
        try:
            b = f.block()
        except RuntimeError:
            b = None
        seen = set()
        while b is not None:
            for s in b:
                if not (s.is_variable or s.is_argument or s.is_constant) or s.name in seen:
                    continue
                seen.add(s.name)
                try:
                    v = str(s.value(f))
                except Exception as e:
                    v = '<error: %s>' % e
                rec['vars'][s.name] = v
            if b.function is not None:
                break
            b = b.superblock
        frames.append(rec)
        f = f.older()
    out.write(json.dumps(frames) + '\\n')
out.close()
gdb.execute('kill')
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); });
    s.on('error', reject);
  });
}

async function gdbStops(elf: string, addrs: number[], hits: number, tag: string): Promise<GdbFrame[][]> {
  const port = await freePort();
  const qemu = spawn('qemu-system-i386', ['-kernel', elf, '-S', '-gdb', `tcp:127.0.0.1:${port}`, '-display', 'none', '-serial', 'none', '-monitor', 'none', '-no-reboot', '-m', '32'], { stdio: 'ignore' });
  try {
    const out = join(BUILD, `gdb-stops-${tag}.jsonl`);
    const script = join(BUILD, `gdb-stops-${tag}.py`);
    writeFileSync(script, `PORT = ${JSON.stringify(String(port))}\nADDRS = ${JSON.stringify(addrs)}\nHITS = ${hits}\nOUT = ${JSON.stringify(out)}\n${SCRIPT}`);
    writeFileSync(out, '');
    const r = spawnSync('gdb', ['-nx', '-batch', '-x', script, elf], { encoding: 'utf8', timeout: 60_000 });
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    assert.ok(lines.length > 0, `gdb recorded stops: ${r.stdout}${r.stderr}`);
    return lines.map((l) => JSON.parse(l) as GdbFrame[]);
  } finally {
    qemu.kill();
  }
}

/** Variables of a frame as gdb's frame (not its inlined callees) sees them: innermost block first, shadowed names out. */
function frameVariables(di: DebugInfo, pc: number): Variable[] {
  const chain = di.scopesAt(pc);
  const out: Variable[] = [];
  const seen = new Set<string>();
  let end = chain.length;
  for (let i = 1; i < chain.length; i++) if (chain[i]!.kind === 'inlined') { end = i; break; }
  for (let i = end - 1; i >= 0; i--) {
    for (const v of chain[i]!.variables) { if (!seen.has(v.name)) { seen.add(v.name); out.push(v); } }
  }
  return out;
}

const unavailable = (s: string) => /^<(optimized out|not saved|error|register|cannot)/.test(s);

for (const v of [VARIANTS[0]!, VARIANTS[3]!, VARIANTS[4]!, VARIANTS[6]!]) {
  test(`${v.name}: stacks, arguments and locals at up to ${HITS} stops match gdb on QEMU`, { skip, timeout: 180_000 }, async (t) => {
    const elf = buildC('vars', v);
    const bytes = read(elf);
    const di = DebugInfo.fromElf(bytes);
    const lines = LineTable.fromImage(bytes);
    const addrs = new Set<number>(di.allFunctions().filter((f) => f.name !== '_start').map((f) => f.lowPc));
    for (const name of ['compute', 'checkpoint', 'kmain']) {
      const f = di.functionByName(name)!;
      for (let a = f.lowPc; a < f.highPc; a++) if (lines.isStatementStart(a)) addrs.add(a);
    }
    // Our run first: how many stops there are before the kernel halts, so gdb never waits on a halted CPU.
    const m = new Machine({ mode: 'hvm', memoryMiB: 32 });
    m.load(loadImage(bytes, { ramBytes: 32 << 20 }));
    for (const a of addrs) m.addBreakpoint(a);
    let hits = 0;
    while (hits < HITS && m.run(10_000_000).kind === 'breakpoint') hits++;
    const expected = await gdbStops(elf, [...addrs].sort((a, b) => a - b), hits, v.name);
    assert.equal(expected.length, hits, 'gdb stopped as often as we did');

    m.load(loadImage(bytes, { ramBytes: 32 << 20 }));
    const readMemory = (a: number, n: number) => m.readLinear(a, n);
    let compared = 0, values = 0, beyond = 0, inlinedValues = 0;
    for (const [hit, gframes] of expected.entries()) {
      const stop = m.run(10_000_000);
      assert.equal(stop.kind, 'breakpoint', `hit ${hit}`);
      const normal = gframes.filter((f) => !f.inline);
      const ours = di.stack(m.getRegisters() as unknown as Regs, readMemory, normal.length);
      const where = `hit ${hit} at 0x${(stop as { address: number }).address.toString(16)}`;
      assert.deepEqual(ours.map((f) => f.regs.eip), normal.map((f) => f.pc), `${where}: frame PCs`);
      for (const [i, g] of normal.entries()) {
        const f = ours[i]!;
        const pc = f.exactPc ? f.regs.eip! : f.regs.eip! - 1;
        const vars = frameVariables(di, pc);
        assert.deepEqual(vars.map((x) => x.name).sort(), Object.keys(g.vars).sort(), `${where} frame ${i} (${g.fn}): names`);
        const fn = di.functionAt(pc);
        for (const x of vars) {
          const r = di.readVariable(x, { regs: f.regs, readMemory, innermost: f.exactPc }, fn);
          const theirs = g.vars[x.name]!;
          const text = r.ok ? r.text : r.reason;
          const pcExpr = x.location ? di.expressionAt(x.location, x.unit, pc) : null;
          if (unavailable(theirs) && r.ok && pcExpr?.includes(0xa3)) { beyond++; continue; }   // entry values gdb did not resolve
          if (unavailable(theirs) || !r.ok) {
            assert.ok(unavailable(theirs) && !r.ok, `${where} frame ${i} ${g.fn}: ${x.name}: gdb ${theirs}, ours ${text}`);
          } else {
            assert.equal(text, theirs, `${where} frame ${i} ${g.fn}: ${x.name}`);
            values++;
          }
        }
        compared++;
      }
      // Inlined calls: gdb shows each as a frame of its own; inlineFramesAt gives the same list.
      const virtual = ours.flatMap((f) => di.inlineFramesAt(f.exactPc ? f.regs.eip! : f.regs.eip! - 1).map((x) => ({ x, f })));
      const wanted = gframes.slice(0, gframes.lastIndexOf(normal[normal.length - 1]!) + 1);
      assert.deepEqual(virtual.map((v) => v.x.name), wanted.map((g) => g.fn), `${where}: frames with inlined calls`);
      for (const [k, { x, f }] of virtual.entries()) {
        if (!x.inlined) continue;
        const g = wanted[k]!;
        const vars = [...x.params, ...x.locals];
        assert.deepEqual(vars.map((y) => y.name).sort(), Object.keys(g.vars).sort(), `${where} inlined ${x.name}: names`);
        for (const y of vars) {
          const r = di.readVariable(y, { regs: f.regs, readMemory, innermost: f.exactPc });
          const theirs = g.vars[y.name]!;
          if (unavailable(theirs) || !r.ok) assert.ok(unavailable(theirs) && !r.ok, `${where} inlined ${x.name}: ${y.name}: gdb ${theirs}, ours ${r.ok ? r.text : r.reason}`);
          else { assert.equal(r.text, theirs, `${where} inlined ${x.name}: ${y.name}`); inlinedValues++; }
        }
      }
    }
    t.diagnostic(`${expected.length} stops, ${compared} frames, ${values} values equal to gdb's, ${beyond} entry values only we resolved, ${inlinedValues} values in inlined frames`);
    assert.ok(expected.length >= 30, `${expected.length} stops`);
    assert.ok(values >= 100 && beyond < values / 10, `${values} values compared over ${compared} frames (${beyond} entry values only we resolved)`);
  });
}
