// Static debug information against gdb 13 (batch mode on the ELF, no process): the type and
// printed value of every global, struct member offsets and bit fields, and per function the
// symbols in scope with their locations (ranges, registers, frame offsets, constants).
// Function bounds are checked against the ELF symbol table (readelf -s).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DebugInfo, declaration, typeName } from '../../emulator/loader/dwarf';
import type { CType, Variable } from '../../emulator/loader/dwarf';
import { evaluate } from '../../emulator/loader/dwarf';
import { TYPE_UNIT_VARIANTS, VARIANTS, buildC, gdb, hasGdb, read, readelf } from './programs';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { LineTable } from '../../emulator/loader/dwarf/line-table';
import { localSourcePath } from '../../emulator/loader/dwarf/source-paths';
import { inlinedEntry } from '../../debug-adapter/engine/inline-frames';
import { TREE, buildTree, treeVariants } from './tree-build';
import { elfMemory } from './elf-memory';

const skip = hasGdb ? false : 'gdb is not installed';

/** Splits batch output into one answer per command, using echo markers. */
function ask(elf: string, commands: string[]): string[] {
  const cmds: string[] = [];
  commands.forEach((c, i) => { cmds.push(`echo @@${i}@@\\n`, c); });
  const out = gdb(elf, cmds);
  const answers: string[] = [];
  const parts = out.split(/@@(\d+)@@\n/);
  for (let i = 1; i < parts.length; i += 2) answers[Number(parts[i])] = parts[i + 1]!.trim();
  return answers;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}

const REGS = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];

/** Checks one of gdb's location descriptions against our expression; false when the form is not one we compare. */
function checkDescription(desc: string, expr: Uint8Array | null, what: string): boolean {
  let m: RegExpExecArray | null;
  desc = desc.replace(/\s+/g, ' ').trim();
  if ((m = /^a variable in \$(\w+)$/.exec(desc))) {
    assert.deepEqual([...expr!], [0x50 + REGS.indexOf(m[1]!)], `${what}: in $${m[1]}`);
    return true;
  }
  if ((m = /^the constant (-?\d+)$/.exec(desc))) {
    const loc = evaluate(expr!, { regs: {}, readMemory: () => null });
    assert.equal(loc.kind, 'value', `${what}: a constant`);
    assert.equal((loc as { value: number }).value, Number(m[1]) >>> 0, `${what}: the constant`);
    return true;
  }
  if ((m = /^a complex DWARF expression: 0: DW_OP_fbreg (-?\d+)$/.exec(desc)) || (m = /^a variable at frame base reg \$\w+ offset -?\d+\+(-?\d+)$/.exec(desc))) {
    assert.deepEqual([...expr!], [0x91, ...sleb(Number(m[1]))], `${what}: fbreg ${m[1]}`);
    return true;
  }
  if ((m = /^static storage at address 0x([0-9a-f]+)$/.exec(desc))) {
    const a = parseInt(m[1]!, 16);
    assert.deepEqual([...expr!], [0x03, a & 0xff, (a >> 8) & 0xff, (a >> 16) & 0xff, a >>> 24], `${what}: static at ${m[1]}`);
    return true;
  }
  return false;
}

interface ScopeEntry { name: string; desc: string }

function parseScope(text: string): ScopeEntry[] {
  const out: ScopeEntry[] = [];
  for (const chunk of text.split(/^Symbol /m).slice(1)) {
    const m = /^(\w+) is ([\s\S]*?),? length \d+\.\s*$/.exec(chunk.trim());
    if (m) out.push({ name: m[1]!, desc: m[2]!.trim() });
    else out.push({ name: chunk.split(' ')[0]!, desc: chunk.trim() });
  }
  return out;
}

function sizeMask(v: bigint, t: CType, size: number): bigint { void t; return BigInt.asUintN(size * 8, v); }

