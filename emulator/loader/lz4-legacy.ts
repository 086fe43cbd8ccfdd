// LZ4's legacy frame (what `lz4 -l` writes and the kernel's lib/decompress_unlz4.c reads: the
// compression of Debian's cloud kernel): the magic 0x184C2102, then chunks of a 4-byte
// little-endian compressed size and an LZ4 block, each at most 8 MiB decompressed; a repeated
// magic starts another frame. The kernel build appends the decompressed size (4 bytes) after
// the last chunk, which is recognised by its value. Blocks are decoded by the LZ4 block format:
// sequences of a token (literal length, match length), literals, a 2-byte offset back into the
// output. The input is untrusted: lengths, offsets and the output limit are all checked.

import { OutputBuffer } from './xz/lzma2';

export const LZ4_LEGACY_MAGIC = 0x184c2102;

export class Lz4Error extends Error {
  constructor(message: string, readonly offset?: number) {
    super(offset === undefined ? message : `${message} (at compressed offset 0x${offset.toString(16)})`);
    this.name = 'Lz4Error';
  }
}
const CHUNK_MAX = 8 << 20;

export function isLz4Legacy(b: Uint8Array, at = 0): boolean {
  return b.length >= at + 4 && le32(b, at) === LZ4_LEGACY_MAGIC;
}

/** Decodes `input[start..end)`; the output may not exceed `maxBytes`. */
export function decodeLz4Legacy(input: Uint8Array, opts: { start?: number; end?: number; maxBytes: number; sizeHint?: number }): Uint8Array {
  const start = opts.start ?? 0;
  const end = opts.end ?? input.length;
  if (!isLz4Legacy(input, start)) throw new Lz4Error('not an LZ4 legacy frame (no 02 21 4C 18 magic)', start);
  const out = new OutputBuffer(opts.sizeHint ?? (end - start) * 3, opts.maxBytes);
  let p = start + 4;
  while (p < end) {
    if (end - p < 4) throw new Lz4Error('LZ4 chunk header cut short', p);
    const size = le32(input, p);
    if (size === LZ4_LEGACY_MAGIC) { p += 4; continue; }
    // The size the kernel build appended: the last 4 bytes, equal to what was decoded.
    if (end - p === 4 && size === out.length) break;
    p += 4;
    if (size === 0 || size > end - p) throw new Lz4Error(`LZ4 chunk of ${size} bytes runs past the data`, p - 4);
    decodeBlock(input, p, p + size, out);
    p += size;
  }
  return out.result();
}

function decodeBlock(input: Uint8Array, start: number, end: number, out: OutputBuffer): void {
  const chunkStart = out.length;
  let p = start;
  for (;;) {
    const token = input[p++];
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (p >= end) throw new Lz4Error('LZ4 literal length cut short', p);
        b = input[p++];
        literals += b;
      } while (b === 255);
    }
    if (p + literals > end) throw new Lz4Error('LZ4 literals run past the block', p);
    if (out.length - chunkStart + literals > CHUNK_MAX) throw new Lz4Error('LZ4 chunk decodes to more than 8 MiB', p);
    out.reserve(literals);
    out.bytes.set(input.subarray(p, p + literals), out.length);
    out.length += literals;
    p += literals;
    if (p === end) return;   // the last sequence has literals only
    if (p + 2 > end) throw new Lz4Error('LZ4 match offset cut short', p);
    const offset = input[p] | (input[p + 1] << 8);
    p += 2;
    // Chunks are independent: a match reaches back into its own chunk only.
    if (offset === 0 || offset > out.length - chunkStart) {
      throw new Lz4Error(`LZ4 match offset ${offset} reaches before the output`, p - 2);
    }
    let length = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (p >= end) throw new Lz4Error('LZ4 match length cut short', p);
        b = input[p++];
        length += b;
      } while (b === 255);
    }
    if (out.length - chunkStart + length > CHUNK_MAX) throw new Lz4Error('LZ4 chunk decodes to more than 8 MiB', p);
    out.reserve(length);
    const buf = out.bytes;
    let q = out.length;
    const from = q - offset;
    // Byte by byte: the match may overlap what it writes.
    for (let i = 0; i < length; i++) buf[q + i] = buf[from + i];
    q += length;
    out.length = q;
    if (p >= end) throw new Lz4Error('LZ4 block ends after a match (its last sequence must be literals)', p);
  }
}

function le32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}
