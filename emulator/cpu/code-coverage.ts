// Which code ran, by linear address, over a stretch of execution: the reverse history asks it
// per interval between two snapshots, so that reverseContinue re-executes only the intervals
// that can hold a breakpoint hit (an instruction at a breakpoint's address ran in it) instead
// of every interval back to the one that does.
//
// Interpreted instructions mark the byte their first opcode byte is at; a compiled block marks
// every byte it was compiled from (it may stop early: counting it whole only widens the
// answer). Blocks mark once per stretch and linear page (Block.seenAt), so a block running a
// loop, or entered over and over, costs one comparison. A stretch that ran code in long mode
// (not recorded yet) answers "anything may have run".

/** Linear pages are keyed as stretch * 2^20 + page number (Block.seenAt holds such a key). */
const PAGES = 1 << 20;
/** Bytes between two ranges that are recorded as one (the longest x86 instruction). */
const MERGE_GAP = 16;

export class CodeCoverage {
  /** This stretch's key base: Block.seenAt below it (or not equal to base + page) is stale. */
  base = PAGES;
  /** Code ran whose addresses were not recorded: the stretch may have run anything. */
  unknown = false;
  private readonly pages = new Map<number, Uint8Array>();
  private lastPage = -1;
  private last: Uint8Array = new Uint8Array(0);
  private readonly pool: Uint8Array[] = [];

  /** The instruction at linear address `lin` runs. */
  at(lin: number): void {
    const p = lin >>> 12;
    if (p !== this.lastPage) this.page(p);
    this.last[lin & 0xfff] = 1;
  }

  /** A compiled block from page offsets [start, end) runs in the linear page of `lin`. */
  block(lin: number, start: number, end: number): void {
    const p = lin >>> 12;
    if (p !== this.lastPage) this.page(p);
    this.last.fill(1, start, end);
  }

  private page(p: number): void {
    let bits = this.pages.get(p);
    if (bits === undefined) {
      bits = this.pool.pop() ?? new Uint8Array(4096);
      this.pages.set(p, bits);
    }
    this.lastPage = p;
    this.last = bits;
  }

  /**
   * Ends the stretch: the linear ranges that ran, as sorted [start, end) pairs (null when it
   * may have run anything). The next stretch starts empty.
   */
  cut(): Float64Array | null {
    const out: number[] = [];
    for (const p of [...this.pages.keys()].sort((a, b) => a - b)) {
      const bits = this.pages.get(p)!;
      const words = new Int32Array(bits.buffer, bits.byteOffset, 1024);
      const at = p * 4096;
      for (let w = 0; w < 1024; w++) {
        if (words[w] === 0) continue;
        for (let i = w * 4; i < w * 4 + 4; i++) {
          if (bits[i] === 0) continue;
          // Starts of interpreted instructions a few bytes apart make one range (a breakpoint
          // between them re-executes its interval for nothing, which is only slower): the
          // record of a stretch of kernel code stays a few ranges, not one per instruction.
          const n = out.length;
          if (n > 0 && at + i - out[n - 1]! <= MERGE_GAP) out[n - 1] = at + i + 1;
          else out.push(at + i, at + i + 1);
        }
      }
      bits.fill(0);
      this.pool.push(bits);
    }
    this.pages.clear();
    this.lastPage = -1;
    this.last = new Uint8Array(0);
    this.base += PAGES;
    const unknown = this.unknown;
    this.unknown = false;
    return unknown ? null : Float64Array.from(out);
  }
}

/** Union of two range lists as cut() returns them (null: anything). */
export function unionRanges(a: Float64Array | null, b: Float64Array | null): Float64Array | null {
  if (a === null || b === null) return null;
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: number[] = [];
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    let s: number, e: number;
    if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) { s = a[i]!; e = a[i + 1]!; i += 2; } else { s = b[j]!; e = b[j + 1]!; j += 2; }
    if (out.length > 0 && s <= out[out.length - 1]!) out[out.length - 1] = Math.max(out[out.length - 1]!, e);
    else out.push(s, e);
  }
  return Float64Array.from(out);
}

/** Whether the code at linear address `addr` may have run (null ranges: anything may have). */
export function rangesHold(r: Float64Array | null, addr: number): boolean {
  if (r === null) return true;
  let lo = 0, hi = (r.length >> 1) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (addr < r[2 * mid]!) hi = mid - 1;
    else if (addr >= r[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}
