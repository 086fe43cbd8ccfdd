// Multiboot2 against GRUB. The mb2-report kernel prints every boot information tag it is
// given; GRUB 2 (grub-mkrescue, booted by SeaBIOS under qemu-system-i386) is the reference
// loader, and our machine must hand the same kernel the same command line, modules, memory
// information, low memory map and ELF section table, a valid RSDP and a well-formed list; the
// header's tags are checked, and a header asking for what this machine cannot give is refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine, firmwareInfo } from '../../emulator/machine';
import { ImageError, loadImage, readImage } from '../../emulator/loader/index';
import { FixtureBuilder } from './build-fixtures';

const fx = new FixtureBuilder('multiboot2');
const MiB = 0x100000;
const RAM = 32 * MiB;
const hasGrub = existsSync('/usr/lib/grub/i386-pc') && spawnSync('grub-mkrescue', ['--version']).status === 0
  && spawnSync('xorriso', ['-version']).status === 0 && spawnSync('qemu-system-i386', ['--version']).status === 0;

interface Mb2Report { magic: number; align: number; total: number; end: number; tags: number[]; cmdline?: string; loader?: string; mods: string[][]; mem?: number[]; map: string[][]; elf?: number[]; rsdp1?: number[]; rsdp2?: number[] }

function parse(text: string): Mb2Report {
  const r: Mb2Report = { magic: -1, align: -1, total: -1, end: -1, tags: [], mods: [], map: [] };
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const v = line.slice(eq + 1);
    const hexes = () => v.split(' ').map((w) => parseInt(w, 16));
    switch (key) {
      case 'magic': case 'align': case 'total': case 'end': r[key] = parseInt(v, 16); break;
      case 'tag': r.tags.push(parseInt(v, 16)); break;
      case 'cmdline': r.cmdline = v; break;
      case 'loader': r.loader = v; break;
      case 'mod': { const w = v.split(' '); r.mods.push([...w.slice(0, 3), w.slice(3).join(' ')]); break; }
      case 'mem': r.mem = hexes(); break;
      case 'map': r.map.push(v.split(' ')); break;
      case 'elf': r.elf = hexes(); break;
      case 'rsdp1': r.rsdp1 = hexes(); break;
      case 'rsdp2': r.rsdp2 = hexes(); break;
    }
  }
  return r;
}

const mod = new Uint8Array(3000).map((_, i) => (i * 29 + 5) & 0xff);
const ARGS = 'console=e9 quiet';

