// LZMA2 decoding (the filter xz streams use; the format is the one the xz file format
// specification and the LZMA SDK's description define): a sequence of chunks, each either
// stored bytes or an LZMA-coded run with its own range coder, some resetting the dictionary,
// the coder state or the literal/position properties. The whole output is one buffer, so the
// dictionary is that buffer itself: a match copies from earlier output, never past the last
// dictionary reset.
//
// The input is untrusted (a kernel image): every read is bounds-checked, every distance is
// checked against the dictionary, and the output never grows past `maxBytes`.

import { XzError } from './xz-error';

const PROB_INIT = 1024;               // 0.5 in the 11-bit probability model
const LITERAL_CODER_SIZE = 0x300;
const STATES = 12;
const POS_STATES_MAX = 16;
const END_POS_MODEL_INDEX = 14;
const FULL_DISTANCES = 128;
const ALIGN_BITS = 4;
const LEN_LOW_SYMBOLS = 8;
const LEN_MID_SYMBOLS = 8;
const LEN_HIGH_SYMBOLS = 256;
const MATCH_MIN_LEN = 2;

/** A growable output buffer that refuses to grow past a limit. */
export class OutputBuffer {
  bytes: Uint8Array;
  length = 0;
  constructor(initial: number, readonly maxBytes: number) {
    this.bytes = new Uint8Array(Math.max(4096, Math.min(initial, maxBytes)));
  }
  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.bytes.length) return;
    if (need > this.maxBytes) throw new XzError(`decompressed data exceeds the limit of ${this.maxBytes} bytes`);
    let size = this.bytes.length;
    while (size < need) size *= 2;
    const grown = new Uint8Array(Math.min(size, this.maxBytes));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
  result(): Uint8Array { return this.bytes.subarray(0, this.length); }
}

/** The length coder's probabilities: a choice between low (per position state), mid and high trees. */
class LengthProbs {
  readonly choice = new Uint16Array(2);
  readonly low = new Uint16Array(POS_STATES_MAX * LEN_LOW_SYMBOLS);
  readonly mid = new Uint16Array(POS_STATES_MAX * LEN_MID_SYMBOLS);
  readonly high = new Uint16Array(LEN_HIGH_SYMBOLS);
  reset(): void { this.choice.fill(PROB_INIT); this.low.fill(PROB_INIT); this.mid.fill(PROB_INIT); this.high.fill(PROB_INIT); }
}

/** Decodes an LZMA2 stream at `input[start..end)` into `out`; returns the offset just past it. */
export function decodeLzma2(input: Uint8Array, start: number, end: number, out: OutputBuffer, dictSize: number): number {
  return new Lzma2Decoder(input, out, dictSize).run(start, end);
}

class Lzma2Decoder {
  // Range coder.
  private range = 0;
  private code = 0;
  private inPos = 0;
  private inEnd = 0;
  // Properties.
  private lc = 0;
  private lp = 0;
  private pb = 0;
  private haveProps = false;
  // Coder state, kept across chunks unless a chunk resets it.
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  private dictStart = 0;
  private needDictReset = true;
  private literal = new Uint16Array(LITERAL_CODER_SIZE);
  private readonly isMatch = new Uint16Array(STATES * POS_STATES_MAX);
  private readonly isRep = new Uint16Array(STATES);
  private readonly isRepG0 = new Uint16Array(STATES);
  private readonly isRepG1 = new Uint16Array(STATES);
  private readonly isRepG2 = new Uint16Array(STATES);
  private readonly isRep0Long = new Uint16Array(STATES * POS_STATES_MAX);
  private readonly posSlot = new Uint16Array(4 << 6);
  private readonly posSpecial = new Uint16Array(1 + FULL_DISTANCES - END_POS_MODEL_INDEX);
  private readonly align = new Uint16Array(1 << ALIGN_BITS);
  private readonly matchLen = new LengthProbs();
  private readonly repLen = new LengthProbs();

  constructor(private readonly input: Uint8Array, private readonly out: OutputBuffer, private readonly dictSize: number) {}

