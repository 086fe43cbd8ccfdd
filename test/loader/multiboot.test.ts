// Multiboot v1 loading: ELF kernels and address-field (a.out kludge) kernels, and the boot
// information structure read back at the field offsets of the Multiboot 0.6.96 specification
// (section 3.3), not through the loader's own constants.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ImageError, loadImage } from '../../emulator/loader/index';
import type { BootPlan } from '../../emulator/machine';
import { FixtureBuilder } from './build-fixtures';
import { oracleEntry, oracleProgramHeaders, oracleSections, oracleShstrndx, oracleSymbols } from './readelf-oracle';
import { applyPlan, type Ram } from './plan-ram';

const fx = new FixtureBuilder('multiboot');
const MiB = 0x100000;

// Multiboot 0.6.96, "Boot information format": byte offsets into the info structure.
const MBI = { flags: 0, mem_lower: 4, mem_upper: 8, boot_device: 12, cmdline: 16, mods_count: 20, mods_addr: 24, mmap_length: 44, mmap_addr: 48, boot_loader_name: 64 };
const BIT = { mem: 1 << 0, cmdline: 1 << 2, mods: 1 << 3, mmap: 1 << 6, loader_name: 1 << 9 };

interface MapEntry { base: number; length: number; type: number }

function readInfo(mem: Ram, infoAddr: number) {
  const flags = mem.u32(infoAddr + MBI.flags);
  const mmap: MapEntry[] = [];
  const mmapAddr = mem.u32(infoAddr + MBI.mmap_addr);
  const mmapEnd = mmapAddr + mem.u32(infoAddr + MBI.mmap_length);
  // Each entry starts with its size, which does not count the size field itself.
  for (let a = mmapAddr; a < mmapEnd; a += mem.u32(a) + 4) {
    assert.equal(mem.u32(a), 20);
    assert.equal(mem.u32(a + 8), 0, 'base_addr high half');
    assert.equal(mem.u32(a + 16), 0, 'length high half');
    mmap.push({ base: mem.u32(a + 4), length: mem.u32(a + 12), type: mem.u32(a + 20) });
  }
  const mods = [];
  const count = mem.u32(infoAddr + MBI.mods_count);
  const modsAddr = mem.u32(infoAddr + MBI.mods_addr);
  for (let i = 0; i < count; i++) {
    const m = modsAddr + i * 16;
    mods.push({ start: mem.u32(m), end: mem.u32(m + 4), string: mem.cstring(mem.u32(m + 8)), reserved: mem.u32(m + 12) });
  }
  return {
    flags, memLower: mem.u32(infoAddr + MBI.mem_lower), memUpper: mem.u32(infoAddr + MBI.mem_upper),
    cmdline: mem.cstring(mem.u32(infoAddr + MBI.cmdline)), loaderName: mem.cstring(mem.u32(infoAddr + MBI.boot_loader_name)),
    mmap, mods,
  };
}

function multibootRegs(plan: BootPlan): { eip: number; eax: number; ebx: number } {
  assert.equal(plan.entry.kind, 'flat32');
  if (plan.entry.kind !== 'flat32') throw new Error('unreachable');
  return { eip: plan.entry.eip, eax: plan.entry.regs!.eax!, ebx: plan.entry.regs!.ebx! };
}

function inUsable(map: MapEntry[], start: number, end: number): boolean {
  return map.some((e) => e.type === 1 && start >= e.base && end <= e.base + e.length);
}

