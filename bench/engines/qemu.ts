// QEMU (qemu-system-i386; qemu-system-x86_64 for 64-bit guests; TCG) as a further reference.
// QEMU offers no synchronous serial hook, so the timed region is a difference: the wall time
// of the measured image minus that of the same guest built with one trip, scaled to the
// instructions of the timed region. Process start, firmware and the guest's fixed parts
// cancel out. Its CPU time (user + system of all its threads) is taken the same way, from
// the shell's `times` after QEMU exits: on a machine shared with other work the wall-clock
// difference moved several-fold between runs (a memcpy guest read 27 MIPS at a load of 15).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuestRun, RunRequest } from './protocol';
import { SerialMarkers } from './markers';

/** The children's user and system time from bash's `times` (its second line), in seconds. */
function childCpuSeconds(stderr: string): number {
  const lines = stderr.trimEnd().split('\n');
  const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines[lines.length - 1] ?? '');
  if (!m) throw new Error(`qemu: no CPU times after the run: ${JSON.stringify(lines.slice(-2))}`);
  return Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]);
}

function runOnce(image: string, memoryMiB: number, timeoutSeconds: number, arch?: 'x86_64'): { seconds: number; cpuSeconds: number; serial: Uint8Array } {
  const QEMU = arch === 'x86_64' ? 'qemu-system-x86_64' : 'qemu-system-i386';
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-bench-'));
  try {
    const serialFile = join(dir, 'serial.bin');
    const t0 = performance.now();
    // bash runs QEMU and then prints its children's CPU times; its exit status is QEMU's.
    const r = spawnSync('bash', ['-c', '"$@"; s=$?; times >&2; exit $s', 'bash', QEMU,
      '-display', 'none', '-monitor', 'none', '-no-reboot', '-m', String(memoryMiB),
      '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-serial', `file:${serialFile}`, '-kernel', image,
    ], { encoding: 'utf8', timeout: timeoutSeconds * 1000, killSignal: 'SIGKILL' });
    const seconds = (performance.now() - t0) / 1000;
    if (r.error) throw new Error(`${QEMU} failed to start: ${r.error.message}`);
    // isa-debug-exit with value 0 makes QEMU exit with status (0 << 1) | 1.
    if (r.status !== 1) throw new Error(`${QEMU} exited with status ${r.status} (signal ${r.signal}), expected 1 from isa-debug-exit: ${r.stderr.trim().slice(0, 400)}`);
    return { seconds, cpuSeconds: childCpuSeconds(r.stderr), serial: new Uint8Array(readFileSync(serialFile)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function runQemu(req: RunRequest): GuestRun {
  const ref = req.reference;
  if (!ref) throw new Error('qemu: the request lacks the one-trip reference image');
  const big = runOnce(req.image, req.memoryMiB, req.timeoutSeconds, req.arch);
  const small = runOnce(ref.image, req.memoryMiB, req.timeoutSeconds, req.arch);
  const markers = new SerialMarkers(req.kind, null);
  for (const b of big.serial) markers.onByte(b);
  if (!markers.finished) throw new Error(`qemu: guest did not finish its serial protocol: ${JSON.stringify(markers.preview())}`);
  const r = markers.result();
  const timed = Math.max(0, big.seconds - small.seconds) * ref.scale;
  const cpuSeconds = Math.max(0, big.cpuSeconds - small.cpuSeconds) * ref.scale;
  return { ...r, timedSeconds: timed, cpuSeconds, engineCount: null, bootSeconds: small.seconds, peakRssMB: null };
}
