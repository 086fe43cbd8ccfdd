// The exit log: a ring buffer in preallocated typed arrays plus counters by reason. Appending
// an exit writes numbers into arrays and allocates nothing; records become objects only when
// a reader asks for them (recent/page/at).

import type { ExitRecord } from './exit-record';
import type { ExitContext, ExitExtra } from '../cpu';
import { EXIT_REASON_LIMIT, exitReasonName } from '../isa/exit-reasons';
import { decodeInfo } from '../isa/decode';

export const DEFAULT_EXIT_LOG_CAPACITY = 65536;
export const BYTES_PER_RECORD = 16;
const MAX_HANDLERS = 0xffff;

export interface ExitLogSnapshot {
  readonly nextSeq: number;
  readonly counts: Float64Array;
  readonly cycles: Float64Array;
  readonly totalCycles: number;
}

const HAS_GPA = 1, HAS_MSR = 2, HAS_VALUE = 4, HAS_VECTOR = 8, HAS_ERROR = 16, CODE16 = 32;
const CODE64 = 64, HAS_VALUE_HI = 128, HAS_QUAL_HI = 256, HAS_LINEAR = 512, HAS_INFO = 1024;

/**
 * The CPU hands over a window of up to 15 bytes starting at the instruction; keep only the
 * instruction (decoded on demand, not on the exit path). Undecodable bytes stay whole.
 */
function instructionOnly(window: Uint8Array, is32: boolean, long64: boolean): Uint8Array {
  const info = window.length ? decodeInfo(window, long64 ? 64 : is32 ? 32 : 16) : null;
  return window.slice(0, info && info.length <= window.length ? info.length : window.length);
}

export class ExitLog {
  readonly capacity: number;
  /** Sequence number the next exit gets; also the number of exits ever recorded. */
  nextSeq = 0;
  /** Slot the next exit goes to (nextSeq modulo capacity, kept without a division). */
  private head = 0;

  private readonly seqs: Float64Array;
  private readonly reasons: Uint16Array;
  private readonly quals: Uint32Array;
  private readonly eips: Uint32Array;
  private readonly ripHis: Uint32Array;
  private readonly css: Uint16Array;
  private readonly cpls: Uint8Array;
  private readonly bytes: Uint8Array;
  private readonly byteLens: Uint8Array;
  private readonly icounts: Float64Array;
  private readonly handlerIds: Uint16Array;
  private readonly cycleCosts: Float64Array;
  private readonly extraMask: Uint16Array;
  private readonly gpas: Float64Array;
  private readonly msrs: Uint32Array;
  private readonly values: Uint32Array;
  private readonly vectors: Uint8Array;
  private readonly errorCodes: Uint32Array;
  private readonly valueHis: Uint32Array;
  private readonly qualHis: Uint32Array;
  private readonly linears: Uint32Array;
  private readonly linearHis: Uint32Array;
  private readonly instrInfos: Uint32Array;

  /** Exits by reason number; index EXIT_REASON_LIMIT counts reasons beyond the table. */
  readonly counts = new Float64Array(EXIT_REASON_LIMIT + 1);
  /** Estimated cycles by reason, same indexing. */
  readonly cycles = new Float64Array(EXIT_REASON_LIMIT + 1);
  totalCycles = 0;

  private readonly handlerNames: string[] = [];
  private readonly handlerIndex = new Map<string, number>();

