// Source paths of a kernel tree built from its root (test/guests/tree: boot/, lib/, x86/,
// include/kernel/), in every compiler, optimisation, DWARF version and prefix-map variant
// (tree-build.ts). Every path the line table and the DIEs give must name the file that holds
// the code, exactly, and that file must exist. Oracles: which source defines which symbol
// (the tree's layout, nm), and gdb's own resolution of each line-table address
// (symtab.fullname(), gdb run in the tree's root, where a prefix-mapped build's "." points).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineTable } from '../../emulator/loader/dwarf/line-table';
import { DebugInfo } from '../../emulator/loader/dwarf';
import type { Scope } from '../../emulator/loader/dwarf';
import { localSourcePath } from '../../emulator/loader/dwarf/source-paths';
import { TREE, TREE_SOURCES, buildTree, treeVariants } from './tree-build';
import { hasGdb, readelf } from './programs';

/** Where each function of the tree is written. */
const DEFINED_IN: Record<string, string> = {
  _start: 'boot/entry.asm', kmain: 'lib/main.c', put_string: 'lib/print.c', put_number: 'lib/print.c',
  sieve: 'x86/sieve.c', test_sieve: 'x86/sieve.c', test_sieve_small: 'x86/sieve.c', outb: 'include/kernel/io.h',
};

const local = (f: string) => localSourcePath(f, { cwd: TREE });

function funcSymbols(elf: string): Array<{ name: string; value: number; size: number }> {
  return readelf(elf, ['-sW']).split('\n').map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === 'FUNC' || (f[3] === 'NOTYPE' && f[7] === '_start'))
    .map((f) => ({ name: f[7]!, value: parseInt(f[1]!, 16), size: Number(f[2]) }));
}

/** gdb's full path for each address (python: find_pc_line(pc).symtab.fullname()). */
function gdbFullnames(elf: string, addrs: number[]): Map<number, string> {
  const script = [
    'import gdb',
    `for a in [${addrs.join(',')}]:`,
    '    sal = gdb.find_pc_line(a)',
    "    print('@@%d %s' % (a, sal.symtab.fullname() if sal.symtab else '?'))",
  ].join('\n');
  const py = `${elf}.${process.pid}.py`;
  writeFileSync(py, script + '\n');
  const out = spawnSync('gdb', ['-nx', '-batch', '-x', py, elf], { cwd: TREE, encoding: 'utf8', maxBuffer: 16 << 20 }).stdout;
  rmSync(py, { force: true });
  const m = new Map<number, string>();
  for (const [, a, p] of out.matchAll(/^@@(\d+) (.*)$/gm)) m.set(Number(a), p!);
  return m;
}

function allScopes(s: Scope, out: Scope[] = []): Scope[] {
  out.push(s);
  for (const c of s.children) allScopes(c, out);
  return out;
}

for (const v of treeVariants()) {
  test(`${v.name}: every line-table path is the file that holds the code, and exists`, () => {
    const elf = buildTree(v);
    const bytes = new Uint8Array(readFileSync(elf));
    const lines = LineTable.fromImage(bytes);
    const files = lines.files();
    // A prefix-mapped build records paths relative to the build's root; the others absolute.
    for (const f of files) assert.equal(f.startsWith('/'), !v.prefixMap || f.startsWith(TREE), `${f} is ${v.prefixMap ? 'relative' : 'absolute'}`);
    const want = [...TREE_SOURCES.c, TREE_SOURCES.asm, TREE_SOURCES.header].map((f) => join(TREE, f)).sort();
    assert.deepEqual([...new Set(files.map(local))].sort(), want.filter((f) => files.map(local).includes(f)), 'only files of the tree');
    for (const f of files) assert.ok(existsSync(local(f)), `${local(f)} exists`);
    for (const f of [...TREE_SOURCES.c, TREE_SOURCES.asm]) assert.ok(files.map(local).includes(join(TREE, f)), `${f} has lines`);

    const di = DebugInfo.fromElf(bytes);
    for (const s of funcSymbols(elf)) {
      const src = DEFINED_IN[s.name];
      if (!src) continue;
      const at = lines.lookup(s.value);
      assert.ok(at, `${s.name} has a line`);
      // At -O2 a function may begin inside code inlined from the header; the DWARF scopes say which.
      const inner = di.inlineFramesAt(s.value)[0];
      const expected = inner?.inlined ? DEFINED_IN[inner.name]! : src;
      assert.equal(local(at.file), join(TREE, expected), `${s.name}'s first line is in ${expected}`);
    }
  });

  test(`${v.name}: declaration and call-site files of functions and inlined calls`, () => {
    const di = DebugInfo.fromElf(new Uint8Array(readFileSync(buildTree(v))));
    let calls = 0;
    for (const f of di.allFunctions()) {
      const src = DEFINED_IN[f.name];
      if (!src) continue;
      assert.equal(local(f.declFile ?? ''), join(TREE, src), `${f.name} is declared in ${src}`);
      for (const s of allScopes(f.scope)) {
        if (s.kind !== 'inlined') continue;
        calls++;
        // The call is in the scope around it: the function, or the inlined function that called.
        let outer: Scope | null = s.parent;
        while (outer && outer.kind === 'block') outer = outer.parent;
        const caller = outer?.kind === 'inlined' ? outer.name : f.name;
        assert.equal(local(s.callFile ?? ''), join(TREE, DEFINED_IN[caller]!), `${s.name} called from ${caller} in ${DEFINED_IN[caller]}`);
        assert.ok(existsSync(local(s.callFile!)));
      }
    }
    if (v.opt === 'O2') assert.ok(calls >= 3, `${calls} inlined calls at -O2`);
  });

  test(`${v.name}: each line-table address names the file gdb finds for it`, { skip: hasGdb ? false : 'gdb is not installed' }, () => {
    const elf = buildTree(v);
    const lines = LineTable.fromImage(new Uint8Array(readFileSync(elf)));
    const addrs: number[] = [];
    for (const s of funcSymbols(elf)) for (let a = s.value; a < s.value + Math.max(1, s.size); a++) if (lines.isStatementStart(a)) addrs.push(a);
    assert.ok(addrs.length >= 20, `${addrs.length} statement addresses`);
    const theirs = gdbFullnames(elf, addrs);
    assert.equal(theirs.size, addrs.length, 'gdb answered for every address');
    for (const a of addrs) assert.equal(local(lines.lookup(a)!.file), theirs.get(a), `0x${a.toString(16)}`);
  });
}
