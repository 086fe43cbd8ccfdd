// Copies of guest RAM pages for snapshots, shared between the snapshots that hold the same
// contents. A snapshot's RAM is a RamImage: a two-level table from page number to a stored
// copy (or to "all zeroes", which costs nothing). Taking a snapshot copies only the pages
// written since the previous one and shares every other leaf of the table with it, so a
// guest that touches a few MB of a 3 GiB RAM costs a few MB per snapshot at most, and RAM it
// never touched is never read or copied.
//
// Copies live in 1 MiB chunks allocated as needed; a copy no snapshot refers to any more goes
// back to a free list, so what the store holds is exactly what the snapshots still need (and
// `bytes` says how much that is, for the history's memory budget).

const PAGE = 4096;
/** Pages per leaf of an image's table (a leaf covers 4 MiB of guest RAM). */
const LEAF = 1024;
const LEAF_SHIFT = 10;
/** Page copies per chunk (1 MiB). */
const CHUNK = 256;
const CHUNK_SHIFT = 8;
/** What a leaf costs beside its pages: its table (4 KiB) and the object around it. */
export const LEAF_BYTES = LEAF * 4 + 64;

/** Page-number -> copy table of one leaf: copy id + 1, or 0 for a page of zeroes. */
interface Leaf { readonly slots: Int32Array; refs: number }

/** One snapshot's guest RAM (opaque outside this file; give it back to release()). */
export class RamImage {
  /** Snapshots and machine state holding this image. */
  refs = 1;
  constructor(readonly store: PageStore, readonly leaves: ReadonlyArray<Leaf | null>) {}
}

export class PageStore {
  private readonly chunks: Uint8Array[] = [];
  /** Per copy: the leaves referring to it. */
  private refs = new Int32Array(CHUNK);
  private free: number[] = [];
  /** Copies ever allocated (ids below this exist). */
  private allocated = 0;
  private live = 0;
  private leafCount = 0;
  /** The image of RAM that is all zeroes (what a reset leaves). */
  readonly empty: RamImage;

  constructor(readonly ramBytes: number) {
    this.empty = new RamImage(this, new Array<Leaf | null>(Math.ceil(ramBytes / PAGE / LEAF)).fill(null));
  }

  /** Bytes held: page copies and the leaves of the tables that refer to them. */
  get bytes(): number { return this.live * PAGE + this.leafCount * LEAF_BYTES; }
  get pages(): number { return this.live; }

  /** At most what capture() of these dirty pages adds to `bytes`. */
  captureCost(dirty: Int32Array): number {
    let leaves = 0, last = -1;
    // Dirty lists are in the order pages were first written, so leaves repeat: count runs.
    for (let i = 0; i < dirty.length; i++) { const l = dirty[i]! >>> LEAF_SHIFT; if (l !== last) { leaves++; last = l; } }
    return dirty.length * PAGE + Math.min(leaves, this.empty.leaves.length) * LEAF_BYTES;
  }

  /**
   * A new image: `base` with the `dirty` pages taken from `i32` (live RAM). Pages of zeroes
   * are recorded as such, not copied.
   */
  capture(base: RamImage, i32: Int32Array, u8: Uint8Array, dirty: Int32Array): RamImage {
    this.check(base);
    const leaves = base.leaves.slice();
    const fresh = new Set<number>();
    for (let i = 0; i < dirty.length; i++) {
      const page = dirty[i]!;
      const li = page >>> LEAF_SHIFT;
      let leaf = leaves[li] ?? null;
      if (!fresh.has(li)) {
        // The first dirty page of this leaf: a private copy of the base's table.
        const slots = leaf ? leaf.slots.slice() : new Int32Array(LEAF);
        for (let k = 0; k < LEAF; k++) if (slots[k] !== 0) this.refs[slots[k]! - 1]++;
        leaf = { slots, refs: 1 };
        leaves[li] = leaf;
        this.leafCount++;
        fresh.add(li);
      }
      const k = page & (LEAF - 1);
      const old = leaf!.slots[k]!;
      if (old !== 0) this.unref(old - 1);
      leaf!.slots[k] = isZero(i32, page) ? 0 : this.copyIn(u8, page) + 1;
    }
    for (let li = 0; li < leaves.length; li++) if (!fresh.has(li)) { const l = leaves[li]; if (l) l.refs++; }
    return new RamImage(this, leaves);
  }

