// The vmlinux inside Debian's bzImage, as Xen's domain builder takes it for a PV or PVH boot:
// our loader's payload (xz + the x86 branch filter, decoded in the loader) against the xz
// tool's output of the same bytes, and its Xen notes against readelf -n. Swapping the payload
// for another compression or a plain ELF shows what the loader does with each.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage, ImageError } from '../../emulator/loader/index';
import { linuxPayload, isLinuxBootImage } from '../../emulator/loader/linux-payload';
import { linuxFixture } from '../linux/debian-kernel';
import { oracleNotes } from './readelf-oracle';

let fixture: { bytes: Uint8Array } | string;
try {
  fixture = { bytes: new Uint8Array(readFileSync(linuxFixture().kernelPath)) };
} catch (e) {
  fixture = `Debian's kernel could not be fetched: ${(e as Error).message}`;
}
const skip = typeof fixture === 'string' ? fixture : false;
const kernel = (): Uint8Array => (fixture as { bytes: Uint8Array }).bytes;
const RAM = 512 << 20;

function payloadRange(b: Uint8Array): { offset: number; length: number } {
  const v = new DataView(b.buffer, b.byteOffset);
  const setupSects = b[0x1f1] || 4;
  return { offset: (setupSects + 1) * 512 + v.getUint32(0x248, true), length: v.getUint32(0x24c, true) };
}

/** The bzImage with its payload replaced (payload_length patched). */
function withPayload(b: Uint8Array, payload: Uint8Array): Uint8Array {
  const { offset } = payloadRange(b);
  const out = new Uint8Array(offset + payload.length);
  out.set(b.subarray(0, offset));
  out.set(payload, offset);
  const v = new DataView(out.buffer);
  v.setUint32(0x24c, payload.length, true);
  // syssize: the protected-mode kernel in 16-byte units, which the loader checks the file against.
  const setupSects = b[0x1f1] || 4;
  v.setUint32(0x1f4, Math.ceil((out.length - (setupSects + 1) * 512) / 16), true);
  return out;
}

test('Debian\'s bzImage: the payload decodes to what xz -d gives, an x86-64 ELF', { skip }, () => {
  const b = kernel();
  const image = readImage(b);
  assert.ok(isLinuxBootImage(image));
  const { offset, length } = payloadRange(b);
  const theirs = execFileSync('xz', ['-d', '-c', '--single-stream'], { input: b.subarray(offset, offset + length), maxBuffer: 1 << 30 });
  const p = linuxPayload(image, RAM);
  assert.equal(p.compression, 'xz');
  assert.equal(p.offset, offset);
  assert.equal(p.length, length);
  assert.equal(p.image.bytes.length, theirs.length);
  assert.ok(Buffer.from(p.image.bytes).equals(theirs), 'decompressed bytes differ from xz -d');
  // The kernel build appends the decompressed size after the stream.
  assert.equal(new DataView(b.buffer, b.byteOffset).getUint32(offset + length - 4, true), theirs.length);
  assert.equal(p.image.format, 'elf');
  if (p.image.format === 'elf') assert.equal(p.image.elf().class, 64);
  assert.equal(linuxPayload(image, RAM), p, 'kept with the image');
});

test('Debian\'s vmlinux: the Xen notes a PV and a PVH loader need agree with readelf -n', { skip }, () => {
  const p = linuxPayload(readImage(kernel()), RAM);
  assert.equal(p.image.format, 'elf');
  if (p.image.format !== 'elf') return;
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-vmlinux-'));
  const path = join(dir, 'vmlinux');
  writeFileSync(path, p.image.bytes);
  const theirs = oracleNotes(path).filter((n) => n.owner === 'Xen');
  const info = p.image.xen();
  assert.ok(info);
  assert.equal(info.notes.length, theirs.length);
  const signed64 = (d: Uint8Array) => Number(BigInt.asIntN(64, new DataView(d.buffer, d.byteOffset).getBigUint64(0, true)));
  const note = (type: number) => theirs.find((n) => n.type === type)!.data;
  // elfnote.h: ENTRY 1, VIRT_BASE 3, PADDR_OFFSET 4, HV_START_LOW 12, INIT_P2M 15, PHYS32_ENTRY 18.
  assert.equal(info.entry, signed64(note(1)));
  assert.equal(info.virtBase, signed64(note(3)));
  assert.equal(info.virtBase, -0x80000000, '0xffffffff80000000');
  assert.equal(info.paddrOffset, signed64(note(4)));
  assert.equal(info.hvStartLow, signed64(note(12)));
  assert.equal(info.initP2m, signed64(note(15)));
  const phys = note(18);
  assert.equal(info.physEntry, phys.length === 8 ? signed64(phys) : new DataView(phys.buffer, phys.byteOffset).getUint32(0, true));
  assert.equal(info.guestOs, 'linux');
  assert.equal(info.loader, 'generic');
  assert.equal(info.xenVersion, 'xen-3.0');
  // FEATURES is written with .ascii (no NUL inside descsz): read up to the padding's NUL, as Xen does.
  const features = new TextDecoder().decode(note(10)).replace(/\0.*$/, '');
  assert.deepEqual(info.features.raw, [features]);
  assert.ok(info.features.required.includes('writable_page_tables'));
  // The virtual range the kernel occupies, from the program headers as readelf gives them.
  assert.ok(info.layout.virtKernelStart < info.layout.entry && info.layout.entry < info.layout.virtKernelEnd);
});

test('payloads of other kinds: a plain ELF is taken as is; gzip, zstd, garbage and a corrupt xz are refused by name', { skip }, () => {
  const b = kernel();
  const elf = linuxPayload(readImage(b), RAM).image.bytes;
  const plain = linuxPayload(readImage(withPayload(b, elf)), RAM);
  assert.equal(plain.compression, 'none');
  assert.equal(plain.image.bytes.length, elf.length);

  const gz = execFileSync('gzip', ['-c', '-1'], { input: Buffer.from('not a kernel') });
  assert.throws(() => linuxPayload(readImage(withPayload(b, gz)), RAM), (e: unknown) => e instanceof ImageError && /payload is gzip-compressed; only xz/.test(e.message));
  assert.throws(() => linuxPayload(readImage(withPayload(b, new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]))), RAM), /payload is zstd-compressed/);
  assert.throws(() => linuxPayload(readImage(withPayload(b, new Uint8Array(64).fill(0x41))), RAM), /starts with 41 41 41 41, which is no compression/);

  const { offset, length } = payloadRange(b);
  const corrupt = b.slice();
  corrupt[offset + (length >> 1)] ^= 0x55;
  assert.throws(() => linuxPayload(readImage(corrupt), RAM), (e: unknown) => e instanceof ImageError && /xz-compressed kernel payload cannot be decompressed/.test(e.message) && e.field === 'payload');
  // Too little room: the decompressed kernel must fit in the guest's RAM.
  assert.throws(() => linuxPayload(readImage(b.slice()), 16 << 20), /exceeds the limit of 16777216 bytes \(16 MiB, the guest's RAM\)/);
});
