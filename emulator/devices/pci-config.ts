// PCI configuration mechanism #1 with an empty bus: CONFIG_ADDRESS at 0xCF8 (32-bit,
// reads back what was written) and CONFIG_DATA at 0xCFC-0xCFF, where every read returns
// all ones (no device answers) and writes go nowhere. Byte accesses to 0xCF9 belong to
// the reset control register and are routed there by the bus, not here.

import type { AccessSize, PortHandler } from './platform-api';

export class PciConfig implements PortHandler {
  address = 0;

  reset(): void { this.address = 0; }

  in(port: number, size: AccessSize): number {
    if (port === 0xcf8) return size === 4 ? this.address >>> 0 : size === 2 ? 0xffff : 0xff;
    if (port >= 0xcf8 && port < 0xcfc) return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  }

  out(port: number, size: AccessSize, value: number): void {
    if (port === 0xcf8 && size === 4) this.address = value >>> 0;
  }
}