  /**
   * Puts `to` into live RAM, which holds `from` plus the pages marked in `dirty` (written
   * since). Writes only the pages that differ (by copy, not by content); calls `wrote` for each.
   */
  apply(from: RamImage, to: RamImage, u8: Uint8Array, dirty: Int32Array, dirtyMap: Uint8Array, wrote: (page: number) => void): number {
    this.check(from); this.check(to);
    let n = 0;
    for (let i = 0; i < dirty.length; i++) { this.put(to, dirty[i]!, u8); wrote(dirty[i]!); n++; }
    for (let li = 0; li < to.leaves.length; li++) {
      const a = from.leaves[li] ?? null, b = to.leaves[li] ?? null;
      if (a === b) continue;
      for (let k = 0; k < LEAF; k++) {
        const sa = a ? a.slots[k]! : 0, sb = b ? b.slots[k]! : 0;
        const page = (li << LEAF_SHIFT) | k;
        if (sa === sb || dirtyMap[page]) continue;
        this.put(to, page, u8);
        wrote(page);
        n++;
      }
    }
    return n;
  }

  retain(img: RamImage): void { this.check(img); img.refs++; }

  /** The image is no longer held by its caller: copies nothing else refers to are freed. */
  release(img: RamImage): void {
    this.check(img);
    if (img === this.empty || --img.refs > 0) return;
    if (img.refs < 0) throw new Error('page store: an image was released twice');
    for (const leaf of img.leaves) {
      if (!leaf || --leaf.refs > 0) continue;
      this.leafCount--;
      const s = leaf.slots;
      for (let k = 0; k < LEAF; k++) if (s[k] !== 0) this.unref(s[k]! - 1);
    }
  }

  /** The copy of `page` the image holds, or null for a page of zeroes. */
  pageOf(img: RamImage, page: number): Uint8Array | null {
    const leaf = img.leaves[page >>> LEAF_SHIFT];
    const s = leaf ? leaf.slots[page & (LEAF - 1)]! : 0;
    return s === 0 ? null : this.slot(s - 1);
  }

  /**
   * Pages of live RAM that differ from `img` without being marked in `dirtyMap`: a store that
   * escaped write tracking (a self-check for tests; reads every byte of RAM).
   */
  untracked(img: RamImage, u8: Uint8Array, dirtyMap: Uint8Array): number[] {
    this.check(img);
    const out: number[] = [];
    const zero = new Uint8Array(PAGE);
    for (let page = 0; page < dirtyMap.length; page++) {
      if (dirtyMap[page]) continue;
      const want = this.pageOf(img, page) ?? zero;
      const have = u8.subarray(page * PAGE, page * PAGE + PAGE);
      for (let i = 0; i < PAGE; i++) if (have[i] !== want[i]) { out.push(page); break; }
    }
    return out;
  }

  private put(img: RamImage, page: number, u8: Uint8Array): void {
    const leaf = img.leaves[page >>> LEAF_SHIFT];
    const s = leaf ? leaf.slots[page & (LEAF - 1)]! : 0;
    if (s === 0) u8.fill(0, page * PAGE, page * PAGE + PAGE);
    else u8.set(this.slot(s - 1), page * PAGE);
  }

  private slot(id: number): Uint8Array {
    const off = (id & (CHUNK - 1)) * PAGE;
    return this.chunks[id >>> CHUNK_SHIFT]!.subarray(off, off + PAGE);
  }

  private copyIn(u8: Uint8Array, page: number): number {
    let id = this.free.pop();
    if (id === undefined) {
      id = this.allocated++;
      if ((id >>> CHUNK_SHIFT) >= this.chunks.length) this.chunks.push(new Uint8Array(CHUNK * PAGE));
      if (id >= this.refs.length) { const r = new Int32Array(this.refs.length * 2); r.set(this.refs); this.refs = r; }
    }
    const off = (id & (CHUNK - 1)) * PAGE;
    this.chunks[id >>> CHUNK_SHIFT]!.set(u8.subarray(page * PAGE, page * PAGE + PAGE), off);
    this.refs[id] = 1;
    this.live++;
    return id;
  }

  private unref(id: number): void {
    if (--this.refs[id] === 0) { this.free.push(id); this.live--; }
  }

  private check(img: RamImage): void {
    if (img.store !== this) throw new Error('page store: the image belongs to another machine');
  }
}

/** True when the page holds only zero bytes (stops at the first nonzero word). */
function isZero(i32: Int32Array, page: number): boolean {
  const end = (page + 1) * (PAGE / 4);
  for (let i = page * (PAGE / 4); i < end; i++) if (i32[i] !== 0) return false;
  return true;
}