test('ELF multiboot kernel: segments, entry, EAX magic and a complete info structure', () => {
  const { path, bytes } = fx.mbElf();
  const ram = 32 * MiB;
  const mod0 = new TextEncoder().encode('first module, odd length!');
  const mod1 = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
  const plan = loadImage(bytes, { ramBytes: ram, cmdline: 'console=ttyS0 debug', modules: [{ bytes: mod0, cmdline: 'initrd one' }, { bytes: mod1 }] });
  const regs = multibootRegs(plan);
  assert.equal(regs.eip, oracleEntry(path));
  assert.equal(regs.eax, 0x2badb002);
  const mem = applyPlan(plan, ram);

  const loads = oracleProgramHeaders(path).filter((p) => p.type === 'LOAD');
  for (const p of loads) {
    assert.deepEqual(mem.bytes.subarray(p.paddr, p.paddr + p.filesz), bytes.subarray(p.offset, p.offset + p.filesz));
  }
  const kernelEnd = Math.max(...loads.map((p) => p.paddr + p.memsz));
  assert.ok(regs.ebx >= kernelEnd, 'info lies above the kernel');
  assert.equal(regs.ebx % 4096, 0);

  const info = readInfo(mem, regs.ebx);
  for (const bit of Object.values(BIT)) assert.ok(info.flags & bit, `flag ${bit} set`);
  assert.equal(info.flags & (1 << 4 | 1 << 11), 0, 'no a.out symbols or video information is claimed');
  assert.equal(info.memLower, 639);
  assert.equal(info.memUpper, (ram - MiB) / 1024);
  assert.equal(info.cmdline, 'console=ttyS0 debug');
  assert.equal(info.loaderName, 'paravirt');
  assert.deepEqual(info.mmap, [
    { base: 0, length: 0x9fc00, type: 1 },
    { base: 0x9fc00, length: 0x400, type: 2 },
    { base: 0xf0000, length: 0x10000, type: 2 },
    { base: MiB, length: ram - MiB, type: 1 },
  ]);
  assert.equal(info.mods.length, 2);
  const mods = [mod0, mod1];
  info.mods.forEach((m, i) => {
    assert.equal(m.start % 4096, 0, 'modules are page aligned (header flag 0)');
    assert.equal(m.end - m.start, mods[i].length);
    assert.deepEqual(mem.bytes.subarray(m.start, m.end), mods[i]);
    assert.ok(m.start >= kernelEnd);
    assert.ok(inUsable(info.mmap, m.start, m.end));
    assert.equal(m.reserved, 0);
  });
  assert.equal(info.mods[0].string, 'initrd one');
  assert.equal(info.mods[1].string, '');
  assert.ok(inUsable(info.mmap, regs.ebx, regs.ebx + 88));
  assert.match(plan.description, /multiboot/);
  const start = oracleSymbols(path).find((s) => s.name === 'start')!;
  assert.ok(plan.symbols!.some((s) => s.name === 'start' && s.address === start.value));
});

test('ELF multiboot kernel without modules or command line: empty string, zero modules', () => {
  const { bytes } = fx.mbElf();
  const plan = loadImage(bytes, { ramBytes: 4 * MiB });
  const regs = multibootRegs(plan);
  const mem = applyPlan(plan, 4 * MiB);
  const info = readInfo(mem, regs.ebx);
  assert.equal(info.cmdline, '');
  assert.equal(info.mods.length, 0);
  assert.equal(info.memUpper, 3 * 1024);
});

test('ELF multiboot kernel: section header table (flag 5) with the unloaded sections copied in, as readelf -S lists them', () => {
  const { path, bytes } = fx.cKernel();
  const ram = 16 * MiB;
  const plan = loadImage(bytes, { ramBytes: ram });
  const regs = multibootRegs(plan);
  const mem = applyPlan(plan, ram);
  const at = regs.ebx;
  assert.ok(mem.u32(at + MBI.flags) & (1 << 5));
  const sections = oracleSections(path);
  const num = mem.u32(at + 28), size = mem.u32(at + 32), addr = mem.u32(at + 36), shndx = mem.u32(at + 40);
  assert.equal(num, sections.length);
  assert.equal(size, 40); // sizeof(Elf32_Shdr)
  assert.equal(shndx, oracleShstrndx(path));
  const kernelEnd = Math.max(...oracleProgramHeaders(path).filter((p) => p.type === 'LOAD').map((p) => p.paddr + p.memsz));
  for (const s of sections) {
    const guestAddr = mem.u32(addr + s.index * size + 12);
    assert.equal(mem.u32(addr + s.index * size + 20), s.size, `sh_size of ${s.name}`);
    if (s.addr !== 0 || s.type === 'NULL' || s.type === 'NOBITS' || s.size === 0) {
      assert.equal(guestAddr, s.addr, `${s.name} keeps its address`);
      continue;
    }
    assert.ok(guestAddr >= kernelEnd, `${s.name} copied above the kernel`);
    assert.deepEqual(mem.bytes.subarray(guestAddr, guestAddr + s.size), bytes.subarray(s.offset, s.offset + s.size), `${s.name} contents`);
  }
  // What a kernel would do with it: find a symbol through the in-memory .symtab and .strtab.
  const symtab = sections.find((s) => s.type === 'SYMTAB')!;
  const symAddr = mem.u32(addr + symtab.index * size + 12);
  const strIndex = mem.u32(addr + symtab.index * size + 24);
  const strAddr = mem.u32(addr + strIndex * size + 12);
  let found = -1;
  for (let o = 0; o < symtab.size; o += 16) {
    if (mem.cstring(strAddr + mem.u32(symAddr + o)) === 'kmain') found = mem.u32(symAddr + o + 4);
  }
  assert.equal(found, oracleSymbols(path).find((s) => s.name === 'kmain')!.value);
});