for (const v of [...VARIANTS, ...TYPE_UNIT_VARIANTS]) {
  const typeUnits = TYPE_UNIT_VARIANTS.includes(v);
  test(`${v.name}: functions match the ELF symbol table`, () => {
    const elf = buildC('vars', v);
    const di = DebugInfo.fromElf(read(elf));
    const syms = readelf(elf, ['-sW']).split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[3] === 'FUNC')
      .map((f) => ({ name: f[7]!, value: parseInt(f[1]!, 16), size: Number(f[2]) }));
    assert.ok(syms.length >= 8, `${syms.length} FUNC symbols`);
    for (const s of syms) {
      const f = di.functionAt(s.value);
      assert.ok(f, `a DWARF function at ${s.name}`);
      assert.equal(f.name, s.name);
      assert.equal(f.lowPc, s.value, `${s.name} starts at its symbol`);
      if (f.ranges.length === 1) assert.equal(f.highPc - f.lowPc, s.size, `${s.name} size`);
      if (s.size > 1) assert.equal(di.functionAt(s.value + s.size - 1)?.name, s.name, `${s.name}'s last byte`);
    }
    const named = new Set(syms.map((s) => s.name));
    for (const f of di.allFunctions()) assert.ok(named.has(f.name), `DWARF function ${f.name} has an ELF symbol`);
  });

  test(`${v.name}: globals have gdb's types and printed values`, { skip }, () => {
    const elf = buildC('vars', v);
    const bytes = read(elf);
    const di = DebugInfo.fromElf(bytes);
    const readMemory = elfMemory(bytes);
    const globals = di.globals();
    assert.ok(globals.length >= 18, `${globals.length} globals`);
    if (typeUnits) assert.ok(di.units.length >= 1 && globals.some((g) => g.type.kind === 'struct' && g.type.members.length > 0), 'struct types resolved through type signatures');
    const answers = ask(elf, globals.flatMap((g) => [`whatis ${g.name}`, `output ${g.name}`]));
    globals.forEach((g, i) => {
      assert.equal(`type = ${typeName(g.type)}`, answers[2 * i], `whatis ${g.name}`);
      const r = di.readVariable(g, { regs: {}, readMemory }, null, { typePrefix: true });
      assert.ok(r.ok, `${g.name}: ${r.ok ? '' : r.reason}`);
      assert.equal(r.text, answers[2 * i + 1], `print ${g.name}`);
    });
  });

  test(`${v.name}: struct and union members have gdb's offsets, bit fields and declarations`, { skip }, () => {
    const elf = buildC('vars', v);
    const di = DebugInfo.fromElf(read(elf));
    const byName = new Map(di.globals().map((g) => [g.name, g]));
    // One gdb run for all three types: ptype /o, each member's offset, sizeof.
    const plan = (['global_record', 'num', 'origin'] as const).map((global) => {
      const cname = { global_record: 'struct record', num: 'union number', origin: 'struct point' }[global];
      const t = byName.get(global)!.type;
      const s = t.kind === 'typedef' ? t.target : t;
      assert.ok(s.kind === 'struct' || s.kind === 'union', `${global} is a ${s.kind}`);
      const commands = [
        `ptype /o ${cname}`,
        ...s.members.map((m) => m.bitSize === undefined ? `output (unsigned)&((${cname} *)0)->${m.name}` : 'echo bitfield'),
        `output sizeof(${cname})`,
      ];
      return { cname, s, commands };
    });
    const all = ask(elf, plan.flatMap((p) => p.commands));
    let at = 0;
    for (const { cname, s, commands } of plan) {
      const answers = all.slice(at, at + commands.length);
      at += commands.length;
      const members = s.members;
      assert.equal(Number(answers[answers.length - 1]), s.size, `sizeof(${cname})`);
      const ptype = answers[0]!.split('\n');
      members.forEach((m, i) => {
        if (m.bitSize === undefined) {
          assert.equal(Number(answers[i + 1]), m.offset, `offsetof(${cname}, ${m.name})`);
          return;
        }
        const line = ptype.find((l) => l.includes(` ${m.name} : `));
        assert.ok(line, `ptype shows bit field ${m.name}`);
        const pm = /\/\*\s+(\d+):\s*(\d+)\s+\|\s+\d+ \*\/\s+(.*);$/.exec(line)!;
        assert.equal(Number(pm[1]) * 8 + Number(pm[2]), m.bitOffset, `${m.name} bit position`);
        assert.equal(pm[3], `${declaration(m.type, m.name)} : ${m.bitSize}`);
      });
      for (const m of members) {
        if (m.type.kind === 'struct' || m.bitSize !== undefined) continue;
        assert.ok(ptype.some((l) => l.trimEnd().endsWith(`*/    ${declaration(m.type, m.name)};`)), `ptype declares ${declaration(m.type, m.name)}`);
      }
    }
  });

  test(`${v.name}: symbols in scope at each function's entry and their locations match gdb's info scope`, { skip: skip || (typeUnits ? 'covered by the plain variants' : false) }, () => {
    const elf = buildC('vars', v);
    const di = DebugInfo.fromElf(read(elf));
    const fns = di.allFunctions().filter((f) => di.scopesAt(f.lowPc).length === 1);
    assert.ok(fns.length >= 6, `${fns.length} functions without an inlined block at entry`);
    const answers = ask(elf, fns.map((f) => `info scope *0x${f.lowPc.toString(16)}`));
    let compared = 0, ranged = 0;
    fns.forEach((f, i) => {
      const text = answers[i]!;
      if (/is a function at/.test(text)) return;   // gdb stops at an inlined block here
      const va = di.variablesAt(f.lowPc)!;
      const ours = new Map<string, Variable>([...va.params, ...va.locals].map((x) => [x.name, x]));
      const theirs = /contains no locals/.test(text) ? [] : parseScope(text);
      assert.deepEqual([...ours.keys()].sort(), theirs.map((e) => e.name).sort(), `names in scope of ${f.name}`);
      for (const e of theirs) {
        const vr = ours.get(e.name)!;
        const what = `${f.name}: ${e.name}`;
        let m: RegExpExecArray | null;
        if ((m = /^a constant with value (-?\d+)/.exec(e.desc))) {
          assert.notEqual(vr.constValue, null, `${what}: has DW_AT_const_value`);
          const size = Math.max(1, Math.min(8, (vr.type.kind === 'base' ? vr.type.size : 4)));
          assert.equal(sizeMask(BigInt(vr.constValue as number), vr.type, size), BigInt.asUintN(size * 8, BigInt(m[1]!)), what);
          compared++;
          continue;
        }
        if (/^optimized out/.test(e.desc)) { assert.equal(vr.location, null, `${what}: no location`); compared++; continue; }
        if (/^multi-location:/.test(e.desc)) {
          const list = di.locationList(vr);
          assert.ok(list, `${what}: we read a location list too`);
          const ranges = [...e.desc.matchAll(/Range 0x([0-9a-f]+)-0x([0-9a-f]+): ([\s\S]*?)(?=\n\s*Range 0x|$)/g)];
          const mine = list;
          assert.deepEqual(mine.map((x) => [x.start, x.end]), ranges.map((r) => [parseInt(r[1]!, 16), parseInt(r[2]!, 16)]), `${what}: ranges`);
          ranges.forEach((r, k) => { if (checkDescription(r[3]!, mine[k]!.expr, `${what} range ${k}`)) ranged++; });
          compared++;
          continue;
        }
        const expr = di.expressionAt(vr.location!, vr.unit, f.lowPc);
        if (checkDescription(e.desc, expr, what)) compared++;
      }
    });
    assert.ok(compared >= 8, `${compared} symbols compared`);
    if (!v.name.startsWith('O0')) assert.ok(ranged >= 1, `${ranged} location-list entries compared`);
  });
}

