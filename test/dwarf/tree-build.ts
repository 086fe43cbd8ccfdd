// Builds test/guests/tree (a kernel source tree with subdirectories) the way kernels are built:
// from the tree's root, with paths relative to it (`gcc -c x86/sieve.c -Iinclude`), in the
// variants whose debug information names sources differently: gcc and clang, -O0 and -O2,
// DWARF 4 and 5 (and gcc's strict DWARF 2 and 3), with and without -ffile-prefix-map=<root>=.
// (comp_dir ".").

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const TREE = resolve(__dirname, '../guests/tree');
const BUILD = join(__dirname, 'build', 'tree');

export const hasClang = spawnSync('clang', ['--version'], { stdio: 'ignore' }).status === 0;

/** `prefixMap`: -ffile-prefix-map=<root>=<prefixTo>, "." unless given (Debian builds map to /build/...). */
export interface TreeVariant { name: string; cc: 'gcc' | 'clang'; opt: 'O0' | 'O2'; dwarf: 2 | 3 | 4 | 5; prefixMap: boolean; prefixTo?: string }

/** Every variant the compilers installed can build. */
export function treeVariants(): TreeVariant[] {
  const out: TreeVariant[] = [];
  for (const cc of hasClang ? ['gcc', 'clang'] as const : ['gcc'] as const) {
    for (const opt of ['O0', 'O2'] as const) {
      for (const dwarf of [4, 5] as const) {
        for (const prefixMap of [false, true]) out.push({ name: `${cc}-${opt}-dwarf${dwarf}${prefixMap ? '-prefixmap' : ''}`, cc, opt, dwarf, prefixMap });
      }
    }
  }
  // DWARF 2 and 3 (include_directories relative to DW_AT_comp_dir, as in 4): gcc, strictly.
  out.push({ name: 'gcc-O0-dwarf2', cc: 'gcc', opt: 'O0', dwarf: 2, prefixMap: false });
  out.push({ name: 'gcc-O2-dwarf3-prefixmap', cc: 'gcc', opt: 'O2', dwarf: 3, prefixMap: true });
  return out;
}

export const TREE_SOURCES = { c: ['lib/main.c', 'lib/print.c', 'x86/sieve.c'], asm: 'boot/entry.asm', header: 'include/kernel/io.h' };

const CFLAGS = ['-m32', '-ffreestanding', '-fno-pic', '-fno-pie', '-nostdlib', '-fno-stack-protector', '-fno-builtin', '-fno-asynchronous-unwind-tables', '-Iinclude'];

function newest(files: string[]): number { return Math.max(...files.map((f) => statSync(f).mtimeMs)); }

/** Builds one variant (once; rebuilt when a source or this file changes); returns the ELF path. */
export function buildTree(v: TreeVariant): string {
  const dir = join(BUILD, v.name);
  const elf = join(dir, 'kernel.elf');
  const inputs = [...TREE_SOURCES.c, TREE_SOURCES.asm, TREE_SOURCES.header, 'link.ld'].map((f) => join(TREE, f));
  if (existsSync(elf) && statSync(elf).mtimeMs >= newest([...inputs, __filename])) return elf;
  // Test files run in parallel processes: each builds in a folder of its own, then renames.
  const tmp = join(BUILD, `${v.name}.${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  const flags = [...CFLAGS, `-${v.opt}`, `-gdwarf-${v.dwarf}`, ...(v.dwarf < 4 ? ['-gstrict-dwarf'] : []), ...(v.prefixMap ? [`-ffile-prefix-map=${TREE}=${v.prefixTo ?? '.'}`] : [])];
  const objs: string[] = [];
  const o = (src: string) => join(tmp, src.replace(/[/.]/g, '_') + '.o');
  execFileSync('nasm', ['-f', 'elf32', '-g', '-F', 'dwarf', TREE_SOURCES.asm, '-o', o(TREE_SOURCES.asm)], { cwd: TREE, stdio: 'pipe' });
  objs.push(o(TREE_SOURCES.asm));
  for (const src of TREE_SOURCES.c) {
    execFileSync(v.cc, [...flags, '-c', src, '-o', o(src)], { cwd: TREE, stdio: 'pipe' });
    objs.push(o(src));
  }
  execFileSync('ld', ['-m', 'elf_i386', '-nostdlib', '-z', 'noexecstack', '--no-warn-rwx-segments', '-T', 'link.ld', '-o', join(tmp, 'kernel.elf'), ...objs], { cwd: TREE, stdio: 'pipe' });
  rmSync(dir, { recursive: true, force: true });
  try { renameSync(tmp, dir); } catch { rmSync(tmp, { recursive: true, force: true }); }   // another process won
  return elf;
}

/** 1-based line of the `@marker` comment in a tree source. */
export function treeLine(file: string, marker: string): number {
  const lines = readFileSync(join(TREE, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => new RegExp(`@${marker}\\b`).test(l));
  if (i < 0) throw new Error(`no @${marker} in ${file}`);
  return i + 1;
}
