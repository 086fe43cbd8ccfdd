// The x86 branch filter (xz filter id 0x04), decoding side. The encoder rewrote the 32-bit
// displacement of CALL (E8) and JMP (E9) rel32 into an absolute target, so the same callee
// compresses to the same bytes wherever it is called from; decoding turns it back into a
// displacement. Which E8/E9 bytes were converted is a function of the bytes themselves (the
// displacement's top byte is 00 or FF, and a history of E8/E9 seen in the three bytes before),
// so the decoder must follow the encoder's rule exactly: the filter's definition, restated.

const isSignByte = (b: number): boolean => b === 0x00 || b === 0xff;

// For a history of E8/E9 bytes at distances 1..3 before the current one (bit k set: one at
// distance k + 1): whether a conversion may happen at all, and which byte of the operand the
// history makes suspicious (0: none).
const HISTORY_ALLOWS = [true, true, true, false, true, false, false, false];
const HISTORY_BYTE = [0, 1, 2, 2, 3, 3, 3, 3];

/** Undoes the filter in place over `buf`, whose first byte was at stream offset `start` (the filter's start offset). */
export function bcjX86Decode(buf: Uint8Array, start = 0): void {
  const limit = buf.length - 4;
  let history = 0;
  let lastOpcode = -1000;   // position of the last E8/E9 considered
  let i = 0;
  while (i < limit) {
    const op = buf[i];
    if ((op & 0xfe) !== 0xe8) { i++; continue; }
    const gap = i - lastOpcode;
    if (gap > 3) {
      history = 0;
    } else {
      history = (history << (gap - 1)) & 7;
      if (history !== 0 && (!HISTORY_ALLOWS[history] || isSignByte(buf[i + 4 - HISTORY_BYTE[history]]))) {
        lastOpcode = i;
        history = (history << 1) | 1;
        i++;
        continue;
      }
    }
    lastOpcode = i;
    if (!isSignByte(buf[i + 4])) {
      history = (history << 1) | 1;
      i++;
      continue;
    }
    let value = (buf[i + 1] | (buf[i + 2] << 8) | (buf[i + 3] << 16) | (buf[i + 4] << 24)) >>> 0;
    let disp: number;
    for (;;) {
      disp = (value - (start + i + 5)) >>> 0;
      if (history === 0) break;
      const shift = HISTORY_BYTE[history] * 8;
      if (!isSignByte((disp >>> (24 - shift)) & 0xff)) break;
      value = (disp ^ (2 ** (32 - shift) - 1)) >>> 0;
    }
    // Bit 24 is the sign the encoder kept; bits 25-31 follow it.
    disp &= 0x01ffffff;
    if (disp & 0x01000000) disp |= 0xfe000000;
    buf[i + 1] = disp & 0xff;
    buf[i + 2] = (disp >>> 8) & 0xff;
    buf[i + 3] = (disp >>> 16) & 0xff;
    buf[i + 4] = (disp >>> 24) & 0xff;
    i += 5;
  }
}
