// QEMU's answers for the guest kernels, cached in test/guests/build/qemu-cache/ under the
// SHA-256 of the kernel, QEMU's command line and QEMU's version, so reruns skip QEMU.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QEMU_BINARY, qemuArgs, runQemu, type QemuResult } from '../qemu/run-qemu';
import { BUILD_DIR } from './guest-files';

const CACHE_DIR = join(BUILD_DIR, 'qemu-cache');

let qemuVersion: string | undefined;
function version(): string {
  if (qemuVersion === undefined) {
    try { qemuVersion = execFileSync(QEMU_BINARY, ['--version'], { encoding: 'utf8' }).split('\n')[0]; } catch { qemuVersion = 'unknown'; }
  }
  return qemuVersion;
}

function cacheKey(elf: Uint8Array, cpu?: string): string {
  const h = createHash('sha256');
  h.update(elf);
  h.update(qemuArgs('<kernel>', '<serial>', cpu === undefined ? {} : { cpu }).join(' '));
  h.update(version());
  return h.digest('hex');
}

/** QEMU's serial output and exit status for this kernel, from the cache or a fresh run. */
export async function qemuReference(elfPath: string, timeoutMs = 30_000, cpu?: string): Promise<QemuResult & { cached: boolean }> {
  const bytes = readFileSync(elfPath);
  const file = join(CACHE_DIR, `${cacheKey(bytes, cpu)}.json`);
  if (existsSync(file)) {
    try {
      const r = JSON.parse(readFileSync(file, 'utf8')) as QemuResult;
      return { ...r, cached: true };
    } catch { /* a damaged entry is simply recomputed */ }
  }
  const r = await runQemu(elfPath, { timeoutMs, ...(cpu === undefined ? {} : { cpu }) });
  if (!r.timedOut) {
    mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(r));
    renameSync(tmp, file);
  }
  return { ...r, cached: false };
}
