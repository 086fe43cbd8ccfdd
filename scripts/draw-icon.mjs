// Draws media/icon.png (128x128 RGBA): a dark chip with a ring-0/ring-1 split, the picture
// of a paravirtualized kernel moved out of ring 0. Written with node's zlib, no image library.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const N = 128;
const px = new Uint8Array(N * N * 4);

function set(x, y, [r, g, b, a = 255]) {
  const i = (y * N + x) * 4;
  px[i] = r; px[i + 1] = g; px[i + 2] = b; px[i + 3] = a;
}

const BG = [0x1e, 0x22, 0x2e];
const CHIP = [0x2b, 0x3a, 0x55];
const PIN = [0xb0, 0xb8, 0xc8];
const RING0 = [0xe0, 0x5a, 0x47];
const RING1 = [0x3f, 0xb9, 0x8a];
const CORE = [0xf2, 0xf2, 0xf2];

for (let y = 0; y < N; y++) {
  for (let x = 0; x < N; x++) {
    // Rounded square background.
    const dx = Math.max(0, Math.abs(x - 63.5) - 50), dy = Math.max(0, Math.abs(y - 63.5) - 50);
    if (dx * dx + dy * dy > 13 * 13) { set(x, y, [0, 0, 0, 0]); continue; }
    set(x, y, BG);
    // Pins on four sides.
    const onPinRow = (v) => v >= 30 && v <= 98 && (v - 30) % 12 < 5;
    if ((x < 26 || x > 101) && x > 12 && x < 115 && onPinRow(y)) set(x, y, PIN);
    if ((y < 26 || y > 101) && y > 12 && y < 115 && onPinRow(x)) set(x, y, PIN);
    // Chip body.
    if (x >= 24 && x <= 103 && y >= 24 && y <= 103) set(x, y, CHIP);
    // Concentric rings: ring 0 (the hypervisor) inside, ring 1 (the PV kernel) around it.
    const r = Math.hypot(x - 63.5, y - 63.5);
    if (r >= 27 && r <= 33) set(x, y, RING1);
    if (r >= 15 && r <= 21) set(x, y, RING0);
    if (r < 9) set(x, y, CORE);
  }
}

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

const raw = Buffer.alloc(N * (N * 4 + 1));
for (let y = 0; y < N; y++) {
  raw[y * (N * 4 + 1)] = 0; // filter: none
  Buffer.from(px.buffer, y * N * 4, N * 4).copy(raw, y * (N * 4 + 1) + 1);
}
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(N, 0); ihdr.writeUInt32BE(N, 4);
ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('../media/icon.png', import.meta.url), png);
console.log(`media/icon.png: ${png.length} bytes`);
