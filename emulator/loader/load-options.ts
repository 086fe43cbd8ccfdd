// What the caller tells the loader besides the image bytes.

export type ImageFormat = 'auto' | 'elf' | 'multiboot' | 'multiboot2' | 'bzimage' | 'xen' | 'flat' | 'rom';

export interface LoadOptions {
  /** Guest RAM size; every byte the plan writes must lie below it. */
  ramBytes: number;
  /** Kernel command line: Multiboot, Multiboot2 and Linux (ignored by other formats). */
  cmdline?: string;
  /** Default 'auto': ELF / multiboot by content; a raw file needs 'flat' or 'rom' (or flatAddress). */
  format?: ImageFormat;
  /** Load address of a flat binary; default 0x100000, or 0x7C00 with realMode. */
  flatAddress?: number;
  /** Enter a flat binary loaded below 1 MiB in real mode (CS:IP = its first byte) instead of flat32. */
  realMode?: boolean;
  /** Multiboot modules, placed page-aligned after the kernel and the info structure. */
  modules?: Array<{ bytes: Uint8Array; cmdline?: string }>;
  /** A Linux kernel's initial RAM disk (bzImage only), placed as high as RAM and initrd_addr_max allow. */
  initrd?: Uint8Array;
  /** Which entry of a bzImage to use: '32' (default, as GRUB's `linux`) or '64' (long mode, identity-mapped). */
  linuxEntry?: '32' | '64';
  /**
   * The RSDP the machine's firmware leaves (emulator/machine's `firmwareTables()`), and its
   * address: Multiboot2 copies it into the boot information, Linux gets its address.
   */
  acpiRsdp?: Uint8Array;
  acpiRsdpAddr?: number;
}
