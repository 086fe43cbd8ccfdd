// Reads what fixtures/mb-report.asm prints about the multiboot information it was given, and
// runs it under QEMU, the reference multiboot loader.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const hasQemu = spawnSync('qemu-system-i386', ['--version']).status === 0;

export interface Report {
  magic: number; start: number; flags: number; memLower: number; memUpper: number; cmdline: string;
  mods: Array<{ length: number; sum: number; pageOffset: number; string: string }>;
  map: Array<{ base: number; length: number; type: number }>;
  bss: number;
}

export function parseReport(text: string): Report {
  const r: Report = { magic: -1, start: -1, flags: -1, memLower: -1, memUpper: -1, cmdline: '', mods: [], map: [], bss: -1 };
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.split('=');
    const value = rest.join('=');
    const words = value.split(' ');
    if (key === 'magic') r.magic = parseInt(value, 16);
    if (key === 'start') r.start = parseInt(value, 16);
    if (key === 'flags') r.flags = parseInt(value, 16);
    if (key === 'mem') { r.memLower = parseInt(words[0], 16); r.memUpper = parseInt(words[1], 16); }
    if (key === 'cmdline') r.cmdline = value;
    if (key === 'mod') r.mods.push({ length: parseInt(words[0], 16), sum: parseInt(words[1], 16), pageOffset: parseInt(words[2], 16), string: words.slice(3).join(' ') });
    if (key === 'map') r.map.push({ base: parseInt(words[0], 16), length: parseInt(words[1], 16), type: parseInt(words[2], 16) });
    if (key === 'bss') r.bss = parseInt(value, 16);
  }
  return r;
}


/** Boots the kernel under qemu-system-i386 as a multiboot kernel; module paths are relative to dir. */
export function runQemu(dir: string, ramBytes: number, kernel: string, append: string, modules: string[]): Report {
  const out = join(dir, `${basename(kernel)}.e9.txt`);
  writeFileSync(out, '');
  const args = ['-m', String(ramBytes / 0x100000), '-display', 'none', '-nodefaults', '-no-reboot',
    '-kernel', basename(kernel), '-append', append, '-debugcon', `file:${out}`,
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=1'];
  if (modules.length) args.push('-initrd', modules.join(','));
  const res = spawnSync('qemu-system-i386', args, { cwd: dir, timeout: 60_000 });
  assert.equal(res.status, 1, `QEMU should exit through isa-debug-exit with 0 -> status 1: ${res.stderr}`);
  return parseReport(readFileSync(out, 'utf8'));
}

