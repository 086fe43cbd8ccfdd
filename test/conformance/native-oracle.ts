// Builds and drives the native ALU oracle (native/alu-oracle.c): one process per batch, cases
// in on stdin, results out on stdout, as fixed-size binary records.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WINDOW_SIZE, type AluCase } from './alu-cases';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, 'native', 'alu-oracle.c');
const BINARY = join(HERE, 'build', 'alu-oracle');
const CASE_SIZE = 52 + WINDOW_SIZE;
const RESULT_SIZE = 40 + WINDOW_SIZE;
export const NO_FAULT = 0xffffffff;

export interface Outcome {
  regs: Uint32Array;     // EAX..EDI after (ESP not meaningful)
  eflags: number;
  fault: number;         // exception vector, or NO_FAULT
  window: Uint8Array;    // the memory window after
}

/** Compiles the oracle with gcc -m32 when it is missing or older than its source. */
export function buildOracle(): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return BINARY;
  mkdirSync(dirname(BINARY), { recursive: true });
  // Test files run in parallel and may both build it: each builds its own file and renames
  // it into place, which is atomic.
  const tmp = `${BINARY}.${process.pid}`;
  const res = spawnSync('gcc', ['-m32', '-O2', '-Wall', '-o', tmp, SOURCE], { encoding: 'utf8' });
  if (res.error) throw new Error(`cannot run gcc to build the ALU oracle: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`gcc -m32 failed to build the ALU oracle (is gcc-multilib installed?):\n${res.stderr}`);
  renameSync(tmp, BINARY);
  return BINARY;
}

/** Runs every case on the host CPU. */
export function runOnHost(cases: readonly AluCase[]): Outcome[] {
  const binary = buildOracle();
  const input = Buffer.alloc(cases.length * CASE_SIZE);
  cases.forEach((c, i) => {
    const o = i * CASE_SIZE;
    for (let r = 0; r < 8; r++) input.writeUInt32LE(c.regs[r] >>> 0, o + r * 4);
    input.writeUInt32LE(c.eflags >>> 0, o + 32);
    if (c.bytes.length < 1 || c.bytes.length > 15) throw new Error(`case '${c.name}' has ${c.bytes.length} bytes`);
    input[o + 36] = c.bytes.length;
    input.set(c.bytes, o + 37);
    input.set(c.window, o + 52);
  });
  const res = spawnSync(binary, [], { input, maxBuffer: cases.length * RESULT_SIZE + 1024, timeout: 120_000 });
  if (res.error) throw new Error(`ALU oracle failed: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`ALU oracle exited with ${res.status} ${res.signal ?? ''}: ${res.stderr.toString()}`);
  const out = res.stdout;
  if (out.length !== cases.length * RESULT_SIZE) {
    throw new Error(`ALU oracle returned ${out.length} bytes for ${cases.length} cases`);
  }
  const results: Outcome[] = [];
  for (let i = 0; i < cases.length; i++) {
    const o = i * RESULT_SIZE;
    const regs = new Uint32Array(8);
    for (let r = 0; r < 8; r++) regs[r] = out.readUInt32LE(o + r * 4);
    const window = Uint8Array.from(out.subarray(o + 40, o + 40 + WINDOW_SIZE));
    results.push({ regs, eflags: out.readUInt32LE(o + 32), fault: out.readUInt32LE(o + 36), window });
  }
  return results;
}
