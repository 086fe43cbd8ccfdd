// The kernel log as `dmesg` (and the kernel's gdb command lx-dmesg) shows it, read from
// Linux's lockless printk ring buffer (5.10 and later): `prb` points to a descriptor ring
// (2^count_bits descriptors, each a state word holding its id and state in the top two bits,
// and the logical positions of its text block) with a parallel array of printk_info (seq,
// timestamp, text length, level), and a text data ring of 2^size_bits bytes whose blocks
// start with the id of their descriptor. Records run from tail_id to head_id; only committed
// and finalized ones are read. Layouts come from the kernel's debug information, so member
// moves between versions are followed; the record rules are the ring buffer's own.

import { strip, sizeOf } from '../../emulator/loader/dwarf';
import { KStruct, KernelDataError, addAddress, pointee, uintAt, type ReadMemory } from './kernel-data';

export interface LogRecord {
  seq: number;
  /** Timestamp in nanoseconds since boot (local_clock). */
  tsNsec: number;
  /** Syslog level 0-7. */
  level: number;
  facility: number;
  callerId: number;
  text: string;
}

export interface KernelLog {
  records: LogRecord[];
  /** Records no longer in the ring: the first seq kept (earlier ones were overwritten). */
  firstSeq: number | null;
  /** The lines as the kernel's console prints them: `[    1.234567] text`. */
  lines: string[];
}

/** What the log reader needs of the program: a global's type and address. */
export interface KernelGlobals {
  global(name: string): { type: import('../../emulator/loader/dwarf').CType } | undefined;
  addressOf(name: string): number | undefined;
}

const DESC_COMMITTED = 1n, DESC_FINALIZED = 2n;
/** Descriptors read at most (the largest ring Linux configures, LOG_BUF_SHIFT 25, has 2^20). */
const MAX_DESCS = 1 << 20;

/** The console's prefix for a record: seconds, 5 wide, and microseconds (printk's print_time). */
export function consolePrefix(tsNsec: number): string {
  const sec = Math.floor(tsNsec / 1e9), usec = Math.floor((tsNsec % 1e9) / 1000);
  return `[${String(sec).padStart(5, ' ')}.${String(usec).padStart(6, '0')}]`;
}

export function readKernelLog(k: KernelGlobals, read: ReadMemory): KernelLog {
  const g = k.global('prb');
  const at = k.addressOf('prb');
  if (!g || at === undefined) throw new KernelDataError("no printk ring buffer: the debug information has no 'prb' (Linux 5.10 or later, with its debug file loaded)");
  let rbAddr = at;
  if (strip(g.type).kind === 'pointer') {
    const p = read(at, 8);
    if (!p || p.length < 8) throw new KernelDataError('prb: memory is not mapped');
    rbAddr = Number(BigInt.asIntN(64, uintAt(p, 0, 8)));
  }
  const rb = new KStruct(pointee(g.type), rbAddr, read, '*prb');
  const dr = rb.struct('desc_ring'), tr = rb.struct('text_data_ring');
  const countBits = dr.num('count_bits'), sizeBits = tr.num('size_bits');
  if (countBits > 20 || sizeBits > 31) throw new KernelDataError(`*prb: implausible ring sizes (count_bits ${countBits}, size_bits ${sizeBits})`);
  const descType = pointee(dr.member('descs').type), infoType = pointee(dr.member('infos').type);
  const descSize = sizeOf(descType), infoSize = sizeOf(infoType);
  const count = 1 << countBits, dataSize = 2 ** sizeBits;
  const longBits = BigInt(sizeOf(dr.member('head_id').type) * 8);
  const idMask = (1n << (longBits - 2n)) - 1n;
  const descsAt = dr.pointer('descs'), infosAt = dr.pointer('infos'), dataAt = tr.pointer('data');
  // One read per array: a thousand descriptors cost three reads, not three thousand.
  const descs = read(descsAt, count * descSize), infos = read(infosAt, count * infoSize), data = read(dataAt, dataSize);
  if (!descs || !infos || !data) throw new KernelDataError('*prb: the descriptor, info or text ring is not mapped');
  const inArray = (bytes: Uint8Array, type: import('../../emulator/loader/dwarf').CType, base: number, size: number, i: number, what: string) =>
    new KStruct(type, addAddress(base, i * size), (a, n) => {
      const off = Number(BigInt(a) - BigInt(base));
      return off >= 0 && off + n <= bytes.length ? bytes.subarray(off, off + n) : read(a, n);
    }, what);

  const tail = dr.uint('tail_id') & idMask, head = dr.uint('head_id') & idMask;
  const records: LogRecord[] = [];
  const decoder = new TextDecoder('utf-8');
  for (let id = tail, n = 0; n < Math.min(count, MAX_DESCS); id = (id + 1n) & idMask, n++) {
    const i = Number(id % BigInt(count));
    const d = inArray(descs, descType, descsAt, descSize, i, `descs[${i}]`);
    const sv = d.uint('state_var');
    const state = (sv >> (longBits - 2n)) & 3n;
    if ((sv & idMask) === id && (state === DESC_COMMITTED || state === DESC_FINALIZED)) {
      const info = inArray(infos, infoType, infosAt, infoSize, i, `infos[${i}]`);
      const text = blockText(d.uint('text_blk_lpos.begin'), d.uint('text_blk_lpos.next'), info.num('text_len'), data, sizeBits, longBits / 8n);
      records.push({
        seq: info.num('seq'), tsNsec: info.num('ts_nsec'), level: info.num('level'), facility: info.num('facility'),
        callerId: info.has('caller_id') ? info.num('caller_id') : 0, text: decoder.decode(text),
      });
    }
    if (id === head) break;
  }
  records.sort((a, b) => a.seq - b.seq);
  const lines: string[] = [];
  for (const r of records) {
    const prefix = consolePrefix(r.tsNsec);
    for (const line of r.text.replace(/\n$/, '').split('\n')) lines.push(`${prefix} ${line}`);
  }
  return { records, firstSeq: records[0]?.seq ?? null, lines };
}

/**
 * A record's text from its block's logical positions: a regular block lies within one wrap of
 * the data ring, a wrapping one starts over at offset 0; an odd position means no data. The
 * block starts with its descriptor's id (a long).
 */
function blockText(begin: bigint, next: bigint, textLen: number, data: Uint8Array, sizeBits: number, idBytes: bigint): Uint8Array {
  if (begin & 1n) return new Uint8Array(0);
  const size = 1n << BigInt(sizeBits);
  const wraps = (x: bigint) => x >> BigInt(sizeBits);
  let at: bigint, len: bigint;
  if (wraps(begin) === wraps(next) && begin < next) { at = begin % size; len = next - begin; }
  else if (wraps(begin + size) === wraps(next)) { at = 0n; len = next % size; }
  else return new Uint8Array(0);
  if (len < idBytes || at + len > size) return new Uint8Array(0);
  const n = Math.min(textLen, Number(len - idBytes));
  const start = Number(at + idBytes);
  return data.subarray(start, start + n);
}
