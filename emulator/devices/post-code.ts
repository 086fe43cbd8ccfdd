// Port 0x80, the POST-code latch. Kernels write it as a short I/O delay (Linux's outb_p),
// so it is a device, not an unassigned access; the last code is kept for inspection.

import type { AccessSize, PortHandler } from './platform-api';

export class PostCode implements PortHandler {
  last = 0;
  reset(): void { this.last = 0; }
  in(_port: number, _size: AccessSize): number { return 0xff; }
  out(_port: number, _size: AccessSize, value: number): void { this.last = value & 0xff; }
}
