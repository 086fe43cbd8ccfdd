// Runs a guest kernel under qemu-system-i386 (TCG) and returns its serial output and
// exit status. The CPU model is `pentium2`: an i686 with CMOV, CMPXCHG8B, PSE, PAE, PGE,
// SEP (SYSENTER/SYSEXIT), TSC and MSRs, but no SSE, so QEMU offers no feature our
// emulator lacks. `-nodefaults` drops the VGA card and NIC; COM1 comes back through
// `-serial`, and isa-debug-exit at 0xF4 ends the run with status (value << 1) | 1.
// 64-bit kernels (arch 'x86_64') run under qemu-system-x86_64 on `core2duo,+pdpe1gb`: an
// Intel long-mode CPU (NX, SYSCALL, LAHF in 64-bit mode, CMPXCHG16B) with SSE to SSSE3 as
// ours has, and 1 GiB pages. Intel, not QEMU's default qemu64 (an AMD): SYSCALL, SYSRET
// and canonical checks differ between the two vendors.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const QEMU_BINARY = 'qemu-system-i386';
export const QEMU_CPU = 'pentium2';
export type QemuArch = 'i386' | 'x86_64';
export const QEMU_BINARIES: Record<QemuArch, string> = { i386: QEMU_BINARY, x86_64: 'qemu-system-x86_64' };
export const QEMU_CPUS: Record<QemuArch, string> = { i386: QEMU_CPU, x86_64: 'core2duo,+pdpe1gb' };

export interface QemuResult {
  /** Everything the guest wrote to COM1. */
  serial: string;
  /** QEMU's exit status: (value << 1) | 1 after an isa-debug-exit write, 0 after a shutdown. */
  status: number | null;
  /** True if the run was killed because it exceeded the timeout. */
  timedOut: boolean;
  stderr: string;
}

export interface QemuOptions {
  memoryMiB?: number;
  /** The -cpu model with its feature flags (default QEMU_CPUS[arch]). */
  cpu?: string;
  /** Which QEMU: qemu-system-i386 (default) or qemu-system-x86_64. */
  arch?: QemuArch;
  timeoutMs?: number;
  extraArgs?: string[];
}

export function qemuArgs(kernelPath: string, serialPath: string, opts: QemuOptions = {}): string[] {
  return [
    '-machine', 'pc', '-cpu', opts.cpu ?? QEMU_CPUS[opts.arch ?? 'i386'], '-m', String(opts.memoryMiB ?? 64),
    '-display', 'none', '-nodefaults', '-no-reboot',
    '-serial', `file:${serialPath}`,
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-kernel', kernelPath,
    ...(opts.extraArgs ?? []),
  ];
}

/** QEMU itself exits with status 1 when it cannot start, which is also the status of a
    guest writing 0 to isa-debug-exit: check the kernel first so that cannot be confused. */
export function runQemu(kernelPath: string, opts: QemuOptions = {}): Promise<QemuResult> {
  if (!existsSync(kernelPath)) return Promise.reject(new Error(`kernel not found: ${kernelPath}`));
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-qemu-'));
  const serialPath = join(dir, 'serial.out');
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const child = spawn(QEMU_BINARIES[opts.arch ?? 'i386'], qemuArgs(kernelPath, serialPath, opts), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => { if (stderr.length < 65536) stderr += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); rmSync(dir, { recursive: true, force: true }); reject(err); });
    child.on('close', (code) => {
      clearTimeout(timer);
      let serial = '';
      try { serial = readFileSync(serialPath, 'latin1'); } catch { /* no output file: nothing printed */ }
      rmSync(dir, { recursive: true, force: true });
      resolve({ serial, status: code, timedOut, stderr });
    });
  });
}
