// The path rules of source-paths.ts on recorded spellings real producers write (expected
// values worked out from the DWARF 5 spec's rules, sections 6.2.4 and 3.1.1).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilationDir, joinSourcePath, localSourcePath, normalizeSourcePath } from '../../emulator/loader/dwarf/source-paths';

test('file names join their directory unless absolute; dot segments fold', () => {
  assert.equal(joinSourcePath('/src', 'x86/sieve.c'), '/src/x86/sieve.c');
  assert.equal(joinSourcePath('/src/', './x86/../lib/print.c'), '/src/lib/print.c');
  assert.equal(joinSourcePath('/src', '/usr/include/stdint.h'), '/usr/include/stdint.h');
  assert.equal(joinSourcePath('', 'x86/sieve.c'), 'x86/sieve.c');
  assert.equal(joinSourcePath('.', 'x86/sieve.c'), 'x86/sieve.c');
  assert.equal(joinSourcePath('..', 'x86/sieve.c'), '../x86/sieve.c');
  assert.equal(normalizeSourcePath('/../a//b/./c'), '/a/b/c');
  assert.equal(joinSourcePath('C:\\src', 'a.c'), 'C:\\src/a.c');
  assert.equal(joinSourcePath('/src', 'C:\\other\\a.c'), 'C:\\other\\a.c');
});

test("NASM's comp_dir (the main file's directory) gives back the directory it ran in", () => {
  assert.equal(compilationDir('/src/boot/', 'boot/entry.asm', 'NASM 2.16.01'), '/src');
  assert.equal(compilationDir('/src/boot/', 'entry.asm', 'NASM 2.16.01'), '/src/boot/');
  assert.equal(compilationDir('/tmp/a/b/', 'a/b/c.asm', 'NASM 2.16.01'), '/tmp');
  // Names that do not end comp_dir, and other producers, keep comp_dir.
  assert.equal(compilationDir('/src/boot/', 'x86/entry.asm', 'NASM 2.16.01'), '/src/boot/');
  assert.equal(compilationDir('/src/boot/', '../boot/entry.asm', 'NASM 2.16.01'), '/src/boot/');
  assert.equal(compilationDir('/src', 'x86/sieve.c', 'GNU C17 12.2.0'), '/src');
});

test('relative paths resolve against the launch cwd, then sourceFileMap rewrites the longest prefix at a path boundary', () => {
  assert.equal(localSourcePath('x86/sieve.c', { cwd: '/home/me/kernel' }), '/home/me/kernel/x86/sieve.c');
  assert.equal(localSourcePath('/build/x86/sieve.c', { cwd: '/x' }), '/build/x86/sieve.c');
  const sourceFileMap: Array<[string, string]> = [['/build', '/home/me/kernel'], ['/build/x86', '/mnt/arch'], ['/b', '/wrong']];
  assert.equal(localSourcePath('/build/x86/sieve.c', { cwd: '/x', sourceFileMap }), '/mnt/arch/sieve.c');
  assert.equal(localSourcePath('/build/lib/print.c', { cwd: '/x', sourceFileMap }), '/home/me/kernel/lib/print.c');
  assert.equal(localSourcePath('/buildroot/a.c', { cwd: '/x', sourceFileMap }), '/buildroot/a.c');
  // A map after cwd resolution sees the resolved path.
  assert.equal(localSourcePath('x86/sieve.c', { cwd: '/build', sourceFileMap }), '/mnt/arch/sieve.c');
  // A map written for the recorded relative spelling still applies.
  assert.equal(localSourcePath('common/kmain.c', { cwd: '/elsewhere', sourceFileMap: [['common/', '/ws/common/']] }), '/ws/common/kmain.c');
  // A relative target is relative to cwd too.
  assert.equal(localSourcePath('/build/a.c', { cwd: '/ws', sourceFileMap: [['/build', 'src']] }), '/ws/src/a.c');
});
