// QEMU's debugging ports, which guest test kernels use to report and stop:
// isa-debug-exit (as `-device isa-debug-exit,iobase=0xf4,iosize=0x04`): a write of v to
// any of its four ports asks the machine to stop with status (v << 1) | 1; reads return 0.
// debugcon at 0xE9: written bytes go to the serial output; reads return 0xE9, the value
// guests probe to detect the port.

import type { AccessSize, PlatformRequest, PortHandler } from './platform-api';

export class DebugExit implements PortHandler {
  constructor(private readonly request: (r: PlatformRequest) => void) {}
  in(_port: number, _size: AccessSize): number { return 0; }
  out(_port: number, size: AccessSize, value: number): void {
    const v = size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff);
    this.request({ kind: 'debug-exit', code: v * 2 + 1 });
  }
}

export class DebugCon implements PortHandler {
  constructor(private readonly emit: (byte: number) => void) {}
  in(_port: number, _size: AccessSize): number { return 0xe9; }
  out(_port: number, _size: AccessSize, value: number): void { this.emit(value & 0xff); }
}
