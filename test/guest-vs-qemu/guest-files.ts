// Where the guest test kernels live and which reference each one is judged against.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const GUESTS_DIR = join(HERE, '..', 'guests');
export const BUILD_DIR = join(GUESTS_DIR, 'build');
/** The 64-bit kernels: sources in src64/, images in build/x86_64/. */
export const BUILD_DIR_64 = join(BUILD_DIR, 'x86_64');

export type GuestArch = 'i386' | 'x86_64';

export interface GuestFile {
  name: string;
  /** i386: src/, run by qemu-system-i386; x86_64: src64/, run by qemu-system-x86_64. */
  arch: GuestArch;
  /** Why our emulator cannot run it yet (src64/<name>.waits, naming the missing piece), if it cannot. */
  waits?: string;
  elfPath: string;
  /** An SDM-derived expected serial output, for guests whose behaviour QEMU's TCG gets wrong. */
  expectedPath?: string;
  /** The exit status the guest ends with: 1 (isa-debug-exit value 0) unless src/<name>.status says otherwise. */
  status: number;
  /** QEMU's -cpu for this guest, from src/<name>.qemu-cpu (a guest using SSE needs a model with it). */
  qemuCpu?: string;
}

/** Every built guest kernel of one architecture (build/<name>.elf or build/x86_64/<name>.elf), sorted by name. */
export function listGuests(arch: GuestArch = 'i386'): GuestFile[] {
  const buildDir = arch === 'i386' ? BUILD_DIR : BUILD_DIR_64;
  const srcDir = join(GUESTS_DIR, arch === 'i386' ? 'src' : 'src64');
  if (!existsSync(buildDir)) return [];
  const beside = (name: string, ext: string) => {
    const p = join(srcDir, `${name}.${ext}`);
    return existsSync(p) ? p : undefined;
  };
  return readdirSync(buildDir)
    .filter((f) => f.endsWith('.elf'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -4);
      const statusFile = beside(name, 'status');
      const status = statusFile ? Number.parseInt(readFileSync(statusFile, 'utf8').trim(), 10) : 1;
      const cpuFile = beside(name, 'qemu-cpu');
      const waitsFile = beside(name, 'waits');
      return {
        name, arch, elfPath: join(buildDir, f), expectedPath: beside(name, 'expected'), status,
        qemuCpu: cpuFile ? readFileSync(cpuFile, 'utf8').trim() : undefined,
        waits: waitsFile ? readFileSync(waitsFile, 'utf8').trim() : undefined,
      };
    });
}

export function readExpected(path: string): string {
  return readFileSync(path, 'latin1');
}