function underGrub(kernel: string): Mb2Report {
  const iso = join(fx.dir, 'iso');
  mkdirSync(join(iso, 'boot', 'grub'), { recursive: true });
  writeFileSync(join(iso, 'boot', 'kernel.elf'), readFileSync(kernel));
  writeFileSync(join(iso, 'boot', 'mod.bin'), mod);
  writeFileSync(join(iso, 'boot', 'grub', 'grub.cfg'), [
    'set timeout=0', 'set default=0', 'terminal_output console',
    'menuentry "report" {', `  multiboot2 /boot/kernel.elf ${ARGS}`, '  module2 /boot/mod.bin one two', '  boot', '}', '',
  ].join('\n'));
  const image = join(fx.dir, 'grub.iso');
  const mk = spawnSync('grub-mkrescue', ['-o', image, iso], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(mk.status, 0, mk.stderr);
  const out = join(fx.dir, 'grub.e9.txt');
  writeFileSync(out, '');
  const q = spawnSync('qemu-system-i386', ['-m', String(RAM / MiB), '-display', 'none', '-nodefaults', '-no-reboot', '-cdrom', image,
    '-debugcon', `file:${out}`, '-device', 'isa-debug-exit,iobase=0xf4,iosize=1'], { timeout: 120_000 });
  assert.equal(q.status, 1, `QEMU should exit through isa-debug-exit: ${q.stderr}`);
  return parse(readFileSync(out, 'utf8'));
}

function ours(bytes: Uint8Array, extra: { format?: 'auto' | 'multiboot2' } = {}): Mb2Report {
  const m = new Machine({ mode: 'hvm', memoryMiB: RAM / MiB });
  m.load(loadImage(bytes, { ramBytes: RAM, cmdline: ARGS, modules: [{ bytes: mod, cmdline: 'one two' }], ...firmwareInfo(), ...extra }));
  const stop = m.run(5_000_000);
  assert.deepEqual(stop, { kind: 'debug-exit', code: 1 }, `stopped with ${JSON.stringify(stop)}: ${m.serialOutput()}`);
  return parse(m.serialOutput());
}

test('a Multiboot2 kernel gets from us what GRUB gives it: magic, command line, module, memory, ELF sections, RSDP', { skip: hasGrub ? false : 'needs grub-mkrescue (grub-pc-bin, xorriso) and qemu-system-i386' }, () => {
  const k = fx.mb2Report();
  const g = underGrub(k.path);
  const o = ours(k.bytes);
  assert.equal(g.magic, 0x36d76289);
  assert.equal(o.magic, g.magic);
  assert.equal(o.align, 0);
  assert.equal(o.end, o.total, 'the end tag closes the structure at total_size');
  assert.equal(g.end, g.total);
  assert.equal(g.cmdline, ARGS);
  assert.equal(o.cmdline, g.cmdline);
  const sum = mod.reduce((a, b) => a + b, 0);
  assert.deepEqual(g.mods, [[mod.length.toString(16).padStart(8, '0'), sum.toString(16).padStart(8, '0'), '00000000', 'one two']]);
  assert.deepEqual(o.mods, g.mods);
  assert.equal(o.mem![0], g.mem![0], 'mem_lower');
  assert.ok(o.mem![1] >= g.mem![1] && o.mem![1] * 1024 + MiB <= RAM, 'mem_upper: our RAM above 1 MiB has no firmware tables at its top');
  const low = (m: string[][]) => m.filter((e) => BigInt('0x' + e[0]) < BigInt(MiB));
  assert.ok(low(g.map).length >= 2);
  assert.deepEqual(low(o.map), low(g.map));
  assert.deepEqual(o.elf, g.elf, 'ELF sections: num, entsize, shndx');
  // Both RSDPs carry the signature and sum to 0; GRUB passes SeaBIOS's (revision 0), ours is revision 2 with the new tag too.
  assert.deepEqual(g.rsdp1!.slice(0, 2), [1, 0]);
  assert.deepEqual(o.rsdp1!.slice(0, 2), [1, 0]);
  assert.deepEqual(o.rsdp2, [1, 0, 2]);
  assert.equal(g.loader?.startsWith('GRUB'), true);
  assert.equal(o.loader, 'paravirt');
  // The image load base (21), GRUB gives it to every kernel; we do too.
  assert.ok(g.tags.includes(21) && o.tags.includes(21));
});

test('Multiboot2 detection: a kernel with only that header is one; ELF symbols reach the plan; --format multiboot2 on a kernel with both headers', () => {
  const k = fx.mb2Report();
  const plan = loadImage(k.bytes, { ramBytes: RAM });
  assert.match(plan.description, /^ELF32 multiboot2 kernel/);
  assert.ok(plan.entry.kind === 'flat32' && plan.entry.regs?.eax === 0x36d76289);
  assert.ok(plan.symbols?.some((s) => s.name === 'start'));
  // The x86-64 sample carries both headers (guest/boot64.inc): auto picks Multiboot 1, as
  // qemu -kernel would; --format multiboot2 the other, entered at the same 32-bit code.
  const sample = new Uint8Array(readFileSync(join(__dirname, '..', '..', 'examples', 'sample', 'build', 'sample-hvm64.elf')));
  const v1 = loadImage(sample, { ramBytes: RAM });
  const v2 = loadImage(sample, { ramBytes: RAM, format: 'multiboot2' });
  assert.ok(v1.entry.kind === 'flat32' && v1.entry.regs?.eax === 0x2badb002);
  assert.ok(v2.entry.kind === 'flat32' && v2.entry.regs?.eax === 0x36d76289);
  assert.equal(v2.entry.eip, v1.entry.eip);
  // The higher-half ELF64 carries no header: refused under multiboot2 with what it is.
  assert.throws(() => loadImage(fx.higherHalf64().bytes, { ramBytes: RAM, format: 'multiboot2' }), /no multiboot2 header .* by its headers this file is an ELF64 file/);
});

test('Multiboot2 header errors: checksum, architecture, length, tags, requests this machine cannot meet', () => {
  const k = fx.mb2Report();
  const image = readImage(k.bytes);
  const off = image.multiboot2()!.offset;
  const bad = (mutate: (v: DataView) => void, re: RegExp, field: RegExp) => {
    const b = k.bytes.slice();
    const v = new DataView(b.buffer);
    mutate(v);
    // Keep the checksum right unless the test is about it.
    assert.throws(() => loadImage(b, { ramBytes: RAM, format: 'multiboot2' }), (e: unknown) => {
      assert.ok(e instanceof ImageError, String(e));
      assert.match(e.message, re);
      assert.match(e.field ?? '', field);
      return true;
    });
  };
  const fix = (v: DataView) => v.setUint32(off + 12, (-(0xe85250d6 + v.getUint32(off + 4, true) + v.getUint32(off + 8, true))) >>> 0, true);
  bad((v) => v.setUint32(off + 12, 0x1234, true), /bad checksum 0x1234/, /checksum/);
  bad((v) => { v.setUint32(off + 4, 4, true); fix(v); }, /architecture 4 \(MIPS\)/, /architecture/);
  bad((v) => { v.setUint32(off + 8, 0x100000, true); fix(v); }, /header_length 1048576 is past the end/, /header_length/);
  // The first tag (a required information request) asks for the BIOS boot device (5).
  bad((v) => v.setUint32(off + 16 + 8, 5, true), /BIOS boot device/, /information request/);
  // ... or becomes a required unknown tag type.
  bad((v) => v.setUint16(off + 16, 77, true), /tag type 77 is required .* unknown/, /tag 77/);
  // ... or a required graphics framebuffer 1024x768x32.
  bad((v) => { v.setUint16(off + 16, 5, true); v.setUint32(off + 16 + 8, 1024, true); v.setUint32(off + 16 + 12, 768, true); v.setUint32(off + 16 + 16, 32, true); },
    /requires a 1024x768x32 graphics framebuffer/, /tag 5/);
  // ... or EFI boot services.
  bad((v) => v.setUint16(off + 16, 7, true), /EFI boot services/, /tag 7/);
  // A tag whose size runs past the header.
  bad((v) => v.setUint32(off + 16 + 4, 0x1000, true), /has size 4096, outside the header/, /tag 1/);
});
