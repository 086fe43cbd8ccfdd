// Where an image may put bytes in a PC's physical memory, and where the loader may put the
// things it builds itself (multiboot info, modules). The PC layout: conventional memory up to
// 0x9FC00, the EBDA to 0xA0000, VGA memory and ROMs up to 1 MiB, then RAM to the top.

import { ImageError, hex } from './image-error';

export const MiB = 0x100000;
/** End of the conventional memory we report as usable. */
export const LOW_USABLE_END = 0x9fc00;
/** VGA window and ROM area: not RAM, so no image may load bytes there. */
export const HOLE_START = 0xa0000;
export const HOLE_END = 0x100000;
export const PAGE = 4096;

export interface Placement { start: number; size: number; what: string; offset?: number; field?: string }

export function checkRamBytes(ramBytes: number): void {
  if (!Number.isSafeInteger(ramBytes) || ramBytes <= 0 || ramBytes > 0x100000000) {
    throw new ImageError(`RAM size ${ramBytes} is not a byte count between 1 and 4 GiB`, { field: 'ramBytes' });
  }
}

/**
 * Checks that each range lies in RAM, outside the VGA/ROM hole, and that no two overlap.
 * Runs before any buffer is allocated, so a huge p_memsz costs nothing.
 */
export function checkPlacements(ranges: Placement[], ramBytes: number): void {
  for (const p of ranges) {
    const end = p.start + p.size;
    const where = { offset: p.offset, field: p.field };
    if (end > 0x100000000) throw new ImageError(`${p.what} at ${hex(p.start)} (${hex(p.size)} bytes) wraps past 4 GiB`, where);
    if (end > ramBytes) {
      throw new ImageError(
        `${p.what} ${hex(p.start)}..${hex(end)} does not fit in guest RAM (${ramBytes} bytes = ${formatSize(ramBytes)}); give the machine more memory or link the image lower`,
        where);
    }
    if (p.size > 0 && p.start < HOLE_END && end > HOLE_START) {
      throw new ImageError(`${p.what} ${hex(p.start)}..${hex(end)} overlaps the VGA/ROM area ${hex(HOLE_START)}..${hex(HOLE_END)}, which is not RAM`, where);
    }
  }
  const sorted = ranges.filter((p) => p.size > 0).sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (b.start < a.start + a.size) {
      throw new ImageError(
        `${b.what} ${hex(b.start)}..${hex(b.start + b.size)} overlaps ${a.what} ${hex(a.start)}..${hex(a.start + a.size)}`,
        { offset: b.offset, field: b.field });
    }
  }
}

/** Hands out page-aligned blocks above everything the image loaded, skipping the hole. */
export class RamAllocator {
  private cursor: number;

  constructor(private readonly ramBytes: number, highestLoaded: number) {
    this.cursor = highestLoaded;
  }

  /** Where the next allocation would start from; pass to rewind() to undo later ones. */
  mark(): number { return this.cursor; }
  rewind(mark: number): void { this.cursor = mark; }

  allocate(size: number, what: string): number {
    let start = alignUp(this.cursor, PAGE);
    if (start < HOLE_END && start + size > LOW_USABLE_END) start = HOLE_END;
    if (start + size > this.ramBytes) {
      throw new ImageError(
        `not enough guest RAM for the ${what} (${size} bytes needed at ${hex(start)}, RAM is ${formatSize(this.ramBytes)})`,
        { field: 'ramBytes' });
    }
    this.cursor = start + size;
    return start;
  }
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export function formatSize(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
