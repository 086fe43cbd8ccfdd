// The decoder comparison: our decoder against iced-x86 on random sequences in 16- and 32-bit
// code. For each sequence we implement, the length and the instruction must match iced's.

import { emptyIcedResult, IcedReference, type IcedResult } from './iced-reference';
import { sameMnemonic } from './mnemonic-aliases';
import { Rng } from './random';
import { generateSequence, SLOT } from './sequence-generator';

/** Our decoder's answer for 16-, 32- or 64-bit code: null means "not implemented, the CPU raises #UD". */
export type DecodeFn = (bytes: Uint8Array, bits: 16 | 32 | 64) => { length: number; mnemonic: string } | null;

export interface Disagreement {
  bits: 16 | 32;
  bytes: string;               // hex of the sequence (first 15 bytes)
  ours: string;                // "mnemonic/length" or the error thrown
  iced: string;
}

export interface DecoderConformanceResult {
  checked: number;             // sequences compared
  agreed: number;              // same instruction and length, or both reject it
  disagreed: number;
  notImplemented: number;      // iced decodes a 486/Pentium/P6 integer or x87 instruction, we return null
  decodedByUs: number;         // sequences our decoder accepted
  inScopeValid: number;        // sequences iced decodes as a 486/Pentium/P6 integer or x87 instruction
  acceptedInvalid: number;     // part of `disagreed`: we decode, iced says the encoding is invalid
  missing: Array<[string, number]>;              // not-implemented iced mnemonics, most frequent first
  disagreementsByMnemonic: Array<[string, number]>;
  samples: Disagreement[];     // the first few disagreements of each kind, for the report
}

const UD_FAMILY = new Set(['ud0', 'ud1', 'ud2']);
const BATCH = 65536;

export function runDecoderConformance(decode: DecodeFn, count: number, seed: number): DecoderConformanceResult {
  const result: DecoderConformanceResult = {
    checked: 0, agreed: 0, disagreed: 0, notImplemented: 0, decodedByUs: 0, inScopeValid: 0,
    acceptedInvalid: 0, missing: [], disagreementsByMnemonic: [], samples: [],
  };
  const missing = new Map<string, number>();
  const wrong = new Map<string, number>();
  const sampleKinds = new Map<string, number>();
  const rng = new Rng(seed);
  const buf = new Uint8Array(BATCH * SLOT);
  const iced = emptyIcedResult();
  const halves: Array<[16 | 32, number]> = [[16, count >> 1], [32, count - (count >> 1)]];
  for (const [bits, total] of halves) {
    for (let done = 0; done < total; done += BATCH) {
      const n = Math.min(BATCH, total - done);
      for (let i = 0; i < n; i++) generateSequence(rng, buf, i * SLOT);
      const ref = new IcedReference(bits, buf);
      try {
        for (let i = 0; i < n; i++) {
          const off = i * SLOT;
          ref.decodeAt(off, iced);
          compareOne(decode, buf.subarray(off, off + SLOT), bits, iced, result, missing, wrong, sampleKinds);
        }
      } finally {
        ref.free();
      }
    }
  }
  result.missing = sortCounts(missing);
  result.disagreementsByMnemonic = sortCounts(wrong);
  return result;
}

function compareOne(
  decode: DecodeFn, bytes: Uint8Array, bits: 16 | 32, iced: IcedResult, result: DecoderConformanceResult,
  missing: Map<string, number>, wrong: Map<string, number>, sampleKinds: Map<string, number>,
): void {
  result.checked++;
  if (iced.inScope) result.inScopeValid++;
  let ours: { length: number; mnemonic: string } | null;
  try {
    ours = decode(bytes, bits);
  } catch (e) {
    recordDisagreement(result, wrong, sampleKinds, bits, bytes, `threw ${(e as Error).message}`, iced, 'host exception');
    return;
  }
  if (ours === null) {
    if (iced.inScope && !UD_FAMILY.has(iced.mnemonic)) {
      result.notImplemented++;
      missing.set(iced.mnemonic, (missing.get(iced.mnemonic) ?? 0) + 1);
    } else {
      result.agreed++;           // both raise #UD (invalid encoding, or a feature a P6 does not have)
    }
    return;
  }
  result.decodedByUs++;
  if (iced.invalid) {
    result.acceptedInvalid++;
    recordDisagreement(result, wrong, sampleKinds, bits, bytes, `${ours.mnemonic}/${ours.length}`, iced, `invalid:${ours.mnemonic}`);
    return;
  }
  if (ours.length === iced.length && sameMnemonic(ours.mnemonic, iced.mnemonic)) {
    result.agreed++;
    return;
  }
  recordDisagreement(result, wrong, sampleKinds, bits, bytes, `${ours.mnemonic}/${ours.length}`, iced, iced.mnemonic);
}

function recordDisagreement(
  result: DecoderConformanceResult, wrong: Map<string, number>, sampleKinds: Map<string, number>,
  bits: 16 | 32, bytes: Uint8Array, ours: string, iced: IcedResult, key: string,
): void {
  result.disagreed++;
  wrong.set(key, (wrong.get(key) ?? 0) + 1);
  const seen = sampleKinds.get(key) ?? 0;
  sampleKinds.set(key, seen + 1);
  if (seen < 3 && result.samples.length < 200) {
    result.samples.push({
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
      `we decoded ${r.decodedByUs}, iced found ${r.inScopeValid} in-scope instructions`,
  ];
  if (r.missing.length) lines.push('  top not implemented: ' + r.missing.slice(0, topN).map(([m, n]) => `${m} ${n}`).join(', '));
  if (r.disagreementsByMnemonic.length) {
    lines.push('  disagreements by iced mnemonic: ' + r.disagreementsByMnemonic.slice(0, topN).map(([m, n]) => `${m} ${n}`).join(', '));
    for (const s of r.samples.slice(0, 40)) lines.push(`    ${s.bits}-bit [${s.bytes}] ours ${s.ours} iced ${s.iced}`);
  }
  return lines.join('\n');
}
