// The worker side of name-index-cache.ts: builds a debug file's function name index off the
// adapter's main thread (a pass over hundreds of MB of .debug_info), writes it to the cache
// and hands its bytes back.

import { parentPort } from 'node:worker_threads';
import { DebugFile } from '../emulator/loader/dwarf/debug-file';
import { FileSource } from './file-source';
import { writeIndex, type IndexJob } from './name-index-cache';

/** True when workerData is a job of ours. */
export function isIndexJob(data: unknown): data is IndexJob {
  return typeof data === 'object' && data !== null && (data as { paravirtJob?: unknown }).paravirtJob === 'name-index';
}

export function runIndexJob(job: IndexJob): void {
  let source: FileSource | null = null;
  try {
    source = new FileSource(job.path);
    const bytes = new DebugFile(source).buildNameIndex().toBytes(job.key);
    try { writeIndex(job.cache, bytes); } catch { /* a read-only cache: this session still gets the index */ }
    parentPort?.postMessage({ bytes }, [bytes.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort?.postMessage({ error: (e as Error).message });
  } finally {
    source?.close();
  }
}
