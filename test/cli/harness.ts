// Builds the CLI bundle and the test kernels once per test file, and runs `paravirt` as a
// child process the way a user or CI does.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '../..');
export const GUEST_SRC = resolve(HERE, 'guests');

export interface Built { dir: string; cli: string; guest(name: string): string }

/** Bundles cli/main.ts exactly as scripts/build.mjs does, into a private directory. */
export async function buildAll(guests: string[]): Promise<Built> {
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-cli-test-'));
  const cli = join(dir, 'cli.js');
  await build({
    entryPoints: [join(ROOT, 'cli/main.ts')], outfile: cli, bundle: true, platform: 'node', target: 'node20',
    format: 'cjs', external: ['vscode'], banner: { js: '#!/usr/bin/env node' }, logLevel: 'error',
  });
  for (const g of guests) buildGuest(dir, g);
  return { dir, cli, guest: (name) => join(dir, `${name}.elf`) };
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/**
 * Builds guests/<name>.asm, or guests/<name>.c behind guests/cstart.asm, into dir/<name>.elf.
 * `debug` adds DWARF line information (nasm -g -F dwarf, gcc -g).
 */
export function buildGuest(dir: string, name: string, debug = false): string {
  const objs: string[] = [];
  const nasm = (src: string, obj: string) =>
    run('nasm', ['-f', 'elf32', ...(debug ? ['-g', '-F', 'dwarf'] : []), '-I', GUEST_SRC + '/', '-o', obj, src]);
  if (existsSync(join(GUEST_SRC, `${name}.c`))) {
    objs.push(join(dir, 'cstart.o'), join(dir, `${name}.o`));
    nasm(join(GUEST_SRC, 'cstart.asm'), objs[0]!);
    run('gcc', ['-m32', '-O1', '-ffreestanding', '-fno-pic', '-fno-pie', '-nostdlib', '-fno-stack-protector',
      '-fno-asynchronous-unwind-tables', ...(debug ? ['-g'] : []), '-c', join(GUEST_SRC, `${name}.c`), '-o', objs[1]!]);
  } else {
    objs.push(join(dir, `${name}.o`));
    nasm(join(GUEST_SRC, `${name}.asm`), objs[0]!);
  }
  const elf = join(dir, `${name}.elf`);
  run('ld', ['-m', 'elf_i386', '-z', 'noexecstack', '--no-warn-rwx-segments', '-T', join(GUEST_SRC, 'link.ld'), '-o', elf, ...objs]);
  return elf;
}

/** addr2line's answer (binutils, an independent DWARF reader) for each address: [file, line] or null. */
export function addr2line(elf: string, addresses: number[]): Array<[string, number] | null> {
  const r = spawnSync('addr2line', ['-e', elf, ...addresses.map((a) => a.toString(16))], { encoding: 'utf8' });
  return r.stdout.trimEnd().split('\n').map((l) => {
    const m = /^(.*):(\d+)(?: \(discriminator \d+\))?$/.exec(l.trim());
    return m && m[1] !== '??' && Number(m[2]) > 0 ? [m[1]!, Number(m[2])] : null;
  });
}

export interface CliResult { status: number | null; stdout: string; stderr: string }

export function paravirt(b: Built, args: string[]): CliResult {
  const r = spawnSync(process.execPath, [b.cli, ...args], { encoding: 'utf8', timeout: 120_000, cwd: b.dir });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The JSON summary: the last line of stdout. */
export function lastJsonLine(stdout: string): any {
  const lines = stdout.trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

/** A `%define NAME value` from a guest source. */
export function guestDefine(guest: string, name: string): number {
  const src = readFileSync(join(GUEST_SRC, `${guest}.asm`), 'utf8');
  const m = new RegExp(`^%define\\s+${name}\\s+(\\S+)`, 'm').exec(src);
  if (!m) throw new Error(`${guest}.asm has no %define ${name}`);
  return Number(m[1]);
}

/** The text of a `label: db "...", 10, 0` string in a guest source (10 becomes a newline). */
export function guestString(guest: string, label: string): string {
  const src = readFileSync(join(GUEST_SRC, `${guest}.asm`), 'utf8');
  const m = new RegExp(`^${label}:\\s+db\\s+"([^"]*)"((?:,\\s*\\d+)*)`, 'm').exec(src);
  if (!m) throw new Error(`${guest}.asm has no string ${label}`);
  const tail = (m[2] ?? '').split(',').map((x) => x.trim()).filter(Boolean).map(Number).filter((n) => n !== 0);
  return m[1] + String.fromCharCode(...tail);
}

/** Address of a global symbol in a built guest, read with nm (an independent tool). */
export function symbolAddress(elf: string, name: string): number {
  const r = spawnSync('nm', [elf], { encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.trim().endsWith(` ${name}`));
  if (!line) throw new Error(`no symbol ${name} in ${elf}`);
  return parseInt(line.split(' ')[0]!, 16);
}
