// What binutils says about an ELF file: readelf's -h, -l, -S, -s and -n output parsed into
// plain numbers, as the independent reference the loader's parser is checked against.

import { execFileSync } from 'node:child_process';

function readelf(args: string[], path: string): string {
  return execFileSync('readelf', ['-W', ...args, path], { encoding: 'utf8' });
}

export function oracleEntry(path: string): number {
  const m = /Entry point address:\s+0x([0-9a-f]+)/.exec(readelf(['-h'], path));
  if (!m) throw new Error('readelf -h: no entry point');
  return parseInt(m[1], 16);
}

export function oracleShstrndx(path: string): number {
  const m = /Section header string table index:\s+(\d+)/.exec(readelf(['-h'], path));
  if (!m) throw new Error('readelf -h: no string table index');
  return Number(m[1]);
}

export interface OraclePhdr { type: string; offset: number; vaddr: number; paddr: number; filesz: number; memsz: number }

export function oracleProgramHeaders(path: string): OraclePhdr[] {
  const out: OraclePhdr[] = [];
  for (const line of readelf(['-l'], path).split('\n')) {
    const m = /^\s+([A-Z_]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s/.exec(line);
    if (m) out.push({ type: m[1], offset: parseInt(m[2], 16), vaddr: parseInt(m[3], 16), paddr: parseInt(m[4], 16), filesz: parseInt(m[5], 16), memsz: parseInt(m[6], 16) });
  }
  return out;
}

export interface OracleSection { index: number; name: string; type: string; addr: number; offset: number; size: number }

export function oracleSections(path: string): OracleSection[] {
  const out: OracleSection[] = [];
  for (const line of readelf(['-S'], path).split('\n')) {
    const m = /^\s+\[\s*(\d+)\]\s+(\S*)\s+([A-Z_]+)\s+([0-9a-f]{8}|[0-9a-f]{16})\s+([0-9a-f]{6,})\s+([0-9a-f]{6,})\s/.exec(line);
    if (m) out.push({ index: +m[1], name: m[2], type: m[3], addr: parseInt(m[4], 16), offset: parseInt(m[5], 16), size: parseInt(m[6], 16) });
    else {
      const n = /^\s+\[\s*(\d+)\]\s+([A-Z_]+)\s+([0-9a-f]{8}|[0-9a-f]{16})\s+([0-9a-f]{6,})\s+([0-9a-f]{6,})\s/.exec(line);
      if (n) out.push({ index: +n[1], name: '', type: n[2], addr: parseInt(n[3], 16), offset: parseInt(n[4], 16), size: parseInt(n[5], 16) });
    }
  }
  return out;
}

export interface OracleSymbol { value: number; size: number; type: string; bind: string; ndx: string; name: string }

export function oracleSymbols(path: string): OracleSymbol[] {
  const out: OracleSymbol[] = [];
  for (const line of readelf(['-s'], path).split('\n')) {
    const m = /^\s+\d+:\s+([0-9a-f]{8})\s+(\d+|0x[0-9a-f]+)\s+(\w+)\s+(\w+)\s+\w+\s+(\w+)\s*(\S*)$/.exec(line);
    if (m) out.push({ value: parseInt(m[1], 16), size: Number(m[2]), type: m[3], bind: m[4], ndx: m[5], name: m[6] });
  }
  return out;
}

export interface OracleNote { owner: string; type: number; data: Uint8Array }

/** readelf names some note types generically whatever the owner; these are their numbers. */
const GENERIC_NOTE_TYPES: Record<string, number> = { 'NT_VERSION (version)': 1, 'NT_ARCH (architecture)': 2, 'GO BUILDID': 4 };

/** Notes with a hex dump of their descriptor (readelf prints one for types it cannot decode). */
export function oracleNotes(path: string): OracleNote[] {
  const out: OracleNote[] = [];
  for (const line of readelf(['-n'], path).split('\n')) {
    const m = /^\s+(\S+)\s+0x([0-9a-f]+)\s+(.*?)\s+description data:\s*((?:[0-9a-f]{2}\s*)*)$/.exec(line);
    if (!m) continue;
    const unknown = /^Unknown note type: \(0x([0-9a-f]+)\)$/.exec(m[3]);
    const type = unknown ? parseInt(unknown[1], 16) : GENERIC_NOTE_TYPES[m[3]];
    if (type === undefined) {
      // readelf names some other owners' types ("Linux ... func", "OPEN"): those are not Xen's, so not checked.
      if (m[1] !== 'Xen') continue;
      throw new Error(`readelf -n: cannot tell the type of "${m[3]}"`);
    }
    const data = Uint8Array.from(m[4].trim().split(/\s+/).filter(Boolean).map((h) => parseInt(h, 16)));
    if (data.length !== parseInt(m[2], 16)) throw new Error(`readelf -n: size mismatch in "${line}"`);
    out.push({ owner: m[1], type, data });
  }
  return out;
}
