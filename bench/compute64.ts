// The 64-bit compute loop (guests/compute64.asm): compute.asm's loop on 64-bit data in 64-bit
// mode, after the guest's own switch to long mode. Ours and QEMU (qemu-system-x86_64, TCG),
// sized and timed as the 32-bit loop is; the report sets it beside the 32-bit figures (issue
// 15, point 2: 64-bit within 0.8x of 32-bit).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineName, GuestRun } from './engines/protocol';
import { GUEST_SRC, buildGuest } from './build-guests';
import { computeCounts, countRegions, equConstant } from './guest-counts';
import { median, runChild, type SpawnOptions } from './measure';

const SOURCE = join(GUEST_SRC, 'compute64.asm');
const src = readFileSync(SOURCE, 'utf8');
const regions = countRegions(src);
const QWORDS = equConstant(src, 'QWORDS');
const ENGINES: readonly EngineName[] = ['ours', 'qemu-tcg'];
const PROBE: Record<string, number> = { ours: 5000, 'qemu-tcg': 100000 };

/** Instruction counts: compute.asm's regions plus the 32-bit set-up before the 'S' marker. */
function counts(passes: number): { timed: number; total: number } {
  const c = computeCounts(regions, passes, QWORDS);
  return { timed: c.timed, total: c.total + regions.setup32 };
}

/** The checksum's low 32 bits, computed here from the same algorithm on 64-bit values. */
export function compute64Checksum(passes: number): number {
  const M = (1n << 64n) - 1n;
  const a = new Array<bigint>(QWORDS).fill(0n);
  let rbx = BigInt.asUintN(64, BigInt(src.match(/^SEED\s+equ\s+(0x[0-9a-f]+)/im)![1]));
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < QWORDS; i++) {
      let rax = (a[i] + rbx) & M;
      rax = (rax ^ ((rax << 3n) & M)) & M;
      rax = ((rax >> 7n) | (rax << 57n)) & M;
      a[i] = rax;
      rbx = (rbx + rax) & M;
    }
  }
  return Number(rbx & 0xffffffffn);
}

const build = (passes: number): string => buildGuest('compute64.asm', `compute64-p${passes}`, { PASSES: passes });

export interface Compute64Row {
  engine: EngineName;
  passes: number;
  mips?: number;
  medianMips?: number;
  countCheck?: string;
  checksumCheck?: string;
  error?: string;
}

export function measureCompute64(engines: readonly EngineName[], repeat: number, seconds: number, spawn: SpawnOptions): Compute64Row[] {
  const rows: Compute64Row[] = [];
  for (const engine of ENGINES.filter((e) => engines.includes(e))) {
    const row: Compute64Row = { engine, passes: 0 };
    rows.push(row);
    try {
      const probePasses = PROBE[engine];
      const ref = (n: number) => engine === 'qemu-tcg' ? { image: build(1), scale: counts(n).timed / (counts(n).total - counts(1).total) } : undefined;
      const probe = runChild(engine, 'compute', build(probePasses), spawn, ref(probePasses), 'x86_64');
      const perPass = computeCounts(regions, 1, QWORDS).perTrip;
      const passes = Math.round(Math.min(1_000_000, Math.max(200, seconds * (counts(probePasses).timed / probe.timedSeconds) / perPass)));
      row.passes = passes;
      const image = build(passes);
      const runs: GuestRun[] = [];
      for (let i = 0; i < repeat; i++) runs.push(runChild(engine, 'compute', image, spawn, ref(passes), 'x86_64'));
      const c = counts(passes);
      row.mips = c.timed / Math.min(...runs.map((r) => r.timedSeconds)) / 1e6;
      row.medianMips = c.timed / median(runs.map((r) => r.timedSeconds)) / 1e6;
      const want = compute64Checksum(passes);
      row.checksumCheck = runs.every((r) => r.checksum === want) ? 'ok' : `WRONG: ${runs.map((r) => (r.checksum ?? 0).toString(16)).join(',')} vs ${want.toString(16)}`;
      row.countCheck = [...new Set(runs.map((r) => !r.engineCount ? 'n/a' : r.engineCount.value === (r.engineCount.span === 'total' ? c.total : c.total - regions.setup32 - regions.prologue) ? 'exact' : `off by ${r.engineCount.value - c.total}`))].join('; ');
    } catch (e) {
      row.error = e instanceof Error ? e.message.split('\n')[0] : String(e);
    }
  }
  return rows;
}

/** The table: 64-bit MIPS, and the ratio to the same engine's 32-bit compute loop (data in its own page). */
export function printCompute64(rows: readonly Compute64Row[], mips32: ReadonlyMap<string, number>): void {
  console.log('\n64-bit compute loop (guests/compute64.asm: the 32-bit loop on 64-bit data in 64-bit mode)');
  console.log('engine     MIPS  median  vs own 32-bit  icount check  result');
  for (const r of rows) {
    if (r.error) { console.log(`${r.engine.padEnd(9)} error: ${r.error}`); continue; }
    const m32 = mips32.get(r.engine);
    const ratio = m32 && r.mips ? (r.mips / m32).toFixed(2) : '-';
    console.log(`${r.engine.padEnd(9)} ${r.mips!.toFixed(1).padStart(6)} ${r.medianMips!.toFixed(1).padStart(7)}  ${ratio.padStart(13)}  ${(r.countCheck ?? '').padEnd(12)}  ${r.checksumCheck}`);
  }
  const ours = rows.find((r) => r.engine === 'ours')?.mips, qemu = rows.find((r) => r.engine === 'qemu-tcg')?.mips;
  if (ours && qemu) console.log(`ours / qemu-system-x86_64 TCG on the 64-bit loop: ${(ours / qemu).toFixed(2)}`);
}
