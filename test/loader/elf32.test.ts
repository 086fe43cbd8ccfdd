// The ELF32 parser and the plain-ELF loader against binutils' view of the same files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressSymbols, loadImage, parseElf32, readSymbols } from '../../emulator/loader/index';
import { FixtureBuilder, type Built } from './build-fixtures';
import { oracleEntry, oracleProgramHeaders, oracleSections, oracleSymbols } from './readelf-oracle';
import { applyPlan } from './plan-ram';

const fx = new FixtureBuilder('elf32');
const PT_NAMES: Record<string, number> = { LOAD: 1, NOTE: 4, GNU_STACK: 0x6474e551, GNU_PROPERTY: 0x6474e553 };
const SHT_NAMES: Record<string, number> = { NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, NOTE: 7, NOBITS: 8 };
const STT_NAMES: Record<string, number> = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 };
const STB_NAMES: Record<string, number> = { LOCAL: 0, GLOBAL: 1, WEAK: 2 };

const images: Array<[string, () => Built]> = [
  ['multiboot ELF', () => fx.mbElf()],
  ['higher-half ELF', () => fx.higherHalf()],
  ['plain ELF', () => fx.plainElf()],
  ['C kernel', () => fx.cKernel()],
  ['Xen PV ELF', () => fx.xenPv()],
  ['legacy Xen ELF', () => fx.xenLegacy()],
];

for (const [label, make] of images) {
  test(`${label}: header, program headers and sections match readelf`, () => {
    const { path, bytes } = make();
    const elf = parseElf32(bytes);
    assert.equal(elf.header.entry, oracleEntry(path));
    const phdrs = oracleProgramHeaders(path);
    assert.ok(phdrs.length > 0);
    assert.deepEqual(
      elf.programHeaders.map((p) => ({ type: p.type, offset: p.offset, vaddr: p.vaddr, paddr: p.paddr, filesz: p.filesz, memsz: p.memsz })),
      phdrs.map((p) => ({ type: PT_NAMES[p.type] ?? -1, offset: p.offset, vaddr: p.vaddr, paddr: p.paddr, filesz: p.filesz, memsz: p.memsz })));
    const sections = oracleSections(path);
    assert.ok(sections.length > 3);
    assert.deepEqual(
      elf.sections.map((s) => ({ index: s.index, name: s.name, addr: s.addr, offset: s.offset, size: s.size })),
      sections.map((s) => ({ index: s.index, name: s.name, addr: s.addr, offset: s.offset, size: s.size })));
    for (const s of sections) {
      if (SHT_NAMES[s.type] !== undefined) assert.equal(elf.sections[s.index].type, SHT_NAMES[s.type], `type of ${s.name}`);
    }
  });

  test(`${label}: symbols match readelf -s`, () => {
    const { path, bytes } = make();
    const ours = readSymbols(parseElf32(bytes));
    const theirs = oracleSymbols(path).slice(1); // readelf lists the null symbol too
    assert.ok(theirs.length > 0);
    assert.deepEqual(
      ours.map((s) => ({ value: s.value, size: s.size, type: s.type, bind: s.bind, name: s.name })),
      theirs.map((s) => ({ value: s.value, size: s.size, type: STT_NAMES[s.type] ?? -1, bind: STB_NAMES[s.bind] ?? -1, name: s.name })));
  });
}

test('C kernel: report symbols are the defined functions and objects readelf lists, with sizes', () => {
  const { path, bytes } = fx.cKernel();
  const syms = addressSymbols(parseElf32(bytes));
  const expected = oracleSymbols(path)
    .filter((s) => ['FUNC', 'OBJECT', 'NOTYPE'].includes(s.type) && s.name !== '' && s.ndx !== 'UND' && s.ndx !== 'COM')
    .map((s) => `${s.name}@${s.value.toString(16)}/${s.size}`);
  assert.deepEqual(syms.map((s) => `${s.name}@${s.address.toString(16)}/${s.size}`).sort(), [...new Set(expected)].sort());
  const byName = new Map(syms.map((s) => [s.name, s]));
  for (const name of ['kmain', 'checksum', 'table', 'banner', 'start']) assert.ok(byName.has(name), `missing ${name}`);
  assert.equal(byName.get('table')!.size, 64 * 4);
  assert.equal(byName.get('banner')!.size, 'c kernel'.length + 1);
});

test('plain ELF: loaded at its PT_LOAD physical addresses and entered flat32 at e_entry', () => {
  const { path, bytes } = fx.plainElf();
  const ram = 4 << 20;
  const plan = loadImage(bytes, { ramBytes: ram });
  assert.deepEqual(plan.entry, { kind: 'flat32', eip: oracleEntry(path) });
  assert.equal(plan.rom, undefined);
  const mem = applyPlan(plan, ram);
  const loads = oracleProgramHeaders(path).filter((p) => p.type === 'LOAD' && p.memsz > 0);
  assert.equal(plan.memory.length, loads.length);
  for (const p of loads) {
    assert.deepEqual(mem.bytes.subarray(p.paddr, p.paddr + p.filesz), bytes.subarray(p.offset, p.offset + p.filesz));
    assert.ok(mem.bytes.subarray(p.paddr + p.filesz, p.paddr + p.memsz).every((b) => b === 0));
  }
  const value = oracleSymbols(path).find((s) => s.name === 'value')!;
  assert.equal(mem.u32(value.value), 0x12345678);
  assert.match(plan.description, /ELF32 kernel, \d+ segments?/);
  assert.ok(plan.symbols!.some((s) => s.name === 'start' && s.address === oracleEntry(path)));
});
