// QEMU's firmware configuration device, legacy I/O interface (docs/specs/fw_cfg in QEMU):
// a 16-bit write to 0x510 selects an item and rewinds it; byte reads from 0x511 return the
// item's bytes in turn, then 0 past its end. Items: signature "QEMU" (0x0000), interface
// ID (0x0001: bit 0 = traditional interface, no DMA), RAM size (0x0003, 64-bit LE),
// CPU count (0x0005, 16-bit LE), max CPUs (0x000F), and an empty file directory (0x0019).
// Unknown items read as zeros, as QEMU answers them.

import type { AccessSize, PortHandler } from './platform-api';

export const FW_CFG_SIGNATURE = 0x0000;
export const FW_CFG_ID = 0x0001;
export const FW_CFG_UUID = 0x0002;
export const FW_CFG_RAM_SIZE = 0x0003;
export const FW_CFG_NOGRAPHIC = 0x0004;
export const FW_CFG_NB_CPUS = 0x0005;
export const FW_CFG_MAX_CPUS = 0x000f;
export const FW_CFG_FILE_DIR = 0x0019;

const EMPTY = new Uint8Array(0);

function le(value: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let v = value;
  for (let i = 0; i < bytes; i++) { out[i] = v % 256; v = Math.floor(v / 256); }
  return out;
}

export class FwCfg implements PortHandler {
  selector = 0;
  offset = 0;
  private readonly items = new Map<number, Uint8Array>();

  constructor(ramBytes: number, cpus = 1) {
    this.items.set(FW_CFG_SIGNATURE, new TextEncoder().encode('QEMU'));
    this.items.set(FW_CFG_ID, le(1, 4));
    this.items.set(FW_CFG_UUID, new Uint8Array(16));
    this.items.set(FW_CFG_RAM_SIZE, le(ramBytes, 8));
    this.items.set(FW_CFG_NOGRAPHIC, le(0, 2));
    this.items.set(FW_CFG_NB_CPUS, le(cpus, 2));
    this.items.set(FW_CFG_MAX_CPUS, le(cpus, 2));
    this.items.set(FW_CFG_FILE_DIR, new Uint8Array(4));    // big-endian count of 0 files
  }

  reset(): void { this.selector = 0; this.offset = 0; }

  private current(): Uint8Array { return this.items.get(this.selector) ?? EMPTY; }

  in(port: number, size: AccessSize): number {
    if (size !== 1) return size === 2 ? 0xffff : 0xffffffff;    // the data port is byte-wide
    if (port === 0x510 || port === 0x511) {
      const item = this.current();
      return this.offset < item.length ? item[this.offset++] : 0;
    }
    return 0xff;
  }

  out(port: number, size: AccessSize, value: number): void {
    if (port === 0x510 && size === 2) { this.selector = value & 0xffff; this.offset = 0; }
    // Writes through the data port are deprecated and ignored (QEMU 2.4+ as well).
  }
}
