// VGA in 80x25 colour text mode (mode 3): the register file at 0x3C0-0x3DF, read back as
// written, with the CRTC values the BIOS programs for mode 3 at power-on; the cursor from
// CRTC 0x0A/0x0B (shape, bit 5 disables) and 0x0E/0x0F (location); input status 1 at 0x3DA
// toggles its retrace bits on every read so polling loops finish, and resets the attribute
// controller's index/data flip-flop. The text itself is plain RAM at 0xB8000, read through
// the platform's readPhys. The monochrome aliases (0x3B4/0x3B5/0x3BA) answer when the
// miscellaneous output register selects them (bit 0 clear).

import type { AccessSize, PortHandler } from './platform-api';

const MODE3_CRTC = [
  0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00,
  0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff,
];
const MODE3_SEQ = [0x03, 0x00, 0x03, 0x00, 0x02];
const MODE3_GC = [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff];
const MODE3_ATTR = [
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
  0x0c, 0x00, 0x0f, 0x08, 0x00,
];

export const TEXT_BASE = 0xb8000;
export const COLS = 80;
export const ROWS = 25;

export class VgaText implements PortHandler {
  crtc = new Uint8Array(0x20);
  crtcIndex = 0;
  seq = new Uint8Array(8);
  seqIndex = 0;
  gc = new Uint8Array(16);
  gcIndex = 0;
  attr = new Uint8Array(0x20);
  attrIndex = 0;       // includes bit 5 (palette address source)
  attrFlipData = false;
  misc = 0x67;         // colour I/O at 0x3Dx, 25 MHz clock, RAM enabled
  feature = 0;
  st01 = 0;
  dacMask = 0xff;
  dac = new Uint8Array(256 * 3);
  dacReadIndex = 0;
  dacWriteIndex = 0;
  dacComponent = 0;    // 0-2, shared by reads and writes as on real DACs
  dacState = 0;        // 0x3C7 read: 0 = write mode, 3 = read mode

  constructor(private readonly readPhys: (addr: number, size: AccessSize) => number) {
    this.reset();
  }

  reset(): void {
    this.crtc.fill(0); this.crtc.set(MODE3_CRTC);
    this.seq.fill(0); this.seq.set(MODE3_SEQ);
    this.gc.fill(0); this.gc.set(MODE3_GC);
    this.attr.fill(0); this.attr.set(MODE3_ATTR);
    this.crtcIndex = this.seqIndex = this.gcIndex = 0;
    this.attrIndex = 0x20;
    this.attrFlipData = false;
    this.misc = 0x67;
    this.feature = 0;
    this.st01 = 0;
    this.dacMask = 0xff;
    this.dac.fill(0);
    this.dacReadIndex = this.dacWriteIndex = this.dacComponent = this.dacState = 0;
  }

  /** True if `port` (0x3Bx or 0x3Dx) is the active CRTC/status block for the current misc setting. */
  private active(port: number): boolean {
    const colour = (this.misc & 1) !== 0;
    return (port & 0xfff0) === (colour ? 0x3d0 : 0x3b0);
  }

  in(port: number, _size: AccessSize): number {
    if ((port & 0xfff0) !== 0x3c0 && !this.active(port)) return 0xff;
    switch (port) {
      case 0x3c0: return this.attrIndex;
      case 0x3c1: return this.attr[this.attrIndex & 0x1f];
      case 0x3c2: return 0x00;             // input status 0 (QEMU reads 0 here too)
      case 0x3c3: return 1;
      case 0x3c4: return this.seqIndex;
      case 0x3c5: return this.seq[this.seqIndex & 7];
      case 0x3c6: return this.dacMask;
      case 0x3c7: return this.dacState;
      case 0x3c8: return this.dacWriteIndex;
      case 0x3c9: {
        const v = this.dac[this.dacReadIndex * 3 + this.dacComponent];
        if (++this.dacComponent === 3) { this.dacComponent = 0; this.dacReadIndex = (this.dacReadIndex + 1) & 0xff; }
        return v;
      }
      case 0x3ca: return this.feature;
      case 0x3cc: return this.misc;
      case 0x3ce: return this.gcIndex;
      case 0x3cf: return this.gc[this.gcIndex & 15];
      case 0x3b4: case 0x3d4: return this.crtcIndex;
      case 0x3b5: case 0x3d5: return this.crtcIndex < 0x19 ? this.crtc[this.crtcIndex] : 0;
      case 0x3ba: case 0x3da:
        this.attrFlipData = false;
        this.st01 ^= 0x09;                 // display-enable and vertical-retrace
        return this.st01;
      default: return 0xff;
    }
  }

  out(port: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    if ((port & 0xfff0) !== 0x3c0 && !this.active(port)) return;
    switch (port) {
      case 0x3c0:
        if (!this.attrFlipData) this.attrIndex = v & 0x3f;
        else if ((this.attrIndex & 0x1f) < 0x15) this.attr[this.attrIndex & 0x1f] = v;
        this.attrFlipData = !this.attrFlipData;
        break;
      case 0x3c2: this.misc = v; break;
      case 0x3c4: this.seqIndex = v; break;
      case 0x3c5: this.seq[this.seqIndex & 7] = v; break;
      case 0x3c6: this.dacMask = v; break;
      case 0x3c7: this.dacReadIndex = v; this.dacComponent = 0; this.dacState = 3; break;
      case 0x3c8: this.dacWriteIndex = v; this.dacComponent = 0; this.dacState = 0; break;
      case 0x3c9:
        this.dac[this.dacWriteIndex * 3 + this.dacComponent] = v & 0x3f;
        if (++this.dacComponent === 3) { this.dacComponent = 0; this.dacWriteIndex = (this.dacWriteIndex + 1) & 0xff; }
        break;
      case 0x3ce: this.gcIndex = v; break;
      case 0x3cf: this.gc[this.gcIndex & 15] = v; break;
      case 0x3b4: case 0x3d4: this.crtcIndex = v; break;
      case 0x3b5: case 0x3d5:
        if (this.crtcIndex >= 0x19) break;
        // CRTC 0-7 are write-protected by bit 7 of register 0x11, except the overflow's line-compare bit.
        if (this.crtcIndex <= 7 && (this.crtc[0x11] & 0x80)) {
          if (this.crtcIndex === 7) this.crtc[7] = (this.crtc[7] & ~0x10) | (v & 0x10);
          break;
        }
        this.crtc[this.crtcIndex] = v;
        break;
      case 0x3ba: case 0x3da: this.feature = v; break;
    }
  }

  /** Linear character offset of the display start (CRTC 0x0C/0x0D). */
  private startAddress(): number { return (this.crtc[0x0c] << 8) | this.crtc[0x0d]; }

  text(): { cols: number; rows: number; cells: Uint16Array; cursor: { row: number; col: number; visible: boolean } } {
    const cells = new Uint16Array(COLS * ROWS);
    const start = this.startAddress();
    for (let i = 0; i < cells.length; i++) {
      cells[i] = this.readPhys(TEXT_BASE + (((start + i) * 2) & 0x7fff), 2) & 0xffff;
    }
    const loc = ((this.crtc[0x0e] << 8) | this.crtc[0x0f]) - start;
    const cs = this.crtc[0x0a], ce = this.crtc[0x0b];
    const onScreen = loc >= 0 && loc < COLS * ROWS;
    const visible = onScreen && (cs & 0x20) === 0 && (cs & 0x1f) <= (ce & 0x1f);
    const at = onScreen ? loc : 0;
    return { cols: COLS, rows: ROWS, cells, cursor: { row: Math.floor(at / COLS), col: at % COLS, visible } };
  }
}
