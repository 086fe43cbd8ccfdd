// Bytes read by range: a separate debug file (a vmlinux is hundreds of MB) is never held whole.
// The emulator reads no files: a front end supplies the reads (fs.readSync on a descriptor).

export interface ByteSource {
  /** Total length in bytes. */
  readonly size: number;
  /** Exactly `length` bytes at `offset` (the caller checked the range against size). */
  read(offset: number, length: number): Uint8Array;
  /** A name for errors: the file's path. */
  readonly name: string;
}

/** A source over bytes already in memory (tests, small images). */
export function memorySource(bytes: Uint8Array, name = 'image'): ByteSource {
  return { size: bytes.length, name, read: (offset, length) => bytes.subarray(offset, offset + length) };
}
