// The function name index of a `symbols` debug file (emulator/loader/dwarf/name-index.ts),
// kept under ~/.cache/paravirt/symbols/ by the file's build id: read back whole at launch when
// there (about a megabyte for Debian's vmlinux), else built once by a worker thread while the
// guest runs and written there for the next launch. Until it is ready, a name with no symbol
// is found by the slower byte search, so nothing waits for it.

import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { NameIndex } from '../emulator/loader/dwarf/name-index';
import type { DebugFile } from '../emulator/loader/dwarf/debug-file';

/** What a worker thread is given (workerData) to build an index. */
export interface IndexJob { paravirtJob: 'name-index'; path: string; cache: string; key: Uint8Array }

export type IndexState = { kind: 'cached'; pairs: number } | { kind: 'building' } | { kind: 'unavailable'; reason: string };

/** The directory of cached indexes (XDG_CACHE_HOME when set). */
export function indexDirectory(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'paravirt', 'symbols');
}

/** The build id, or for a file without one a digest of its path, size and modification time. */
export function indexKey(file: DebugFile, path: string): Uint8Array {
  const id = file.buildId();
  if (id) return id;
  const st = statSync(path);
  return new Uint8Array(createHash('sha1').update(`${path}\0${st.size}\0${st.mtimeMs}`).digest());
}

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * Uses the cached index when there is one for this build; else starts a worker that builds
 * it (when the adapter's bundle is there to run one) and installs it when done. `done` hears
 * how the build ended (for the Debug Console).
 */
export function attachNameIndex(file: DebugFile, path: string, done: (message: string) => void): { state: IndexState; stop: () => void } {
  let key: Uint8Array;
  try { key = indexKey(file, path); } catch (e) { return { state: { kind: 'unavailable', reason: (e as Error).message }, stop: () => undefined }; }
  const cache = join(indexDirectory(), `${hexOf(key)}.names`);
  try {
    const index = NameIndex.fromBytes(new Uint8Array(readFileSync(cache)), key);
    if (index) { file.useNameIndex(index); return { state: { kind: 'cached', pairs: index.size }, stop: () => undefined }; }
  } catch { /* not cached yet */ }
  const script = workerScript();
  if (!script) return { state: { kind: 'unavailable', reason: 'no adapter bundle to run the index worker from' }, stop: () => undefined };
  const t0 = performance.now();
  const job: IndexJob = { paravirtJob: 'name-index', path, cache, key };
  let worker: Worker | null = new Worker(script, { workerData: job });
  worker.unref();
  worker.on('message', (m: { bytes?: Uint8Array; error?: string }) => {
    const index = m.bytes ? NameIndex.fromBytes(m.bytes, key) : null;
    if (index) {
      file.useNameIndex(index);
      done(`symbols: function name index built in ${((performance.now() - t0) / 1000).toFixed(1)} s (${index.size} entries), cached in ${cache}\n`);
    } else done(`symbols: no function name index (${m.error ?? 'the worker sent none'}); names without a symbol are searched for instead\n`);
  });
  worker.on('error', (e) => done(`symbols: the function name index worker failed (${e.message}); names without a symbol are searched for instead\n`));
  worker.on('exit', () => { worker = null; });
  return { state: { kind: 'building' }, stop: () => { void worker?.terminate(); worker = null; } };
}

/**
 * The bundle that runs a worker (debug-adapter/main.ts answers an IndexJob off the main
 * thread): this bundle when it is the adapter's, else the adapter's beside it (the extension
 * runs the session inline from dist/extension.js). Null when running from sources.
 */
function workerScript(): string | null {
  const self = typeof __filename === 'string' ? __filename : '';
  if (!self.endsWith('.js')) return null;
  if (basename(self) === 'debug-adapter.js') return self;
  const beside = join(dirname(self), 'debug-adapter.js');
  return existsSync(beside) ? beside : null;
}

/** Writes an index where the next launch finds it (through a temporary file, so a reader never sees half of one). */
export function writeIndex(cache: string, bytes: Uint8Array): void {
  mkdirSync(dirname(cache), { recursive: true });
  const tmp = `${cache}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, cache);
}