test('ELF section table that does not fit in RAM is left out (no flag 5) rather than failing the load', () => {
  const { path, bytes } = fx.cKernel();
  const kernelEnd = Math.max(...oracleProgramHeaders(path).filter((p) => p.type === 'LOAD').map((p) => p.paddr + p.memsz));
  const ram = Math.ceil(kernelEnd / 4096) * 4096 + 2 * 4096; // the info page and a one-page module
  const plan = loadImage(bytes, { ramBytes: ram, modules: [{ bytes: new Uint8Array(4096).fill(1) }] });
  const mem = applyPlan(plan, ram);
  const info = readInfo(mem, multibootRegs(plan).ebx);
  assert.equal(info.flags & (1 << 5), 0);
  assert.equal(info.mods.length, 1);
});

test('higher-half kernel (AT()): loaded at p_paddr, entered at the physical image of e_entry', () => {
  const { path, bytes } = fx.higherHalf();
  const plan = loadImage(bytes, { ramBytes: 8 * MiB });
  const mem = applyPlan(plan, 8 * MiB);
  const entry = oracleEntry(path);
  const loads = oracleProgramHeaders(path).filter((p) => p.type === 'LOAD');
  const seg = loads.find((p) => entry >= p.vaddr && entry < p.vaddr + p.memsz)!;
  assert.ok(seg.vaddr !== seg.paddr);
  assert.equal(multibootRegs(plan).eip, entry - seg.vaddr + seg.paddr);
  for (const p of loads) assert.deepEqual(mem.bytes.subarray(p.paddr, p.paddr + p.filesz), bytes.subarray(p.offset, p.offset + p.filesz));
});

test('C kernel built with gcc -m32 loads as multiboot with its symbols', () => {
  const { path, bytes } = fx.cKernel();
  const plan = loadImage(bytes, { ramBytes: 16 * MiB, cmdline: 'c' });
  assert.equal(multibootRegs(plan).eip, oracleEntry(path));
  applyPlan(plan, 16 * MiB);
  const kmain = oracleSymbols(path).find((s) => s.name === 'kmain')!;
  assert.ok(plan.symbols!.some((s) => s.name === 'kmain' && s.address === kmain.value && s.size === kmain.size));
});

const kludgeVariants = [
  { name: 'header at offset 0, load_end and bss_end given', v: {} },
  { name: 'header after 64 bytes, load_end_addr 0 (to end of file), no bss', v: { pad: 64, loadEndZero: true, noBss: true } },
  { name: 'header after 12 bytes, bss given', v: { pad: 12 } },
];

