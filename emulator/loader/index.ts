// The loader's entry point: image bytes + options -> a BootPlan the machine applies at reset.
// Reads no files; every problem with the image is an ImageError with a precise message.

import type { BootPlan } from './boot-plan';
import { describeImage, detectFormat } from './detect';
import { loadPlainElf } from './elf-load';
import { loadFlat } from './flat';
import { checkRamBytes } from './guest-ram';
import { ImageError } from './image-error';
import type { ImageFormat, LoadOptions } from './load-options';
import { multibootCommandLine } from './multiboot-info';
import { loadMultiboot } from './multiboot';
import { loadLinux } from './linux';
import { loadMultiboot2 } from './multiboot2';
import { loadRom } from './rom';
import { asImage, type KernelImage } from './kernel-image';
import type { XenGuestInfo } from './xen-notes';

export { ImageError } from './image-error';
export type { ImageFormat, LoadOptions } from './load-options';
export { XEN_ELFNOTE, XEN_FEATURE_BITS } from './xen-notes';
export { readImage, asImage } from './kernel-image';
export type { KernelImage, ElfKernelImage, RawKernelImage, ElfFile } from './kernel-image';
export type { XenGuestInfo, XenNote, XenPaeMode } from './xen-notes';
export { xenKernelImage, checkXenGuest } from './xen-kernel';
export type { XenKernelImage } from './xen-kernel';
export { parseElf, parseElf32, readSymbols, addressSymbols, loadSegments, isElf, elfClass } from './elf';
export type { ElfImage, Elf32Image, Elf64Image, ElfHeader, Elf32Header, ProgramHeader, SectionHeader, ElfSymbol } from './elf';
export { pcMemoryMap, multibootCommandLine } from './multiboot-info';
export { loadPvh, pvhRefusal, type PvhLoadOptions } from './pvh';
export { pvhLayout, specialPfn, SPECIAL_PAGE, PVH_SPECIAL_PAGES, XEN_HVM_MEMMAP_TYPE, type PvhLayout, type PvhMemmapEntry } from './pvh-layout';
export { XEN_HVM_START_MAGIC_VALUE, HVM_START_INFO_SIZE } from './pvh-start-info';

const FORMATS = new Set(['auto', 'elf', 'multiboot', 'multiboot2', 'bzimage', 'xen', 'flat', 'rom']);

/** `source`: the image as read once by readImage (what front ends pass), or its bytes. */
export function loadImage(source: Uint8Array | KernelImage, opts: LoadOptions): BootPlan {
  if (!(source instanceof Uint8Array) && !(typeof source === 'object' && source !== null && source.bytes instanceof Uint8Array)) {
    throw new ImageError('image must be a Uint8Array', { field: 'image' });
  }
  if (typeof opts !== 'object' || opts === null) throw new ImageError('load options are missing', { field: 'options' });
  checkRamBytes(opts.ramBytes);
  opts.modules?.forEach((m, i) => {
    if (!(m?.bytes instanceof Uint8Array)) throw new ImageError(`module ${i} has no bytes (a Uint8Array)`, { field: 'modules' });
  });
  const format = opts.format ?? 'auto';
  if (!FORMATS.has(format)) throw new ImageError(`unknown image format '${String(format)}' (use auto, elf, multiboot, multiboot2, bzimage, xen, flat or rom)`, { field: 'format' });
  const image = asImage(source);
  if (image.bytes.length === 0) throw new ImageError('image is empty (0 bytes)', { field: 'image' });

  const resolved = format === 'auto' ? detectFormat(image, opts) : { format };
  if (resolved.format !== 'multiboot' && resolved.format !== 'multiboot2' && opts.modules && opts.modules.length > 0) {
    throw new ImageError(`modules can only be passed to a multiboot kernel, and this image is loaded as ${resolved.format}`, { field: 'modules' });
  }
  if (resolved.format !== 'bzimage' && opts.initrd) {
    throw new ImageError(`an initrd can only be passed to a Linux bzImage, and this image is loaded as ${resolved.format}`, { field: 'initrd' });
  }
  const load = (): BootPlan => {
    switch (resolved.format) {
      case 'multiboot':
        return loadMultiboot(image, opts);
      case 'multiboot2':
        return loadMultiboot2(image, opts);
      case 'bzimage':
        return loadLinux(image, opts);
      case 'xen':
        return refuseXen(image);
      case 'elf':
        return withPvHint(image, () => loadPlainElf(image, opts));
      case 'flat':
        return loadFlat(image.bytes, opts);
      case 'rom':
        return loadRom(image.bytes);
    }
  };
  if (format === 'auto') return load();
  try {
    return load();
  } catch (e) {
    // A format given explicitly that does not fit: say what the headers say the file is.
    if (e instanceof ImageError) {
      const what = describeImage(image);
      if (what) e.message += `; by its headers this file is ${what}`;
    }
    throw e;
  }
}

/** A Xen PV kernel is started by the PV domain builder (emulator/pv's loadPvImage), not by a PC loader. */
function refuseXen(image: KernelImage): never {
  const info = image.format === 'elf' ? image.xen() : null;
  if (!info) throw new ImageError('not a Xen PV kernel: no Xen ELF notes and no __xen_guest section', { field: 'format' });
  throw new ImageError(
    `a Xen PV kernel (${info.source === 'notes' ? 'Xen ELF notes' : '__xen_guest'}: GUEST_OS '${info.guestOs ?? ''}', XEN_VERSION '${info.xenVersion ?? ''}') is started by the PV domain builder, not booted on a PC: run it in PV mode (--mode pv)`,
    { field: 'format' });
}

/** A Xen PV kernel loaded as a plain ELF usually fails on its high addresses: say why. */
function withPvHint(image: KernelImage, load: () => BootPlan): BootPlan {
  try {
    return load();
  } catch (e) {
    if (!(e instanceof ImageError) || image.format !== 'elf') throw e;
    let pv = false;
    try { pv = image.xen() !== null; } catch { /* the original error is the one to report */ }
    if (!pv) throw e;
    e.message += '; this ELF carries Xen notes, so it is a PV kernel: run it in PV mode';
    throw e;
  }
}

/**
 * The command line a kernel gets for `args` when run from `kernelPath`: a Multiboot (v1)
 * kernel gets the path first, as QEMU's -kernel and GRUB's `multiboot` give it (argv[0]);
 * Multiboot2 (GRUB's `multiboot2`) and Linux kernels get the arguments alone.
 */
export function kernelCommandLine(source: Uint8Array | KernelImage, format: ImageFormat, kernelPath: string, args = ''): string {
  const resolved = format === 'auto' ? detectedFormat(source) : format;
  return resolved === 'multiboot' ? multibootCommandLine(kernelPath, args) : args;
}

/** The format `auto` would load an image as, from its headers (null: it needs an explicit one). */
export function detectedFormat(source: Uint8Array | KernelImage): ImageFormat | null {
  try {
    return detectFormat(asImage(source), {}).format;
  } catch (e) {
    if (e instanceof ImageError) return null;
    throw e;
  }
}

/** True when the first 8192 bytes hold a valid multiboot header (for callers choosing a mode). */
export function hasMultibootHeader(source: Uint8Array | KernelImage): boolean {
  try {
    return asImage(source).multiboot() !== null;
  } catch (e) {
    if (e instanceof ImageError) return false;
    throw e;
  }
}

/** The Xen guest information of an image (null for a non-ELF file or an ELF without any). */
export function parseXenNotes(source: Uint8Array | KernelImage): XenGuestInfo | null {
  const image = asImage(source);
  return image.format === 'elf' ? image.xen() : null;
}
