// Builds the initramfs the stock-kernel tests boot: a gzip'd cpio archive in the "newc"
// format the kernel's initramfs unpacker reads (init/initramfs.c), holding a static busybox,
// the console device node the kernel opens for /init's stdout (with an initramfs the kernel
// does not create one itself), and an /init script that prints a marker and powers off.

import { gzipSync } from 'node:zlib';

/** What /init prints once it runs: seeing it means the kernel reached user space. */
export const INIT_MARKER = 'PARAVIRT-INIT-REACHED';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFCHR = 0o020000;
const S_IFLNK = 0o120000;

export interface CpioEntry {
  name: string;
  mode: number;
  data?: Uint8Array;
  /** Device numbers of a character or block special file. */
  rdev?: { major: number; minor: number };
}

function header(e: CpioEntry, ino: number, nameSize: number, fileSize: number): string {
  const field = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  return '070701' + [
    ino, e.mode, 0, 0, (e.mode & S_IFDIR) ? 2 : 1, 0, fileSize, 0, 0,
    e.rdev?.major ?? 0, e.rdev?.minor ?? 0, nameSize, 0,
  ].map(field).join('');
}

/** A cpio newc archive: each header and each body padded to 4 bytes, ending with TRAILER!!!. */
export function cpioNewc(entries: readonly CpioEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let length = 0;
  const push = (b: Uint8Array) => { parts.push(b); length += b.length; };
  const pad = () => { if (length % 4) push(new Uint8Array(4 - (length % 4))); };
  const all = [...entries, { name: 'TRAILER!!!', mode: 0 }];
  all.forEach((e, i) => {
    const name = new TextEncoder().encode(e.name + '\0');
    const data = e.data ?? new Uint8Array(0);
    push(new TextEncoder().encode(header(e, e.name === 'TRAILER!!!' ? 0 : i + 1, name.length, data.length)));
    push(name);
    pad();
    push(data);
    pad();
  });
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** The /init script: a marker on the console, the kernel version beside it, then power off. */
export function initScript(): string {
  return [
    '#!/bin/busybox sh',
    '/bin/busybox mount -t proc proc /proc',
    `/bin/busybox echo "${INIT_MARKER} $(/bin/busybox uname -r)"`,
    '/bin/busybox poweroff -f',
    '',
  ].join('\n');
}

/** The gzip'd initramfs around `busybox` (a static binary: there is no loader or libc inside). */
export function buildInitramfs(busybox: Uint8Array): Uint8Array {
  const text = (s: string) => new TextEncoder().encode(s);
  const archive = cpioNewc([
    { name: 'bin', mode: S_IFDIR | 0o755 },
    { name: 'bin/busybox', mode: S_IFREG | 0o755, data: busybox },
    { name: 'bin/sh', mode: S_IFLNK | 0o777, data: text('busybox') },
    { name: 'dev', mode: S_IFDIR | 0o755 },
    { name: 'dev/console', mode: S_IFCHR | 0o600, rdev: { major: 5, minor: 1 } },
    { name: 'proc', mode: S_IFDIR | 0o755 },
    { name: 'init', mode: S_IFREG | 0o755, data: text(initScript()) },
  ]);
  return new Uint8Array(gzipSync(archive, { level: 9 }));
}