for (const { name, v } of kludgeVariants) {
  test(`address-field kernel (${name}): placed and entered where nasm's map says`, () => {
    const k = fx.mbKludge(v);
    const ram = 4 * MiB;
    const plan = loadImage(k.bytes, { ramBytes: ram, cmdline: 'kludge' });
    const regs = multibootRegs(plan);
    assert.equal(regs.eip, k.symbols.get('start'));
    assert.equal(regs.eax, 0x2badb002);
    const mem = applyPlan(plan, ram);
    const loadAddr = 0x100000; // LOAD_ADDR in the source; nasm's org
    assert.deepEqual(mem.bytes.subarray(loadAddr, loadAddr + k.bytes.length), k.bytes, 'the whole file is the load image (org at load_addr)');
    const loadEnd = k.symbols.get('load_end')!;
    assert.equal(loadEnd - loadAddr, k.bytes.length);
    const end = v.noBss ? loadEnd : k.symbols.get('bss_end')!;
    assert.ok(regs.ebx >= end, 'info lies above the bss');
    const kernel = plan.memory.find((m) => m.paddr === loadAddr)!;
    assert.equal(kernel.bytes.length, end - loadAddr);
    assert.ok(kernel.bytes.subarray(k.bytes.length).every((b) => b === 0));
    const info = readInfo(mem, regs.ebx);
    assert.equal(info.cmdline, 'kludge');
    assert.equal(plan.symbols, undefined);
    assert.equal(info.flags & (1 << 5), 0, 'no ELF section table for a flat image');
  });
}

test('ELF64 kernel with address fields: loaded by them, where nm puts its symbols', () => {
  const { path, bytes } = fx.mbElf64();
  const nm = new Map(execFileSync('nm', [path], { encoding: 'utf8' }).trim().split('\n').map((l) => {
    const [addr, , name] = l.split(' ');
    return [name, parseInt(addr, 16)] as const;
  }));
  const plan = loadImage(bytes, { ramBytes: 4 * MiB });
  const regs = multibootRegs(plan);
  assert.equal(regs.eip, nm.get('start'));
  const header = nm.get('header')!;
  const mem = applyPlan(plan, 4 * MiB);
  const text = oracleSections(path).find((s) => s.name === '.text')!; // readelf -S reads ELF64 too
  const loadLen = nm.get('load_end')! - header;
  assert.deepEqual(mem.bytes.subarray(header, header + loadLen), bytes.subarray(text.offset, text.offset + loadLen));
  assert.ok(regs.ebx >= nm.get('bss_end')!);
  // The ELF64 symbol table is read too: every symbol nm lists, at nm's address.
  const ours = new Map((plan.symbols ?? []).map((s) => [s.name, s.address] as const));
  for (const [name, addr] of nm) assert.equal(ours.get(name), addr, `symbol ${name}`);
  // As a plain ELF64 (no Multiboot), it is entered at e_entry, the same instruction.
  const plain = loadImage(bytes, { ramBytes: 4 * MiB, format: 'elf' });
  assert.equal(plain.entry.kind === 'flat32' && plain.entry.eip, nm.get('start'));
  assert.match(plain.description, /^ELF64/);
});

/** A multiboot header with address fields, written by hand from the spec's layout. */
function kludgeImage(o: { headerOffset?: number; headerAddr: number; loadAddr: number; loadEnd: number; bssEnd: number; entry: number; size: number; flags?: number }): Uint8Array {
  const img = new Uint8Array(o.size);
  const v = new DataView(img.buffer);
  const at = o.headerOffset ?? 0;
  const flags = o.flags ?? 0x00010000;
  v.setUint32(at, 0x1badb002, true);
  v.setUint32(at + 4, flags, true);
  v.setUint32(at + 8, (-(0x1badb002 + flags)) >>> 0, true);
  v.setUint32(at + 12, o.headerAddr, true);
  v.setUint32(at + 16, o.loadAddr, true);
  v.setUint32(at + 20, o.loadEnd, true);
  v.setUint32(at + 24, o.bssEnd, true);
  v.setUint32(at + 28, o.entry, true);
  return img;
}

