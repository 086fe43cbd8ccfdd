// The Multiboot2 header (Multiboot2 specification 1.6, "OS image format"): in the first 32768
// bytes of the file, 8-byte aligned, magic 0xE85250D6, architecture 0 (i386 protected mode),
// header_length, and a checksum making the four fields sum to 0 (mod 2^32); then tags, each
// 8-byte aligned, ending with the end tag. A tag not marked optional (flags bit 0) that this
// loader cannot honour makes it refuse the kernel, as the specification requires.

import type { ByteReader } from './byte-reader';
import { ImageError, hex } from './image-error';

export const MULTIBOOT2_HEADER_MAGIC = 0xe85250d6;
export const MULTIBOOT2_BOOTLOADER_MAGIC = 0x36d76289;
const SEARCH_BYTES = 32768;
const ARCH_I386 = 0;
const TAG_OPTIONAL = 1;

/** Boot information tag types this loader provides (see multiboot2-info.ts). */
export const PROVIDED_INFO = new Map<number, string>([
  [1, 'command line'], [2, 'boot loader name'], [3, 'modules'], [4, 'basic memory information'], [6, 'memory map'],
  [8, 'framebuffer (EGA text)'], [9, 'ELF sections'], [14, 'ACPI old RSDP'], [15, 'ACPI new RSDP'], [21, 'image load base'],
]);
const INFO_NAMES: Record<number, string> = {
  5: 'BIOS boot device', 7: 'VBE information', 10: 'APM table', 11: 'EFI 32-bit system table', 12: 'EFI 64-bit system table',
  13: 'SMBIOS tables', 16: 'networking information', 17: 'EFI memory map', 18: 'EFI boot services not terminated',
  19: 'EFI 32-bit image handle', 20: 'EFI 64-bit image handle',
};

export interface Multiboot2Address { headerAddr: number; loadAddr: number; loadEndAddr: number; bssEndAddr: number }

export interface Multiboot2Header {
  /** File offset of the magic. */
  offset: number;
  length: number;
  /** Boot information the kernel asked for (information request tag). */
  requests: Array<{ type: number; optional: boolean }>;
  address?: Multiboot2Address;
  entry?: number;
  /** Console flags tag: bit 0 a console is required, bit 1 EGA text is supported. */
  consoleFlags?: number;
  /** The framebuffer tag's preference (depth 0: text mode). */
  framebuffer?: { width: number; height: number; depth: number; optional: boolean };
  moduleAlign: boolean;
  relocatable?: { minAddr: number; maxAddr: number; align: number; preference: number };
}

export function findMultiboot2Header(r: ByteReader): Multiboot2Header | null {
  const end = Math.min(r.length, SEARCH_BYTES);
  let badAt = -1;
  for (let o = 0; o + 16 <= end; o += 8) {
    if (r.u32(o, 'multiboot2 magic') !== MULTIBOOT2_HEADER_MAGIC) continue;
    const arch = r.u32(o + 4, 'multiboot2 architecture');
    const length = r.u32(o + 8, 'multiboot2 header_length');
    const checksum = r.u32(o + 12, 'multiboot2 checksum');
    if (((MULTIBOOT2_HEADER_MAGIC + arch + length + checksum) >>> 0) !== 0) {
      if (badAt < 0) badAt = o;
      continue;
    }
    return parseTags(r, o, arch, length);
  }
  if (badAt >= 0) {
    const arch = r.u32(badAt + 4, 'multiboot2 architecture');
    const length = r.u32(badAt + 8, 'multiboot2 header_length');
    const want = (-(MULTIBOOT2_HEADER_MAGIC + arch + length)) >>> 0;
    throw new ImageError(
      `multiboot2 header at ${hex(badAt)} has a bad checksum ${hex(r.u32(badAt + 12, 'multiboot2 checksum'))} (magic + architecture + header_length + checksum must be 0; expected ${hex(want)})`,
      { offset: badAt + 12, field: 'multiboot2 checksum' });
  }
  return null;
}

