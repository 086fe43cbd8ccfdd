// Limits that more than one part enforces, each stated once: the machine checks them, the CLI
// parses its flags against them, the launch schema and its validation declare them.

/**
 * Guest RAM in MiB. At most 3 GiB, so RAM stays below the 32-bit MMIO space (the PCI hole
 * the CMOS memory map starts at 0xE0000000, the APIC, I/O APIC and HPET near 4 GiB).
 */
export const GUEST_MEMORY_MIB = { min: 1, max: 3072, default: 64 } as const;

/** The same top in bytes, as physical memory checks it. */
export const MAX_GUEST_RAM_BYTES = GUEST_MEMORY_MIB.max * 1024 * 1024;

/** A kernel command line given by a person (--cmdline, the launch attribute): bytes of UTF-8, NUL excluded. */
export const MAX_COMMAND_LINE_BYTES = 4095;

/** A kernel file the CLI or the debugger reads whole: refused above this before it is read. */
export const MAX_KERNEL_FILE_BYTES = 1 << 30;
export const MAX_KERNEL_FILE_TEXT = '1 GiB';
