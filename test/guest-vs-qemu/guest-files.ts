// Where the guest test kernels live and which reference each one is judged against.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const GUESTS_DIR = join(HERE, '..', 'guests');
export const BUILD_DIR = join(GUESTS_DIR, 'build');

export interface GuestFile {
  name: string;
  elfPath: string;
  /** An SDM-derived expected serial output, for guests whose behaviour QEMU's TCG gets wrong. */
  expectedPath?: string;
  /** The exit status the guest ends with: 1 (isa-debug-exit value 0) unless src/<name>.status says otherwise. */
  status: number;
  /** QEMU's -cpu for this guest, from src/<name>.qemu-cpu (a guest using SSE needs a model with it). */
  qemuCpu?: string;
}

/** Every built guest kernel (build/<name>.elf), sorted by name. */
export function listGuests(): GuestFile[] {
  if (!existsSync(BUILD_DIR)) return [];
  return readdirSync(BUILD_DIR)
    .filter((f) => f.endsWith('.elf'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -4);
      const expected = join(GUESTS_DIR, 'src', `${name}.expected`);
      const statusFile = join(GUESTS_DIR, 'src', `${name}.status`);
      const status = existsSync(statusFile) ? Number.parseInt(readFileSync(statusFile, 'utf8').trim(), 10) : 1;
      const cpuFile = join(GUESTS_DIR, 'src', `${name}.qemu-cpu`);
      const qemuCpu = existsSync(cpuFile) ? readFileSync(cpuFile, 'utf8').trim() : undefined;
      return { name, elfPath: join(BUILD_DIR, f), expectedPath: existsSync(expected) ? expected : undefined, status, qemuCpu };
    });
}

export function readExpected(path: string): string {
  return readFileSync(path, 'latin1');
}
