// Guest physical address space: RAM as one ArrayBuffer with typed views, a ROM mapped
// below 1 MiB and at the top of the 4 GiB space, MMIO ranges looked up per 4 KiB page,
// frames a hypervisor maps outside RAM (a translated guest's p2m entry for a page the
// hypervisor owns), and "nothing" (reads all ones, writes dropped, every access recorded).

import type { AccessSize, MmioRange, UnassignedAccess } from './bus';
import { MAX_GUEST_RAM_BYTES } from '../limits';

/** Page kinds in `pageKind`; RAM pages are the fast path everywhere. */
export const PAGE_RAM = 0;
export const PAGE_MMIO = 1;
export const PAGE_ROM = 2;
export const PAGE_NONE = 3;
/** A page outside RAM that shows one of RAM's pages (a hypervisor frame mapped there): plain memory, no exit. */
export const PAGE_FRAME = 4;

const PAGES = 1 << 20;
/** Pages of the 36-bit physical space (the CPU's MAXPHYADDR): only frames can be above 4 GiB. */
const PHYS_PAGES = 1 << 24;
const TWO32 = 4294967296;
const RECENT_UNASSIGNED = 64;

export interface MmioObserver {
  /** Called before each MMIO access reaches its device (the CPU turns it into an EPT-violation exit). */
  (range: MmioRange, gpa: number, size: AccessSize, write: boolean, value: number): void;
}

export class PhysicalMemory {
  readonly ramBytes: number;
  readonly buffer: ArrayBuffer;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
  /** Per physical page: PAGE_RAM / PAGE_MMIO / PAGE_ROM / PAGE_NONE. */
  readonly pageKind = new Uint8Array(PAGES);
  /** Per physical page: index + 1 into `ranges` for MMIO pages. */
  private readonly pageRange = new Uint16Array(PAGES);
  private ranges: readonly MmioRange[] = [];
  /** For PAGE_FRAME pages: guest page -> the RAM page it shows. */
  private readonly frames = new Map<number, number>();
  private rom: Uint8Array | null = null;
  private romBase = 0;
  onMmio: MmioObserver | null = null;
  /**
   * Called once per access to a page nothing backs (no RAM, ROM, device or placed frame), before
   * it reads all ones or is dropped: a hypervisor whose p2m has no entry there takes an EPT
   * violation first (Xen's PVH: the exit, then its null handler).
   */
  onUnbacked: ((gpa: number, size: AccessSize, write: boolean) => void) | null = null;
  /** RAM pages the guest does not see (the hypervisor's own frames): nothing backs them for it. */
  private readonly hidden = new Set<number>();
  /** Returns the current virtual time for access records. */
  now: () => number = () => 0;
  readonly unassigned: { count: number; recent: UnassignedAccess[] } = { count: 0, recent: [] };
  /** Called with (paddr, length) after any write that may hit RAM holding decoded code. */
  onCodeWrite: ((paddr: number, length: number) => void) | null = null;
  /**
   * Per RAM page: 1 when written since write tracking last restarted (a snapshot copies only
   * these). Every store into RAM marks its page: the bus's write(), the CPU when it caches a
   * page as writable (its fast stores then skip the bus), and the hypervisor's own stores.
   */
  readonly dirty: Uint8Array;
  private readonly dirtyList: Int32Array;
  private dirtyCount = 0;
  /**
   * Called when tracking restarts: whoever caches write access to pages (the CPU's write TLB)
   * must drop it, so that the next store to each page is seen again.
   */
  onTrackingRestart: (() => void) | null = null;
  /**
   * Per RAM page: 1 once anything reached it since the last reset: the CPU's translations
   * (each TLB fill, reads and fetches included), stores, the loader's and the hypervisor's
   * writes. These are the guest-physical pages a hypervisor's EPT (or p2m) had to map for the
   * run; `paravirt compare` sizes the EPT tables from them. Unlike `dirty`, never restarted by
   * snapshots.
   */
  readonly touched: Uint8Array;

