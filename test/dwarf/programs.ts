// Builds the DWARF test programs from src/ into build/ at test time, in the variants the
// debugger meets: gcc -O0/-Og/-O2, DWARF 2/4/5, CFI in .eh_frame or .debug_frame.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const DIR = join(__dirname);
export const BUILD = join(DIR, 'build');

export interface Variant { name: string; flags: string[] }

export const VARIANTS: Variant[] = [
  { name: 'O0', flags: ['-O0'] },
  { name: 'O0-dwarf4-debug_frame', flags: ['-O0', '-gdwarf-4', '-fno-asynchronous-unwind-tables'] },
  { name: 'O0-dwarf2', flags: ['-O0', '-gdwarf-2', '-gstrict-dwarf', '-fno-asynchronous-unwind-tables'] },
  { name: 'Og-debug_frame', flags: ['-Og', '-fno-asynchronous-unwind-tables'] },
  { name: 'O2', flags: ['-O2'] },
  { name: 'O2-dwarf4-debug_frame', flags: ['-O2', '-gdwarf-4', '-fno-asynchronous-unwind-tables'] },
  // Linux's i386 convention: arguments in EAX, EDX, ECX, which brings DW_OP_entry_value.
  { name: 'O2-regparm3', flags: ['-O2', '-mregparm=3'] },
];

/** Types moved into type units (.debug_types in DWARF 4, type units in .debug_info in DWARF 5). */
export const TYPE_UNIT_VARIANTS: Variant[] = [
  { name: 'O0-dwarf4-types', flags: ['-O0', '-gdwarf-4', '-fdebug-types-section'] },
  { name: 'O2-types', flags: ['-O2', '-fdebug-types-section'] },
];

const CFLAGS = ['-m32', '-ffreestanding', '-fno-pic', '-fno-pie', '-nostdlib', '-fno-stack-protector', '-fno-builtin', '-g'];

function fresh(out: string, inputs: string[]): boolean {
  if (!existsSync(out)) return false;
  const t = statSync(out).mtimeMs;
  return inputs.every((i) => statSync(i).mtimeMs <= t);
}

/** Builds src/<source>.c with a variant's flags; returns the ELF path. */
export function buildC(source: string, v: Variant): string {
  mkdirSync(BUILD, { recursive: true });
  const src = join(DIR, 'src', `${source}.c`);
  const ld = join(DIR, 'src', 'link.ld');
  const elf = join(BUILD, `${source}-${v.name}.elf`);
  if (fresh(elf, [src, ld, __filename])) return elf;
  // Test files run in parallel processes: each builds under its own names, then renames into place.
  const obj = join(BUILD, `${source}-${v.name}.${process.pid}.o`);
  execFileSync('gcc', [...CFLAGS, ...v.flags, '-c', src, '-o', obj], { stdio: 'pipe' });
  execFileSync('ld', ['-m', 'elf_i386', '-T', ld, '-nostdlib', '-z', 'noexecstack', '--no-warn-rwx-segments', obj, '-o', `${elf}.${process.pid}`], { stdio: 'pipe' });
  renameSync(`${elf}.${process.pid}`, elf);
  rmSync(obj, { force: true });
  return elf;
}

/** Builds src/<source>.asm (with nasm -F dwarf when `debug`) into an ELF linked at 1 MiB. */
export function buildAsm(source: string, debug = true): string {
  mkdirSync(BUILD, { recursive: true });
  const src = join(DIR, 'src', `${source}.asm`);
  const elf = join(BUILD, `${source}-asm.elf`);
  if (fresh(elf, [src, __filename])) return elf;
  const obj = join(BUILD, `${source}.${process.pid}.asm.o`);
  execFileSync('nasm', ['-f', 'elf32', ...(debug ? ['-g', '-F', 'dwarf'] : []), src, '-o', obj], { stdio: 'pipe' });
  execFileSync('ld', ['-m', 'elf_i386', '-T', join(DIR, 'src', 'link.ld'), '-nostdlib', '-z', 'noexecstack', '--no-warn-rwx-segments', obj, '-o', `${elf}.${process.pid}`], { stdio: 'pipe' });
  renameSync(`${elf}.${process.pid}`, elf);
  rmSync(obj, { force: true });
  return elf;
}

export function read(path: string): Uint8Array { return new Uint8Array(readFileSync(path)); }

export const hasGdb = spawnSync('gdb', ['--version'], { stdio: 'ignore' }).status === 0;

/** Runs gdb in batch mode on an ELF (no process: static information and file-backed data). */
export function gdb(elf: string, commands: string[]): string {
  const args = ['-nx', '-batch', '-ex', 'set width 0', '-ex', 'set height 0', '-ex', 'set print symbol off'];
  for (const c of commands) args.push('-ex', c);
  args.push(elf);
  const r = spawnSync('gdb', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  return r.stdout + r.stderr;
}

export function readelf(elf: string, args: string[]): string {
  return execFileSync('readelf', [...args, elf], { encoding: 'utf8', maxBuffer: 64 << 20 });
}
