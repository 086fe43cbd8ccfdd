// Xen guest information: the notes checked against readelf's dump of the same notes, and the
// meaning of each field against Xen's public elfnote.h (types, string vs numeric, defaults).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageError, loadImage, parseXenNotes } from '../../emulator/loader/index';
import { FixtureBuilder } from './build-fixtures';
import { oracleEntry, oracleNotes, oracleProgramHeaders, oracleSymbols } from './readelf-oracle';

const fx = new FixtureBuilder('xen-notes');

function le(data: Uint8Array): number {
  let v = 0;
  for (let i = data.length - 1; i >= 0; i--) v = v * 256 + data[i];
  return v;
}
function str(data: Uint8Array): string {
  const nul = data.indexOf(0);
  return new TextDecoder().decode(data.subarray(0, nul));
}

for (const wide of [false, true]) {
  test(`Xen notes (${wide ? '8' : '4'}-byte numbers) agree with readelf -n and the symbol table`, () => {
    const { path, bytes } = fx.xenPv(wide);
    const info = parseXenNotes(bytes);
    assert.ok(info);
    assert.equal(info.source, 'notes');
    const theirs = oracleNotes(path).filter((n) => n.owner === 'Xen');
    assert.equal(info.notes.length, theirs.length);
    info.notes.forEach((n, i) => {
      assert.equal(n.type, theirs[i].type);
      if (typeof n.value === 'number') assert.equal(n.value, le(theirs[i].data));
      else if (typeof n.value === 'string') assert.equal(n.value, str(theirs[i].data));
      else assert.deepEqual(n.value, theirs[i].data);
    });

    const sym = (name: string) => oracleSymbols(path).find((s) => s.name === name)!.value;
    assert.equal(info.entry, sym('startup_xen'));
    assert.equal(info.hypercallPage, sym('hypercall_page'));
    assert.equal(info.virtBase, 0xc0000000);
    assert.equal(info.paddrOffset, 0);
    assert.equal(info.hvStartLow, 0xf5800000);
    assert.equal(info.guestOs, 'linux');
    assert.equal(info.guestVersion, '2.6');
    assert.equal(info.xenVersion, 'xen-3.0');
    assert.equal(info.loader, 'generic');
    assert.equal(info.paeRaw, 'yes');
    assert.equal(info.pae, 'extended-cr3'); // Xen reads a PAE_MODE note "yes" as PAE with extended CR3
    assert.deepEqual(info.features.required, ['writable_page_tables']);
    assert.deepEqual(info.features.supported.sort(), ['pae_pgdir_above_4gb', 'writable_page_tables']);
    // XENFEAT_writable_page_tables = 0, XENFEAT_pae_pgdir_above_4gb = 4 (features.h)
    assert.equal(info.features.supportedMask, (1 << 0) | (1 << 4));
    assert.equal(info.features.requiredMask, 1 << 0);
    assert.deepEqual(info.features.unknownRequired, []);
    assert.ok(info.l1MfnValid === undefined, 'the 16-byte (mask, value) note is kept as bytes');
    assert.equal(info.notes.find((n) => n.type === 13)!.value instanceof Uint8Array, true);

    const loads = oracleProgramHeaders(path).filter((p) => p.type === 'LOAD');
    assert.equal(info.layout.virtBase, 0xc0000000);
    assert.equal(info.layout.paddrOffset, 0);
    assert.equal(info.layout.entry, oracleEntry(path));
    // VIRT_BASE - PADDR_OFFSET shifts the physical load range into the kernel's virtual range.
    assert.equal(info.layout.virtKernelStart, Math.min(...loads.map((p) => p.paddr)) + 0xc0000000);
    assert.equal(info.layout.virtKernelStart, Math.min(...loads.map((p) => p.vaddr)));
    assert.equal(info.layout.virtKernelEnd, Math.max(...loads.map((p) => p.vaddr + p.memsz)));
  });
}

