// Builds the x86-64 DWARF test program (src/frames64.c + src/frames64-stub.S) with gcc -m64 -g
// in the variants a 64-bit kernel meets: -O0/-Og/-O2, DWARF 4 and 5, CFI in .eh_frame or
// .debug_frame, and one linked in the top 2 GiB (-mcmodel=kernel), as Linux-style kernels are.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD, DIR } from './programs';

export interface Variant64 {
  name: string; flags: string[];
  /** Linked where a native process can run it (the runtime oracle needs that). */
  runs: boolean;
}

export const VARIANTS64: Variant64[] = [
  { name: 'O0', flags: ['-O0'], runs: true },
  { name: 'O0-dwarf4-debug_frame', flags: ['-O0', '-gdwarf-4', '-fno-asynchronous-unwind-tables'], runs: true },
  { name: 'Og', flags: ['-Og'], runs: true },
  { name: 'O2', flags: ['-O2'], runs: true },
  { name: 'O2-dwarf4-debug_frame', flags: ['-O2', '-gdwarf-4', '-fno-asynchronous-unwind-tables'], runs: true },
  { name: 'O2-kernel', flags: ['-O2', '-mcmodel=kernel', '-Wl,-Ttext-segment=0xffffffff80000000'], runs: false },
];

const CFLAGS = ['-m64', '-g', '-ffreestanding', '-fno-pic', '-no-pie', '-static', '-nostdlib', '-fno-stack-protector', '-fno-builtin', '-Wl,--build-id=none'];

export function buildC64(v: Variant64): string {
  mkdirSync(BUILD, { recursive: true });
  const srcs = [join(DIR, 'src', 'frames64.c'), join(DIR, 'src', 'frames64-stub.S')];
  const elf = join(BUILD, `frames64-${v.name}.elf`);
  if (existsSync(elf) && [...srcs, __filename].every((s) => statSync(s).mtimeMs <= statSync(elf).mtimeMs)) return elf;
  // Test files run in parallel processes: each builds under its own name, then renames into place.
  execFileSync('gcc', [...CFLAGS, ...v.flags, ...srcs, '-o', `${elf}.${process.pid}`], { stdio: 'pipe' });
  renameSync(`${elf}.${process.pid}`, elf);
  return elf;
}

/** src/<name>.S (eh64: a hand-written .eh_frame; regs64: CFI naming every register class), linked at 0xffffffff80001000. */
export function buildEh64(name = 'eh64'): string {
  mkdirSync(BUILD, { recursive: true });
  const src = join(DIR, 'src', `${name}.S`);
  const elf = join(BUILD, `${name}.elf`);
  if (existsSync(elf) && [src, __filename].every((s) => statSync(s).mtimeMs <= statSync(elf).mtimeMs)) return elf;
  const obj = `${elf}.${process.pid}.o`;
  execFileSync('gcc', ['-m64', '-c', src, '-o', obj], { stdio: 'pipe' });
  // ld says it cannot build .eh_frame_hdr from these CIEs; the section itself is kept as written.
  execFileSync('ld', ['-m', 'elf_x86_64', '-static', '-Ttext=0xffffffff80001000', '-o', `${elf}.${process.pid}`, obj], { stdio: 'pipe' });
  renameSync(`${elf}.${process.pid}`, elf);
  rmSync(obj, { force: true });
  return elf;
}