  run(start: number, end: number): number {
    let p = start;
    for (;;) {
      if (p >= end) throw new XzError('LZMA2 data ends without its end marker', p);
      const control = this.input[p++];
      if (control === 0x00) return p;
      if (control >= 0xe0 || control === 0x01) {
        this.dictStart = this.out.length;
        this.needDictReset = false;
      } else if (this.needDictReset) {
        throw new XzError(`LZMA2 chunk 0x${control.toString(16)} before the first dictionary reset`, p - 1);
      }
      if (control < 0x80) {
        if (control > 0x02) throw new XzError(`invalid LZMA2 control byte 0x${control.toString(16)}`, p - 1);
        if (p + 2 > end) throw new XzError('truncated LZMA2 chunk header', p);
        const size = ((this.input[p] << 8) | this.input[p + 1]) + 1;
        p += 2;
        if (p + size > end) throw new XzError('LZMA2 stored chunk runs past the data', p);
        this.out.reserve(size);
        this.out.bytes.set(this.input.subarray(p, p + size), this.out.length);
        this.out.length += size;
        p += size;
        continue;
      }
      if (p + 4 > end) throw new XzError('truncated LZMA2 chunk header', p);
      const unpacked = ((control & 0x1f) << 16) + (this.input[p] << 8) + this.input[p + 1] + 1;
      const packed = (this.input[p + 2] << 8) + this.input[p + 3] + 1;
      p += 4;
      const reset = (control >> 5) & 3;
      if (reset >= 2) {
        if (p >= end) throw new XzError('truncated LZMA2 properties', p);
        this.setProps(this.input[p++], p - 1);
      } else if (!this.haveProps) {
        throw new XzError('LZMA2 chunk without properties before any were given', p - 5);
      }
      if (reset >= 1) this.resetState();
      if (p + packed > end) throw new XzError('LZMA2 chunk runs past the data', p);
      this.decodeChunk(p, p + packed, unpacked);
      p += packed;
    }
  }

  private setProps(byte: number, at: number): void {
    if (byte >= 9 * 5 * 5) throw new XzError(`invalid LZMA properties byte 0x${byte.toString(16)}`, at);
    this.lc = byte % 9;
    this.lp = Math.floor(byte / 9) % 5;
    this.pb = Math.floor(byte / 45);
    if (this.lc + this.lp > 4) throw new XzError(`LZMA2 allows lc + lp <= 4 (lc ${this.lc}, lp ${this.lp})`, at);
    this.literal = new Uint16Array(LITERAL_CODER_SIZE << (this.lc + this.lp));
    this.haveProps = true;
  }

  private resetState(): void {
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
    for (const probs of [this.literal, this.isMatch, this.isRep, this.isRepG0, this.isRepG1, this.isRepG2,
      this.isRep0Long, this.posSlot, this.posSpecial, this.align]) probs.fill(PROB_INIT);
    this.matchLen.reset();
    this.repLen.reset();
  }

  // ---- range coder ----

  private rcInit(start: number, end: number): void {
    if (end - start < 5) throw new XzError('LZMA chunk shorter than the range coder start', start);
    if (this.input[start] !== 0) throw new XzError('LZMA range coder does not start with a zero byte', start);
    this.code = ((this.input[start + 1] << 24) | (this.input[start + 2] << 16) | (this.input[start + 3] << 8) | this.input[start + 4]) >>> 0;
    this.range = 0xffffffff;
    this.inPos = start + 5;
    this.inEnd = end;
  }

  private nextByte(): number {
    if (this.inPos >= this.inEnd) throw new XzError('LZMA chunk data ends too early', this.inPos);
    return this.input[this.inPos++];
  }

  private bit(probs: Uint16Array, i: number): number {
    const prob = probs[i];
    const bound = (this.range >>> 11) * prob;
    let result: number;
    if (this.code < bound) {
      this.range = bound;
      probs[i] = prob + ((2048 - prob) >>> 5);
      result = 0;
    } else {
      this.range = (this.range - bound) >>> 0;
      this.code = (this.code - bound) >>> 0;
      probs[i] = prob - (prob >>> 5);
      result = 1;
    }
    if (this.range < 0x1000000) {
      this.range = (this.range * 256) >>> 0;
      this.code = ((this.code * 256) + this.nextByte()) >>> 0;
    }
    return result;
  }

  private directBits(count: number): number {
    let result = 0;
    for (let i = 0; i < count; i++) {
      this.range >>>= 1;
      let b = 0;
      if (this.code >= this.range) { this.code = (this.code - this.range) >>> 0; b = 1; }
      result = ((result << 1) | b) >>> 0;
      if (this.range < 0x1000000) {
        this.range = (this.range * 256) >>> 0;
        this.code = ((this.code * 256) + this.nextByte()) >>> 0;
      }
    }
    return result;
  }

