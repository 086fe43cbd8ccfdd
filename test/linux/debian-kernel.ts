// Debian's stock x86-64 kernel and a busybox initramfs around it, for the tests and the bench
// that boot a real Linux. The packages come from scripts/fetch-debs.sh (apt-get download,
// cached outside the repository); the initramfs is built here from busybox-static and cached
// beside them, rebuilt when busybox or the /init script changes.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { buildInitramfs, initScript } from './initramfs';

const REPO = join(__dirname, '..', '..');
export const CACHE = join(process.env.PARAVIRT_CACHE ?? join(homedir(), '.cache', 'paravirt'));
const DEBS = join(CACHE, 'debs');

export interface LinuxFixture {
  /** The bzImage (boot/vmlinuz-* of the package). */
  kernelPath: string;
  /** e.g. linux-image-6.1.0-57-amd64-unsigned */
  kernelPackage: string;
  initrdPath: string;
  cmdline: string;
}

/** The command line both machines get: the console on COM1, and a panic that ends the run. */
export const LINUX_CMDLINE = 'console=ttyS0 panic=-1';

function fetch(pkg: string): void {
  try {
    execFileSync('bash', [join(REPO, 'scripts', 'fetch-debs.sh'), pkg], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`scripts/fetch-debs.sh could not fetch ${pkg}: ${(e as { stderr?: Buffer }).stderr?.toString().trim() ?? e}`);
  }
}

/** Fetches what is missing (a network access the first time only) and builds the initramfs. */
export function linuxFixture(): LinuxFixture {
  const kernelPath = join(DEBS, 'linux-image', 'vmlinuz');
  const busyboxPath = join(DEBS, 'busybox-static', 'bin', 'busybox');
  if (!existsSync(kernelPath)) fetch('linux-image');
  if (!existsSync(busyboxPath)) fetch('busybox-static');
  const busybox = new Uint8Array(readFileSync(busyboxPath));
  const key = createHash('sha256').update(busybox).update(initScript()).digest('hex').slice(0, 16);
  const dir = join(CACHE, 'linux-fixture');
  const initrdPath = join(dir, `initramfs-${key}.cpio.gz`);
  if (!existsSync(initrdPath)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(initrdPath, buildInitramfs(busybox));
  }
  return {
    kernelPath, initrdPath, cmdline: LINUX_CMDLINE,
    kernelPackage: readFileSync(join(DEBS, 'linux-image', 'package'), 'utf8').trim(),
  };
}

export interface CloudFixture {
  /** Debian's cloud-amd64 bzImage: the flavour with Xen PV and PVH whose debug package is the smallest. */
  kernelPath: string;
  /** Its vmlinux with DWARF 5, from linux-image-*-cloud-amd64-dbg. */
  vmlinuxPath: string;
  kernelPackage: string;
  debugPackage: string;
  initrdPath: string;
  cmdline: string;
}

/**
 * The cloud flavour's kernel and debug vmlinux (fetched once: 27 MB and 283 MB of packages), and
 * the busybox initramfs; a string saying why when they cannot be downloaded (no network, no apt).
 */
export function cloudFixture(): CloudFixture | string {
  const kernelPath = join(DEBS, 'linux-cloud', 'vmlinuz');
  const vmlinuxPath = join(DEBS, 'linux-cloud-dbg', 'vmlinux');
  try {
    if (!existsSync(kernelPath)) fetch('linux-cloud');
    if (!existsSync(vmlinuxPath)) fetch('linux-cloud-dbg');
  } catch (e) {
    return `cannot download Debian's cloud kernel and its debug vmlinux: ${(e as Error).message}`;
  }
  const { initrdPath } = linuxFixture();
  return {
    kernelPath, vmlinuxPath, initrdPath, cmdline: LINUX_CMDLINE,
    kernelPackage: readFileSync(join(DEBS, 'linux-cloud', 'package'), 'utf8').trim(),
    debugPackage: readFileSync(join(DEBS, 'linux-cloud-dbg', 'package'), 'utf8').trim(),
  };
}
