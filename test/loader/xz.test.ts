// The loader's xz decoder (a Linux bzImage's payload, unpacked for a PV or PVH boot) against
// the xz tool as the oracle: what `xz` compresses with each option a kernel build or a user
// may pick, ours decompresses to the same bytes; corrupt or truncated streams are clear
// errors, never a crash or a read out of bounds; the output limit holds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { decodeXz, XzError } from '../../emulator/loader/xz/xz';
import { bcjX86Decode } from '../../emulator/loader/xz/bcj-x86';

const xz = (input: Uint8Array, args: string[]): Uint8Array =>
  new Uint8Array(execFileSync('xz', ['-c', '-z', ...args], { input, maxBuffer: 256 << 20 }));

/** Deterministic data with structure (repeats at many distances, runs, text) and noise. */
function sample(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
  const words = ['mov', 'rax', 'push', 'hypercall', 'evtchn', ' ', '\n', 'xen', 'grant', '0x', 'page'];
  let i = 0;
  while (i < n) {
    const k = rnd() % 10;
    if (k < 4 && i > 8) {
      const dist = 1 + (rnd() % Math.min(i, k === 0 ? 65536 : 300));
      const len = 2 + (rnd() % 40);
      for (let j = 0; j < len && i < n; j++, i++) out[i] = out[i - dist];
    } else if (k < 7) {
      for (const c of words[rnd() % words.length]) if (i < n) out[i++] = c.charCodeAt(0);
    } else if (k < 8) {
      const b = rnd() & 0xff;
      for (let j = rnd() % 30; j > 0 && i < n; j--) out[i++] = b;
    } else {
      out[i++] = rnd() & 0xff;
    }
  }
  return out;
}

/** x86 code with many CALL/JMP rel32: what the branch filter rewrites. */
const hostBinary = (): Uint8Array => new Uint8Array(readFileSync(execFileSync('sh', ['-c', 'command -v xz'], { encoding: 'utf8' }).trim()));

const cases: { name: string; data: () => Uint8Array; args: string[] }[] = [
  { name: 'empty input', data: () => new Uint8Array(0), args: [] },
  { name: 'one byte', data: () => new Uint8Array([0x42]), args: [] },
  { name: 'structured data, default preset (CRC64)', data: () => sample(600_000, 1), args: [] },
  { name: 'structured data, preset 0, CRC32', data: () => sample(300_000, 2), args: ['-0', '--check=crc32'] },
  { name: 'structured data, preset 9e, no check', data: () => sample(300_000, 3), args: ['-9e', '--check=none'] },
  { name: 'SHA-256 check (not verified, still decoded)', data: () => sample(50_000, 4), args: ['--check=sha256'] },
  { name: 'lc=0 lp=2 pb=0', data: () => sample(200_000, 5), args: ['--lzma2=lc=0,lp=2,pb=0'] },
  { name: 'lc=4 lp=0 pb=4', data: () => sample(200_000, 6), args: ['--lzma2=lc=4,lp=0,pb=4'] },
  { name: 'lc=1 lp=3 pb=3, small dictionary', data: () => sample(200_000, 7), args: ['--lzma2=lc=1,lp=3,pb=3,dict=4KiB'] },
  { name: 'random bytes (stored chunks)', data: () => { const b = new Uint8Array(200_000); for (let i = 0; i < b.length; i++) b[i] = (Math.imul(i, 2654435761) >>> 13) & 0xff; return b; }, args: [] },
  { name: 'several blocks', data: () => sample(400_000, 8), args: ['--block-size=65536'] },
  { name: 'x86 branch filter on a host binary, as Linux builds its payload', data: hostBinary, args: ['--x86', '--lzma2=preset=9,dict=1MiB', '--check=crc32'] },
  { name: 'x86 branch filter with a start offset', data: hostBinary, args: ['--x86=start=4096', '--lzma2=preset=6'] },
  { name: 'x86 branch filter on data dense in E8/E9 bytes', data: () => { const b = sample(100_000, 9); for (let i = 0; i < b.length; i += 3 + (i % 5)) b[i] = 0xe8 | (i & 1); return b; }, args: ['--x86', '--lzma2'] },
];

for (const c of cases) {
  test(`xz: ${c.name} decodes to what xz compressed`, () => {
    const data = c.data();
    const packed = xz(data, c.args);
    const r = decodeXz(packed, { maxBytes: 64 << 20 });
    assert.equal(r.data.length, data.length);
    assert.ok(Buffer.from(r.data).equals(Buffer.from(data)), 'bytes differ');
    assert.equal(r.streamBytes, packed.length);
  });
}

test('xz: the stream ends where its footer does (Linux appends the size after it)', () => {
  const data = sample(10_000, 10);
  const packed = xz(data, ['--check=crc32']);
  const withSize = new Uint8Array(packed.length + 4);
  withSize.set(packed);
  new DataView(withSize.buffer).setUint32(packed.length, data.length, true);
  const r = decodeXz(withSize, { maxBytes: 1 << 20 });
  assert.equal(r.streamBytes, packed.length);
  assert.equal(r.check, 'crc32');
  assert.ok(Buffer.from(r.data).equals(Buffer.from(data)));
});

test('xz: the output limit is enforced before it is exceeded', () => {
  const packed = xz(new Uint8Array(1 << 20), []);
  assert.throws(() => decodeXz(packed, { maxBytes: 1 << 19 }), (e: unknown) => e instanceof XzError && /exceeds the limit of 524288 bytes/.test(e.message));
});

test('xz: every single-byte corruption and every truncation is an XzError or caught by a check', () => {
  const data = sample(20_000, 11);
  const packed = xz(data, ['--x86', '--lzma2', '--check=crc32']);
  let errors = 0;
  for (let i = 0; i < packed.length; i += 7) {
    for (const flip of [0x01, 0x80, 0xff]) {
      const bad = packed.slice();
      bad[i] ^= flip;
      try {
        const r = decodeXz(bad, { maxBytes: 1 << 20 });
        // A flip the format cannot see (none here: every byte is under a CRC) would still have to decode to the data.
        assert.ok(Buffer.from(r.data).equals(Buffer.from(data)), `corruption at ${i} gave wrong data without an error`);
      } catch (e) {
        assert.ok(e instanceof XzError, `corruption at ${i} threw ${String(e)}`);
        errors++;
      }
    }
  }
  assert.ok(errors > 0);
  for (let n = 0; n < packed.length; n += 13) {
    assert.throws(() => decodeXz(packed.subarray(0, n), { maxBytes: 1 << 20 }), XzError, `truncated to ${n}`);
  }
});

test('xz: unsupported filters and a missing magic are named', () => {
  const delta = xz(sample(1000, 12), ['--delta=dist=4', '--lzma2']);
  assert.throws(() => decodeXz(delta, { maxBytes: 1 << 20 }), /filter 0x3 is not supported/);
  assert.throws(() => decodeXz(new Uint8Array(64), { maxBytes: 1 << 20 }), /not an xz stream/);
});

test('x86 branch filter: a lone CALL rel32 is turned back from absolute to relative', () => {
  // At stream offset 0x1000 + 0x10, a CALL whose absolute target 0x2000 was stored: the
  // displacement is 0x2000 - (0x1010 + 5).
  const buf = new Uint8Array(32);
  buf[0x10] = 0xe8;
  new DataView(buf.buffer).setUint32(0x11, 0x2000, true);
  bcjX86Decode(buf, 0x1000);
  assert.equal(new DataView(buf.buffer).getInt32(0x11, true), 0x2000 - 0x1015);
});