  constructor(capacity = DEFAULT_EXIT_LOG_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 24) {
      throw new RangeError(`exit log capacity must be an integer from 1 to ${1 << 24}, got ${capacity}`);
    }
    this.capacity = capacity;
    this.seqs = new Float64Array(capacity);
    this.reasons = new Uint16Array(capacity);
    this.quals = new Uint32Array(capacity);
    this.eips = new Uint32Array(capacity);
    this.ripHis = new Uint32Array(capacity);
    this.css = new Uint16Array(capacity);
    this.cpls = new Uint8Array(capacity);
    this.bytes = new Uint8Array(capacity * BYTES_PER_RECORD);
    this.byteLens = new Uint8Array(capacity);
    this.icounts = new Float64Array(capacity);
    this.handlerIds = new Uint16Array(capacity);
    this.cycleCosts = new Float64Array(capacity);
    this.extraMask = new Uint16Array(capacity);
    this.gpas = new Float64Array(capacity);
    this.msrs = new Uint32Array(capacity);
    this.values = new Uint32Array(capacity);
    this.vectors = new Uint8Array(capacity);
    this.errorCodes = new Uint32Array(capacity);
    this.valueHis = new Uint32Array(capacity);
    this.qualHis = new Uint32Array(capacity);
    this.linears = new Uint32Array(capacity);
    this.linearHis = new Uint32Array(capacity);
    this.instrInfos = new Uint32Array(capacity);
  }

  /** Index of a handler name in the interned table (a Map lookup; new names are rare). */
  intern(handler: string): number {
    let id = this.handlerIndex.get(handler);
    if (id === undefined) {
      if (this.handlerNames.length >= MAX_HANDLERS) return this.intern('other');
      id = this.handlerNames.length;
      this.handlerNames.push(handler);
      this.handlerIndex.set(handler, id);
    }
    return id;
  }

  handlerName(id: number): string {
    return this.handlerNames[id] ?? 'unknown';
  }

  /**
   * Records one exit and returns its sequence number. `ripHi` is bits 63:32 of RIP and
   * `long64` says the code ran in 64-bit mode (both from the exit context).
   */
  append(reason: number, qualification: number, handlerId: number, eip: number, cs: number, cpl: number,
    instrBytes: Uint8Array | ExitContext | null, icount: number, cost: number, extra: ExitExtra | undefined, code16 = false,
    ripHi = 0, long64 = false): number {
    const seq = this.nextSeq++;
    const i = this.head;
    this.head = i + 1 === this.capacity ? 0 : i + 1;
    this.seqs[i] = seq;
    this.reasons[i] = reason;
    this.quals[i] = qualification;
    this.eips[i] = eip;
    this.ripHis[i] = ripHi;
    this.css[i] = cs;
    this.cpls[i] = cpl;
    const base = i * BYTES_PER_RECORD;
    let n = 0;
    if (instrBytes !== null) {
      // A context that can copy straight into the ring saves an array per exit.
      const copy = (instrBytes as ExitContext).copyInstrBytes;
      const src = copy !== undefined ? null : instrBytes instanceof Uint8Array ? instrBytes : (instrBytes as ExitContext).instrBytes();
      if (src === null) {
        n = (instrBytes as ExitContext).copyInstrBytes!(this.bytes, base, 15);
      } else {
        n = src.length < BYTES_PER_RECORD ? src.length : BYTES_PER_RECORD;
        for (let k = 0; k < n; k++) this.bytes[base + k] = src[k]!;
      }
    }
    this.byteLens[i] = n;
    this.icounts[i] = icount;
    this.handlerIds[i] = handlerId;
    this.cycleCosts[i] = cost;
    let mask = long64 ? CODE64 : code16 ? CODE16 : 0;
    if (extra !== undefined) {
      if (extra.gpa !== undefined) { mask |= HAS_GPA; this.gpas[i] = extra.gpa; }
      if (extra.msr !== undefined) { mask |= HAS_MSR; this.msrs[i] = extra.msr; }
      if (extra.value !== undefined) { mask |= HAS_VALUE; this.values[i] = extra.value; }
      if (extra.vector !== undefined) { mask |= HAS_VECTOR; this.vectors[i] = extra.vector; }
      if (extra.errorCode !== undefined) { mask |= HAS_ERROR; this.errorCodes[i] = extra.errorCode; }
      if (extra.valueHi !== undefined) { mask |= HAS_VALUE_HI; this.valueHis[i] = extra.valueHi; }
      if (extra.qualificationHi !== undefined) { mask |= HAS_QUAL_HI; this.qualHis[i] = extra.qualificationHi; }
      if (extra.linear !== undefined) { mask |= HAS_LINEAR; this.linears[i] = extra.linear; this.linearHis[i] = extra.linearHi ?? 0; }
      if (extra.instrInfo !== undefined) { mask |= HAS_INFO; this.instrInfos[i] = extra.instrInfo; }
    }
    this.extraMask[i] = mask;
    const bucket = reason >= 0 && reason < EXIT_REASON_LIMIT ? reason : EXIT_REASON_LIMIT;
    this.counts[bucket]!++;
    this.cycles[bucket]! += cost;
    this.totalCycles += cost;
    return seq;
  }

  /** Replaces the value field of the newest record (VMCALL stores its number after the fact). */
  setLastValue(value: number): void {
    if (this.nextSeq === 0) return;
    const i = (this.nextSeq - 1) % this.capacity;
    this.values[i] = value;
    this.extraMask[i]! |= HAS_VALUE;
  }

  /** Oldest sequence number still held. */
  get oldestSeq(): number {
    return this.nextSeq > this.capacity ? this.nextSeq - this.capacity : 0;
  }

  get total(): number {
    return this.nextSeq;
  }

  /** The record with this sequence number, or undefined if it was overwritten or never written. */
  at(seq: number): ExitRecord | undefined {
    if (!Number.isInteger(seq) || seq < this.oldestSeq || seq >= this.nextSeq) return undefined;
    const i = seq % this.capacity;
    // After a restore to an earlier point, a slot may hold an exit from the abandoned future.
    if (this.seqs[i] !== seq) return undefined;
    const base = i * BYTES_PER_RECORD;
    const mask = this.extraMask[i]!;
    const reason = this.reasons[i]!;
    const r: ExitRecord = {
      seq,
      reason,
      reasonName: exitReasonName(reason),
      qualification: this.quals[i]!,
      eip: this.eips[i]!,
      ripHi: this.ripHis[i]!,
      long64: (mask & CODE64) !== 0,
      cs: this.css[i]!,
      cpl: this.cpls[i]!,
      bytes: instructionOnly(this.bytes.subarray(base, base + this.byteLens[i]!), (mask & CODE16) === 0, (mask & CODE64) !== 0),
      icount: this.icounts[i]!,
      handler: this.handlerName(this.handlerIds[i]!),
      cycles: this.cycleCosts[i]!,
    };
    if (mask & HAS_GPA) r.gpa = this.gpas[i]!;
    if (mask & HAS_MSR) r.msr = this.msrs[i]!;
    if (mask & HAS_VALUE) r.value = this.values[i]!;
    if (mask & HAS_VECTOR) r.vector = this.vectors[i]!;
    if (mask & HAS_ERROR) r.errorCode = this.errorCodes[i]!;
    if (mask & HAS_VALUE_HI) r.valueHi = this.valueHis[i]!;
    if (mask & HAS_QUAL_HI) r.qualificationHi = this.qualHis[i]!;
    if (mask & HAS_LINEAR) { r.linear = this.linears[i]!; r.linearHi = this.linearHis[i]!; }
    if (mask & HAS_INFO) r.instrInfo = this.instrInfos[i]!;
    return r;
  }

  /** The newest `count` records still held, oldest first. */
  recent(count: number): ExitRecord[] {
    const n = Math.max(0, Math.min(Math.floor(count), this.nextSeq - this.oldestSeq));
    const out: ExitRecord[] = [];
    for (let s = this.nextSeq - n; s < this.nextSeq; s++) {
      const r = this.at(s);
      if (r) out.push(r);
    }
    return out;
  }

  /** Up to `count` records with seq >= from that pass `filter`, oldest first. */
  page(from: number, count: number, filter?: (r: ExitRecord) => boolean): ExitRecord[] {
    const out: ExitRecord[] = [];
    if (!(count > 0)) return out;
    for (let s = Math.max(Math.floor(from), this.oldestSeq); s < this.nextSeq && out.length < count; s++) {
      const r = this.at(s);
      if (r && (!filter || filter(r))) out.push(r);
    }
    return out;
  }

  /** Reason name -> count, for reasons that occurred. */
  countsByName(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let r = 0; r <= EXIT_REASON_LIMIT; r++) {
      if (this.counts[r]) out[r === EXIT_REASON_LIMIT ? 'OTHER' : exitReasonName(r)] = this.counts[r]!;
    }
    return out;
  }

  cyclesByName(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let r = 0; r <= EXIT_REASON_LIMIT; r++) {
      if (this.counts[r]) out[r === EXIT_REASON_LIMIT ? 'OTHER' : exitReasonName(r)] = this.cycles[r]!;
    }
    return out;
  }

  /** Counters and position; the records themselves stay in the ring (see restore). */
  snapshot(): ExitLogSnapshot {
    return { nextSeq: this.nextSeq, counts: this.counts.slice(), cycles: this.cycles.slice(), totalCycles: this.totalCycles };
  }

  /**
   * Back to a snapshot's counters and position. Records written since are hidden (their
   * sequence numbers are >= nextSeq); records they overwrote are gone, and at() reports them
   * as missing rather than returning the newer exit in their slot.
   */
  restore(s: ExitLogSnapshot): void {
    this.nextSeq = s.nextSeq;
    this.head = s.nextSeq % this.capacity;
    this.counts.set(s.counts);
    this.cycles.set(s.cycles);
    this.totalCycles = s.totalCycles;
  }

  clear(): void {
    this.nextSeq = 0;
    this.head = 0;
    this.counts.fill(0);
    this.cycles.fill(0);
    this.totalCycles = 0;
  }
}