  constructor(ramBytes: number) {
    if (!Number.isInteger(ramBytes) || ramBytes < 1 << 20 || ramBytes > MAX_GUEST_RAM_BYTES || ramBytes % 4096 !== 0) {
      throw new RangeError(`RAM size must be a multiple of 4 KiB between 1 MiB and 3 GiB, got ${ramBytes}`);
    }
    this.ramBytes = ramBytes;
    this.buffer = new ArrayBuffer(ramBytes);
    this.u8 = new Uint8Array(this.buffer);
    this.u16 = new Uint16Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.dirty = new Uint8Array(ramBytes >>> 12);
    this.dirtyList = new Int32Array(ramBytes >>> 12);
    this.touched = new Uint8Array(ramBytes >>> 12);
    this.rebuildMap();
  }

  /** Marks the RAM page holding `paddr` written (outside RAM: nothing). */
  markPage(page: number): void {
    if (page < this.dirty.length && this.dirty[page] === 0) {
      this.dirty[page] = 1;
      this.touched[page] = 1;
      this.dirtyList[this.dirtyCount++] = page;
    }
  }

  /** After a store into RAM that bypassed write() (bulk copies, hypervisor structures). */
  markWritten(paddr: number, length: number): void {
    if (length <= 0) return;
    const last = (paddr + length - 1) >>> 12;
    for (let p = paddr >>> 12; p <= last; p++) this.markPage(p);
  }

  /** A 32-bit store into RAM by the hypervisor (aligned, not through MMIO): tracked like a CPU store. */
  store32(paddr: number, value: number): void {
    this.i32[paddr >>> 2] = value;
    this.markPage(paddr >>> 12);
  }

  store8(paddr: number, value: number): void {
    this.u8[paddr] = value;
    this.markPage(paddr >>> 12);
  }

  /** A read or a translation reached RAM page `page` (outside RAM: nothing). */
  touch(page: number): void {
    if (page < this.touched.length) this.touched[page] = 1;
  }

  /** The RAM pages reached since the last reset, in ascending order. */
  touchedPages(): number[] {
    const out: number[] = [], t = this.touched;
    for (let p = 0; p < t.length; p++) if (t[p]) out.push(p);
    return out;
  }

  /** Pages written since tracking last restarted (a view, valid until the next restart). */
  dirtyPages(): Int32Array { return this.dirtyList.subarray(0, this.dirtyCount); }

  /** Forget what was written (a snapshot now holds it) and watch for the next stores. */
  restartTracking(): void {
    const d = this.dirty, l = this.dirtyList;
    for (let i = 0; i < this.dirtyCount; i++) d[l[i]] = 0;
    this.dirtyCount = 0;
    this.onTrackingRestart?.();
  }

  setMmio(ranges: readonly MmioRange[]): void {
    for (const r of ranges) {
      if (r.base % 4096 !== 0 || r.size % 4096 !== 0 || r.size <= 0) throw new RangeError(`MMIO range ${r.name} is not page aligned`);
    }
    this.ranges = ranges;
    this.rebuildMap();
  }

  /** Maps a ROM image so that it ends at 4 GiB, and its last 128 KiB (at most) so it ends at 1 MiB. */
  setRom(rom: Uint8Array | null): void {
    if (rom && (rom.length === 0 || rom.length > 16 << 20)) throw new RangeError(`ROM size ${rom.length} out of range (1 byte .. 16 MiB)`);
    this.rom = rom;
    if (rom) {
      const size = Math.ceil(rom.length / 4096) * 4096;
      this.romBase = 0x100000000 - size;
      const low = Math.min(rom.length, 0x20000);
      this.u8.set(rom.subarray(rom.length - low), 0x100000 - low);
      this.markWritten(0x100000 - low, low);
    }
    this.rebuildMap();
  }

