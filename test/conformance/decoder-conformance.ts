// The decoder comparison: our decoder against iced-x86 on random sequences in 16-, 32- and
// 64-bit code. For each sequence we implement, the length and the instruction must match
// iced's; what iced calls invalid we must reject.

import { emptyIcedResult, IcedReference, type IcedResult } from './iced-reference';
import { sameMnemonic } from './mnemonic-aliases';
import { Rng } from './random';
import { generateSequence, SLOT } from './sequence-generator';
import { generateSequence64 } from './sequence-generator64';

/** Our decoder's answer for 16-, 32- or 64-bit code: null means "not implemented, the CPU raises #UD". */
export type DecodeFn = (bytes: Uint8Array, bits: CodeBits) => { length: number; mnemonic: string } | null;

export type CodeBits = 16 | 32 | 64;

export interface Disagreement {
  bits: CodeBits;
  bytes: string;               // hex of the sequence (first 15 bytes)
  ours: string;                // "mnemonic/length" or the error thrown
  iced: string;
}

export interface ModeCounts {
  checked: number;             // sequences compared
  agreed: number;              // same instruction and length, or both reject it
  disagreed: number;
  notImplemented: number;      // iced decodes an instruction in the CPU's scope, we return null
  decodedByUs: number;         // sequences our decoder accepted
  inScopeValid: number;        // sequences iced decodes as an instruction in the CPU's scope
  acceptedInvalid: number;     // part of `disagreed`: we decode, iced says the encoding is invalid
  outsideScope: number;        // part of `agreed`: iced decodes what the CPU does not promise (VEX, AVX, MMX ...), we return null
}

export interface DecoderConformanceResult extends ModeCounts {
  byMode: Partial<Record<CodeBits, ModeCounts>>;
  missing: Array<[string, number]>;              // not-implemented iced mnemonics, most frequent first
  disagreementsByMnemonic: Array<[string, number]>;
  /** What the null answers outside the scope were: iced's encoding (vex, evex ...) or, for legacy encodings, the mnemonic. */
  outsideByKind: Array<[string, number]>;
  samples: Disagreement[];     // the first few disagreements of each kind, for the report
}

const UD_FAMILY = new Set(['ud0', 'ud1', 'ud2']);
const BATCH = 65536;

function emptyCounts(): ModeCounts {
  return { checked: 0, agreed: 0, disagreed: 0, notImplemented: 0, decodedByUs: 0, inScopeValid: 0, acceptedInvalid: 0, outsideScope: 0 };
}

interface Tally {
  missing: Map<string, number>;
  wrong: Map<string, number>;
  outside: Map<string, number>;
  sampleKinds: Map<string, number>;
  samples: Disagreement[];
}

/**
 * Compares `count` random sequences, split evenly over the code sizes in `modes` (16- and
 * 32-bit by default; 64-bit sequences come from the 64-bit generator: REX mixes, SSE with
 * REX, RIP-relative and SIB forms).
 */
export function runDecoderConformance(decode: DecodeFn, count: number, seed: number, modes: readonly CodeBits[] = [16, 32]): DecoderConformanceResult {
  const tally: Tally = { missing: new Map(), wrong: new Map(), outside: new Map(), sampleKinds: new Map(), samples: [] };
  const byMode: Partial<Record<CodeBits, ModeCounts>> = {};
  const rng = new Rng(seed);
  const buf = new Uint8Array(BATCH * SLOT);
  const iced = emptyIcedResult();
  const share = Math.floor(count / modes.length);
  modes.forEach((bits, k) => {
    const total = k === modes.length - 1 ? count - share * (modes.length - 1) : share;
    const counts = byMode[bits] ?? (byMode[bits] = emptyCounts());
    const generate = bits === 64 ? generateSequence64 : generateSequence;
    for (let done = 0; done < total; done += BATCH) {
      const n = Math.min(BATCH, total - done);
      for (let i = 0; i < n; i++) generate(rng, buf, i * SLOT);
      const ref = new IcedReference(bits, buf);
      try {
        for (let i = 0; i < n; i++) {
          const off = i * SLOT;
          ref.decodeAt(off, iced);
          compareOne(decode, buf.subarray(off, off + SLOT), bits, iced, counts, tally);
        }
      } finally {
        ref.free();
      }
    }
  });
  const result: DecoderConformanceResult = {
    ...emptyCounts(), byMode, missing: sortCounts(tally.missing), disagreementsByMnemonic: sortCounts(tally.wrong),
    outsideByKind: sortCounts(tally.outside), samples: tally.samples,
  };
  for (const c of Object.values(byMode)) {
    for (const key of Object.keys(c) as Array<keyof ModeCounts>) result[key] += c[key];
  }
  return result;
}

/**
 * The decoder over real code: `code` is decoded from its start as iced-x86 walks it (each
 * instruction where the previous one ends, an invalid byte skipped), and every instruction
 * is compared as a random sequence is.
 */