test('legacy __xen_guest section: NAME=VALUE pairs, hypercall page counted in pages from VIRT_BASE', () => {
  const { path, bytes } = fx.xenLegacy();
  const info = parseXenNotes(bytes);
  assert.ok(info);
  assert.equal(info.source, 'legacy');
  assert.equal(info.notes.length, 0);
  assert.equal(info.guestOs, 'linux');
  assert.equal(info.xenVersion, 'xen-3.0');
  assert.equal(info.loader, 'generic');
  assert.equal(info.virtBase, 0xc0000000);
  assert.equal(info.paddrOffset, 0xc0000000);
  assert.equal(info.hypercallPage, 0xc0000000 + 2 * 4096);
  assert.equal(info.pae, 'extended-cr3');
  assert.equal(info.entry, undefined);
  assert.equal(info.layout.entry, oracleEntry(path), 'entry defaults to e_entry');
  // XENFEAT_writable_descriptor_tables = 1, XENFEAT_auto_translated_physmap = 2
  assert.equal(info.features.supportedMask, (1 << 1) | (1 << 2));
  assert.equal(info.features.requiredMask, 1 << 2);
  const loads = oracleProgramHeaders(path).filter((p) => p.type === 'LOAD' && p.memsz > 0);
  assert.equal(info.layout.virtKernelStart, Math.min(...loads.map((p) => p.paddr)), 'VIRT_BASE - ELF_PADDR_OFFSET = 0');
});

test('images without Xen information give null; non-ELF gives null', () => {
  assert.equal(parseXenNotes(fx.mbElf().bytes), null);
  assert.equal(parseXenNotes(fx.plainElf().bytes), null);
  assert.equal(parseXenNotes(new Uint8Array([1, 2, 3])), null);
});

/** Rewrites the descsz of the first Xen note of the given type, keeping the file otherwise intact. */
function findNote(bytes: Uint8Array, type: number): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  for (let o = 0; o + 16 <= bytes.length; o += 4) {
    if (v.getUint32(o, true) === 4 && v.getUint32(o + 8, true) === type && bytes[o + 12] === 0x58 && bytes[o + 13] === 0x65 && bytes[o + 14] === 0x6e && bytes[o + 15] === 0) return o;
  }
  throw new Error('note not found');
}

test('malformed notes are ImageErrors: unterminated string, odd-sized address, note past its area', () => {
  const base = fx.xenPv().bytes;
  const s = base.slice();
  const guestOs = findNote(s, 6);
  s.fill(0x41, guestOs + 16, guestOs + 16 + 8); // "linux\0" + padding -> no NUL in the descriptor
  assert.throws(() => parseXenNotes(s), (e: unknown) => e instanceof ImageError && /GUEST_OS is not NUL-terminated/.test(e.message));

  const n = base.slice();
  const entry = findNote(n, 1);
  new DataView(n.buffer).setUint32(entry + 4, 3, true); // ENTRY descsz 3
  assert.throws(() => parseXenNotes(n), (e: unknown) => e instanceof ImageError && /ENTRY is numeric but has 3 bytes/.test(e.message));

  const p = base.slice();
  const hv = findNote(p, 12);
  new DataView(p.buffer).setUint32(hv + 4, 0x10000, true);
  assert.throws(() => parseXenNotes(p), (e: unknown) => e instanceof ImageError && /runs past the end of its note area/.test(e.message) && e.offset === hv);
});

test('a Xen PV kernel in HVM is refused as one; loaded as a plain ELF it explains that it needs PV mode', () => {
  assert.throws(() => loadImage(fx.xenLegacy().bytes, { ramBytes: 64 << 20 }),
    (e: unknown) => e instanceof ImageError && /a Xen PV kernel \(__xen_guest: GUEST_OS 'linux'.*run it in PV mode \(--mode pv\)/.test(e.message));
  assert.throws(() => loadImage(fx.xenLegacy().bytes, { ramBytes: 64 << 20, format: 'elf' }),
    (e: unknown) => e instanceof ImageError && /does not fit in guest RAM/.test(e.message) && /PV kernel: run it in PV mode/.test(e.message));
});
