// The SSE comparison: each case runs on the host CPU (native/sse-oracle.c, gcc -m32) and on
// our Machine (flat 32-bit ring 0, CR4.OSFXSR and OSXMMEXCPT set as an SSE-aware kernel sets
// them); XMM0-XMM7, MXCSR, the general registers, the status flags, the memory window and
// the exception raised are compared. Nothing is masked but the destination of the
// approximations RCPPS/RCPSS/RSQRTPS/RSQRTSS, whose value the SDM leaves to the
// implementation (it is checked against the SDM's error bound instead).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Machine } from '../../emulator/machine';
import { REG_NAMES, WINDOW_ADDR, WINDOW_SIZE } from './alu-cases';
import { flagNames } from './alu-conformance';
import { hex } from './decoder-conformance';
import { prepareFlat32, stepOne } from './flat32-harness';
import { Rng } from './random';
import { generateSseCase, type SseCase, type SseFamily } from './sse-cases';
import { STATUS_FLAGS } from './undefined-flags';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, 'native', 'sse-oracle.c');
const BINARY = join(HERE, 'build', 'sse-oracle');
const CASE_SIZE = 128 + 4 + 32 + 4 + 16 + WINDOW_SIZE;
const RESULT_SIZE = 128 + 4 + 32 + 4 + 4 + WINDOW_SIZE;
const NO_FAULT = 0xffffffff;
const BATCH = 20000;

export interface SseOutcome { xmm: Uint8Array; mxcsr: number; regs: Uint32Array; eflags: number; fault: number; window: Uint8Array }

export function buildSseOracle(): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return BINARY;
  mkdirSync(dirname(BINARY), { recursive: true });
  const tmp = `${BINARY}.${process.pid}`;
  const res = spawnSync('gcc', ['-m32', '-O2', '-Wall', '-o', tmp, SOURCE], { encoding: 'utf8' });
  if (res.error) throw new Error(`cannot run gcc to build the SSE oracle: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`gcc -m32 failed to build the SSE oracle (is gcc-multilib installed?):\n${res.stderr}`);
  renameSync(tmp, BINARY);
  return BINARY;
}

export function runSseOnHost(cases: readonly SseCase[]): SseOutcome[] {
  const input = Buffer.alloc(cases.length * CASE_SIZE);
  cases.forEach((c, i) => {
    const o = i * CASE_SIZE;
    input.set(c.xmm, o);
    input.writeUInt32LE(c.mxcsr >>> 0, o + 128);
    for (let r = 0; r < 8; r++) input.writeUInt32LE(c.regs[r] >>> 0, o + 132 + r * 4);
    input.writeUInt32LE(c.eflags >>> 0, o + 164);
    input[o + 168] = c.bytes.length;
    input.set(c.bytes, o + 169);
    input.set(c.window, o + 184);
  });
  const res = spawnSync(buildSseOracle(), [], { input, maxBuffer: cases.length * RESULT_SIZE + 1024, timeout: 120_000 });
  if (res.error) throw new Error(`SSE oracle failed: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`SSE oracle exited with ${res.status} ${res.signal ?? ''}: ${res.stderr.toString()}`);
  const out = res.stdout;
  if (out.length !== cases.length * RESULT_SIZE) throw new Error(`SSE oracle returned ${out.length} bytes for ${cases.length} cases`);
  return cases.map((_, i) => {
    const o = i * RESULT_SIZE;
    const regs = new Uint32Array(8);
    for (let r = 0; r < 8; r++) regs[r] = out.readUInt32LE(o + 132 + r * 4);
    return {
      xmm: Uint8Array.from(out.subarray(o, o + 128)), mxcsr: out.readUInt32LE(o + 128), regs,
      eflags: out.readUInt32LE(o + 164), fault: out.readUInt32LE(o + 168), window: Uint8Array.from(out.subarray(o + 172, o + 172 + WINDOW_SIZE)),
    };
  });
}

/** A flat ring-0 machine with SSE enabled as an SSE-aware kernel enables it. */
export function prepareSseMachine(machine: Machine): void {
  prepareFlat32(machine);
  machine.setRegister('cr4', machine.getRegisters().cr4 | 0x600);
}

export function runSseOnEmulator(machine: Machine, c: SseCase): SseOutcome {
  machine.writePhysical(WINDOW_ADDR, c.window);
  machine.cpu.sse.registers().set(c.xmm);
  machine.cpu.sse.mxcsr = c.mxcsr;
  const s = stepOne(machine, c.bytes, c.regs, c.eflags);
  return {
    xmm: machine.cpu.sse.registers().slice(), mxcsr: machine.cpu.sse.mxcsr, regs: s.regs, eflags: s.eflags,
    fault: s.fault === -1 ? NO_FAULT : s.fault, window: machine.readPhysical(WINDOW_ADDR, WINDOW_SIZE),
  };
}

