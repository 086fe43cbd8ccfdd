// The loader's LZ4 legacy-frame decoder (the payload of Debian's cloud kernels) against the
// lz4 tool: what `lz4 -l` compresses, ours decompresses to the same bytes (one chunk, several
// 8 MiB chunks, concatenated frames, the size the kernel build appends); corrupt or cut
// streams are clear errors; the output limit holds. And Debian's cloud bzImage: its payload
// decodes to what `lz4 -d` gives, an x86-64 ELF with Xen's PV and PVH entry notes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeLz4Legacy, Lz4Error } from '../../emulator/loader/lz4-legacy';
import { linuxPayload } from '../../emulator/loader/linux-payload';
import { readImage } from '../../emulator/loader';
import { CACHE } from '../linux/debian-kernel';

const lz4 = (input: Uint8Array, level = '-1'): Uint8Array =>
  new Uint8Array(execFileSync('lz4', ['-l', '-c', level, '-'], { input, maxBuffer: 256 << 20 }));

function sample(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
  let i = 0;
  while (i < n) {
    const k = rnd() % 8;
    if (k < 3 && i > 16) {
      const dist = 1 + (rnd() % Math.min(i, k === 0 ? 65535 : 64));
      for (let j = 2 + (rnd() % 300); j > 0 && i < n; j--, i++) out[i] = out[i - dist];
    } else if (k < 5) {
      for (let j = rnd() % 40; j > 0 && i < n; j--) out[i++] = 0x61 + (rnd() % 6);
    } else {
      out[i++] = rnd() & 0xff;
    }
  }
  return out;
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

for (const [name, data, level] of [
  ['one small chunk', sample(1000, 1), '-1'],
  ['a few hundred KiB, fast', sample(300_000, 2), '-1'],
  ['a few hundred KiB, high compression', sample(300_000, 3), '-9'],
  ['runs longer than 255 (extended lengths)', new Uint8Array(100_000).fill(7), '-1'],
  ['20 MiB: three 8 MiB chunks', (() => { const b = new Uint8Array(20 << 20); for (let i = 0; i < b.length; i++) b[i] = (i * 7) % 251 ^ ((i >>> 12) & 0xff); return b; })(), '-1'],
] as const) {
  test(`lz4 -l: ${name} decodes to what lz4 compressed`, () => {
    const packed = lz4(data, level);
    assert.ok(same(decodeLz4Legacy(packed, { maxBytes: 64 << 20 }), data));
  });
}

test('lz4 legacy: two frames back to back, and the decompressed size appended as the kernel build does', () => {
  const a = sample(50_000, 4), b = sample(70_000, 5);
  const pa = lz4(a), pb = lz4(b);
  const both = new Uint8Array(pa.length + pb.length + 4);
  both.set(pa); both.set(pb, pa.length);
  new DataView(both.buffer).setUint32(pa.length + pb.length, a.length + b.length, true);
  const out = decodeLz4Legacy(both, { maxBytes: 1 << 20 });
  assert.ok(same(out, new Uint8Array([...a, ...b])));
});

test('lz4 legacy: corruption and truncation are Lz4Errors, the limit holds', () => {
  const data = sample(40_000, 6);
  const packed = lz4(data);
  let errors = 0;
  for (let i = 4; i < packed.length; i += 5) {
    const bad = packed.slice();
    bad[i] ^= 0xa5;
    try { decodeLz4Legacy(bad, { maxBytes: 1 << 20 }); } catch (e) { assert.ok(e instanceof Lz4Error, String(e)); errors++; }
  }
  assert.ok(errors > 0);
  for (let n = 5; n < packed.length; n += 97) assert.throws(() => decodeLz4Legacy(packed.subarray(0, n), { maxBytes: 1 << 20 }), Lz4Error);
  assert.throws(() => decodeLz4Legacy(lz4(new Uint8Array(1 << 20)), { maxBytes: 1 << 19 }), /exceeds the limit/);
  assert.throws(() => decodeLz4Legacy(new Uint8Array(16), { maxBytes: 1 << 20 }), /not an LZ4 legacy frame/);
});

// Debian's cloud flavour (fetched by scripts/fetch-debs.sh linux-cloud: the kernel package only).
let cloud: string | null = join(CACHE, 'debs', 'linux-cloud', 'vmlinuz');
let skip: string | false = false;
try {
  if (!existsSync(cloud)) execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'fetch-debs.sh'), 'linux-cloud'], { stdio: ['ignore', 'ignore', 'pipe'] });
} catch (e) {
  skip = `Debian's cloud kernel could not be fetched: ${(e as { stderr?: Buffer }).stderr?.toString().trim() ?? e}`;
  cloud = null;
}

test('Debian\'s cloud bzImage: the lz4 payload decodes to what lz4 -d gives, an x86-64 ELF with PV and PVH entries', { skip }, () => {
  const b = new Uint8Array(readFileSync(cloud!));
  const v = new DataView(b.buffer, b.byteOffset);
  const offset = ((b[0x1f1] || 4) + 1) * 512 + v.getUint32(0x248, true), length = v.getUint32(0x24c, true);
  // The last 4 bytes are the size the kernel build appended (lz4 itself would call them garbage).
  const theirs = execFileSync('lz4', ['-d', '-c'], { input: b.subarray(offset, offset + length - 4), maxBuffer: 1 << 30 });
  assert.equal(v.getUint32(offset + length - 4, true), theirs.length);
  const p = linuxPayload(readImage(b), 512 << 20);
  assert.equal(p.compression, 'lz4');
  assert.ok(same(p.image.bytes, theirs), 'differs from lz4 -d');
  assert.equal(p.image.format, 'elf');
  if (p.image.format !== 'elf') return;
  const info = p.image.xen()!;
  assert.ok(info.entry !== undefined && info.physEntry !== undefined, 'XEN_ELFNOTE_ENTRY and PHYS32_ENTRY');
});
