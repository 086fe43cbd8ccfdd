// Assembles NASM snippets and runs them on a Machine: the shared setup of the CPU tests.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine } from '../../emulator/machine';
import type { StopReason } from '../../emulator/machine';

/** Assemble `source` with nasm -f bin; `org` sets the load address. */
export function assemble(source: string, bits: 16 | 32 = 32, org = 0x100000): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'pv-cpu-'));
  try {
    const src = join(dir, 't.asm'), out = join(dir, 't.bin');
    writeFileSync(src, `bits ${bits}\norg 0x${org.toString(16)}\n${source}\n`);
    try {
      execFileSync('nasm', ['-f', 'bin', '-o', out, src], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      const err = String((e as { stderr?: Buffer }).stderr ?? e).split('\n').filter((l) => l.includes('error')).slice(0, 5).join('\n');
      throw new Error(`nasm failed:\n${err}`);
    }
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Ran { m: Machine; stop: StopReason }

/** Run a 32-bit snippet loaded at 1 MiB, entered in flat ring-0 protected mode with ESP = 0x90000. */
export function runFlat(source: string, budget = 1_000_000, memoryMiB = 16): Ran {
  const code = assemble(source, 32, 0x100000);
  const m = new Machine({ mode: 'hvm', memoryMiB });
  m.load({ memory: [{ paddr: 0x100000, bytes: code }], entry: { kind: 'flat32', eip: 0x100000, regs: { esp: 0x90000 } }, description: 'test' });
  const stop = m.run(budget);
  return { m, stop };
}

/** Run a 16-bit real-mode snippet loaded at 0000:7C00 with SS:SP = 0000:7000. */
export function runReal(source: string, budget = 1_000_000): Ran {
  const code = assemble(source, 16, 0x7c00);
  const m = new Machine({ mode: 'hvm', memoryMiB: 4 });
  m.load({ memory: [{ paddr: 0x7c00, bytes: code }], entry: { kind: 'real', cs: 0, ip: 0x7c00, ss: 0, sp: 0x7000 }, description: 'test' });
  const stop = m.run(budget);
  return { m, stop };
}

export function u32(m: Machine, phys: number): number {
  const b = m.readPhysical(phys, 4);
  return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
}

import { kernelSource, R_VEC, R_ERR, R_EIP, R_CR2, R_COUNT, R_CS, R_ESP, R_SCRATCH } from './kernel-prelude';
export { R_VEC, R_ERR, R_EIP, R_CR2, R_COUNT, R_CS, R_ESP, R_SCRATCH };

/** Run `body` inside the test kernel (ring 0, flat, IDT stubs recording faults). */
export function runKernel(body: string, data = '', budget = 2_000_000): Ran {
  return runFlat(kernelSource(body, data), budget);
}

/** Physical address of a label, found from the assembled listing-free way: body stores it. */
export function s32(m: Machine, phys: number): number {
  return u32(m, phys) | 0;
}
