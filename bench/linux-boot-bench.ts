// Issue 15 point 9: Debian's stock x86-64 kernel with the busybox initramfs of test/linux, the
// wall time from start to the /init marker on the serial console, under qemu-system-x86_64
// TCG and under our machine, side by side. Until ours reaches the marker, its figure is not a
// time but how far it got (the stop, the CPU's CS:EIP, the last console line).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { linuxFixture } from '../test/linux/debian-kernel';
import { hasQemuX86_64, runLinuxUnderQemu } from '../test/linux/qemu-linux';
import { describeProgress, type LinuxOursRun } from '../test/linux/boot-ours';
import { BENCH_DIR, CACHE_DIR } from './build-guests';

/** Ours runs bundled in a child of its own (linux-boot-child.ts), as the product runs. */
async function runOursBundled(wallSeconds: number): Promise<LinuxOursRun> {
  const outfile = join(CACHE_DIR, 'linux-boot-child.js');
  await build({ entryPoints: [join(BENCH_DIR, 'linux-boot-child.ts')], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'silent' });
  const r = spawnSync(process.execPath, [outfile, String(wallSeconds)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`our Linux boot child failed (status ${r.status}): ${r.stderr.trim().slice(-500)}`);
  return JSON.parse(line) as LinuxOursRun;
}

/**
 * Our run is cut off at this many times QEMU's wall time to the marker (and at least
 * OURS_MIN_SECONDS), or at PARAVIRT_LINUX_BENCH_SECONDS of wall time when set. Ours takes
 * 65-85 s of CPU to the marker (6.15e9 instructions) against QEMU's 5-21 s of wall time, and
 * the shared machine stretches wall time further (1,200-1,500 s at load average 35-40): the
 * cut is a guard against a boot that never ends, not a judgement.
 */
const OURS_LIMIT_FACTOR = 60;
const OURS_MIN_SECONDS = 3600;

export async function runLinuxBootBench(): Promise<Record<string, number | string>> {
  const fx = linuxFixture();
  const out: Record<string, number | string> = { kernel: fx.kernelPackage };
  let qemuSeconds: number | null = null;
  let qemuCpu: number | null = null;
  if (hasQemuX86_64) {
    const q = await runLinuxUnderQemu(fx);
    if (q.secondsToMarker !== null) {
      qemuSeconds = q.secondsToMarker; out.qemuTcgSecondsToMarker = q.secondsToMarker;
      if (q.cpuSecondsToMarker !== null) { qemuCpu = q.cpuSecondsToMarker; out.qemuTcgCpuSecondsToMarker = q.cpuSecondsToMarker; }
    }
    else out.qemuTcg = `no marker (${q.timedOut ? 'timed out' : `exit ${q.status}`})`;
  } else {
    out.qemuTcg = 'qemu-system-x86_64 not installed';
  }
  const env = Number(process.env.PARAVIRT_LINUX_BENCH_SECONDS);
  const ours = await runOursBundled(env > 0 ? env : Math.max(OURS_MIN_SECONDS, (qemuSeconds ?? 30) * OURS_LIMIT_FACTOR));
  if (ours.secondsToMarker !== null) {
    out.oursSecondsToMarker = ours.secondsToMarker;
    if (qemuSeconds !== null) out.oursOverQemu = ours.secondsToMarker / qemuSeconds;
    if (ours.cpuSecondsToMarker !== null) {
      out.oursCpuSecondsToMarker = ours.cpuSecondsToMarker;
      if (qemuCpu !== null) out.oursOverQemuCpu = ours.cpuSecondsToMarker / qemuCpu;
    }
  } else {
    out.ours = `not yet booting: ${describeProgress(ours)}`;
  }
  return out;
}
