// Every way an image can be malformed that the loader promises to name precisely: each case
// patches one field of a valid image built from source and expects an ImageError saying what
// and where, never a host exception.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ImageError, loadImage } from '../../emulator/loader/index';
import type { LoadOptions } from '../../emulator/loader/index';
import { FixtureBuilder, FIXTURES } from './build-fixtures';

const fx = new FixtureBuilder('malformed');
const MiB = 0x100000;
const opts: LoadOptions = { ramBytes: 16 * MiB };

// ELF32 layout (System V ABI): header field offsets, program header field offsets.
const E = { class: 4, data: 5, type: 16, machine: 18, entry: 24, phoff: 28, shoff: 32, phentsize: 42, phnum: 44, shnum: 48 };
const P = { type: 0, offset: 4, vaddr: 8, paddr: 12, filesz: 16, memsz: 20 };

function patched(bytes: Uint8Array, edit: (v: DataView, phdr: (i: number) => number) => void): Uint8Array {
  const copy = bytes.slice();
  const v = new DataView(copy.buffer);
  const phoff = v.getUint32(E.phoff, true);
  const phentsize = v.getUint16(E.phentsize, true);
  edit(v, (i) => phoff + i * phentsize);
  return copy;
}

function loadIndices(bytes: Uint8Array): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  const out: number[] = [];
  for (let i = 0; i < v.getUint16(E.phnum, true); i++) {
    if (v.getUint32(v.getUint32(E.phoff, true) + i * v.getUint16(E.phentsize, true), true) === 1) out.push(i);
  }
  return out;
}

function expectImageError(bytes: Uint8Array, re: RegExp, o: LoadOptions = opts, where?: { field?: RegExp; offset?: number }): void {
  let caught: unknown;
  try { loadImage(bytes, o); } catch (e) { caught = e; }
  assert.ok(caught instanceof ImageError, `expected ImageError matching ${re}, got ${caught === undefined ? 'a plan' : String(caught)}`);
  assert.match(caught.message, re);
  if (where?.field) assert.match(caught.field ?? '', where.field);
  if (where?.offset !== undefined) assert.equal(caught.offset, where.offset);
}

test('ELF header: truncated, wrong class, endianness, version, machine, type', () => {
  const elf = fx.plainElf().bytes;
  expectImageError(elf.slice(0, 40), /ELF header extends past the end/);
  // An i386 file relabelled ELFCLASS64 is read with the 64-bit layout: its machine is then wrong.
  expectImageError(patched(elf, (v) => v.setUint8(E.class, 2)), /unsupported machine 3 \(an i386 machine in a 64-bit ELF\)/, opts, { field: /e_machine/, offset: 18 });
  expectImageError(patched(elf, (v) => v.setUint8(E.class, 3)), /unknown class 3/, opts, { field: /EI_CLASS/, offset: 4 });
  expectImageError(patched(elf, (v) => v.setUint8(E.data, 2)), /little-endian/, opts, { field: /EI_DATA/ });
  expectImageError(patched(elf, (v) => v.setUint8(6, 0)), /ident version/);
  expectImageError(patched(elf, (v) => v.setUint16(E.machine, 62, true)), /unsupported machine 62/, opts, { field: /e_machine/, offset: 18 });
  const obj = join(fx.dir, 'plain-object.o');
  execFileSync('nasm', ['-f', 'elf32', '-o', obj, join(FIXTURES, 'plain.asm')]);
  expectImageError(new Uint8Array(readFileSync(obj)), /ET_REL.*not an executable/, opts, { field: /e_type/ });
  expectImageError(patched(elf, (v) => v.setUint16(E.type, 3, true)), /ET_DYN/);
});

test('program and section header tables out of range', () => {
  const elf = fx.plainElf().bytes;
  expectImageError(patched(elf, (v) => v.setUint32(E.phoff, elf.length - 8, true)), /program header table .* extends past the end/, opts, { field: /e_phoff/ });
  expectImageError(patched(elf, (v) => v.setUint16(E.phnum, 0xffff, true)), /program header table/);
  expectImageError(patched(elf, (v) => v.setUint16(E.phentsize, 16, true)), /smaller than Elf32_Phdr/);
  expectImageError(patched(elf, (v) => v.setUint32(E.shoff, 0xfffffff0, true)), /section header table .* extends past the end/, opts, { field: /e_shoff/ });
  expectImageError(patched(elf, (v) => v.setUint16(E.phnum, 0, true)), /no program headers/);
});

