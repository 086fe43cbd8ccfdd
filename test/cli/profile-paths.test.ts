// `paravirt run --profile` on the source-tree kernel (test/guests/tree, every variant of
// test/dwarf/tree-build.ts), run in the tree's root as a developer runs it: the profile's
// source files are the tree's files by their full paths (a prefix-mapped build's relative
// ones resolved against the directory the CLI runs in), each exists, and the exits land on
// the lines that cause them: the port write in include/kernel/io.h (inlined into lib/ at -O2)
// and the debug-exit write in boot/entry.asm.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildAll, type Built } from './harness';
import { TREE, buildTree, treeLine, treeVariants } from '../dwarf/tree-build';

let b: Built;
before(async () => { b = await buildAll([]); });
after(() => { if (b) rmSync(b.dir, { recursive: true, force: true }); });

interface Line { file: string; line: number; exits: number; byReason: Record<string, number> }

for (const v of treeVariants()) {
  test(`${v.name}: profile paths are the tree's files, and exits land on the lines that cause them`, () => {
    const elf = buildTree(v);
    const prof = join(b.dir, `${v.name}.json`);
    const r = spawnSync(process.execPath, [b.cli, 'run', elf, '--profile', prof, '--summary', 'none', '--serial', 'none'], { cwd: TREE, encoding: 'utf8', timeout: 120_000 });
    // kmain returns primes below 64, 20 and 10 (18 + 8 + 4); isa-debug-exit makes it (v << 1) | 1.
    assert.equal(r.status, ((18 + 8 + 4) << 1) | 1, r.stderr);
    const json = JSON.parse(readFileSync(prof, 'utf8')) as { lines: Line[]; exitsByAddress: Record<string, { source?: { file: string } }> };
    assert.ok(json.lines.length >= 2, `${json.lines.length} profile lines`);
    for (const l of json.lines) {
      assert.ok(l.file.startsWith(TREE + '/'), `${l.file} is a full path in the tree`);
      assert.ok(existsSync(l.file), `${l.file} exists`);
    }
    for (const e of Object.values(json.exitsByAddress)) if (e.source) assert.ok(existsSync(e.source.file), `${e.source.file} exists`);
    const io = json.lines.find((l) => l.file === join(TREE, 'include/kernel/io.h') && l.line === treeLine('include/kernel/io.h', 'io-outb'));
    // "primes below 64: 18\n" and "done\n": every byte is one port write.
    assert.equal(io?.exits, 'primes below 64: 18\n'.length + 'done\n'.length, 'one exit per byte written, on the outb line');
    const exit = json.lines.find((l) => l.file === join(TREE, 'boot/entry.asm'));
    assert.equal(exit?.line, treeLine('boot/entry.asm', 'entry-exit'), 'the debug-exit write');
  });
}
