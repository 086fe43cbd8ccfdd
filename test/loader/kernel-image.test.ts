// A kernel image is parsed once: the HVM and PV loaders, the symbols, the Xen notes, the line
// table and DWARF all read the one parse a KernelImage holds, as the CLI and the debugger use
// them. The ELF reader given to readImage counts its calls; a source scan checks that no
// production code parses ELF bytes any other way.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  ImageError, hasMultibootHeader, loadImage, parseElf32, parseXenNotes, readImage, type KernelImage,
} from '../../emulator/loader';
import { DebugInfo } from '../../emulator/loader/dwarf';
import { LineTable } from '../../emulator/loader/dwarf/line-table';
import { loadPvImage } from '../../emulator/pv/pv-image';
import { FixtureBuilder } from './build-fixtures';

const ROOT = join(import.meta.dirname, '..', '..');
const SAMPLE = join(ROOT, 'examples/sample/build');
const RAM = 64 << 20;
const fx = new FixtureBuilder('kernel-image');

function counted(bytes: Uint8Array): { image: KernelImage; parses: () => number } {
  let n = 0;
  const image = readImage(bytes, (b) => { n++; return parseElf32(b); });
  return { image, parses: () => n };
}

test('the HVM path (multiboot and plain ELF), symbols, line table and DWARF share one ELF parse', () => {
  const bytes = new Uint8Array(readFileSync(join(SAMPLE, 'sample-hvm.elf')));
  const { image, parses } = counted(bytes);
  assert.equal(image.format, 'elf');
  const plan = loadImage(image, { ramBytes: RAM, cmdline: 'k' });
  assert.ok(plan.symbols && plan.symbols.length > 0);
  assert.equal(hasMultibootHeader(image), true);
  assert.equal(parseXenNotes(image), null);
  const lines = LineTable.fromImage(image);
  const dwarf = DebugInfo.fromElf(image);
  assert.ok(dwarf.allFunctions().length > 0, 'the sample has DWARF functions');
  assert.ok(lines.files().some((f) => f.endsWith('kmain.c')), 'the line table names the C source');
  loadImage(image, { ramBytes: RAM, format: 'elf' });
  assert.equal(parses(), 1);
});

test('the PV path (Xen notes, laid-out kernel, symbols), line table and DWARF share one ELF parse', () => {
  const bytes = new Uint8Array(readFileSync(join(SAMPLE, 'sample-pv.elf')));
  const { image, parses } = counted(bytes);
  const plan = loadPvImage(image, { ramBytes: RAM, cmdline: '' });
  assert.ok(plan.pv && plan.pv.image.virtEnd > plan.pv.image.virtStart);
  assert.ok(plan.symbols && plan.symbols.some((s) => s.name === 'kmain'));
  LineTable.fromImage(image);
  DebugInfo.fromElf(image);
  // Loaded in HVM mode by mistake: the hint that it is a PV kernel reads the same notes.
  assert.throws(() => loadImage(image, { ramBytes: RAM, format: 'elf' }), /PV kernel: run it in PV mode/);
  assert.equal(parses(), 1);
});

test('each part of the image is read once and kept: the same objects every time', () => {
  const image = readImage(new Uint8Array(readFileSync(join(SAMPLE, 'sample-pv.elf'))));
  assert.equal(image.format, 'elf');
  if (image.format !== 'elf') return;
  assert.equal(image.elf(), image.elf());
  assert.equal(image.symbols(), image.symbols());
  assert.equal(image.xen(), image.xen());
  assert.equal(image.elf().class, 32);
});

test('a part that cannot be parsed throws the same error each time and leaves the others usable', () => {
  // An ELF64 kernel booted through Multiboot's address fields: its ELF cannot be read here,
  // its Multiboot header can, and the loader boots it from that.
  const { bytes } = fx.mbElf64();
  const { image, parses } = counted(bytes);
  assert.equal(image.format, 'elf');
  if (image.format !== 'elf') return;
  let first: unknown;
  try { image.elf(); } catch (e) { first = e; }
  assert.ok(first instanceof ImageError && /ELFCLASS64/.test(first.message), String(first));
  assert.throws(() => image.elf(), (e) => e === first);
  assert.ok(image.multiboot()?.aout, 'the header with the address fields is read');
  const plan = loadImage(image, { ramBytes: RAM });
  assert.equal(plan.entry.kind, 'flat32');
  assert.equal(parses(), 1);
});

test('a file without the ELF magic is a raw image: no ELF parts, its Multiboot header still read', () => {
  const { bytes } = fx.flatBin('rom.asm');
  const image = readImage(bytes);
  assert.equal(image.format, 'raw');
  assert.equal('elf' in image, false);
  assert.equal(parseXenNotes(image), null);
  assert.deepEqual(LineTable.fromImage(image).files(), []);
});

test('no production code parses ELF bytes except through a KernelImage', () => {
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(ROOT, dir))) {
      const rel = `${dir}/${name}`;
      if (statSync(join(ROOT, rel)).isDirectory()) { walk(rel); continue; }
      if (!name.endsWith('.ts')) continue;
      const src = readFileSync(join(ROOT, rel), 'utf8');
      // kernel-image.ts calls the reader it was given (parseElf by default) once per image.
      if (/\bparseElf(32)?\s*\(/.test(src) && !['emulator/loader/elf.ts', 'emulator/loader/kernel-image.ts'].includes(rel)) offenders.push(rel);
      if (/\bparseElf(32)?\b/.test(src) && !['emulator/loader/elf.ts', 'emulator/loader/kernel-image.ts', 'emulator/loader/index.ts'].includes(rel)) offenders.push(rel);
    }
  };
  for (const d of ['emulator', 'cli', 'debug-adapter', 'extension', 'language-server']) walk(d);
  assert.deepEqual([...new Set(offenders)], []);
});