test('segments: none loadable, filesz > memsz, data outside the file, overlap, beyond RAM, wrap, huge memsz, entry outside', () => {
  const elf = fx.plainElf().bytes;
  const loads = loadIndices(elf);
  assert.ok(loads.length >= 2, 'fixture has code and data segments');
  const [a, b] = loads;
  expectImageError(patched(elf, (v, ph) => loads.forEach((i) => v.setUint32(ph(i) + P.type, 0, true))), /no PT_LOAD segments/);
  expectImageError(patched(elf, (v, ph) => v.setUint32(ph(a) + P.filesz, v.getUint32(ph(a) + P.memsz, true) + 1, true)),
    new RegExp(`segment ${a}: p_filesz 0x[0-9a-f]+ is larger than p_memsz`), opts, { field: /p_filesz/ });
  expectImageError(patched(elf, (v, ph) => v.setUint32(ph(b) + P.offset, elf.length - 2, true)), new RegExp(`segment ${b}: file data .* lies outside the ${elf.length}-byte file`));
  expectImageError(patched(elf, (v, ph) => v.setUint32(ph(b) + P.paddr, v.getUint32(ph(a) + P.paddr, true) + 1, true)), /overlaps segment/);
  expectImageError(elf, /does not fit in guest RAM \(2097152 bytes = 2 MiB\)/, { ramBytes: 2 * MiB });
  expectImageError(patched(elf, (v, ph) => { v.setUint32(ph(b) + P.paddr, 0xfffff000, true); v.setUint32(ph(b) + P.memsz, 0x2000, true); }), /wraps past 4 GiB/);
  expectImageError(patched(elf, (v, ph) => v.setUint32(ph(b) + P.memsz, 0xf0000000, true)), /does not fit in guest RAM/);
  expectImageError(patched(elf, (v, ph) => { v.setUint32(ph(b) + P.paddr, 0xa0000, true); }), /overlaps the VGA\/ROM area/);
  expectImageError(patched(elf, (v) => v.setUint32(E.entry, 0x10, true)), /entry point 0x10 is not inside any loaded segment/);
});

function mbHeaderOffset(bytes: Uint8Array): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  for (let o = 0; o < 8192; o += 4) if (v.getUint32(o, true) === 0x1badb002) return o;
  throw new Error('no header');
}

test('multiboot header: bad checksum, unknown required flag, truncated', () => {
  const elf = fx.mbElf().bytes;
  const at = mbHeaderOffset(elf);
  expectImageError(patched(elf, (v) => v.setUint32(at + 8, v.getUint32(at + 8, true) + 1, true)), /bad checksum .*expected 0xe4524ffb/, opts, { field: /multiboot checksum/, offset: at + 8 });
  const flags = 0x3 | 1 << 3;
  expectImageError(patched(elf, (v) => { v.setUint32(at + 4, flags, true); v.setUint32(at + 8, (-(0x1badb002 + flags)) >>> 0, true); }), /requires features this loader does not provide \(flag bits 0x8/);
  const tail = new Uint8Array(64);
  new DataView(tail.buffer).setUint32(56, 0x1badb002, true);
  expectImageError(tail.subarray(0, 60), /truncated/);
  const k = fx.mbKludge().bytes;
  expectImageError(k.slice(0, 20), /file ends before its address fields/);
});

test('multiboot address fields inconsistent with each other or the file', () => {
  const k = fx.mbKludge({ pad: 64 }).bytes;
  const at = mbHeaderOffset(k);
  const F = { header: at + 12, load: at + 16, loadEnd: at + 20, bssEnd: at + 24, entry: at + 28 };
  const get = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o, true);
  const headerAddr = get(k, F.header);
  expectImageError(patched(k, (v) => v.setUint32(F.load, headerAddr + 4, true)), /load_addr 0x[0-9a-f]+ is above header_addr/, opts, { field: /load_addr/ });
  expectImageError(patched(k, (v) => v.setUint32(F.load, headerAddr - at - 4, true)), /the load would start before the file/, opts, { field: /header_addr/ });
  expectImageError(patched(k, (v) => v.setUint32(F.loadEnd, get(k, F.loadEnd) + 0x1000, true)), /load_end_addr .* but the file has only/, opts, { field: /load_end_addr/ });
  expectImageError(patched(k, (v) => v.setUint32(F.loadEnd, headerAddr, true)), /not above header_addr/);
  expectImageError(patched(k, (v) => v.setUint32(F.bssEnd, get(k, F.loadEnd) - 4, true)), /bss_end_addr .* is below the end of the loaded data/);
  expectImageError(patched(k, (v) => v.setUint32(F.entry, get(k, F.bssEnd) + 0x100, true)), /entry_addr .* is outside the loaded image/);
  expectImageError(patched(k, (v) => v.setUint32(F.bssEnd, 0xfffffff0, true)), /multiboot load area .*(does not fit|wraps)/);
  // no address flag and not ELF: nowhere to put it
  const flat = patched(k, (v) => { v.setUint32(at + 4, 0, true); v.setUint32(at + 8, (-0x1badb002) >>> 0, true); });
  expectImageError(flat, /does not set the address flag \(bit 16\) and the file is not ELF/);
});

test('command line with a NUL byte and an oversized command line are refused', () => {
  const elf = fx.mbElf().bytes;
  expectImageError(elf, /command line contains a NUL/, { ramBytes: 4 * MiB, cmdline: 'a\0b' });
  expectImageError(elf, /command line is \d+ bytes; the limit is 65536/, { ramBytes: 4 * MiB, cmdline: 'x'.repeat(70000) });
});
