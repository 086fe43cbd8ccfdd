// Issue 16 point 7: what a PV domain's hypervisor entries cost in host time, 64-bit beside
// 32-bit. bench/guests/pv/hcall32.asm and hcall64.asm (the same program in each ABI) time
// TRIPS hypercalls (xen_version) and TRIPS event round trips (EVTCHNOP_send on an IPI port,
// the upcall it raises, the iret hypercall back) between 'S' and 'E' on Xen's console; the
// clock is read in the console callback, so start of day is not timed. Each guest says how
// many upcalls its handler saw, which must be TRIPS. Best of ROUNDS runs, each on a fresh
// machine; figures are ns of host time per trip and the 64-bit / 32-bit ratios (issue 16's
// goal: within 1.5x). A report, never a test.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine } from '../emulator/machine';
import { loadPvImage } from '../emulator/pv/pv-image';
import { BENCH_DIR } from './build-guests';

const ROOT = join(BENCH_DIR, '..');
const OUT = join(BENCH_DIR, '.cache', 'pv');
const TRIPS = Number(process.env.PARAVIRT_PV_BENCH_TRIPS) || 200_000;
const ROUNDS = 3;

interface Build { bits: 32 | 64; src: string; nasm: string[]; ld: string[] }

const BUILDS: Build[] = [
  { bits: 32, src: 'hcall32.asm', nasm: ['-f', 'elf32', '-I', join(ROOT, 'test/pv/guests') + '/'], ld: ['-m', 'elf_i386', '-T', join(ROOT, 'test/pv/guests/link.ld')] },
  { bits: 64, src: 'hcall64.asm', nasm: ['-f', 'elf64', '-I', join(ROOT, 'test/guests/pv64') + '/'], ld: ['-m', 'elf_x86_64', '-T', join(ROOT, 'test/guests/pv64/link.ld')] },
];

function build(b: Build): string {
  mkdirSync(OUT, { recursive: true });
  const obj = join(OUT, `hcall${b.bits}.o`), elf = join(OUT, `hcall${b.bits}.elf`);
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  run('nasm', [...b.nasm, '-w-other', '-I', join(ROOT, 'guest') + '/', `-DTRIPS=${TRIPS}`, '-o', obj, join(BENCH_DIR, 'guests/pv', b.src)]);
  run('ld', [...b.ld, '--no-warn-rwx-segments', '-o', elf, obj]);
  return elf;
}

interface Timing { hypercallNs: number; eventNs: number }

/** One run on a fresh machine: the two timed regions, in ns per trip. */
function runOnce(elf: string): Timing {
  const marks: number[] = [];
  let text = '';
  const m = new Machine({
    mode: 'pv', memoryMiB: 32, hypervisorConsole: { mode: 'serial' },
    serialOut: (b) => { if (b === 0x53 || b === 0x45) marks.push(performance.now()); text += String.fromCharCode(b); },
  });
  m.load(loadPvImage(new Uint8Array(readFileSync(elf)), { ramBytes: 32 << 20 }));
  let stop = m.run(50_000_000);
  while (stop.kind === 'budget' && m.icount < 2_000_000_000) stop = m.run(50_000_000);
  if (stop.kind !== 'shutdown' || stop.code !== 0) throw new Error(`${elf}: stopped with ${JSON.stringify(stop)}; console: ${text.slice(-200)}`);
  const upcalls = /upcalls=([0-9a-f]+)/.exec(text);
  if (!upcalls || parseInt(upcalls[1], 16) !== TRIPS) throw new Error(`${elf}: the handler saw ${upcalls ? parseInt(upcalls[1], 16) : 'no'} upcalls, not ${TRIPS}`);
  if (marks.length !== 4) throw new Error(`${elf}: expected S E S E on the console, got ${JSON.stringify(text.slice(0, 80))}`);
  return { hypercallNs: ((marks[1] - marks[0]) * 1e6) / TRIPS, eventNs: ((marks[3] - marks[2]) * 1e6) / TRIPS };
}

export async function runPvBench(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = { trips: TRIPS };
  const best: Partial<Record<32 | 64, Timing>> = {};
  for (const b of BUILDS) {
    if (!existsSync(join(BENCH_DIR, 'guests/pv', b.src))) { out[`pv${b.bits}`] = `bench/guests/pv/${b.src} not present`; continue; }
    try {
      const elf = build(b);
      let t: Timing | undefined;
      for (let i = 0; i < ROUNDS; i++) {
        const r = runOnce(elf);
        t = t ? { hypercallNs: Math.min(t.hypercallNs, r.hypercallNs), eventNs: Math.min(t.eventNs, r.eventNs) } : r;
      }
      best[b.bits] = t;
      out[`hypercall${b.bits}Ns`] = Number(t!.hypercallNs.toFixed(1));
      out[`eventRoundTrip${b.bits}Ns`] = Number(t!.eventNs.toFixed(1));
    } catch (e) {
      out[`pv${b.bits}`] = `failed: ${(e as Error).message}`;
    }
  }
  if (best[32] && best[64]) {
    out.hypercall64Over32 = Number((best[64].hypercallNs / best[32].hypercallNs).toFixed(2));
    out.eventRoundTrip64Over32 = Number((best[64].eventNs / best[32].eventNs).toFixed(2));
  }
  return out;
}

// Alone: node --import tsx bench/pv-bench.ts
if (process.argv[1] && /pv-bench\.ts$/.test(process.argv[1])) {
  runPvBench().then((r) => console.log(r), (e) => { console.error(e); process.exit(1); });
}