  /** A `bits`-bit symbol read most significant bit first, from the tree at probs[base + 1..]. */
  private tree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) | this.bit(probs, base + m);
    return m - (1 << bits);
  }

  /** The same tree read least significant bit first. */
  private reverseTree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    let symbol = 0;
    for (let i = 0; i < bits; i++) {
      const b = this.bit(probs, base + m);
      m = (m << 1) | b;
      symbol |= b << i;
    }
    return symbol;
  }

  private length(probs: LengthProbs, posState: number): number {
    if (this.bit(probs.choice, 0) === 0) return this.tree(probs.low, posState * LEN_LOW_SYMBOLS - 1, 3);
    if (this.bit(probs.choice, 1) === 0) return LEN_LOW_SYMBOLS + this.tree(probs.mid, posState * LEN_MID_SYMBOLS - 1, 3);
    return LEN_LOW_SYMBOLS + LEN_MID_SYMBOLS + this.tree(probs.high, -1, 8);
  }

  private distance(len: number): number {
    const lenState = Math.min(len, 3);
    const slot = this.tree(this.posSlot, (lenState << 6) - 1, 6);
    if (slot < 4) return slot;
    const direct = (slot >>> 1) - 1;
    let dist = ((2 | (slot & 1)) << direct) >>> 0;
    if (slot < END_POS_MODEL_INDEX) return (dist + this.reverseTree(this.posSpecial, dist - slot, direct)) >>> 0;
    dist = (dist + (this.directBits(direct - ALIGN_BITS) << ALIGN_BITS)) >>> 0;
    return (dist + this.reverseTree(this.align, -1, ALIGN_BITS)) >>> 0;
  }

  // ---- one LZMA chunk ----

  private decodeChunk(start: number, end: number, unpacked: number): void {
    this.rcInit(start, end);
    const out = this.out;
    out.reserve(unpacked);
    const buf = out.bytes;
    let pos = out.length;
    const stop = pos + unpacked;
    const pbMask = (1 << this.pb) - 1;
    const lpMask = (1 << this.lp) - 1;
    const lc = this.lc;
    let state = this.state;
    // Position states and literal positions count from the last dictionary reset.
    const origin = this.dictStart;
    while (pos < stop) {
      const posState = (pos - origin) & pbMask;
      if (this.bit(this.isMatch, (state << 4) + posState) === 0) {
        const prev = pos > origin ? buf[pos - 1] : 0;
        const base = LITERAL_CODER_SIZE * ((((pos - origin) & lpMask) << lc) + (prev >>> (8 - lc)));
        let symbol = 1;
        if (state >= 7) {
          let matchByte = this.byteAt(buf, pos, this.rep0);
          while (symbol < 0x100) {
            const matchBit = (matchByte >>> 7) & 1;
            matchByte <<= 1;
            const b = this.bit(this.literal, base + 0x100 + (matchBit << 8) + symbol);
            symbol = (symbol << 1) | b;
            if (b !== matchBit) break;
          }
        }
        while (symbol < 0x100) symbol = (symbol << 1) | this.bit(this.literal, base + symbol);
        buf[pos++] = symbol & 0xff;
        state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
        continue;
      }
      let len: number;
      if (this.bit(this.isRep, state) === 0) {
        this.rep3 = this.rep2; this.rep2 = this.rep1; this.rep1 = this.rep0;
        len = this.length(this.matchLen, posState);
        state = state < 7 ? 7 : 10;
        this.rep0 = this.distance(len);
        if (this.rep0 === 0xffffffff) throw new XzError('LZMA end marker inside an LZMA2 chunk', this.inPos);
      } else {
        if (this.bit(this.isRepG0, state) === 0) {
          if (this.bit(this.isRep0Long, (state << 4) + posState) === 0) {
            state = state < 7 ? 9 : 11;
            buf[pos] = this.byteAt(buf, pos, this.rep0);
            pos++;
            continue;
          }
        } else {
          let dist: number;
          if (this.bit(this.isRepG1, state) === 0) {
            dist = this.rep1;
          } else {
            if (this.bit(this.isRepG2, state) === 0) {
              dist = this.rep2;
            } else {
              dist = this.rep3;
              this.rep3 = this.rep2;
            }
            this.rep2 = this.rep1;
          }
          this.rep1 = this.rep0;
          this.rep0 = dist;
        }
        len = this.length(this.repLen, posState);
        state = state < 7 ? 8 : 11;
      }
      const count = len + MATCH_MIN_LEN;
      if (pos + count > stop) throw new XzError('LZMA match runs past the end of its LZMA2 chunk', this.inPos);
      const from = pos - this.rep0 - 1;
      if (from < this.dictStart || this.rep0 >= this.dictSize) throw new XzError(`LZMA match distance ${this.rep0 + 1} reaches before the dictionary`, this.inPos);
      // Byte by byte: a match may overlap the bytes it produces (distance < length).
      for (let i = 0; i < count; i++) buf[pos + i] = buf[from + i];
      pos += count;
    }
    this.state = state;
    out.length = pos;
    if (this.inPos !== end) throw new XzError(`LZMA chunk decoded to its size with ${end - this.inPos} of its bytes unread`, this.inPos);
  }

  private byteAt(buf: Uint8Array, pos: number, dist: number): number {
    const from = pos - dist - 1;
    if (from < this.dictStart) throw new XzError(`LZMA distance ${dist + 1} reaches before the dictionary`, this.inPos);
    return buf[from];
  }
}
