// One error type for every way an image can be unusable, so callers (CLI, debug adapter)
// can tell "the user's file is bad" apart from a bug in the emulator.

export class ImageError extends Error {
  /** File offset the problem was found at, when there is one. */
  readonly offset?: number;
  /** Header field or structure at fault, e.g. "p_filesz" or "multiboot checksum". */
  readonly field?: string;

  constructor(message: string, where?: { offset?: number; field?: string }) {
    const parts: string[] = [];
    if (where?.field !== undefined) parts.push(where.field);
    if (where?.offset !== undefined) parts.push(`at file offset ${hex(where.offset)}`);
    super(parts.length ? `${message} (${parts.join(', ')})` : message);
    this.name = 'ImageError';
    this.offset = where?.offset;
    this.field = where?.field;
  }
}

/** Hex as a kernel developer reads it; a negative number (an ELF64 higher-half address) as its 64-bit two's complement. */
export function hex(n: number): string {
  if (n < 0 && Number.isSafeInteger(n)) return '0x' + BigInt.asUintN(64, BigInt(n)).toString(16);
  return '0x' + n.toString(16);
}
