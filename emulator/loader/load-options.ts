// What the caller tells the loader besides the image bytes.

export type ImageFormat = 'auto' | 'elf' | 'multiboot' | 'flat' | 'rom';

export interface LoadOptions {
  /** Guest RAM size; every byte the plan writes must lie below it. */
  ramBytes: number;
  /** Multiboot command line (ignored by other formats). */
  cmdline?: string;
  /** Default 'auto': ELF / multiboot by content; a raw file needs 'flat' or 'rom' (or flatAddress). */
  format?: ImageFormat;
  /** Load address of a flat binary; default 0x100000, or 0x7C00 with realMode. */
  flatAddress?: number;
  /** Enter a flat binary loaded below 1 MiB in real mode (CS:IP = its first byte) instead of flat32. */
  realMode?: boolean;
  /** Multiboot modules, placed page-aligned after the kernel and the info structure. */
  modules?: Array<{ bytes: Uint8Array; cmdline?: string }>;
}
