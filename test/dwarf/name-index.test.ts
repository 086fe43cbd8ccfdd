// The function name index (emulator/loader/dwarf/name-index.ts) against readelf: every
// DW_TAG_subprogram that has a name and is not a declaration, by compile unit, in programs gcc
// builds in each DWARF version (type units too) and in a kernel of several units (nasm and gcc).
// Also its cache file round trip, and what a file for another build or a damaged one gives.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DebugFile } from '../../emulator/loader/dwarf/debug-file';
import { NameIndex } from '../../emulator/loader/dwarf/name-index';
import { FileSource } from '../../debug-adapter/file-source';
import { TYPE_UNIT_VARIANTS, VARIANTS, buildC, readelf } from './programs';
import { buildGuest } from '../debug-adapter/harness';

/** readelf's subprograms: name -> the offsets of the units defining (not declaring) one. */
function oracle(elf: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  let unit = -1;
  let die: { name?: string; declared: boolean; unit: number } | null = null;
  const flush = () => {
    if (die?.name !== undefined && !die.declared) { const s = out.get(die.name) ?? new Set(); s.add(die.unit); out.set(die.name, s); }
    die = null;
  };
  for (const line of readelf(elf, ['--debug-dump=info', '--wide']).split('\n')) {
    const cu = /Compilation Unit @ offset (0x[0-9a-f]+|\d+):/.exec(line);
    if (cu) { flush(); unit = Number(cu[1]); continue; }
    const head = /^\s*<\d+><[0-9a-f]+>: Abbrev Number: \d+ \((\w+)\)/.exec(line);
    if (head) { flush(); if (head[1] === 'DW_TAG_subprogram') die = { declared: false, unit }; continue; }
    if (/^\s*<\d+><[0-9a-f]+>: Abbrev Number: 0/.test(line)) { flush(); continue; }
    if (!die) continue;
    // `DW_AT_name : kmain`, `: (indirect string, offset: 0xe): kmain`, `: (strp) (offset: 0x206): _start`, `: (string) put`.
    const name = /DW_AT_name\s*:\s*(?:\([^)]*\)\s*)*(?::\s*)?(\S.*?)\s*$/.exec(line);
    if (name) die.name = name[1]!;
    if (/DW_AT_declaration\s*:\s*(?:\([^)]*\)\s*)?1/.test(line)) die.declared = true;
  }
  flush();
  return out;
}

function check(elf: string): number {
  const source = new FileSource(elf);
  try {
    const index = new DebugFile(source).buildNameIndex();
    const want = oracle(elf);
    assert.ok(want.size > 0, `${elf}: readelf lists no functions`);
    for (const [name, units] of want) {
      assert.deepEqual(new Set(index.unitsNaming(name)), units, `${elf}: units defining ${name}`);
    }
    // Nothing else: each entry is one of readelf's (the pairs are unique).
    assert.equal(index.size, [...want.values()].reduce((n, s) => n + s.size, 0), `${elf}: entries beyond readelf's functions`);
    assert.deepEqual(index.unitsNaming('no_such_function_anywhere'), []);
    return want.size;
  } finally { source.close(); }
}

test('the name index lists the units defining each function, as readelf does, in every DWARF variant', () => {
  for (const v of [...VARIANTS, ...TYPE_UNIT_VARIANTS]) for (const src of ['vars', 'trap']) check(buildC(src, v));
});

test('a kernel of several units (nasm and gcc): each function in its own unit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pv-names-'));
  try {
    for (const name of ['kernel-O2', 'irq-O0', 'kernel64-Og', 'linuxlike64']) {
      const elf = buildGuest(dir, name);
      const units = new Set(readelf(elf, ['--debug-dump=info']).split('\n').filter((l) => /Compilation Unit @/.test(l)));
      assert.ok(units.size >= 2, `${name}: ${units.size} units`);
      assert.ok(check(elf) >= 3);
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the cache file holds the index for one build only', () => {
  const elf = buildC('vars', VARIANTS.find((v) => v.name === 'O2')!);
  const source = new FileSource(elf);
  try {
    const index = new DebugFile(source).buildNameIndex();
    const key = new Uint8Array([1, 2, 3, 4, 5]);
    const bytes = index.toBytes(key);
    const back = NameIndex.fromBytes(bytes, key);
    assert.ok(back);
    for (const name of oracle(elf).keys()) assert.deepEqual(back.unitsNaming(name), index.unitsNaming(name));
    assert.equal(NameIndex.fromBytes(bytes, new Uint8Array([1, 2, 3, 4, 6])), null, 'another build id');
    assert.equal(NameIndex.fromBytes(bytes.subarray(0, bytes.length - 1), key), null, 'a truncated file');
    assert.ok(index.size > 1);
    const scrambled = bytes.slice();
    new DataView(scrambled.buffer).setUint32(bytes.length - 8 * index.size, 0xffffffff, true);   // the first hash: no longer the least
    assert.equal(NameIndex.fromBytes(scrambled, key), null, 'hashes out of order');
    assert.equal(NameIndex.fromBytes(new Uint8Array(3), key), null);
  } finally { source.close(); }
});

test('the build id is the one readelf shows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pv-names-'));
  try {
    const obj = join(dir, 'k.o'), elf = join(dir, 'k.elf');
    execFileSync('gcc', ['-m32', '-ffreestanding', '-fno-pic', '-nostdlib', '-g', '-O2', '-c', join(__dirname, 'src', 'vars.c'), '-o', obj]);
    execFileSync('ld', ['-m', 'elf_i386', '--build-id=sha1', '-T', join(__dirname, 'src', 'link.ld'), '-nostdlib', '-z', 'noexecstack', '--no-warn-rwx-segments', obj, '-o', elf]);
    const want = /Build ID: ([0-9a-f]+)/.exec(readelf(elf, ['-n']))?.[1];
    assert.ok(want);
    const source = new FileSource(elf);
    try { assert.equal(Buffer.from(new DebugFile(source).buildId()!).toString('hex'), want); } finally { source.close(); }
    const none = buildC('vars', VARIANTS[0]!);
    const s2 = new FileSource(none);
    try { assert.equal(readelf(none, ['-n']).includes('Build ID'), new DebugFile(s2).buildId() !== null); } finally { s2.close(); }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
