// Assembles and links the bench guests with nasm and ld into bench/.cache/guests/, one
// ELF per set of trip counts. Rebuilt every time: it takes milliseconds and never goes stale.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const BENCH_DIR = resolve(__dirname);
export const GUEST_SRC = join(BENCH_DIR, 'guests');
export const CACHE_DIR = join(BENCH_DIR, '.cache');
const OUT_DIR = join(CACHE_DIR, 'guests');

function tool(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) {
    const hint = (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? ` (${cmd} is not installed; run scripts/setup.sh)` : '';
    throw new Error(`${cmd} failed to start: ${r.error.message}${hint}`);
  }
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}${r.stdout}`);
}

function build(source: string, name: string, defines: Record<string, number>): string {
  mkdirSync(OUT_DIR, { recursive: true });
  const obj = join(OUT_DIR, `${name}.o`);
  const elf = join(OUT_DIR, `${name}.elf`);
  const d = Object.entries(defines).map(([k, v]) => `-D${k}=${v}`);
  tool('nasm', ['-f', 'elf32', ...d, '-o', obj, join(GUEST_SRC, source)]);
  tool('ld', ['-m', 'elf_i386', '-T', join(GUEST_SRC, 'guest.ld'), '-o', elf, obj]);
  return elf;
}

/** Any guest of guests/ (nasm -f elf32, ld -m elf_i386) with its trip-count defines. */
export const buildGuest = build;

export function buildCompute(passes: number, shared: boolean): string {
  return build('compute.asm', `compute-p${passes}-${shared ? 'shared' : 'own'}`, { PASSES: passes, SHARED: shared ? 1 : 0 });
}

export function buildIoLoop(outs: number): string {
  return build('ioloop.asm', `ioloop-n${outs}`, { OUTS: outs });
}

export const COMPUTE_SOURCE = join(GUEST_SRC, 'compute.asm');
export const IOLOOP_SOURCE = join(GUEST_SRC, 'ioloop.asm');

/** The real-code guests (C, gcc -m32 -O2, paging on): one kernel per workload in guests/real/. */
export const REAL_DIR = join(GUEST_SRC, 'real');
export const REAL_WORKLOADS = ['sieve', 'hash', 'qsort', 'memcopy', 'chase', 'syscall-int80', 'syscall-sysenter', 'demand', 'bootmix'] as const;
export type RealWorkload = typeof REAL_WORKLOADS[number];

const CFLAGS = [
  '-m32', '-O2', '-ffreestanding', '-fno-builtin', '-fno-pic', '-fno-pie', '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables', '-fno-tree-loop-distribute-patterns',
  // The CPU model any i686 kernel may assume: no MMX/SSE in generated code.
  '-march=i686', '-mno-mmx', '-mno-sse', '-Wall', '-Werror',
];

/** The same workloads for x86-64: the kernel's own boot code is guest/boot64.inc. */
const CFLAGS64 = [
  '-m64', '-O2', '-ffreestanding', '-fno-builtin', '-fno-pic', '-fno-pie', '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables', '-fno-tree-loop-distribute-patterns',
  // As a 64-bit kernel is built: interrupts arrive on the kernel's stack, and no SSE/x87 state
  // is set up or saved (the 32-bit build's -mno-sse counterpart).
  '-mno-red-zone', '-mcmodel=small', '-mgeneral-regs-only', '-Wall', '-Werror',
];
const GUEST_INCLUDE = join(BENCH_DIR, '..', 'guest');

/** Which build of the real-code guests: i386 (gcc -m32) or x86_64 (gcc -m64, long mode). */
export type RealArch = 'i386' | 'x86_64';

export function buildReal(workload: RealWorkload, trips: number, arch: RealArch = 'i386'): string {
  mkdirSync(OUT_DIR, { recursive: true });
  if (arch === 'x86_64') return buildReal64(workload, trips);
  const elf = join(OUT_DIR, `real-${workload}-t${trips}.elf`);
  tool('gcc', [...CFLAGS, `-DTRIPS=${trips}u`, '-nostdlib', '-static', '-no-pie', '-Wl,--build-id=none',
    '-T', join(REAL_DIR, 'real.ld'), '-o', elf,
    join(REAL_DIR, 'entry.S'), join(REAL_DIR, 'kernel.c'), join(REAL_DIR, 'lib.c'), join(REAL_DIR, `${workload}.c`)]);
  return elf;
}

function buildReal64(workload: RealWorkload, trips: number): string {
  const elf = join(OUT_DIR, `real64-${workload}-t${trips}.elf`);
  const boot = join(OUT_DIR, 'real64-boot.o');
  tool('nasm', ['-f', 'elf64', `-I${GUEST_INCLUDE}/`, '-o', boot, join(REAL_DIR, 'boot64.asm')]);
  tool('gcc', [...CFLAGS64, `-DTRIPS=${trips}u`, `-I${GUEST_INCLUDE}`, '-nostdlib', '-static', '-no-pie',
    '-Wl,--build-id=none', '-Wl,-z,max-page-size=0x1000', '-Wl,-z,noexecstack', '-Wl,--no-warn-rwx-segments',
    '-T', join(REAL_DIR, 'real64.ld'), '-o', elf, boot,
    join(REAL_DIR, 'entry64.S'), join(REAL_DIR, 'kernel64.c'), join(REAL_DIR, 'lib.c'), join(REAL_DIR, `${workload}.c`)]);
  return elf;
}
