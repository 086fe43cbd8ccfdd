// Front ends reach the emulator through MachineApi only. The import rules cannot see a front
// end that imports the composition root properly and then casts its MachineApi to get at the
// CPU, the exit recorder or the platform behind it: that is a dependency on emulator internals
// all the same, and breaks silently when they change. This scanner finds the forms it takes:
//   - a double assertion (`x as unknown as T`), which turns off the type system;
//   - an assertion to an object shape naming one of the Machine's parts (`m as { cpu?: ... }`);
//   - `instanceof Machine`, which narrows a MachineApi to the class and its public fields;
//   - a `.cpu`, `.vmm` or `.pvh` member access (the Machine's parts by name; `.platform` is
//     also a field of LongModeState, the typed way to the local APIC's TPR, so only the
//     assertions and instanceof above catch a reach to the Machine's platform).
// Comments and string contents are blanked first, so a DWARF path like 'thread_info.cpu' or a
// sentence about the CPU is no finding.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface ReachThrough { file: string; line: number; what: string }

/** The Machine's parts a front end must not reach (MachineApi gives what they hold typed methods). */
const PARTS = 'cpu|vmm|platform|pvh|memory';
const MEMBERS = 'cpu|vmm|pvh';

const RULES: Array<{ re: RegExp; what: string }> = [
  { re: /\bas\s+unknown\s+as\b/g, what: 'double assertion (as unknown as)' },
  { re: new RegExp(`\\bas\\s*\\{[^}]*\\b(?:${PARTS})\\??\\s*:`, 'g'), what: "assertion to a shape naming the Machine's parts" },
  { re: /\binstanceof\s+Machine\b/g, what: 'instanceof Machine (narrows MachineApi to the class)' },
  { re: new RegExp(`\\??\\.(?:${MEMBERS})\\b(?!\\s*\\()`, 'g'), what: "member access to one of the Machine's parts" },
];

/**
 * Comments out and the contents of string and template literals blanked (lengths and line
 * breaks kept, so positions still count lines). Template substitutions are blanked too: a
 * reach-through inside `${...}` goes unseen, which the typed alternative makes rare.
 */
export function codeOnly(src: string): string {
  let out = '';
  let i = 0;
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  while (i < src.length) {
    const c = src[i]!, n = src[i + 1];
    if (c === '/' && n === '/') { const e = src.indexOf('\n', i); const end = e < 0 ? src.length : e; out += blank(src.slice(i, end)); i = end; continue; }
    if (c === '/' && n === '*') { const e = src.indexOf('*/', i + 2); const end = e < 0 ? src.length : e + 2; out += blank(src.slice(i, end)); i = end; continue; }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) { if (src[j] === '\\') j++; if (c !== '`' && src[j] === '\n') break; j++; }
      out += c + blank(src.slice(i + 1, j)) + (j < src.length ? src[j] : '');
      i = j + 1;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Every reach-through in one source text. */
export function findReachThroughs(file: string, src: string): ReachThrough[] {
  const code = codeOnly(src);
  const found: ReachThrough[] = [];
  for (const { re, what } of RULES) {
    for (const m of code.matchAll(re)) {
      found.push({ file, line: code.slice(0, m.index).split('\n').length, what });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** Every reach-through in the .ts sources under `folders` (repo-relative). */
export function scanFolders(root: string, folders: readonly string[]): ReachThrough[] {
  const out: ReachThrough[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const rel = `${dir}/${name}`;
      if (statSync(join(root, rel)).isDirectory()) walk(rel);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(...findReachThroughs(rel, readFileSync(join(root, rel), 'utf8')));
    }
  };
  for (const f of folders) walk(f);
  return out;
}