// Inlined calls and source paths on the source-tree kernel (tree-build.ts: gcc and clang, -O0
// and -O2, DWARF 4 and 5, with and without -ffile-prefix-map), against gdb run in the tree's
// root: at every statement address, the chain of inlined calls and the function around them
// (gdb.block_for_pc, innermost first) with each call's file and line and each function's
// declaration, and where gdb puts a
// breakpoint on each inlined function.
for (const v of treeVariants()) {
  test(`tree ${v.name}: inlined-call chains, call sites, declarations and inlined breakpoint locations match gdb's`, { skip }, () => {
    const elf = buildTree(v);
    const bytes = read(elf);
    const di = DebugInfo.fromElf(bytes);
    const lines = LineTable.fromImage(bytes);
    const local = (f: string) => localSourcePath(f, { cwd: TREE });
    const addrs: number[] = [];
    for (const f of di.allFunctions()) for (const [lo, hi] of f.ranges) addrs.push(...lines.statementStarts(lo, hi));
    const inlinedNames = [...new Set(di.allFunctions().flatMap((f) => di.inlineFramesAt(f.lowPc).concat(...addrs.map((a) => di.inlineFramesAt(a))).filter((x) => x.inlined).map((x) => x.name)))].sort();
    const py = `${elf}.${process.pid}.oracle.py`;
    writeFileSync(py, [
      'import gdb',
      `for a in [${addrs.join(',')}]:`,
      '    b = gdb.block_for_pc(a)',
      '    chain = []',
      '    while b is not None and not b.is_global and not b.is_static:',
      '        if b.function is not None:',
      "            chain.append('%s:%d:%s' % (b.function.name, b.function.line, b.function.symtab.fullname()))",
      '        b = b.superblock',
      "    print('@@%d %s' % (a, ' '.join(chain)))",
      `for n in [${inlinedNames.map((n) => `'${n}'`).join(',')}]:`,
      "    bp = gdb.Breakpoint(n, internal=True)",
      "    print('@@bp %s %s' % (n, ' '.join('%d' % l.address for l in bp.locations)))",
    ].join('\n') + '\n');
    const out = spawnSync('gdb', ['-nx', '-batch', '-x', py, elf], { cwd: TREE, encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
    rmSync(py, { force: true });
    const chains = new Map<number, string>();
    for (const [, a, c] of out.matchAll(/^@@(\d+) (.*)$/gm)) chains.set(Number(a), c!.trim());
    assert.equal(chains.size, addrs.length, 'gdb answered for every address');
    let inlinedSeen = 0;
    for (const a of addrs) {
      // gdb's symbol for an inlined call carries the call's file and line (DW_AT_call_file and
      // call_line); a function's, its declaration's.
      const frames = di.inlineFramesAt(a);
      const ours = frames.map((f) => f.inlined ? `${f.name}:${f.callLine}:${local(f.callFile ?? '')}` : `${f.name}:${f.declLine}:${local(f.declFile ?? '')}`);
      if (frames.some((f) => f.inlined)) inlinedSeen++;
      assert.equal(ours.join(' '), chains.get(a), `0x${a.toString(16)}`);
    }
    if (v.opt === 'O2') assert.ok(inlinedSeen >= 5, `${inlinedSeen} addresses inside inlined calls`);
    for (const [, name, locs] of out.matchAll(/^@@bp (\S+) ?(.*)$/gm)) {
      const theirs = locs!.trim().split(/\s+/).filter(Boolean).map(Number);
      const ours = di.functionLocations(name!).filter((l) => l.inlined);
      // gdb's locations include the out-of-line copy (after its prologue for clang). gdb 13
      // takes an inlined call's first range's start; where gcc's DW_AT_entry_pc lies inside the
      // call's code, that is ours (the entry DWARF names), so gdb's must be in the same call.
      for (const l of ours) {
        const a = inlinedEntry(l, lines);
        const same = theirs.find((g) => g === a || (a === l.scope.entryPc && l.scope.ranges.some(([lo, hi]) => g >= lo && g < hi)));
        assert.ok(same !== undefined, `${name}: inlined instance at 0x${a.toString(16)} is one of gdb's (${theirs.map((x) => x.toString(16)).join(' ')})`);
        if (same !== a) assert.equal(same, l.scope.ranges[0]![0], "gdb's is the first range's start");
      }
      const outOfLine = di.allFunctions().filter((f) => f.name === name).length;
      assert.equal(ours.length + outOfLine, theirs.length, `${name}: as many locations as gdb`);
    }
  });
}
