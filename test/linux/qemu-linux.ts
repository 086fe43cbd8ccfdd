// Boots the Debian kernel and initramfs under qemu-system-x86_64 (TCG) the way a kernel
// developer does by hand (-kernel -initrd -append console=ttyS0 -nographic), and measures the
// wall time from starting QEMU to the /init marker on the serial console.

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { LinuxFixture } from './debian-kernel';
import { INIT_MARKER } from './initramfs';

export const QEMU_X86_64 = 'qemu-system-x86_64';
export const hasQemuX86_64 = spawnSync(QEMU_X86_64, ['--version'], { stdio: 'ignore' }).status === 0;

export interface LinuxQemuRun {
  /** Everything on COM1 (the kernel's console). */
  serial: string;
  /** Seconds from spawning QEMU to the marker; null when it never came. */
  secondsToMarker: number | null;
  /**
   * QEMU's own CPU time (user + system, all its threads) when the marker arrived, from
   * /proc/PID/stat; null when it never came or /proc cannot say.
   */
  cpuSecondsToMarker: number | null;
  /** QEMU's exit status (0 after the guest powers off). */
  status: number | null;
  timedOut: boolean;
  stderr: string;
}

/**
 * QEMU's TCG runs against the host's clock: on a loaded host the kernel's check that the PIT
 * reaches the IO-APIC (check_timer) sees too few ticks and panics. `no_timer_check` skips that
 * check, as kernels under virtualization are told to; our machine's time is the guest's own
 * instruction count, so it needs no such help and keeps the fixture's command line.
 */
const QEMU_EXTRA_CMDLINE = 'no_timer_check';

/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux architecture we run on). */
const USER_HZ = 100;

/** utime + stime of a live process in seconds, or null. */
function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / USER_HZ;
  } catch {
    return null;
  }
}

export function runLinuxUnderQemu(fx: LinuxFixture, opts: { memoryMiB?: number; timeoutMs?: number } = {}): Promise<LinuxQemuRun> {
  const args = [
    '-machine', 'pc', '-accel', 'tcg', '-m', String(opts.memoryMiB ?? 256),
    '-kernel', fx.kernelPath, '-initrd', fx.initrdPath, '-append', `${fx.cmdline} ${QEMU_EXTRA_CMDLINE}`,
    '-nographic', '-no-reboot',
  ];
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(QEMU_X86_64, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let serial = '';
    let stderr = '';
    let secondsToMarker: number | null = null;
    let cpuSecondsToMarker: number | null = null;
    let timedOut = false;
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (d: string) => {
      serial += d;
      if (secondsToMarker === null && serial.includes(INIT_MARKER)) {
        secondsToMarker = Number(process.hrtime.bigint() - start) / 1e9;
        cpuSecondsToMarker = processCpuSeconds(child.pid);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => { if (stderr.length < 65536) stderr += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs ?? 180_000);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (status) => { clearTimeout(timer); resolve({ serial, secondsToMarker, cpuSecondsToMarker, status, timedOut, stderr }); });
  });
}
