// A kernel image, read once: the bytes, what kind of file they are, and each part a consumer
// may ask for (ELF headers, segments and sections; symbols; Xen notes; the Multiboot header),
// each parsed the first time it is asked for and kept, so the HVM and PV loaders, the CLI and
// the debugger (DWARF, line table) all read the same parse. A part that fails to parse throws
// the same ImageError every time it is asked for; the parts that did not fail stay usable
// (a Multiboot kernel booted through its address fields needs no readable ELF).
//
// The union is by format, and an ELF file's own union by class (32 or 64).

import { ByteReader } from './byte-reader';

import { isElf, parseElf as parseElfFile, readSymbols, type ElfImage, type ElfSymbol } from './elf';
import { findMultibootHeader, type MultibootHeader } from './multiboot-header';
import { findMultiboot2Header, type Multiboot2Header } from './multiboot2-header';
import { readXenNotes, type XenGuestInfo } from './xen-notes';

/** A parsed ELF file, by class: `class` 32 (i386) or 64 (x86-64). */
export type ElfFile = ElfImage;

interface ImageParts {
  readonly bytes: Uint8Array;
  /** The Multiboot header in the first 8192 bytes, or null when there is none. */
  multiboot(): MultibootHeader | null;
  /** The Multiboot2 header in the first 32768 bytes, or null when there is none. */
  multiboot2(): Multiboot2Header | null;
}

/** A file with the ELF magic. */
export interface ElfKernelImage extends ImageParts {
  readonly format: 'elf';
  elf(): ElfFile;
  /** Every .symtab entry, names resolved. */
  symbols(): readonly ElfSymbol[];
  /** The Xen guest information (notes or __xen_guest), or null for a kernel that has none. */
  xen(): XenGuestInfo | null;
}

/** Anything else: a flat binary, a ROM, or a kernel loaded through Multiboot's address fields. */
export interface RawKernelImage extends ImageParts {
  readonly format: 'raw';
}

export type KernelImage = ElfKernelImage | RawKernelImage;

/** Reads an image. `parseElf` is the ELF reader (a test passes one that counts its calls). */
export function readImage(bytes: Uint8Array, parseElf: (bytes: Uint8Array) => ElfFile = parseElfFile): KernelImage {
  const multiboot = once(() => findMultibootHeader(new ByteReader(bytes)));
  const multiboot2 = once(() => findMultiboot2Header(new ByteReader(bytes)));
  if (!isElf(bytes)) return { format: 'raw', bytes, multiboot, multiboot2 };
  const elf = once(() => parseElf(bytes));
  return {
    format: 'elf', bytes, multiboot, multiboot2, elf,
    symbols: once(() => readSymbols(elf())),
    xen: once(() => readXenNotes(elf())),
  };
}

/** For callers holding bytes (tests, one-off tools): an image read from them. Front ends read once and pass the image. */
export function asImage(image: Uint8Array | KernelImage): KernelImage {
  return image instanceof Uint8Array ? readImage(image) : image;
}

function once<T>(read: () => T): () => T {
  let state: { ok: true; value: T } | { ok: false; error: unknown } | null = null;
  return () => {
    if (state === null) {
      try { state = { ok: true, value: read() }; } catch (error) { state = { ok: false, error }; }
    }
    if (state.ok) return state.value;
    throw state.error;
  };
}
