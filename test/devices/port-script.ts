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
  | { op: 'write32'; address: number; value: number }
  | { op: 'waitfor'; port: number; mask: number; want: number; label: string; compare: number };

const here = dirname(fileURLToPath(import.meta.url));
const guestDir = join(here, 'guest');
const buildDir = join(here, '..', 'guests', 'build', 'devices');

export const RAM_MIB = 64;
const WAIT_STEP = 100;
const WAIT_STEPS = 2_000_000;

/** Assemble and link guest/<name>.asm with nasm and ld when the source is newer than the build. */
export function buildGuest(name = 'port-script'): string {
  const source = join(guestDir, `${name}.asm`);
  const script = join(guestDir, 'link.ld');
  const elf = join(buildDir, `${name}.elf`);
  const newest = Math.max(statSync(source).mtimeMs, statSync(script).mtimeMs);
  if (existsSync(elf) && statSync(elf).mtimeMs >= newest) return elf;
  mkdirSync(buildDir, { recursive: true });
  // Unique intermediate names and a rename, so concurrent test runs never see a half-written file.
  const tag = `${name}.${process.pid}`;
  const obj = join(buildDir, `${tag}.o`);
  const tmp = join(buildDir, `${tag}.elf`);
  execFileSync('nasm', ['-f', 'elf32', source, '-o', obj]);
  execFileSync('ld', ['-m', 'elf_i386', '-nostdlib', '-z', 'noexecstack', '--no-warn-rwx-segments', '-T', script, '-o', tmp, obj]);
  rmSync(obj, { force: true });
  renameSync(tmp, elf);
  return elf;
}

export function encodeScript(ops: Op[]): Buffer {
  const recs: Array<[number, number, number, number]> = [];
  for (const o of ops) {
    switch (o.op) {
      case 'out': recs.push([1, o.size ?? 1, o.port, o.value >>> 0]); break;
      case 'in': recs.push([2, o.size ?? 1, o.port, 0]); break;
      case 'spin': recs.push([3, 0, 0, o.iterations]); break;
      case 'read32': recs.push([4, 4, 0, o.address >>> 0]); break;
      case 'write32': recs.push([5, 4, 0, o.address >>> 0], [0, 0, 0, o.value >>> 0]); break;
      case 'waitfor': recs.push([6, 1, o.port, ((o.mask & 0xff) << 8) | (o.want & 0xff)]); break;
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

export interface QemuRun { serial: string; debugcon: string; status: number | null }

/**
 * Boot `kernel` (multiboot) under qemu-system-i386 (TCG) with the RTC pinned to our start
 * date; COM1 and the 0xE9 console are captured to files. The status is QEMU's exit status.
 */
export function runKernelOnQemu(kernel: string, initrd?: Buffer): QemuRun {
  const dir = mkdtempSync(join(tmpdir(), 'pv-devices-'));
  try {
    const dc = join(dir, 'debugcon.txt');
    const serial = join(dir, 'serial.txt');
    const args = [
      '-M', 'pc', '-accel', 'tcg', '-m', String(RAM_MIB), '-display', 'none', '-monitor', 'none', '-no-reboot',
      '-serial', `file:${serial}`, '-debugcon', `file:${dc}`,
      '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-rtc', 'base=2000-01-01T00:00:00,clock=vm',
      '-kernel', kernel,
    ];
    if (initrd) {
      const script = join(dir, 'script.bin');
      writeFileSync(script, initrd);
      args.push('-initrd', script);
    }
    let status: number | null = 0;
    try {
      execFileSync('qemu-system-i386', args, { timeout: 60_000, stdio: 'ignore' });
    } catch (e) {
      status = (e as { status?: number | null }).status ?? null;
    }
    const read = (f: string) => (existsSync(f) ? readFileSync(f, 'latin1') : '');
    return { serial: read(serial), debugcon: read(dc), status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run the script under QEMU through the port-script guest. */
export function runQemu(ops: Op[]): Result {
  const run = runKernelOnQemu(buildGuest(), encodeScript(ops));
  if (run.status !== 1) throw new Error(`qemu did not finish through isa-debug-exit (status ${run.status})`);
  const lines = run.debugcon.split('\n').filter((l) => l.length > 0);
  return { reads: label(ops, lines.map((l) => parseInt(l, 16) >>> 0)), serial: run.serial };
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
      case 'waitfor': {
        // Poll as the guest does, letting virtual time run up to two seconds.
        let v = 0;
        for (let i = 0; i < WAIT_STEPS; i++) {
          v = r.p.portIn(o.port, 1);
          if ((v & o.mask) === o.want) break;
          r.clock.t += WAIT_STEP;
          r.p.tick();
        }
        values.push(v);
        break;
      }
    }
  }
  return { reads: label(ops, values), serial: String.fromCharCode(...r.serial) };
}

function label(ops: Op[], values: number[]): Map<string, number> {
  const m = new Map<string, number>();
  let i = 0;
  for (const o of ops) {
    if (o.op !== 'in' && o.op !== 'read32' && o.op !== 'waitfor') continue;
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
/** Poll a byte port until (value & mask) == want (bounded), then compare the bits `compare` of the value seen. */
export const waitfor = (label: string, port: number, mask: number, want: number, compare = 0xff): Op =>
  ({ op: 'waitfor', port, mask, want, label, compare });

/** Labelled reads on which the two runs disagree (after masking), as "label: qemu vs ours". */
export function disagreements(ops: Op[], q: Result, o: Result): string[] {
  const bad: string[] = [];
  for (const op of ops) {
    if (op.op !== 'in' && op.op !== 'read32' && op.op !== 'waitfor') continue;
    const m = op.op === 'waitfor' ? op.compare : (op.mask ?? 0xffffffff) >>> 0;
    const a = (q.reads.get(op.label)! & m) >>> 0, b = (o.reads.get(op.label)! & m) >>> 0;
    if (a !== b) bad.push(`${op.label}: qemu 0x${a.toString(16)} vs ours 0x${b.toString(16)}`);
  }
  return bad;
}