test('the header must lie within the first 8192 bytes, 32-bit aligned (spec 3.1.1)', () => {
  const inside = kludgeImage({ headerOffset: 8192 - 12, headerAddr: MiB + 8192 - 12, loadAddr: MiB, loadEnd: 0, bssEnd: 0, entry: MiB, size: 9000 });
  assert.equal(multibootRegs(loadImage(inside, { ramBytes: 4 * MiB })).eip, MiB);
  const straddling = kludgeImage({ headerOffset: 8192 - 8, headerAddr: MiB + 8192 - 8, loadAddr: MiB, loadEnd: 0, bssEnd: 0, entry: MiB, size: 9000 });
  assert.throws(() => loadImage(straddling, { ramBytes: 4 * MiB }), (e: unknown) => e instanceof ImageError && /unrecognised image/.test(e.message));
  const beyond = kludgeImage({ headerOffset: 8192, headerAddr: MiB + 8192, loadAddr: MiB, loadEnd: 0, bssEnd: 0, entry: MiB, size: 9000 });
  assert.throws(() => loadImage(beyond, { ramBytes: 4 * MiB }), (e: unknown) => e instanceof ImageError && /unrecognised image/.test(e.message));
  const unaligned = kludgeImage({ headerOffset: 2, headerAddr: MiB + 2, loadAddr: MiB, loadEnd: 0, bssEnd: 0, entry: MiB, size: 100 });
  assert.throws(() => loadImage(unaligned, { ramBytes: 4 * MiB }), (e: unknown) => e instanceof ImageError && /unrecognised image/.test(e.message));
});

test('info and modules skip the EBDA/VGA/ROM hole when the kernel ends just below it', () => {
  const size = 0xf800;
  const img = kludgeImage({ headerAddr: 0x90000, loadAddr: 0x90000, loadEnd: 0x90000 + size, bssEnd: 0, entry: 0x90020, size });
  const plan = loadImage(img, { ramBytes: 2 * MiB, modules: [{ bytes: new Uint8Array(100).fill(9) }] });
  const regs = multibootRegs(plan);
  assert.ok(regs.ebx >= MiB, `info at ${regs.ebx.toString(16)} must not be in 0x9FC00..0x100000`);
  const mem = applyPlan(plan, 2 * MiB);
  const info = readInfo(mem, regs.ebx);
  assert.ok(inUsable(info.mmap, info.mods[0].start, info.mods[0].end));
  assert.equal(info.mmap[info.mmap.length - 1].length, MiB);
});

test('a low kernel gets its info right after it, below 640 KiB', () => {
  const img = kludgeImage({ headerAddr: 0x10000, loadAddr: 0x10000, loadEnd: 0x10100, bssEnd: 0x12345, entry: 0x10020, size: 0x100 });
  const plan = loadImage(img, { ramBytes: 2 * MiB });
  assert.equal(multibootRegs(plan).ebx, 0x13000);
  applyPlan(plan, 2 * MiB);
});

test('not enough RAM for the info structure or a module is an ImageError', () => {
  const img = kludgeImage({ headerAddr: MiB, loadAddr: MiB, loadEnd: MiB + 0x100, bssEnd: 2 * MiB, entry: MiB + 0x20, size: 0x100 });
  assert.throws(() => loadImage(img, { ramBytes: 2 * MiB }), (e: unknown) => e instanceof ImageError && /not enough guest RAM for the multiboot information/.test(e.message));
  assert.throws(() => loadImage(img, { ramBytes: 2 * MiB + 4096, modules: [{ bytes: new Uint8Array(8192) }] }),
    (e: unknown) => e instanceof ImageError && /not enough guest RAM for the module 0/.test(e.message));
  const plan = loadImage(img, { ramBytes: 2 * MiB + 4096 });
  applyPlan(plan, 2 * MiB + 4096);
});

test('explicit format multiboot on a file without a header, and modules for a non-multiboot image, are refused', () => {
  assert.throws(() => loadImage(fx.plainElf().bytes, { ramBytes: 4 * MiB, format: 'multiboot' }), (e: unknown) => e instanceof ImageError && /no multiboot header/.test(e.message));
  assert.throws(() => loadImage(fx.plainElf().bytes, { ramBytes: 4 * MiB, modules: [{ bytes: new Uint8Array(1) }] }), (e: unknown) => e instanceof ImageError && /modules can only be passed to a multiboot kernel/.test(e.message));
});

test('format elf forces a multiboot ELF to be loaded as a plain ELF', () => {
  const { path, bytes } = fx.mbElf();
  const plan = loadImage(bytes, { ramBytes: 4 * MiB, format: 'elf' });
  assert.deepEqual(plan.entry, { kind: 'flat32', eip: oracleEntry(path) });
});