const F32 = new Float32Array(1);
/** RCPxS/RSQRTxS: ours within the SDM's bound of the host's (both within 1.5 * 2^-12 of the true value). */
function approxClose(c: SseCase, host: Uint8Array, ours: Uint8Array): boolean {
  const r = c.undefinedXmm, h = new DataView(host.buffer), o = new DataView(ours.buffer);
  for (let k = 0; k < 4; k++) {
    const a = h.getFloat32(r * 16 + k * 4, true), b = o.getFloat32(r * 16 + k * 4, true);
    if (a === b || (a !== a && b !== b)) continue;
    F32[0] = a;
    if (!(Math.abs(a - b) <= Math.abs(a) * 3 * 2 ** -12)) return false;
  }
  return true;
}

export function compareSse(c: SseCase, host: SseOutcome, ours: SseOutcome): string | null {
  if (host.fault !== NO_FAULT || ours.fault !== NO_FAULT) {
    return host.fault === ours.fault ? null : `exception: host ${host.fault === NO_FAULT ? 'none' : '#' + host.fault}, ours ${ours.fault === NO_FAULT ? 'none' : '#' + ours.fault}`;
  }
  const diffs: string[] = [];
  for (let r = 0; r < 8; r++) {
    const a = hex(host.xmm.subarray(r * 16, r * 16 + 16)), b = hex(ours.xmm.subarray(r * 16, r * 16 + 16));
    if (a === b) continue;
    if (r === c.undefinedXmm && approxClose(c, host.xmm, ours.xmm)) continue;
    diffs.push(`xmm${r} host ${a} ours ${b}`);
  }
  if (host.mxcsr !== ours.mxcsr) diffs.push(`mxcsr host ${host.mxcsr.toString(16)} ours ${ours.mxcsr.toString(16)}`);
  for (let r = 0; r < 8; r++) if (r !== 4 && host.regs[r] !== ours.regs[r]) diffs.push(`${REG_NAMES[r]} host ${host.regs[r].toString(16)} ours ${ours.regs[r].toString(16)}`);
  if ((host.eflags & STATUS_FLAGS) !== (ours.eflags & STATUS_FLAGS)) diffs.push(`flags host ${flagNames(host.eflags & STATUS_FLAGS)} ours ${flagNames(ours.eflags & STATUS_FLAGS)}`);
  for (let i = 0; i < WINDOW_SIZE; i++) {
    if (host.window[i] !== ours.window[i]) { diffs.push(`memory at +${i}: host ${host.window[i].toString(16)} ours ${ours.window[i].toString(16)}`); break; }
  }
  return diffs.length ? diffs.join('; ') : null;
}

export interface SseResult { family: SseFamily; checked: number; agreed: number; faulted: number; disagreed: number; byForm: Map<string, [number, number]>; samples: string[] }

export function runSseConformance(createMachine: () => Machine, family: SseFamily, count: number, seed: number): SseResult {
  const rng = new Rng(seed ^ family.length * 0x9e3779b9);
  const result: SseResult = { family, checked: 0, agreed: 0, faulted: 0, disagreed: 0, byForm: new Map(), samples: [] };
  let machine = createMachine();
  prepareSseMachine(machine);
  for (let start = 0; start < count; start += BATCH) {
    const cases: SseCase[] = [];
    for (let i = 0; i < Math.min(BATCH, count - start); i++) cases.push(generateSseCase(rng, family));
    const host = runSseOnHost(cases);
    cases.forEach((c, i) => {
      let problem: string | null;
      try {
        problem = compareSse(c, host[i], runSseOnEmulator(machine, c));
      } catch (e) {
        problem = `host exception: ${(e as Error).stack ?? e}`;
        machine = createMachine();
        prepareSseMachine(machine);
      }
      const form = result.byForm.get(c.name) ?? [0, 0];
      result.byForm.set(c.name, form);
      form[0]++;
      result.checked++;
      if (problem === null) { result.agreed++; if (host[i].fault !== NO_FAULT) result.faulted++; return; }
      result.disagreed++;
      if (form[1]++ < 2 && result.samples.length < 60) {
        result.samples.push(`${c.name} [${hex(c.bytes)}] mxcsr=${c.mxcsr.toString(16)} xmm=${hex(c.xmm)} regs=${Array.from(c.regs, (v) => v.toString(16)).join(',')} mem=${hex(c.window.subarray(64, 96))}: ${problem}`);
      }
    });
  }
  return result;
}

export function describeSseResult(r: SseResult): string {
  const lines = [`SSE ${r.family} vs host CPU: ${r.checked} cases, ${r.agreed} agreed (${r.faulted} both faulted), ${r.disagreed} disagreed, ${r.byForm.size} forms`];
  const bad = [...r.byForm].filter(([, v]) => v[1] > 0).sort((a, b) => b[1][1] - a[1][1]);
  if (bad.length) lines.push('  disagreeing forms: ' + bad.slice(0, 40).map(([n, v]) => `${n} ${v[1]}/${v[0]}`).join(', '));
  for (const s of r.samples.slice(0, 30)) lines.push('    ' + s);
  return lines.join('\n');
}
