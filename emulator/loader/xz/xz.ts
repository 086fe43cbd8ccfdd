// The .xz container (the xz file format specification, version 1.x): a stream header, blocks
// (each a block header naming its filter chain, the compressed data, padding and the check),
// an index and a stream footer. Decodes the filter chains a kernel uses: LZMA2 alone, or the
// x86 branch filter before LZMA2 (Linux's xz_wrap.sh for x86). Checks CRC32 and CRC64 and
// the index against the blocks; SHA-256 checks are skipped (said in the result). Data after
// the first stream (Linux appends the decompressed size as 4 bytes) is left alone.

import { bcjX86Decode } from './bcj-x86';
import { crc32, crc64 } from './crc';
import { decodeLzma2, OutputBuffer } from './lzma2';
import { XzError } from './xz-error';

export { XzError } from './xz-error';

const MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const FOOTER_MAGIC = [0x59, 0x5a];
const FILTER_X86 = 0x04;
const FILTER_LZMA2 = 0x21;
const CHECK_NONE = 0;
const CHECK_CRC32 = 1;
const CHECK_CRC64 = 4;
const CHECK_SHA256 = 10;

export interface XzResult {
  data: Uint8Array;
  /** Bytes of input the stream occupied (header to footer). */
  streamBytes: number;
  check: 'none' | 'crc32' | 'crc64' | 'sha256 (not verified)';
}

export function isXz(bytes: Uint8Array, at = 0): boolean {
  return MAGIC.every((b, i) => bytes[at + i] === b);
}

/** Decodes the first xz stream of `input[start..end)`; the output may not exceed `maxBytes` (`sizeHint`: the expected size, to allocate once). */
export function decodeXz(input: Uint8Array, opts: { start?: number; end?: number; maxBytes: number; sizeHint?: number }): XzResult {
  const start = opts.start ?? 0;
  const end = opts.end ?? input.length;
  if (end - start < 24 || !isXz(input, start)) throw new XzError('not an xz stream (no FD 37 7A 58 5A 00 magic)', start);
  const flags = input.subarray(start + 6, start + 8);
  if (crc32(flags) !== le32(input, start + 8)) throw new XzError('xz stream header CRC32 does not match', start + 8);
  if (flags[0] !== 0 || (flags[1] & 0xf0) !== 0) throw new XzError('xz stream flags use reserved bits', start + 6);
  const checkType = flags[1] & 0x0f;
  const checkSize = checkType === 0 ? 0 : 4 << Math.floor((checkType - 1) / 3);
  const out = new OutputBuffer(opts.sizeHint ?? (end - start) * 4, opts.maxBytes);
  const records: { unpadded: number; uncompressed: number }[] = [];
  let p = start + 12;
  for (;;) {
    if (p >= end) throw new XzError('xz stream ends before its index', p);
    if (input[p] === 0x00) break;
    const blockStart = p;
    const outStart = out.length;
    p = decodeBlock(input, p, end, out);
    const dataEnd = p;
    while ((p - blockStart) % 4 !== 0) {
      if (p >= end || input[p] !== 0) throw new XzError('xz block padding is not zero', p);
      p++;
    }
    if (p + checkSize > end) throw new XzError('xz block check runs past the data', p);
    verifyCheck(checkType, out.bytes, outStart, out.length, input, p);
    p += checkSize;
    records.push({ unpadded: dataEnd - blockStart + checkSize, uncompressed: out.length - outStart });
  }
  p = checkIndex(input, p, end, records);
  if (p + 12 > end) throw new XzError('xz stream footer is missing', p);
  if (!FOOTER_MAGIC.every((b, i) => input[p + 10 + i] === b)) throw new XzError('xz stream footer magic is missing', p + 10);
  if (input[p + 8] !== flags[0] || input[p + 9] !== flags[1]) throw new XzError('xz stream footer flags differ from the header', p + 8);
  if (crc32(input, p + 4, p + 10) !== le32(input, p)) throw new XzError('xz stream footer CRC32 does not match', p);
  const check = checkType === CHECK_NONE ? 'none' : checkType === CHECK_CRC32 ? 'crc32' : checkType === CHECK_CRC64 ? 'crc64' : 'sha256 (not verified)';
  return { data: out.result(), streamBytes: p + 12 - start, check };
}

