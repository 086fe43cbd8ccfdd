// The Multiboot (v0.6.96) header: found in the first 8192 bytes of the file, 32-bit aligned,
// magic 0x1BADB002, with magic + flags + checksum == 0 (mod 2^32). When flag bit 16 is set,
// the address fields ("a.out kludge") say where the file goes in memory, and they win over
// any ELF headers.

import type { ByteReader } from './byte-reader';
import { ImageError, hex } from './image-error';

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
const SEARCH_BYTES = 8192;

export const MB_FLAG_PAGE_ALIGN = 1 << 0;
export const MB_FLAG_MEMORY_INFO = 1 << 1;
export const MB_FLAG_VIDEO_MODE = 1 << 2;
export const MB_FLAG_AOUT_KLUDGE = 1 << 16;
/** Bits 0-15 are requirements: a loader must refuse a kernel asking for one it does not know. */
const KNOWN_REQUIRED = MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_VIDEO_MODE;

export interface AoutKludge {
  headerAddr: number; loadAddr: number; loadEndAddr: number; bssEndAddr: number; entryAddr: number;
}

export interface MultibootHeader {
  /** File offset of the magic. */
  offset: number;
  flags: number;
  aout?: AoutKludge;
}

/**
 * The first valid header, or null when the magic never appears. A magic with a wrong checksum
 * and no valid header after it is an error: that is a broken kernel, not a non-multiboot file.
 */
export function findMultibootHeader(r: ByteReader): MultibootHeader | null {
  const end = Math.min(r.length, SEARCH_BYTES);
  let badAt = -1;
  let badSum = 0;
  for (let o = 0; o + 4 <= end; o += 4) {
    if (r.u32(o, 'multiboot magic') !== MULTIBOOT_HEADER_MAGIC) continue;
    if (o + 12 > r.length) {
      throw new ImageError(`multiboot header at ${hex(o)} is truncated: the file ends before its flags and checksum`, { offset: o, field: 'multiboot header' });
    }
    // The magic, flags and checksum must all lie in the first 8192 bytes.
    if (o + 12 > SEARCH_BYTES) break;
    const flags = r.u32(o + 4, 'multiboot flags');
    const checksum = r.u32(o + 8, 'multiboot checksum');
    if (((MULTIBOOT_HEADER_MAGIC + flags + checksum) >>> 0) !== 0) {
      if (badAt < 0) { badAt = o; badSum = checksum; }
      continue;
    }
    return parseHeader(r, o, flags);
  }
  if (badAt >= 0) {
    const flags = r.u32(badAt + 4, 'multiboot flags');
    const want = (-(MULTIBOOT_HEADER_MAGIC + flags)) >>> 0;
    throw new ImageError(
      `multiboot header at ${hex(badAt)} has a bad checksum ${hex(badSum)} (magic + flags + checksum must be 0; expected ${hex(want)} for flags ${hex(flags)})`,
      { offset: badAt + 8, field: 'multiboot checksum' });
  }
  return null;
}

function parseHeader(r: ByteReader, o: number, flags: number): MultibootHeader {
  const unknown = flags & 0xffff & ~KNOWN_REQUIRED;
  if (unknown !== 0) {
    throw new ImageError(
      `multiboot header at ${hex(o)} requires features this loader does not provide (flag bits ${hex(unknown)}; known: page-align 0, memory-info 1, video-mode 2)`,
      { offset: o + 4, field: 'multiboot flags' });
  }
  const header: MultibootHeader = { offset: o, flags };
  if (flags & MB_FLAG_AOUT_KLUDGE) {
    if (o + 32 > r.length) {
      throw new ImageError(`multiboot header at ${hex(o)} sets the address flag (bit 16) but the file ends before its address fields`, { offset: o + 12, field: 'multiboot header_addr..entry_addr' });
    }
    header.aout = {
      headerAddr: r.u32(o + 12, 'header_addr'), loadAddr: r.u32(o + 16, 'load_addr'),
      loadEndAddr: r.u32(o + 20, 'load_end_addr'), bssEndAddr: r.u32(o + 24, 'bss_end_addr'),
      entryAddr: r.u32(o + 28, 'entry_addr'),
    };
  }
  return header;
}

export interface KludgeLayout {
  /** File offset the load starts at. */
  fileOffset: number;
  loadAddr: number;
  /** Bytes copied from the file. */
  loadSize: number;
  /** Zeroed bytes after them. */
  bssSize: number;
  entry: number;
}

/** Validates the address fields against each other and the file, as GRUB interprets them. */
export function kludgeLayout(r: ByteReader, h: MultibootHeader & { aout: AoutKludge }): KludgeLayout {
  const a = h.aout;
  const at = (rel: number, field: string) => ({ offset: h.offset + rel, field });
  if (a.headerAddr < a.loadAddr) {
    throw new ImageError(`multiboot load_addr ${hex(a.loadAddr)} is above header_addr ${hex(a.headerAddr)}`, at(16, 'load_addr'));
  }
  const headerToStart = a.headerAddr - a.loadAddr;
  if (headerToStart > h.offset) {
    throw new ImageError(
      `multiboot header_addr ${hex(a.headerAddr)} - load_addr ${hex(a.loadAddr)} = ${hex(headerToStart)} is more than the header's file offset ${hex(h.offset)}: the load would start before the file`,
      at(12, 'header_addr'));
  }
  const fileOffset = h.offset - headerToStart;
  const available = r.length - fileOffset;
  let loadSize: number;
  if (a.loadEndAddr === 0) {
    loadSize = available;
  } else {
    if (a.loadEndAddr <= a.headerAddr) {
      throw new ImageError(`multiboot load_end_addr ${hex(a.loadEndAddr)} is not above header_addr ${hex(a.headerAddr)}: the load would not include the header`, at(20, 'load_end_addr'));
    }
    loadSize = a.loadEndAddr - a.loadAddr;
    if (loadSize > available) {
      throw new ImageError(
        `multiboot load_end_addr ${hex(a.loadEndAddr)} asks for ${hex(loadSize)} bytes from file offset ${hex(fileOffset)}, but the file has only ${hex(available)}`,
        at(20, 'load_end_addr'));
    }
  }
  const loadEnd = a.loadAddr + loadSize;
  let bssSize = 0;
  if (a.bssEndAddr !== 0) {
    if (a.bssEndAddr < loadEnd) {
      throw new ImageError(`multiboot bss_end_addr ${hex(a.bssEndAddr)} is below the end of the loaded data ${hex(loadEnd)}`, at(24, 'bss_end_addr'));
    }
    bssSize = a.bssEndAddr - loadEnd;
  }
  const end = loadEnd + bssSize;
  if (a.entryAddr < a.loadAddr || a.entryAddr >= end) {
    throw new ImageError(`multiboot entry_addr ${hex(a.entryAddr)} is outside the loaded image ${hex(a.loadAddr)}..${hex(end)}`, at(28, 'entry_addr'));
  }
  return { fileOffset, loadAddr: a.loadAddr, loadSize, bssSize, entry: a.entryAddr };
}
