// --format auto picks each kind of kernel by its headers alone - ELF32, ELF64, Multiboot,
// Multiboot2, a Linux bzImage, a Xen PV kernel - and a format given explicitly that does not
// fit is refused with what the headers say the file is; truncated and unknown files too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageError, loadImage, type ImageFormat } from '../../emulator/loader/index';
import { FixtureBuilder } from './build-fixtures';

const fx = new FixtureBuilder('detect');
const RAM = 64 << 20;

const KINDS = () => [
  { name: 'ELF32', bytes: fx.plainElf().bytes, format: 'elf', plan: /^ELF32 kernel/, is: /an ELF32 file$/ },
  { name: 'ELF64', bytes: fx.higherHalf64().bytes, format: 'elf', plan: /^ELF64 kernel/, is: /an ELF64 file$/ },
  { name: 'Multiboot', bytes: fx.mbElf().bytes, format: 'multiboot', plan: /^ELF32 multiboot kernel/, is: /an ELF32 file with a Multiboot header$/, eax: 0x2badb002 },
  { name: 'Multiboot2', bytes: fx.mb2Report().bytes, format: 'multiboot2', plan: /^ELF32 multiboot2 kernel/, is: /an ELF32 file with a Multiboot2 header$/, eax: 0x36d76289 },
  { name: 'bzImage', bytes: fx.bzReport().bytes, format: 'bzimage', plan: /^Linux bzImage, boot protocol 2\.15/, is: /a Linux bzImage \(boot protocol 2\.15\)$/ },
  { name: 'Xen PV', bytes: fx.xenPv().bytes, format: 'xen', plan: null, is: /an ELF32 file carrying Xen notes \(a PV kernel\)$/ },
] as const;

test('auto picks each kind by its headers', () => {
  for (const k of KINDS()) {
    if (k.plan === null) {
      assert.throws(() => loadImage(k.bytes, { ramBytes: RAM }), /a Xen PV kernel \(Xen ELF notes: .*run it in PV mode/, k.name);
      continue;
    }
    const plan = loadImage(k.bytes, { ramBytes: RAM, format: 'auto' });
    assert.match(plan.description, k.plan, k.name);
    if ('eax' in k) assert.ok(plan.entry.kind === 'flat32' && plan.entry.regs?.eax === k.eax, k.name);
    // The same as naming the format.
    assert.equal(loadImage(k.bytes, { ramBytes: RAM, format: k.format as ImageFormat }).description, plan.description, k.name);
  }
});

test('a wrong --format is refused naming what the file is', () => {
  const wrong: ImageFormat[] = ['elf', 'multiboot', 'multiboot2', 'bzimage', 'xen'];
  for (const k of KINDS()) {
    for (const f of wrong) {
      if (f === k.format) continue;
      // A Multiboot, Multiboot2 or Xen ELF is an ELF too: loading it plainly is the caller's choice.
      if (f === 'elf' && (k.format === 'multiboot' || k.format === 'multiboot2' || k.format === 'xen')) continue;
      assert.throws(() => loadImage(k.bytes, { ramBytes: RAM, format: f }), (e: unknown) => {
        assert.ok(e instanceof ImageError, `${k.name} as ${f}: ${String(e)}`);
        assert.match(e.message, new RegExp(`by its headers this file is ${k.is.source.replace(/\$$/, '')}`), `${k.name} as ${f}`);
        return true;
      });
    }
  }
});

test('truncated and unknown files', () => {
  const bz = fx.bzReport().bytes;
  // The magic is there, the header is cut short: an error about the header, not "unknown".
  assert.throws(() => loadImage(bz.slice(0, 0x210), { ramBytes: RAM }), /loadflags extends past the end of the image/);
  assert.throws(() => loadImage(fx.higherHalf64().bytes.slice(0, 40), { ramBytes: RAM }), /ELF header extends past the end/);
  const mb2 = fx.mb2Report().bytes;
  const cut = mb2.slice();
  const v = new DataView(cut.buffer);
  const at = mb2.findIndex((_, i) => i % 8 === 0 && v.getUint32(i, true) === 0xe85250d6);
  v.setUint32(at + 8, 0x7fffffff, true);                                // header_length past the end of the file
  assert.throws(() => loadImage(cut, { ramBytes: RAM }), /multiboot2 header at 0x[0-9a-f]+ has a bad checksum/);
  v.setUint32(at + 12, (-(0xe85250d6 + 0x7fffffff)) >>> 0, true);      // ... and a checksum that agrees
  assert.throws(() => loadImage(cut, { ramBytes: RAM }), /multiboot2 header_length 2147483647 is past the end of the file/);
  const noise = new Uint8Array(4096).map((_, i) => (i * 97 + 13) & 0xff);
  assert.throws(() => loadImage(noise, { ramBytes: RAM }), /unrecognised image: not ELF, not a Linux bzImage and no Multiboot or Multiboot2 header/);
  assert.throws(() => loadImage(noise, { ramBytes: RAM, format: 'bzimage' }), /not a Linux boot image: no "HdrS" magic at 0x202/);
  assert.throws(() => loadImage(noise, { ramBytes: RAM, format: 'xen' }), /not a Xen PV kernel/);
  assert.throws(() => loadImage(noise, { ramBytes: RAM, format: 'zimage' as ImageFormat }), /unknown image format 'zimage' \(use auto, elf, multiboot, multiboot2, bzimage, xen, flat or rom\)/);
});