function parseTags(r: ByteReader, o: number, arch: number, length: number): Multiboot2Header {
  if (arch !== ARCH_I386) {
    throw new ImageError(`multiboot2 header at ${hex(o)} is for architecture ${arch}${arch === 4 ? ' (MIPS)' : ''}; only 0 (i386 protected mode) runs here`, { offset: o + 4, field: 'multiboot2 architecture' });
  }
  if (length < 24 || o + length > r.length) {
    throw new ImageError(`multiboot2 header_length ${length} is ${length < 24 ? 'too short for the header and its end tag' : 'past the end of the file'}`, { offset: o + 8, field: 'multiboot2 header_length' });
  }
  const h: Multiboot2Header = { offset: o, length, requests: [], moduleAlign: false };
  let t = o + 16;
  for (;;) {
    if (t + 8 > o + length) throw new ImageError(`multiboot2 header at ${hex(o)} has no end tag within its ${length} bytes`, { offset: t, field: 'multiboot2 tags' });
    const type = r.u16(t, 'multiboot2 tag type');
    const flags = r.u16(t + 2, 'multiboot2 tag flags');
    const size = r.u32(t + 4, 'multiboot2 tag size');
    const optional = (flags & TAG_OPTIONAL) !== 0;
    const at = { offset: t, field: `multiboot2 tag ${type}` };
    if (size < 8 || t + size > o + length) throw new ImageError(`multiboot2 tag ${type} at ${hex(t)} has size ${size}, outside the header`, at);
    const need = (n: number) => { if (size < n) throw new ImageError(`multiboot2 tag ${type} at ${hex(t)} is ${size} bytes; it needs ${n}`, at); };
    if (type === 0) {
      if (size !== 8) throw new ImageError(`multiboot2 end tag at ${hex(t)} has size ${size}, not 8`, at);
      break;
    }
    switch (type) {
      case 1:
        for (let p = t + 8; p + 4 <= t + size; p += 4) h.requests.push({ type: r.u32(p, 'mbi_tag_types'), optional });
        break;
      case 2:
        need(24);
        h.address = { headerAddr: r.u32(t + 8, 'header_addr'), loadAddr: r.u32(t + 12, 'load_addr'), loadEndAddr: r.u32(t + 16, 'load_end_addr'), bssEndAddr: r.u32(t + 20, 'bss_end_addr') };
        break;
      case 3: need(12); h.entry = r.u32(t + 8, 'entry_addr'); break;
      case 4: need(12); h.consoleFlags = r.u32(t + 8, 'console_flags'); break;
      case 5:
        need(20);
        h.framebuffer = { width: r.u32(t + 8, 'width'), height: r.u32(t + 12, 'height'), depth: r.u32(t + 16, 'depth'), optional };
        break;
      case 6: h.moduleAlign = true; break;
      case 7:
        if (!optional) throw new ImageError('the kernel requires EFI boot services to be left running (tag 7); this machine has no EFI', at);
        break;
      case 8: case 9:
        break;                                   // EFI entry points: used only when booted by EFI
      case 10:
        need(24);
        h.relocatable = { minAddr: r.u32(t + 8, 'min_addr'), maxAddr: r.u32(t + 12, 'max_addr'), align: r.u32(t + 16, 'align'), preference: r.u32(t + 20, 'preference') };
        break;
      default:
        if (!optional) throw new ImageError(`multiboot2 header tag type ${type} is required (not optional) and unknown to this loader`, at);
    }
    t += Math.ceil(size / 8) * 8;
  }
  for (const q of h.requests) {
    if (q.optional || PROVIDED_INFO.has(q.type)) continue;
    throw new ImageError(
      `the kernel requires boot information this loader cannot give: ${INFO_NAMES[q.type] ?? `tag type ${q.type}`} (information request, not optional)`,
      { offset: o, field: 'multiboot2 information request' });
  }
  if (h.framebuffer && h.framebuffer.depth !== 0 && !h.framebuffer.optional) {
    throw new ImageError(
      `the kernel requires a ${h.framebuffer.width}x${h.framebuffer.height}x${h.framebuffer.depth} graphics framebuffer; this machine has VGA text only (mark the framebuffer tag optional, or ask for depth 0)`,
      { offset: o, field: 'multiboot2 tag 5' });
  }
  return h;
}