  private rebuildMap(): void {
    const ramPages = this.ramBytes >>> 12;
    this.pageKind.fill(PAGE_RAM, 0, ramPages);
    this.pageKind.fill(PAGE_NONE, ramPages);
    this.pageRange.fill(0);
    if (this.rom) this.pageKind.fill(PAGE_ROM, this.romBase / 4096, PAGES);
    for (const page of this.hidden) if (page < ramPages) this.pageKind[page] = PAGE_NONE;
    this.ranges.forEach((r, i) => {
      const first = r.base / 4096;
      const last = Math.min(PAGES, first + r.size / 4096);
      for (let p = first; p < last; p++) { this.pageKind[p] = PAGE_MMIO; this.pageRange[p] = i + 1; }
    });
    // A frame stays where nothing else is (a ROM or MMIO range set later takes its page).
    for (const page of [...this.frames.keys()]) {
      if (page >= PAGES) continue;
      if (this.pageKind[page] === PAGE_NONE) this.pageKind[page] = PAGE_FRAME;
      else this.frames.delete(page);
    }
  }

  /**
   * Shows RAM page `ramPage` at guest page `page`, a page outside RAM where nothing else is
   * (a hypervisor frame a translated guest placed above its memory, as Xen's p2m maps it):
   * accesses there are that page's bytes, without an exit. The CPU caches such a page as slow
   * (it is not RAM), so every access looks the mapping up and a later unmap takes effect at once.
   */
  mapFrame(page: number, ramPage: number): void {
    if (!Number.isInteger(page) || page < this.ramBytes >>> 12 || page >= PHYS_PAGES) throw new RangeError(`mapFrame: page ${page} is not outside RAM in the 36-bit physical space`);
    if (!Number.isInteger(ramPage) || ramPage < 0 || ramPage >= this.ramBytes >>> 12) throw new RangeError(`mapFrame: ${ramPage} is not a RAM page`);
    if (page < PAGES) {
      const kind = this.pageKind[page];
      if (kind !== PAGE_NONE && kind !== PAGE_FRAME) throw new RangeError(`mapFrame: page ${page} is ${this.owner(page * 4096)}`);
      this.pageKind[page] = PAGE_FRAME;
    }
    this.frames.set(page, ramPage);
  }

  /** The page back to nothing (reads all ones). */
  unmapFrame(page: number): void {
    if (!this.frames.delete(page)) return;
    if (page < PAGES) this.pageKind[page] = PAGE_NONE;
  }

