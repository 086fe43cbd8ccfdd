// Decides how to load an image when the caller says 'auto': an ELF with a multiboot header is
// a multiboot kernel, an ELF without one is entered at e_entry, a non-ELF with a multiboot
// header uses its address fields; anything else needs an explicit format.

import { ImageError } from './image-error';
import type { KernelImage } from './kernel-image';
import type { LoadOptions } from './load-options';

export type Detected =
  | { format: 'multiboot' }
  | { format: 'elf' }
  | { format: 'flat' }
  | { format: 'rom' };

export function detectFormat(image: KernelImage, opts: LoadOptions): Detected {
  if (image.multiboot()) return { format: 'multiboot' };
  if (image.format === 'elf') return { format: 'elf' };
  // A load address can only mean a flat binary, so it is taken as the caller's choice.
  if (opts.flatAddress !== undefined || opts.realMode) return { format: 'flat' };
  throw new ImageError(
    'unrecognised image: not ELF and no multiboot header in the first 8192 bytes; say what it is with --format flat (and --flat-address) or --format rom',
    { offset: 0, field: 'format' });
}
