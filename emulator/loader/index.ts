// The loader's entry point: image bytes + options -> a BootPlan the machine applies at reset.
// Reads no files; every problem with the image is an ImageError with a precise message.

import type { BootPlan } from './boot-plan';
import { ByteReader } from './byte-reader';
import { detectFormat } from './detect';
import { loadPlainElf } from './elf-load';
import { loadFlat } from './flat';
import { checkRamBytes } from './guest-ram';
import { ImageError } from './image-error';
import type { LoadOptions } from './load-options';
import { loadMultiboot } from './multiboot';
import { findMultibootHeader } from './multiboot-header';
import { loadRom } from './rom';
import { parseXenNotes } from './xen-notes';

export { ImageError } from './image-error';
export type { ImageFormat, LoadOptions } from './load-options';
export { parseXenNotes, XEN_ELFNOTE, XEN_FEATURE_BITS } from './xen-notes';
export type { XenGuestInfo, XenNote, XenPaeMode } from './xen-notes';
export { xenKernelImage, checkXenGuest } from './xen-kernel';
export type { XenKernelImage } from './xen-kernel';
export { parseElf32, readSymbols, addressSymbols, loadSegments, isElf } from './elf32';
export type { Elf32Image, Elf32Header, ProgramHeader, SectionHeader, ElfSymbol } from './elf32';
export { pcMemoryMap, multibootCommandLine } from './multiboot-info';

const FORMATS = new Set(['auto', 'elf', 'multiboot', 'flat', 'rom']);

export function loadImage(bytes: Uint8Array, opts: LoadOptions): BootPlan {
  if (!(bytes instanceof Uint8Array)) throw new ImageError('image must be a Uint8Array', { field: 'image' });
  if (typeof opts !== 'object' || opts === null) throw new ImageError('load options are missing', { field: 'options' });
  checkRamBytes(opts.ramBytes);
  opts.modules?.forEach((m, i) => {
    if (!(m?.bytes instanceof Uint8Array)) throw new ImageError(`module ${i} has no bytes (a Uint8Array)`, { field: 'modules' });
  });
  const format = opts.format ?? 'auto';
  if (!FORMATS.has(format)) throw new ImageError(`unknown image format '${String(format)}' (use auto, elf, multiboot, flat or rom)`, { field: 'format' });
  if (bytes.length === 0) throw new ImageError('image is empty (0 bytes)', { field: 'image' });

  const resolved = format === 'auto' ? detectFormat(bytes, opts) : { format };
  if (resolved.format !== 'multiboot' && opts.modules && opts.modules.length > 0) {
    throw new ImageError(`modules can only be passed to a multiboot kernel, and this image is loaded as ${resolved.format}`, { field: 'modules' });
  }
  switch (resolved.format) {
    case 'multiboot':
      return loadMultiboot(bytes, opts, 'header' in resolved ? resolved.header : undefined);
    case 'elf':
      return withPvHint(bytes, () => loadPlainElf(bytes, opts));
    case 'flat':
      return loadFlat(bytes, opts);
    case 'rom':
      return loadRom(bytes);
  }
}

/** A Xen PV kernel loaded as a plain ELF usually fails on its high addresses: say why. */
function withPvHint(bytes: Uint8Array, load: () => BootPlan): BootPlan {
  try {
    return load();
  } catch (e) {
    if (!(e instanceof ImageError)) throw e;
    let pv = false;
    try { pv = parseXenNotes(bytes) !== null; } catch { /* the original error is the one to report */ }
    if (!pv) throw e;
    e.message += '; this ELF carries Xen notes, so it is a PV kernel: run it in PV mode';
    throw e;
  }
}

/** True when the first 8192 bytes hold a valid multiboot header (for callers choosing a mode). */
export function hasMultibootHeader(bytes: Uint8Array): boolean {
  try {
    return findMultibootHeader(new ByteReader(bytes)) !== null;
  } catch (e) {
    if (e instanceof ImageError) return false;
    throw e;
  }
}