  /**
   * RAM pages [first, first + count) kept by the hypervisor for itself: their bytes stay (the
   * hypervisor reads and writes them through `u8`/`i32`, and a frame placed outside RAM shows
   * them), but a guest access there meets nothing, as one to a gfn missing from Xen's p2m.
   * `count` 0 shows every page again.
   */
  hideRam(first: number, count: number): void {
    const ramPages = this.ramBytes >>> 12;
    if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || first + count > ramPages) {
      throw new RangeError(`hideRam: pages ${first}+${count} are not all RAM`);
    }
    this.hidden.clear();
    for (let p = first; p < first + count; p++) this.hidden.add(p);
    this.rebuildMap();
  }

  /** Whether RAM page `page` is one the guest cannot reach (hideRam). */
  isHidden(page: number): boolean { return this.hidden.has(page); }

  /** The RAM page a frame placed at guest page `page` shows, or -1 when none is placed there. */
  frameAt(page: number): number { return this.frames.get(page) ?? -1; }

  /** The frames mapped outside RAM: [guest page, RAM page] pairs. */
  mappedFrames(): Array<[number, number]> { return [...this.frames]; }

  /** Every frame mapping dropped (a new domain, or one restored from a snapshot). */
  clearFrames(): void {
    for (const page of this.frames.keys()) if (page < PAGES) this.pageKind[page] = PAGE_NONE;
    this.frames.clear();
  }

  /** The RAM address a PAGE_FRAME byte stands for. */
  private frameByte(paddr: number): number {
    return this.frames.get(paddr >>> 12)! * 4096 + (paddr & 0xfff);
  }

  /** A byte above 4 GiB: a frame's, or nothing's. */
  private highByte(paddr: number): number {
    const ram = this.frames.get(Math.floor(paddr / 4096));
    return ram === undefined ? -1 : ram * 4096 + (paddr % 4096);
  }

  private readHigh(paddr: number, size: AccessSize): number {
    if (this.highByte(paddr) < 0) this.onUnbacked?.(paddr, size, false);
    let v = 0;
    for (let i = 0; i < size; i++) {
      const at = this.highByte(paddr + i);
      if (at < 0) this.record(paddr + i, 1, false, 0);
      v |= (at < 0 ? 0xff : this.u8[at]!) << (8 * i);
    }
    return v >>> 0;
  }

  private writeHigh(paddr: number, size: AccessSize, value: number): void {
    if (this.highByte(paddr) < 0) this.onUnbacked?.(paddr, size, true);
    for (let i = 0; i < size; i++) {
      const at = this.highByte(paddr + i), b = (value >>> (8 * i)) & 0xff;
      if (at < 0) { this.record(paddr + i, 1, true, b); continue; }
      this.u8[at] = b; this.markPage(at >>> 12); this.onCodeWrite?.(at, 1);
    }
  }

  /** Owner name of a physical address, for reports. */
  owner(paddr: number): string {
    const p = paddr >>> 12;
    switch (this.pageKind[p]) {
      case PAGE_RAM: return 'ram';
      case PAGE_FRAME: return 'frame';
      case PAGE_ROM: return 'rom';
      case PAGE_MMIO: return this.ranges[this.pageRange[p] - 1].name;
      default: return 'unassigned';
    }
  }

  read(paddr: number, size: AccessSize): number {
    if (paddr >= TWO32) return this.readHigh(paddr, size);
    paddr >>>= 0;
    const p = paddr >>> 12;
    const kind = this.pageKind[p];
    if (kind === PAGE_RAM && paddr + size <= this.ramBytes) {
      const u8 = this.u8;
      if (size === 1) return u8[paddr];
      if (size === 2) return u8[paddr] | (u8[paddr + 1] << 8);
      return (u8[paddr] | (u8[paddr + 1] << 8) | (u8[paddr + 2] << 16) | (u8[paddr + 3] << 24)) >>> 0;
    }
    if (kind === PAGE_MMIO && (paddr & 0xfff) + size <= 0x1000) {
      const r = this.ranges[this.pageRange[p] - 1];
      this.onMmio?.(r, paddr, size, false, 0);
      const v = r.handler.read(paddr - r.base, size);
      return size === 4 ? v >>> 0 : v & (size === 1 ? 0xff : 0xffff);
    }
    if (kind === PAGE_NONE) this.onUnbacked?.(paddr, size, false);
    // Mixed or non-RAM: byte by byte so that each byte goes to its owner.
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.readByteSlow((paddr + i) >>> 0) << (8 * i);
    return v >>> 0;
  }

  private readByteSlow(paddr: number): number {
    const p = paddr >>> 12;
    switch (this.pageKind[p]) {
      case PAGE_RAM: return paddr < this.ramBytes ? this.u8[paddr] : 0xff;
      case PAGE_FRAME: return this.u8[this.frameByte(paddr)];
      case PAGE_ROM: {
        const rom = this.rom!;
        const off = paddr - this.romBase - (Math.ceil(rom.length / 4096) * 4096 - rom.length);
        return off >= 0 && off < rom.length ? rom[off] : 0xff;
      }
      case PAGE_MMIO: {
        const r = this.ranges[this.pageRange[p] - 1];
        this.onMmio?.(r, paddr, 1, false, 0);
        return r.handler.read(paddr - r.base, 1) & 0xff;
      }
      default:
        this.record(paddr, 1, false, 0);
        return 0xff;
    }
  }

  write(paddr: number, size: AccessSize, value: number): void {
    if (paddr >= TWO32) { this.writeHigh(paddr, size, value); return; }
    paddr >>>= 0;
    const p = paddr >>> 12;
    const kind = this.pageKind[p];
    if (kind === PAGE_RAM && paddr + size <= this.ramBytes) {
      const u8 = this.u8;
      u8[paddr] = value;
      if (size > 1) { u8[paddr + 1] = value >> 8; if (size > 2) { u8[paddr + 2] = value >> 16; u8[paddr + 3] = value >> 24; } }
      const pg = paddr >>> 12;
      if (this.dirty[pg] === 0) this.markPage(pg);
      if (((paddr + size - 1) >>> 12) !== pg) this.markPage(pg + 1);
      this.onCodeWrite?.(paddr, size);
      return;
    }
    if (kind === PAGE_MMIO && (paddr & 0xfff) + size <= 0x1000) {
      const r = this.ranges[this.pageRange[p] - 1];
      this.onMmio?.(r, paddr, size, true, value);
      r.handler.write(paddr - r.base, size, size === 4 ? value >>> 0 : value & (size === 1 ? 0xff : 0xffff));
      return;
    }
    if (kind === PAGE_NONE) this.onUnbacked?.(paddr, size, true);
    for (let i = 0; i < size; i++) this.writeByteSlow((paddr + i) >>> 0, (value >>> (8 * i)) & 0xff);
  }

  private writeByteSlow(paddr: number, value: number): void {
    const p = paddr >>> 12;
    switch (this.pageKind[p]) {
      case PAGE_RAM:
        if (paddr < this.ramBytes) { this.u8[paddr] = value; this.markPage(p); this.onCodeWrite?.(paddr, 1); }
        return;
      case PAGE_FRAME: {
        const at = this.frameByte(paddr);
        this.u8[at] = value; this.markPage(at >>> 12); this.onCodeWrite?.(at, 1);
        return;
      }
      case PAGE_ROM: return; // ROM ignores writes
      case PAGE_MMIO: {
        const r = this.ranges[this.pageRange[p] - 1];
        this.onMmio?.(r, paddr, 1, true, value);
        r.handler.write(paddr - r.base, 1, value);
        return;
      }
      default:
        this.record(paddr, 1, true, value);
    }
  }

  private record(address: number, size: AccessSize, write: boolean, value: number): void {
    this.unassigned.count++;
    const rec = this.unassigned.recent;
    if (rec.length >= RECENT_UNASSIGNED) rec.shift();
    rec.push({ kind: 'mmio', address, size, write, value, icount: this.now() });
  }

  /**
   * Zeroes guest RAM, writing only the 4 KiB pages that hold a nonzero byte. A page the
   * guest never wrote is still the host's shared zero page: reading it costs no memory,
   * while filling it would make it resident (64 MiB of RSS for a 64 MiB guest before its
   * first instruction).
   */
  private zeroRam(): void {
    const w = this.i32;
    for (let page = 0; page < w.length; page += 1024) {
      const end = page + 1024;
      for (let i = page; i < end; i++) {
        if (w[i] !== 0) { w.fill(0, i, end); break; }
      }
    }
  }

  /**
   * Side-effect-free byte read for debuggers: MMIO and holes read as 0xff without touching
   * devices; a hidden RAM page (the hypervisor's own frame) reads as its bytes.
   */
  peek(paddr: number): number {
    if (paddr >= TWO32) { const at = this.highByte(paddr); return at < 0 ? 0xff : this.u8[at]!; }
    paddr >>>= 0;
    const kind = this.pageKind[paddr >>> 12];
    if (kind === PAGE_RAM) return paddr < this.ramBytes ? this.u8[paddr] : 0xff;
    if (kind === PAGE_ROM || kind === PAGE_FRAME) return this.readByteSlow(paddr);
    // A hidden page is the hypervisor's: its debugger views (shared_info, grant frames) read it.
    if (kind === PAGE_NONE && paddr < this.ramBytes && this.hidden.has(paddr >>> 12)) return this.u8[paddr]!;
    return 0xff;
  }

  /** All of RAM back to zero, and write tracking restarted from that all-zero image. */
  reset(): void {
    this.zeroRam();
    this.restartTracking();
    this.touched.fill(0);
    this.unassigned.count = 0;
    this.unassigned.recent.length = 0;
    this.rom = null;
    this.frames.clear();
    this.hidden.clear();
    this.rebuildMap();
  }
}
