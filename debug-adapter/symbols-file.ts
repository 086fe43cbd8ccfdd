// The `symbols` launch attribute: a separate debug file (Debian's vmlinux) opened for the
// engine, read by ranges through one descriptor; what goes wrong becomes the attribute's error.

import { DebugFile } from '../emulator/loader/dwarf/debug-file';
import { FileSource } from './file-source';
import { attachNameIndex, type IndexState } from './name-index-cache';

export interface OpenedSymbols { file: DebugFile; close: () => void; ms: number }

/** Opens and indexes the file, or says why it cannot: `launch attribute 'symbols': ...`. */
export function openSymbols(path: string): OpenedSymbols | { error: string } {
  const t0 = performance.now();
  let source: FileSource;
  try { source = new FileSource(path); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: `launch attribute 'symbols': cannot read '${path}' (${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message})` };
  }
  try {
    const file = new DebugFile(source);
    return { file, close: () => source.close(), ms: performance.now() - t0 };
  } catch (e) {
    source.close();
    const msg = (e as Error).message;
    return { error: `launch attribute 'symbols': ${msg.startsWith(path) ? msg : `${path}: ${msg}`}` };
  }
}

/** The Debug Console's line about a loaded debug file. */
export function describeSymbols(path: string, s: OpenedSymbols, index?: IndexState): string {
  const f = s.file;
  const names = !index ? '' : index.kind === 'cached' ? `; function name index from the cache (${index.pairs} entries)`
    : index.kind === 'building' ? '; building the function name index in the background' : `; no function name index (${index.reason})`;
  return `symbols: ${path}: ${f.symbols.length} ELF symbols, ${f.units.rangeCount} address ranges of compile units (units are read when a lookup needs them), opened in ${s.ms.toFixed(0)} ms${names}\n`;
}

/**
 * The session takes the opened file: its name index attached (cached, or built meanwhile:
 * names only ever inlined find their units through it), the Debug Console told what it holds
 * (`orcEntries`: the kernel's ORC tables, when read). `close` ends both.
 */
export function useSymbols(s: OpenedSymbols, path: string, orcEntries: number | undefined, say: (text: string) => void): { close: () => void } {
  const index = attachNameIndex(s.file, path, say);
  say(describeSymbols(path, s, index.state) + (orcEntries !== undefined ? `stack: the kernel's ORC tables (${orcEntries} entries) unwind it, through interrupt entry\n` : ''));
  return { close: () => { index.stop(); s.close(); } };
}
