// Builds and drives the 64-bit host oracle (native/exec64-oracle.c): one process per batch,
// cases in on stdin, results out on stdout as fixed-size binary records.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE_MAX, WINDOW, type Case64 } from './cases64';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, 'native', 'exec64-oracle.c');
const BINARY = join(HERE, 'build', 'exec64-oracle');
const CASE_SIZE = 16 * 8 + 8 + 4 + 4 + 256 + CODE_MAX + 2 * WINDOW;
const RESULT_SIZE = 16 * 8 + 8 + 4 + 4 + 256 + 2 * WINDOW;
export const NO_FAULT = 0xffffffff;

export interface Outcome64 {
  lo: Int32Array;
  hi: Int32Array;
  rflags: number;
  mxcsr: number;
  fault: number;         // vector, or NO_FAULT
  xmm: Uint8Array;
  near: Uint8Array;
  far: Uint8Array;
}

export function buildOracle64(): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return BINARY;
  mkdirSync(dirname(BINARY), { recursive: true });
  const tmp = `${BINARY}.${process.pid}`;
  const res = spawnSync('gcc', ['-m64', '-O2', '-Wall', '-o', tmp, SOURCE], { encoding: 'utf8' });
  if (res.error) throw new Error(`cannot run gcc to build the 64-bit oracle: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`gcc -m64 failed to build the 64-bit oracle:\n${res.stderr}`);
  renameSync(tmp, BINARY);
  return BINARY;
}

export function runOnHost64(cases: readonly Case64[]): Outcome64[] {
  const binary = buildOracle64();
  const input = Buffer.alloc(cases.length * CASE_SIZE);
  cases.forEach((c, i) => {
    let o = i * CASE_SIZE;
    for (let r = 0; r < 16; r++) { input.writeInt32LE(c.lo[r], o); input.writeInt32LE(c.hi[r], o + 4); o += 8; }
    input.writeUInt32LE(c.rflags >>> 0, o); input.writeUInt32LE(0, o + 4); o += 8;
    input.writeUInt32LE(c.mxcsr >>> 0, o); o += 4;
    if (c.code.length > CODE_MAX - 5) throw new Error(`case of ${c.code.length} bytes`);
    input.writeUInt32LE(c.code.length, o); o += 4;
    input.set(c.xmm, o); o += 256;
    input.set(c.code, o); o += CODE_MAX;
    input.set(c.near, o); o += WINDOW;
    input.set(c.far, o);
  });
  const res = spawnSync(binary, [], { input, maxBuffer: cases.length * RESULT_SIZE + 1024, timeout: 300_000 });
  if (res.error) throw new Error(`64-bit oracle failed: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`64-bit oracle exited with ${res.status} ${res.signal ?? ''}: ${res.stderr.toString()}`);
  const out = res.stdout;
  if (out.length !== cases.length * RESULT_SIZE) throw new Error(`64-bit oracle returned ${out.length} bytes for ${cases.length} cases`);
  const results: Outcome64[] = [];
  for (let i = 0; i < cases.length; i++) {
    let o = i * RESULT_SIZE;
    const lo = new Int32Array(16), hi = new Int32Array(16);
    for (let r = 0; r < 16; r++) { lo[r] = out.readInt32LE(o); hi[r] = out.readInt32LE(o + 4); o += 8; }
    const rflags = out.readUInt32LE(o); o += 8;
    const mxcsr = out.readUInt32LE(o); o += 4;
    const fault = out.readUInt32LE(o); o += 4;
    const xmm = Uint8Array.from(out.subarray(o, o + 256)); o += 256;
    const near = Uint8Array.from(out.subarray(o, o + WINDOW)); o += WINDOW;
    const far = Uint8Array.from(out.subarray(o, o + WINDOW));
    results.push({ lo, hi, rflags, mxcsr, fault, xmm, near, far });
  }
  return results;
}
