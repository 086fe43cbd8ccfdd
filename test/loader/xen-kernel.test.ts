// The PV kernel image: segments at their virtual addresses in one block, with Xen's checks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageError, checkXenGuest, parseXenNotes, xenKernelImage } from '../../emulator/loader/index';
import { FixtureBuilder } from './build-fixtures';
import { oracleEntry, oracleProgramHeaders, oracleSymbols } from './readelf-oracle';

const fx = new FixtureBuilder('xen-kernel');
const isImageError = (re: RegExp) => (e: unknown) => e instanceof ImageError && re.test(e.message);

for (const wide of [false, true]) {
  test(`PV kernel image (${wide ? '8' : '4'}-byte notes): segments at VIRT_BASE + paddr, entry and hypercall page inside`, () => {
    const { path, bytes } = fx.xenPv(wide);
    const info = parseXenNotes(bytes)!;
    const k = xenKernelImage(bytes, info, 16 << 20);
    const loads = oracleProgramHeaders(path).filter((p) => p.type === 'LOAD');
    assert.equal(k.virtStart, Math.min(...loads.map((p) => p.vaddr)));
    assert.equal(k.virtEnd, Math.max(...loads.map((p) => p.vaddr + p.memsz)));
    assert.equal(k.image.length, k.virtEnd - k.virtStart);
    for (const p of loads) {
      assert.deepEqual(k.image.subarray(p.vaddr - k.virtStart, p.vaddr - k.virtStart + p.filesz), bytes.subarray(p.offset, p.offset + p.filesz));
    }
    assert.equal(k.entry, oracleEntry(path));
    // startup_xen is "cld; hlt": FC F4 (SDM opcode map)
    assert.deepEqual([...k.image.subarray(k.entry - k.virtStart, k.entry - k.virtStart + 2)], [0xfc, 0xf4]);
    const hp = oracleSymbols(path).find((s) => s.name === 'hypercall_page')!.value;
    assert.equal(k.hypercallPage, hp);
    assert.ok(k.image.subarray(hp - k.virtStart, hp - k.virtStart + 4096).every((b) => b === 0xcc));
    assert.equal(k.virtBase, 0xc0000000);
  });
}

test('PV kernel image: too large for the domain, hypercall page outside the kernel', () => {
  const pv = fx.xenPv();
  assert.throws(() => xenKernelImage(pv.bytes, parseXenNotes(pv.bytes)!, 4096), isImageError(/more than the domain's 4 KiB/));
  const legacy = fx.xenLegacy();
  // HYPERCALL_PAGE=0x2 is VIRT_BASE + 0x2000, but this kernel is one page at 0xC0001000.
  assert.throws(() => xenKernelImage(legacy.bytes, parseXenNotes(legacy.bytes)!, 1 << 20), isImageError(/hypercall page 0xc0002000 is not inside the kernel/));
});

test('Xen acceptance rules: guest OS or loader, interface version, required features, entry bounds', () => {
  const pv = fx.xenPv();
  const info = parseXenNotes(pv.bytes)!;
  checkXenGuest(info);
  assert.throws(() => checkXenGuest({ ...info, loader: 'grub', guestOs: 'minios' }), isImageError(/generic loader or Linux/));
  checkXenGuest({ ...info, loader: 'generic', guestOs: 'minios' });
  assert.throws(() => checkXenGuest({ ...info, xenVersion: 'xen-4.0' }), isImageError(/xen-3.0 interface/));
  assert.throws(() => checkXenGuest({ ...info, features: { ...info.features, unknownRequired: ['teleport'] } }), isImageError(/does not know: teleport/));
  assert.throws(() => xenKernelImage(pv.bytes, { ...info, layout: { ...info.layout, entry: 0x1000 } }, 16 << 20), isImageError(/entry out of bounds/));
  assert.throws(() => xenKernelImage(pv.bytes, { ...info, layout: { ...info.layout, virtBase: 0xd0000000 } }, 16 << 20), isImageError(/out of bounds/));
});
