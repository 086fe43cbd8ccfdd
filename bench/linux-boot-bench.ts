// Issue 15 point 9: Debian's stock x86-64 kernel with the busybox initramfs of test/linux, the
// wall time from start to the /init marker on the serial console, under qemu-system-x86_64
// TCG and under our machine, side by side. Until ours reaches the marker, its figure is not a
// time but how far it got (the stop, the CPU's CS:EIP, the last console line).
import { linuxFixture } from '../test/linux/debian-kernel';
import { hasQemuX86_64, runLinuxUnderQemu } from '../test/linux/qemu-linux';
import { describeProgress, runLinuxOnOurs } from '../test/linux/boot-ours';

/**
 * Our run is cut off at this many times QEMU's time to the marker (and at least 60 s), or at
 * PARAVIRT_LINUX_BENCH_SECONDS of wall time when set (the whole boot takes over 15 minutes today).
 */
const OURS_LIMIT_FACTOR = 10;

export async function runLinuxBootBench(): Promise<Record<string, number | string>> {
  const fx = linuxFixture();
  const out: Record<string, number | string> = { kernel: fx.kernelPackage };
  let qemuSeconds: number | null = null;
  if (hasQemuX86_64) {
    const q = await runLinuxUnderQemu(fx);
    if (q.secondsToMarker !== null) { qemuSeconds = q.secondsToMarker; out.qemuTcgSecondsToMarker = q.secondsToMarker; }
    else out.qemuTcg = `no marker (${q.timedOut ? 'timed out' : `exit ${q.status}`})`;
  } else {
    out.qemuTcg = 'qemu-system-x86_64 not installed';
  }
  const env = Number(process.env.PARAVIRT_LINUX_BENCH_SECONDS);
  const ours = runLinuxOnOurs(fx, { wallSeconds: env > 0 ? env : Math.max(60, (qemuSeconds ?? 30) * OURS_LIMIT_FACTOR) });
  if (ours.secondsToMarker !== null) {
    out.oursSecondsToMarker = ours.secondsToMarker;
    if (qemuSeconds !== null) out.oursOverQemu = ours.secondsToMarker / qemuSeconds;
  } else {
    out.ours = `not yet booting: ${describeProgress(ours)}`;
  }
  return out;
}