export function runRealCodeComparison(decode: DecodeFn, code: Uint8Array, bits: CodeBits): DecoderConformanceResult {
  const tally: Tally = { missing: new Map(), wrong: new Map(), outside: new Map(), sampleKinds: new Map(), samples: [] };
  const counts = emptyCounts();
  const iced = emptyIcedResult();
  // Padded so that the last instructions have their 15-byte window.
  const buf = new Uint8Array(code.length + SLOT);
  buf.set(code);
  const ref = new IcedReference(bits, buf);
  try {
    for (let off = 0; off < code.length;) {
      ref.decodeAt(off, iced);
      compareOne(decode, buf.subarray(off, off + SLOT), bits, iced, counts, tally);
      off += iced.invalid ? 1 : iced.length;
    }
  } finally {
    ref.free();
  }
  return {
    ...counts, byMode: { [bits]: counts }, missing: sortCounts(tally.missing), disagreementsByMnemonic: sortCounts(tally.wrong),
    outsideByKind: sortCounts(tally.outside), samples: tally.samples,
  };
}

function compareOne(decode: DecodeFn, bytes: Uint8Array, bits: CodeBits, iced: IcedResult, counts: ModeCounts, tally: Tally): void {
  counts.checked++;
  if (iced.inScope) counts.inScopeValid++;
  let ours: { length: number; mnemonic: string } | null;
  try {
    ours = decode(bytes, bits);
  } catch (e) {
    recordDisagreement(counts, tally, bits, bytes, `threw ${(e as Error).message}`, iced, 'host exception');
    return;
  }
  if (ours === null) {
    if (iced.inScope && !UD_FAMILY.has(iced.mnemonic)) {
      counts.notImplemented++;
      tally.missing.set(iced.mnemonic, (tally.missing.get(iced.mnemonic) ?? 0) + 1);
    } else {
      counts.agreed++;           // both raise #UD (invalid encoding, or a feature the CPU does not have)
      if (!iced.invalid && !UD_FAMILY.has(iced.mnemonic)) {
        counts.outsideScope++;
        const kind = iced.encoding === 'legacy' ? iced.mnemonic : iced.encoding;
        tally.outside.set(kind, (tally.outside.get(kind) ?? 0) + 1);
      }
    }
    return;
  }
  counts.decodedByUs++;
  if (iced.invalid) {
    counts.acceptedInvalid++;
    recordDisagreement(counts, tally, bits, bytes, `${ours.mnemonic}/${ours.length}`, iced, `invalid:${ours.mnemonic}`);
    return;
  }
  if (ours.length === iced.length && sameMnemonic(ours.mnemonic, iced.mnemonic)) {
    counts.agreed++;
    return;
  }
  recordDisagreement(counts, tally, bits, bytes, `${ours.mnemonic}/${ours.length}`, iced, iced.mnemonic);
}

function recordDisagreement(counts: ModeCounts, tally: Tally, bits: CodeBits, bytes: Uint8Array, ours: string, iced: IcedResult, key: string): void {
  counts.disagreed++;
  tally.wrong.set(key, (tally.wrong.get(key) ?? 0) + 1);
  const seen = tally.sampleKinds.get(key) ?? 0;
  tally.sampleKinds.set(key, seen + 1);
  if (seen < 3 && tally.samples.length < 200) {
    tally.samples.push({
      bits, bytes: hex(bytes.subarray(0, 15)), ours,
      iced: iced.invalid ? 'invalid' : `${iced.mnemonic}/${iced.length}`,
    });
  }
}

function sortCounts(m: Map<string, number>): Array<[string, number]> {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

export function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (i ? ' ' : '') + bytes[i].toString(16).padStart(2, '0');
  return s;
}

/** A short human summary of the result, for test diagnostics and the conformance command. */
export function describeDecoderResult(r: DecoderConformanceResult, topN = 15): string {
  const lines = [
    `decoder vs iced-x86: ${r.checked} sequences, ${r.agreed} agreed, ${r.disagreed} disagreed ` +
      `(${r.acceptedInvalid} accepted though invalid), ${r.notImplemented} not implemented; ` +
      `we decoded ${r.decodedByUs}, iced found ${r.inScopeValid} in-scope instructions, ${r.outsideScope} outside the CPU's scope`,
  ];
  for (const [bits, c] of Object.entries(r.byMode)) {
    lines.push(`  ${bits}-bit: ${c.checked} sequences, ${c.agreed} agreed, ${c.disagreed} disagreed, ${c.notImplemented} not implemented, ` +
      `${c.decodedByUs} decoded by us, ${c.inScopeValid} in scope, ${c.outsideScope} outside the scope (null)`);
  }
  if (r.missing.length) lines.push('  top not implemented: ' + r.missing.slice(0, topN).map(([m, n]) => `${m} ${n}`).join(', '));
  if (r.outsideByKind.length) lines.push('  top outside the scope: ' + r.outsideByKind.slice(0, topN).map(([m, n]) => `${m} ${n}`).join(', '));
  if (r.disagreementsByMnemonic.length) {
    lines.push('  disagreements by iced mnemonic: ' + r.disagreementsByMnemonic.slice(0, topN).map(([m, n]) => `${m} ${n}`).join(', '));
    for (const s of r.samples.slice(0, 40)) lines.push(`    ${s.bits}-bit [${s.bytes}] ours ${s.ours} iced ${s.iced}`);
  }
  return lines.join('\n');
}
