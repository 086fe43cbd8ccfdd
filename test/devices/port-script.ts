// Replays one sequence of port and MMIO accesses on QEMU (through the port-script guest)
// and on our platform, so each model can be checked against QEMU's for the same accesses.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rig } from './harness';

export type Op =
  | { op: 'out'; port: number; size?: 1 | 2 | 4; value: number }
  | { op: 'in'; port: number; size?: 1 | 2 | 4; label: string; mask?: number }
  | { op: 'spin'; iterations: number }
  | { op: 'read32'; address: number; label: string; mask?: number }
  | { op: 'write32'; address: number; value: number };

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'guest', 'port-script.asm');
const buildDir = join(here, '..', 'guests', 'build', 'devices');
const elf = join(buildDir, 'port-script.elf');

export const RAM_MIB = 64;

/** Assemble and link the guest with nasm and ld when the source is newer than the build. */
export function buildGuest(): string {
  if (existsSync(elf) && statSync(elf).mtimeMs >= statSync(source).mtimeMs) return elf;
  mkdirSync(buildDir, { recursive: true });
  // Unique intermediate names and a rename, so concurrent test runs never see a half-written file.
  const tag = `${process.pid}`;
  const obj = join(buildDir, `port-script.${tag}.o`);
  const tmp = join(buildDir, `port-script.${tag}.elf`);
  execFileSync('nasm', ['-f', 'elf32', source, '-o', obj]);
  execFileSync('ld', ['-m', 'elf_i386', '-Ttext', '0x100000', '-o', tmp, obj]);
  rmSync(obj, { force: true });
  renameSync(tmp, elf);
  return elf;
}

function encode(ops: Op[]): Buffer {
  const recs: Array<[number, number, number, number]> = [];
  for (const o of ops) {
    switch (o.op) {
      case 'out': recs.push([1, o.size ?? 1, o.port, o.value >>> 0]); break;
      case 'in': recs.push([2, o.size ?? 1, o.port, 0]); break;
      case 'spin': recs.push([3, 0, 0, o.iterations]); break;
      case 'read32': recs.push([4, 4, 0, o.address >>> 0]); break;
      case 'write32': recs.push([5, 4, 0, o.address >>> 0], [0, 0, 0, o.value >>> 0]); break;
    }
  }
  recs.push([0, 0, 0, 0]);
  const buf = Buffer.alloc(recs.length * 8);
  recs.forEach(([op, size, port, value], i) => {
    buf.writeUInt8(op, i * 8); buf.writeUInt8(size, i * 8 + 1);
    buf.writeUInt16LE(port, i * 8 + 2); buf.writeUInt32LE(value, i * 8 + 4);
  });
  return buf;
}

export interface Result { reads: Map<string, number>; serial: string }

/** Run the script under qemu-system-i386 (TCG) with the RTC pinned to our start date. */
export function runQemu(ops: Op[]): Result {
  const kernel = buildGuest();
  const dir = mkdtempSync(join(tmpdir(), 'pv-devices-'));
  try {
    const script = join(dir, 'script.bin');
    writeFileSync(script, encode(ops));
    const dc = join(dir, 'debugcon.txt');
    const serial = join(dir, 'serial.txt');
    try {
      execFileSync('qemu-system-i386', [
        '-M', 'pc', '-accel', 'tcg', '-m', String(RAM_MIB), '-display', 'none', '-monitor', 'none',
        '-serial', `file:${serial}`, '-debugcon', `file:${dc}`,
        '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-rtc', 'base=2000-01-01T00:00:00,clock=vm',
        '-kernel', kernel, '-initrd', script,
      ], { timeout: 30_000, stdio: 'ignore' });
    } catch (e) {
      const status = (e as { status?: number }).status;
      if (status !== 1) throw new Error(`qemu did not finish through isa-debug-exit (status ${status})`);
    }
    const lines = readFileSync(dc, 'latin1').split('\n').filter((l) => l.length > 0);
    return { reads: label(ops, lines.map((l) => parseInt(l, 16) >>> 0)), serial: existsSync(serial) ? readFileSync(serial, 'latin1') : '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run the same script on our platform; a spin advances time by its two instructions per iteration. */
export function runOurs(ops: Op[]): Result {
  const r = rig(RAM_MIB * 1024 * 1024);
  const apic = r.p.mmio[0];
  const values: number[] = [];
  r.clock.t = 1000;
  for (const o of ops) {
    r.clock.t += 1;
    r.p.tick();
    switch (o.op) {
      case 'out': r.p.portOut(o.port, o.size ?? 1, o.value >>> 0); break;
      case 'in': values.push(r.p.portIn(o.port, o.size ?? 1) >>> 0); break;
      case 'spin': r.clock.t += 2 * o.iterations; r.p.tick(); break;
      case 'read32': values.push(apic.handler.read(o.address - apic.base, 4) >>> 0); break;
      case 'write32': apic.handler.write(o.address - apic.base, 4, o.value >>> 0); break;
    }
  }
  return { reads: label(ops, values), serial: String.fromCharCode(...r.serial) };
}

function label(ops: Op[], values: number[]): Map<string, number> {
  const m = new Map<string, number>();
  let i = 0;
  for (const o of ops) {
    if (o.op !== 'in' && o.op !== 'read32') continue;
    if (m.has(o.label)) throw new Error(`duplicate label ${o.label}`);
    m.set(o.label, values[i++]);
  }
  if (i !== values.length) throw new Error(`expected ${i} reads, got ${values.length}`);
  return m;
}

/** Helpers for writing scripts. */
export const out = (port: number, value: number, size: 1 | 2 | 4 = 1): Op => ({ op: 'out', port, value, size });
/** A read to compare; `mask` keeps only the bits that do not depend on host timing. */
export const inp = (label: string, port: number, size: 1 | 2 | 4 = 1, mask = 0xffffffff): Op => ({ op: 'in', port, size, label, mask });
export const rd = (label: string, address: number, mask = 0xffffffff): Op => ({ op: 'read32', address, label, mask });
export const wr = (address: number, value: number): Op => ({ op: 'write32', address, value });
export const spin = (iterations: number): Op => ({ op: 'spin', iterations });

/** Labelled reads on which the two runs disagree (after masking), as "label: qemu vs ours". */
export function disagreements(ops: Op[], q: Result, o: Result): string[] {
  const bad: string[] = [];
  for (const op of ops) {
    if (op.op !== 'in' && op.op !== 'read32') continue;
    const m = (op.mask ?? 0xffffffff) >>> 0;
    const a = (q.reads.get(op.label)! & m) >>> 0, b = (o.reads.get(op.label)! & m) >>> 0;
    if (a !== b) bad.push(`${op.label}: qemu 0x${a.toString(16)} vs ours 0x${b.toString(16)}`);
  }
  return bad;
}
