// Exact dynamic instruction counts of the bench guests, derived from their sources: the
// instructions between `; @count NAME` and `; @end` are counted per region, and the bench
// multiplies them by the trip counts it passed to nasm. No engine is consulted, so the
// figures can check the engines' own counters.
import { readFileSync } from 'node:fs';

export type RegionCounts = Record<string, number>;

const DIRECTIVE = /^(%|align\b|times\b|section\b|global\b|extern\b|bits\b|dd\b|dw\b|db\b|dq\b|org\b|[A-Za-z_.][\w.]*\s+equ\b)/i;

/** Instructions per `@count` region of an assembly source. */
export function countRegions(source: string): RegionCounts {
  const counts: RegionCounts = {};
  let open: string | null = null;
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const marker = /^\s*;\s*@(count\s+(\w+)|end)\b/.exec(raw);
    if (marker) {
      if (marker[2]) {
        if (open) throw new Error(`line ${i + 1}: region ${marker[2]} opened inside ${open}`);
        if (marker[2] in counts) throw new Error(`line ${i + 1}: region ${marker[2]} defined twice`);
        open = marker[2];
        counts[open] = 0;
      } else {
        if (!open) throw new Error(`line ${i + 1}: @end without @count`);
        open = null;
      }
      continue;
    }
    const code = raw.replace(/;.*$/, '').trim();
    if (!code) continue;
    if (/^[A-Za-z_.][\w.]*:$/.test(code)) {
      if (open) throw new Error(`line ${i + 1}: label inside region ${open}; close the region first`);
      continue;
    }
    if (DIRECTIVE.test(code)) {
      if (open) throw new Error(`line ${i + 1}: directive inside region ${open}`);
      continue;
    }
    if (open) counts[open]++;
  }
  if (open) throw new Error(`region ${open} is not closed`);
  return counts;
}

function need(c: RegionCounts, ...names: string[]): void {
  for (const n of names) if (!(n in c)) throw new Error(`guest source lacks region ${n}`);
}

/**
 * `timed`: instructions retired after the 'S' marker's OUT up to and including the 'E'
 * marker's OUT. `total`: from the entry point through the isa-debug-exit OUT.
 */
export interface GuestCount {
  timed: number;
  total: number;
  /** From the instruction after the 'S' OUT through the exit OUT. */
  afterStart: number;
  /** Instructions per pass (compute) or per OUT (I/O loop). */
  perTrip: number;
}

export function computeCounts(c: RegionCounts, passes: number, dwords: number): GuestCount {
  need(c, 'prologue', 'start', 'outer', 'inner', 'outer_tail', 'epilogue', 'checksum');
  const loop = passes * (c.outer + dwords * c.inner + c.outer_tail);
  const timed = c.start + loop + c.epilogue;
  return { timed, total: c.prologue + timed + c.checksum, afterStart: timed + c.checksum,
    perTrip: c.outer + dwords * c.inner + c.outer_tail };
}

export function ioCounts(c: RegionCounts, outs: number): GuestCount {
  need(c, 'prologue', 'start', 'loop', 'epilogue', 'exit');
  const timed = c.start + outs * c.loop + c.epilogue;
  return { timed, total: c.prologue + timed + c.exit, afterStart: timed + c.exit, perTrip: c.loop };
}

/** The value of `NAME equ <number>` in an assembly source (decimal or 0x hex). */
export function equConstant(source: string, name: string): number {
  const m = new RegExp(`^\\s*${name}\\s+equ\\s+(0x[0-9a-f]+|\\d+)\\b`, 'im').exec(source);
  if (!m) throw new Error(`constant ${name} not found in the guest source`);
  return Number(m[1]);
}

export function countFile(path: string): RegionCounts {
  return countRegions(readFileSync(path, 'utf8'));
}

/** The compute guest's checksum, computed in JS from the same algorithm (an oracle for every engine). */
export function computeChecksum(passes: number, dwords: number, seed: number): number {
  const a = new Uint32Array(dwords);
  let ebx = seed >>> 0;
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < dwords; i++) {
      let eax = (a[i] + ebx) >>> 0;
      eax = (eax ^ (eax << 3)) >>> 0;
      eax = ((eax >>> 7) | (eax << 25)) >>> 0;
      a[i] = eax;
      ebx = (ebx + eax) >>> 0;
    }
  }
  return ebx;
}
