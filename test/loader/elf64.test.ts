// ELF64 against binutils: a higher-half x86-64 kernel built by nasm, gcc -m64 and ld is read
// by the loader and by readelf, and every header field, program header, section and symbol
// must agree, the 64-bit higher-half addresses exactly (compared as 64-bit integers).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ImageError, loadImage, readImage } from '../../emulator/loader/index';
import { FixtureBuilder } from './build-fixtures';

const fx = new FixtureBuilder('elf64');
const MiB = 0x100000;
const u64 = (n: number) => BigInt.asUintN(64, BigInt(n));
const big = (hex: string) => BigInt('0x' + hex);
const readelf = (args: string[], path: string) => execFileSync('readelf', ['-W', ...args, path], { encoding: 'utf8' });

test('ELF64 headers, segments and sections agree with readelf, higher-half addresses exactly', () => {
  const { path, bytes } = fx.higherHalf64();
  const elf = readImage(bytes);
  assert.equal(elf.format, 'elf');
  if (elf.format !== 'elf') return;
  const f = elf.elf();
  assert.equal(f.class, 64);
  assert.equal(u64(f.header.entry), big(/Entry point address:\s+0x([0-9a-f]+)/.exec(readelf(['-h'], path))![1]));
  assert.ok(f.header.entry < 0, 'a higher-half entry is a negative (sign-extended) number');

  const phdrs = readelf(['-l'], path).split('\n').map((l) => /^\s+(LOAD)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)/.exec(l)).filter((m) => m !== null);
  const ours = f.programHeaders.filter((p) => p.type === 1);
  assert.ok(phdrs.length >= 2);
  assert.deepEqual(ours.map((p) => [p.offset, u64(p.vaddr), u64(p.paddr), p.filesz, p.memsz]),
    phdrs.map((m) => [parseInt(m![2], 16), big(m![3]), big(m![4]), parseInt(m![5], 16), parseInt(m![6], 16)]));

  const secs = readelf(['-S'], path).split('\n').map((l) => /^\s+\[\s*(\d+)\]\s+(\S+)\s+[A-Z_]+\s+([0-9a-f]{16})\s+([0-9a-f]{6,})\s+([0-9a-f]{6,})\s/.exec(l)).filter((m) => m !== null);
  assert.ok(secs.length >= 5);
  for (const m of secs) {
    const s: { name: string; addr: number; offset: number; size: number } = f.sections[Number(m![1])];
    assert.deepEqual([s.name, u64(s.addr), s.offset, s.size], [m![2], big(m![3]), parseInt(m![4], 16), parseInt(m![5], 16)], `section ${m![1]}`);
  }

  const syms = readelf(['-s'], path).split('\n').map((l) => /^\s+\d+:\s+([0-9a-f]{16})\s+(\d+)\s+(\w+)\s+(\w+)\s+\w+\s+(\w+)\s+(\S+)$/.exec(l)).filter((m) => m !== null);
  const byName = new Map(elf.symbols().map((s) => [s.name, s]));
  for (const name of ['_start', 'kmain', 'hh_counter', 'hh_buffer', 'stack_top']) {
    const m = syms.find((x) => x![6] === name);
    assert.ok(m, `readelf lists ${name}`);
    const s = byName.get(name)!;
    assert.equal(u64(s.value), big(m![1]), `${name} value`);
    assert.equal(s.size, Number(m![2]), `${name} size`);
  }
});

test('an ELF64 higher-half kernel loads at its physical addresses and enters at the physical e_entry', () => {
  const { bytes } = fx.higherHalf64();
  const plan = loadImage(bytes, { ramBytes: 16 * MiB, format: 'elf' });
  const image = readImage(bytes);
  if (image.format !== 'elf') throw new Error('not ELF');
  const f = image.elf();
  assert.equal(plan.entry.kind, 'flat32');
  // The entry moves by the segment's p_paddr - p_vaddr, as GRUB does: -2 GiB off.
  if (plan.entry.kind === 'flat32') assert.equal(plan.entry.eip, f.header.entry + 0x80000000);
  for (const p of f.programHeaders.filter((x) => x.type === 1 && x.memsz > 0)) {
    const m = plan.memory.find((x) => x.paddr === p.paddr)!;
    assert.ok(m, `segment at ${p.paddr.toString(16)}`);
    assert.deepEqual(m.bytes.subarray(0, p.filesz), bytes.subarray(p.offset, p.offset + p.filesz));
    assert.ok(m.bytes.subarray(p.filesz).every((b) => b === 0), 'bss zeroed');
  }
  const kmain = plan.symbols!.find((s) => s.name === 'kmain')!;
  assert.equal(u64(kmain.address) >> 32n, 0xffffffffn);
  assert.ok(plan.symbols!.every((s, i, a) => i === 0 || a[i - 1].address <= s.address), 'sorted');
});

test('malformed ELF64: truncated header, tables past the end, non-canonical addresses, a physical address in the higher half', () => {
  const { bytes } = fx.higherHalf64();
  const bad = (mutate: (v: DataView, b: Uint8Array) => void, re: RegExp, field?: RegExp) => {
    const b = bytes.slice();
    mutate(new DataView(b.buffer), b);
    assert.throws(() => loadImage(b, { ramBytes: 16 * MiB, format: 'elf' }), (e: unknown) => {
      assert.ok(e instanceof ImageError, String(e));
      assert.match(e.message, re);
      if (field) assert.match(e.field ?? '', field);
      return true;
    });
  };
  assert.throws(() => loadImage(bytes.slice(0, 60), { ramBytes: 16 * MiB }), /ELF header extends past the end/);
  bad((v) => v.setUint16(18, 3, true), /an i386 machine in a 64-bit ELF/, /e_machine/);
  bad((v) => v.setUint32(32, 0x7fffff00, true), /program header table .* extends past the end/, /e_phoff/);
  bad((v) => v.setUint32(40, 0x7fffff00, true), /section header table .* extends past the end/, /e_shoff/);
  bad((v) => v.setUint16(54, 32, true), /smaller than Elf64_Phdr \(56\)/, /e_phentsize/);
  bad((v) => v.setUint32(28, 0x80000000, true), /e_entry 0x8000000080100000 is not a canonical x86-64 address/, /e_entry/);
  const phoff = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(32, true));
  // Segment 0's p_paddr moved into the higher half: not a physical address a PC loader has.
  bad((v) => v.setUint32(phoff + 28, 0xffffffff, true), /p_paddr 0xffffffff.* is not a physical address below 4 GiB/, /p_paddr/);
  bad((v) => v.setUint32(phoff + 8, 0x7fff0000, true), /segment 0: file data 0x7fff0000\.\..* lies outside the .*-byte file/, /p_offset/);
  bad((v) => v.setUint32(phoff + 36, 1, true), /p_filesz 0x1.* is larger than p_memsz/, /p_filesz/);
  bad((v) => v.setUint32(phoff + 44, 0x10000000, true), /p_memsz is too large to represent/, /p_memsz/);
});
