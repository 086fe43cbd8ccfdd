// Flat binaries, ROM images and the 'auto' format decision.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageError, loadImage } from '../../emulator/loader/index';
import { FixtureBuilder } from './build-fixtures';
import { applyPlan } from './plan-ram';

const fx = new FixtureBuilder('flat-rom');
const MiB = 0x100000;
const isImageError = (re: RegExp) => (e: unknown) => e instanceof ImageError && re.test(e.message);

test('boot sector as flat real-mode image: 0000:7C00 by default, bytes at 0x7C00', () => {
  const { bytes } = fx.flatBin('boot-sector.asm');
  assert.equal(bytes.length, 512);
  const plan = loadImage(bytes, { ramBytes: MiB, format: 'flat', realMode: true });
  assert.deepEqual(plan.entry, { kind: 'real', cs: 0, ip: 0x7c00 });
  const mem = applyPlan(plan, MiB);
  assert.deepEqual(mem.bytes.subarray(0x7c00, 0x7e00), bytes);
  assert.equal(mem.bytes[0x7dfe] | mem.bytes[0x7dff] << 8, 0xaa55);
});

test('real-mode entry above 64 KiB: segment * 16 + offset is the load address', () => {
  const plan = loadImage(new Uint8Array([0xf4]), { ramBytes: MiB, format: 'flat', realMode: true, flatAddress: 0x12345 });
  assert.equal(plan.entry.kind, 'real');
  if (plan.entry.kind !== 'real') return;
  assert.equal(plan.entry.cs * 16 + plan.entry.ip, 0x12345);
  assert.ok(plan.entry.ip <= 0xffff && plan.entry.cs <= 0xffff);
});

test('flat binary defaults to 1 MiB, flat32; an explicit address is honoured', () => {
  const img = new Uint8Array([0x90, 0x90, 0xf4]);
  const a = loadImage(img, { ramBytes: 2 * MiB, format: 'flat' });
  assert.deepEqual(a.entry, { kind: 'flat32', eip: MiB });
  assert.deepEqual(applyPlan(a, 2 * MiB).bytes.subarray(MiB, MiB + 3), img);
  const b = loadImage(img, { ramBytes: 2 * MiB, flatAddress: 0x8000 }); // auto + address = flat
  assert.deepEqual(b.entry, { kind: 'flat32', eip: 0x8000 });
});

test('flat binary errors: beyond RAM, in the VGA/ROM hole, real mode above 1 MiB, bad address', () => {
  const img = new Uint8Array(0x2000);
  assert.throws(() => loadImage(img, { ramBytes: MiB + 0x1000, format: 'flat' }), isImageError(/does not fit in guest RAM/));
  assert.throws(() => loadImage(img, { ramBytes: 2 * MiB, format: 'flat', flatAddress: 0x9f000 }), isImageError(/overlaps the VGA\/ROM area/));
  assert.throws(() => loadImage(img, { ramBytes: 4 * MiB, format: 'flat', realMode: true, flatAddress: 0x200000 }), isImageError(/real-mode image must lie below 1 MiB/));
  assert.throws(() => loadImage(img, { ramBytes: 4 * MiB, format: 'flat', flatAddress: -1 }), isImageError(/not a 32-bit physical address/));
  assert.throws(() => loadImage(img, { ramBytes: 4 * MiB, format: 'flat', flatAddress: 0xfffff000 }), isImageError(/wraps past 4 GiB/));
  assert.throws(() => loadImage(img, { ramBytes: 4 * MiB, format: 'flat', flatAddress: 0x80000000 }), isImageError(/does not fit in guest RAM/));
});

test('ROM image: kept whole, entered at the reset vector; its last 16 bytes hold nasm\'s far jump', () => {
  const { bytes } = fx.flatBin('rom.asm');
  assert.equal(bytes.length, 0x10000);
  const plan = loadImage(bytes, { ramBytes: MiB, format: 'rom' });
  assert.deepEqual(plan.entry, { kind: 'reset' });
  assert.deepEqual(plan.rom, bytes);
  assert.equal(plan.memory.length, 0);
  // jmp 0xF000:0x0000 is EA 00 00 00 F0 (SDM: JMP ptr16:16)
  assert.deepEqual([...bytes.subarray(0xfff0, 0xfff5)], [0xea, 0x00, 0x00, 0x00, 0xf0]);
  assert.match(plan.description, /ROM image, 64 KiB/);
});

test('ROM size limits: at least 16 bytes, at most 1 MiB', () => {
  assert.throws(() => loadImage(new Uint8Array(15), { ramBytes: MiB, format: 'rom' }), isImageError(/needs at least 16/));
  assert.throws(() => loadImage(new Uint8Array(MiB + 1), { ramBytes: MiB, format: 'rom' }), isImageError(/at most 1 MiB|most that fits/));
  assert.equal(loadImage(new Uint8Array(MiB), { ramBytes: MiB, format: 'rom' }).rom!.length, MiB);
});

test('auto: multiboot ELF, plain ELF and address-field binary are told apart; raw bytes are refused', () => {
  const ram = 8 * MiB;
  const mb = loadImage(fx.mbElf().bytes, { ramBytes: ram });
  assert.ok(mb.entry.kind === 'flat32' && mb.entry.regs?.eax === 0x2badb002);
  const plain = loadImage(fx.plainElf().bytes, { ramBytes: ram });
  assert.ok(plain.entry.kind === 'flat32' && plain.entry.regs === undefined);
  const kludge = loadImage(fx.mbKludge().bytes, { ramBytes: ram });
  assert.ok(kludge.entry.kind === 'flat32' && kludge.entry.regs?.eax === 0x2badb002);
  assert.throws(() => loadImage(fx.flatBin('boot-sector.asm').bytes, { ramBytes: ram }), isImageError(/unrecognised image.*--format/));
});

test('option errors: empty image, bad RAM size, unknown format', () => {
  assert.throws(() => loadImage(new Uint8Array(0), { ramBytes: MiB }), isImageError(/image is empty/));
  assert.throws(() => loadImage(new Uint8Array(4), { ramBytes: 0 }), isImageError(/RAM size 0/));
  assert.throws(() => loadImage(new Uint8Array(4), { ramBytes: 1.5 }), isImageError(/RAM size/));
  assert.throws(() => loadImage(new Uint8Array(4), { ramBytes: MiB, format: 'pe' as never }), isImageError(/unknown image format 'pe'/));
  assert.throws(() => loadImage(new Uint8Array(4), undefined as never), isImageError(/load options are missing/));
  assert.throws(() => loadImage('kernel' as never, { ramBytes: MiB }), isImageError(/must be a Uint8Array/));
  assert.throws(() => loadImage(fx.mbElf().bytes, { ramBytes: 4 * MiB, modules: [{ bytes: null as never }] }), isImageError(/module 0 has no bytes/));
});
