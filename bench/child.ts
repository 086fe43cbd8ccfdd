// One measurement in a process of its own, so its peak RSS belongs to that engine alone.
// Usage: node --import tsx bench/child.ts '<RunRequest as JSON>'
// Prints one line `BENCH-RESULT {json}` (ChildAnswer or ChildFailure) and exits.
import type { ChildAnswer, ChildFailure, GuestRun, RunRequest } from './engines/protocol';
import { RESULT_PREFIX } from './engines/child-protocol';

async function main(): Promise<GuestRun> {
  const req = JSON.parse(process.argv[2] ?? '') as RunRequest;
  switch (req.engine) {
    case 'ours': return (await import('./engines/ours')).runOurs(req);
    case 'v86-nojit': return (await import('./engines/v86')).runV86(req, false);
    case 'v86-jit': return (await import('./engines/v86')).runV86(req, true);
    case 'qemu-tcg': return (await import('./engines/qemu')).runQemu(req);
    case 'baseline': return baseline();
    default: throw new Error(`unknown engine ${String((req as { engine: unknown }).engine)}`);
  }
}

/** A process that loads nothing: the RSS every child pays before any engine. */
function baseline(): GuestRun {
  return { timedSeconds: 0, engineCount: null, checksum: null, bytesBetween: 0, bootSeconds: 0,
    peakRssMB: process.resourceUsage().maxRSS / 1024 };
}

main().then(
  (run) => { const a: ChildAnswer = { ok: true, run }; process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(a)}\n`, () => process.exit(0)); },
  (e: unknown) => {
    const f: ChildFailure = { ok: false, error: e instanceof Error ? e.message : String(e) };
    process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(f)}\n`, () => process.exit(0));
  });
