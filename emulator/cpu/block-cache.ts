// Compiled blocks by guest physical address, and the bookkeeping that keeps them honest when
// the guest writes to its own code. Blocks never cross a 4 KiB page, so a change of paging
// never makes one wrong: the run loop translates the entry point before it looks one up.
// Writes are tracked per 64-byte line: data sharing a page with code (the common case in
// small kernels) costs the store one extra table lookup and nothing else.

/** A compiled run of guest instructions (see block-compiler.ts). */
export interface Block {
  /** Runs the block; on return the CPU's EIP, icount and flags are those after its last instruction. */
  readonly fn: (cpu: unknown) => void;
  /** Physical address of its entry point (the key it is kept under). */
  readonly entry: number;
  /** Physical address of the lowest byte compiled and one past the highest. */
  readonly start: number;
  readonly end: number;
  /** The bytes compiled, as physical [start, end) pairs (a region's pieces need not touch). */
  readonly spans: readonly number[];
  /** Linear address it was compiled at (breakpoint placement is decided per linear address). */
  readonly linear: number;
  /** Instructions in one pass: the block runs only when the slice has room for them. */
  readonly count: number;
  /** Compiled for DS and SS without limit checks: runs only while the CPU's flatData holds. */
  readonly flat: boolean;
  /** Compiled as 64-bit code (block-compiler64.ts): runs only in 64-bit mode, and other blocks only outside it. */
  readonly long64: boolean;
  /**
   * The block that ran after this one last time (the run loop's chaining, see execute.ts),
   * the one before that if another (a block ending in a conditional side exit has two
   * successors, which a single link alternated between, sending every other transition
   * through the cache), and whether this one is still in the cache: a dropped block is never
   * entered by a link.
   */
  link: Block | null;
  link2: Block | null;
  live: boolean;
  /** CodeCoverage's key (stretch and linear page) when the block last recorded itself. */
  seenAt: number;
}

/** Marks an entry point where compiling gives nothing: the interpreter runs it. */
export const NO_BLOCK: Block = Object.freeze({ fn: () => undefined, entry: 0, start: 0, end: 0, spans: [], linear: -1, count: 0, flat: false, long64: false, link: null, link2: null, live: false, seenAt: 0 });

const LINE = 6;

/** Whether `b` was compiled from any byte in [lo, hi). */
function overlaps(b: Block, lo: number, hi: number): boolean {
  const s = b.spans;
  for (let i = 0; i < s.length; i += 2) if (s[i] < hi && lo < s[i + 1]) return true;
  return false;
}

function markLines(b: Block, codeLine: Uint8Array): void {
  const s = b.spans;
  for (let i = 0; i < s.length; i += 2) for (let l = s[i] >>> LINE; l <= (s[i + 1] - 1) >>> LINE; l++) codeLine[l] = 1;
}

class CodePage {
  /** Created with the page's first compiled entry: most pages the guest runs never get one. */
  entries: Array<Block | undefined> | null = null;
  readonly hits = new Uint16Array(4096);
  readonly blocks: Block[] = [];
}

/** Live blocks kept at most; past this (a guest generating code without end) everything is dropped. */
const MAX_LIVE = 32768;

export class BlockCache {
  private readonly pages = new Map<number, CodePage>();
  private lastPageNo = -1;
  private lastPage: CodePage | undefined = undefined;
  /** 1 for each 64-byte line of RAM holding compiled code. */
  readonly codeLine: Uint8Array;
  /** 1 for each physical page holding compiled code (its write TLB entries carry T_CODE). */
  readonly codePage = new Uint8Array(1 << 20);
  compiled = 0;
  invalidated = 0;
  private live = 0;

  constructor(ramBytes: number) {
    this.codeLine = new Uint8Array(Math.ceil(ramBytes / 64));
  }

  private page(no: number, create: boolean): CodePage | undefined {
    if (no === this.lastPageNo) return this.lastPage;
    let p = this.pages.get(no);
    if (p === undefined && create) { p = new CodePage(); this.pages.set(no, p); }
    if (p !== undefined) { this.lastPageNo = no; this.lastPage = p; }
    return p;
  }

  /** The block at a physical address; undefined after counting a visit when it is not yet hot. */
  lookup(phys: number, threshold: number): Block | undefined | null {
    const pg = this.page(phys >>> 12, true)!;
    const off = phys & 0xfff;
    const b = pg.entries !== null ? pg.entries[off] : undefined;
    if (b !== undefined) return b;
    if (++pg.hits[off] < threshold) return undefined;
    pg.hits[off] = 0;
    return null;
  }

  /** Store the result of compiling at `phys`; true when the page newly holds code. */
  insert(phys: number, b: Block): boolean {
    if (b !== NO_BLOCK && this.live >= MAX_LIVE) this.flush();
    const no = phys >>> 12;
    const pg = this.page(no, true)!;
    if (pg.entries === null) pg.entries = new Array<Block | undefined>(4096);
    pg.entries[phys & 0xfff] = b;
    if (b === NO_BLOCK) return false;
    pg.blocks.push(b);
    this.compiled++;
    this.live++;
    markLines(b, this.codeLine);
    if (this.codePage[no]) return false;
    this.codePage[no] = 1;
    return true;
  }

  /** A write of `len` bytes at `phys`: drop the blocks it touches. True if any was dropped. */
  written(phys: number, len: number): boolean {
    const first = phys >>> LINE, last = (phys + len - 1) >>> LINE;
    let hit = false;
    for (let l = first; l <= last; l++) if (this.codeLine[l]) { hit = true; break; }
    if (!hit) return false;
    const no = phys >>> 12;
    const pg = this.page(no, false);
    if (pg === undefined) return false;
    const end = phys + len;
    const keep: Block[] = [];
    let dropped = false;
    for (const b of pg.blocks) {
      if (overlaps(b, phys, end)) { b.live = false; b.link = null; b.link2 = null; pg.entries![b.entry & 0xfff] = undefined; dropped = true; this.invalidated++; this.live--; }
      else keep.push(b);
    }
    // A block may also have been written without an overlap of its exact bytes (same line):
    // only its lines are cleared and re-marked from what is left.
    pg.blocks.length = 0;
    pg.blocks.push(...keep);
    const base = no << 12;
    this.codeLine.fill(0, base >>> LINE, (base + 4096) >>> LINE);
    for (const b of keep) markLines(b, this.codeLine);
    // Entry points that were judged not worth compiling may now decode differently.
    const entries = pg.entries!;
    for (let o = (phys & 0xfff); o < Math.min(4096, (phys & 0xfff) + len); o++) if (entries[o] === NO_BLOCK) entries[o] = undefined;
    return dropped;
  }

  /** Drop every chaining link (a block entered through a link is not looked up, nor recorded as run). */
  unlinkAll(): void {
    for (const pg of this.pages.values()) for (const b of pg.blocks) { b.link = null; b.link2 = null; }
  }

  /** Forget everything (guest memory replaced, breakpoints moved). */
  flush(): void {
    this.live = 0;
    // Only the lines of pages that held blocks (a block may run into the next page): clearing
    // the whole table would make all of it resident, 48 MB for a 3 GiB guest, at every restore.
    for (const [no, pg] of this.pages) {
      this.codeLine.fill(0, (no << 12) >>> LINE, ((no + 2) << 12) >>> LINE);
      for (const b of pg.blocks) { b.live = false; b.link = null; b.link2 = null; }
    }
    this.pages.clear();
    this.lastPageNo = -1;
    this.lastPage = undefined;
    this.codePage.fill(0);
  }
}
