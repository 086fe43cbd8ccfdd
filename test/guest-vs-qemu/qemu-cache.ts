// QEMU's answers for the guest kernels, cached in test/guests/build/qemu-cache/ under the
// SHA-256 of the kernel, QEMU's command line and QEMU's version, so reruns skip QEMU.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QEMU_BINARIES, qemuArgs, runQemu, type QemuArch, type QemuResult } from '../qemu/run-qemu';
import { BUILD_DIR } from './guest-files';

const CACHE_DIR = join(BUILD_DIR, 'qemu-cache');

const qemuVersions = new Map<QemuArch, string>();
function version(arch: QemuArch): string {
  let v = qemuVersions.get(arch);
  if (v === undefined) {
    try { v = execFileSync(QEMU_BINARIES[arch], ['--version'], { encoding: 'utf8' }).split('\n')[0]!; } catch { v = 'unknown'; }
    qemuVersions.set(arch, v);
  }
  return v;
}

function cacheKey(elf: Uint8Array, cpu: string | undefined, arch: QemuArch): string {
  const h = createHash('sha256');
  h.update(elf);
  // The i386 key is what it was before 64-bit kernels existed, so those entries stay valid.
  if (arch !== 'i386') h.update(QEMU_BINARIES[arch]);
  h.update(qemuArgs('<kernel>', '<serial>', { ...(cpu === undefined ? {} : { cpu }), arch }).join(' '));
  h.update(version(arch));
  return h.digest('hex');
}

/** QEMU's serial output and exit status for this kernel, from the cache or a fresh run. */
export async function qemuReference(elfPath: string, timeoutMs = 30_000, cpu?: string, arch: QemuArch = 'i386'): Promise<QemuResult & { cached: boolean }> {
  const bytes = readFileSync(elfPath);
  const file = join(CACHE_DIR, `${cacheKey(bytes, cpu, arch)}.json`);
  if (existsSync(file)) {
    try {
      const r = JSON.parse(readFileSync(file, 'utf8')) as QemuResult;
      return { ...r, cached: true };
    } catch { /* a damaged entry is simply recomputed */ }
  }
  const r = await runQemu(elfPath, { timeoutMs, arch, ...(cpu === undefined ? {} : { cpu }) });
  if (!r.timedOut) {
    mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(r));
    renameSync(tmp, file);
  }
  return { ...r, cached: false };
}