function decodeBlock(input: Uint8Array, p: number, end: number, out: OutputBuffer): number {
  const headerSize = (input[p] + 1) * 4;
  if (p + headerSize > end) throw new XzError('xz block header runs past the data', p);
  const headerEnd = p + headerSize - 4;
  if (crc32(input, p, headerEnd) !== le32(input, headerEnd)) throw new XzError('xz block header CRC32 does not match', headerEnd);
  const flags = input[p + 1];
  if (flags & 0x3c) throw new XzError('xz block flags use reserved bits', p + 1);
  const filterCount = (flags & 3) + 1;
  let q = p + 2;
  const varint = (): number => { const [v, next] = readVarint(input, q, headerEnd); q = next; return v; };
  const compressedSize = flags & 0x40 ? varint() : undefined;
  const uncompressedSize = flags & 0x80 ? varint() : undefined;
  const filters: { id: number; props: Uint8Array }[] = [];
  for (let i = 0; i < filterCount; i++) {
    const id = varint();
    const size = varint();
    if (q + size > headerEnd) throw new XzError('xz filter properties run past the block header', q);
    filters.push({ id, props: input.subarray(q, q + size) });
    q += size;
  }
  for (; q < headerEnd; q++) if (input[q] !== 0) throw new XzError('xz block header padding is not zero', q);
  const last = filters[filters.length - 1];
  if (last.id !== FILTER_LZMA2) throw new XzError(`xz filter chain ends in filter 0x${last.id.toString(16)}; only LZMA2 (0x21) is supported`, p);
  if (last.props.length !== 1 || last.props[0] > 40) throw new XzError('invalid LZMA2 dictionary size property', p);
  const d = last.props[0];
  const dictSize = d === 40 ? 0xffffffff : (2 | (d & 1)) * 2 ** (Math.floor(d / 2) + 11);
  let bcjStart: number | null = null;
  for (const f of filters.slice(0, -1)) {
    if (f.id !== FILTER_X86) throw new XzError(`xz filter 0x${f.id.toString(16)} is not supported (only x86 BCJ 0x04 and LZMA2 0x21)`, p);
    if (f.props.length !== 0 && f.props.length !== 4) throw new XzError('invalid x86 BCJ filter properties', p);
    if (bcjStart !== null) throw new XzError('the x86 BCJ filter appears twice', p);
    bcjStart = f.props.length === 4 ? le32(f.props, 0) : 0;
  }
  const dataStart = p + headerSize;
  const outStart = out.length;
  const limit = compressedSize !== undefined ? Math.min(end, dataStart + compressedSize) : end;
  const dataEnd = decodeLzma2(input, dataStart, limit, out, dictSize);
  if (compressedSize !== undefined && dataEnd !== dataStart + compressedSize) throw new XzError('xz block compressed size does not match its data', dataStart);
  if (uncompressedSize !== undefined && out.length - outStart !== uncompressedSize) throw new XzError('xz block uncompressed size does not match its data', dataStart);
  if (bcjStart !== null) bcjX86Decode(out.bytes.subarray(outStart, out.length), bcjStart);
  return dataEnd;
}

function verifyCheck(type: number, data: Uint8Array, from: number, to: number, input: Uint8Array, at: number): void {
  if (type === CHECK_CRC32) {
    if (crc32(data, from, to) !== le32(input, at)) throw new XzError('xz block CRC32 does not match the decompressed data', at);
  } else if (type === CHECK_CRC64) {
    const [lo, hi] = crc64(data, from, to);
    if (lo !== le32(input, at) || hi !== le32(input, at + 4)) throw new XzError('xz block CRC64 does not match the decompressed data', at);
  } else if (type !== CHECK_NONE && type !== CHECK_SHA256) {
    throw new XzError(`xz check type ${type} is not one the format defines`, at);
  }
}

function checkIndex(input: Uint8Array, p: number, end: number, records: { unpadded: number; uncompressed: number }[]): number {
  const indexStart = p;
  let q = p + 1;
  const varint = (): number => { const [v, next] = readVarint(input, q, end); q = next; return v; };
  const count = varint();
  if (count !== records.length) throw new XzError(`xz index lists ${count} blocks, the stream has ${records.length}`, indexStart);
  for (const r of records) {
    const unpadded = varint();
    const uncompressed = varint();
    if (unpadded !== r.unpadded || uncompressed !== r.uncompressed) throw new XzError('xz index record does not match its block', q);
  }
  while ((q - indexStart) % 4 !== 0) {
    if (q >= end || input[q] !== 0) throw new XzError('xz index padding is not zero', q);
    q++;
  }
  if (q + 4 > end || crc32(input, indexStart, q) !== le32(input, q)) throw new XzError('xz index CRC32 does not match', q);
  return q + 4;
}

function readVarint(input: Uint8Array, p: number, end: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (p >= end) throw new XzError('truncated xz integer', p);
    const b = input[p++];
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) throw new XzError('xz integer is not in its shortest form', p - 1);
      if (!Number.isSafeInteger(value)) throw new XzError('xz integer too large', p - 1);
      return [value, p];
    }
  }
  throw new XzError('xz integer longer than 9 bytes', p);
}

function le32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}
