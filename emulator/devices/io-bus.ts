// Port I/O dispatch: a 64 K table of device indices, so an access costs two array loads.
// Devices that only decode byte accesses (the ISA norm) see 16/32-bit accesses split into
// consecutive byte accesses, as the PC bus does; devices registered as `wide` get the whole
// access at their base port (PCI CONFIG_ADDRESS, fw_cfg's selector, isa-debug-exit).

import type { AccessSize, PortHandler, UnassignedAccess } from './platform-api';

interface Entry { name: string; handler: PortHandler; wide: boolean }

const RECENT_MAX = 64;
const SIZE_MASK = [0, 0xff, 0xffff, 0, 0xffffffff];

export class IoBus {
  private readonly map = new Uint8Array(0x10000);     // 0 = nothing there
  private readonly entries: Entry[] = [{ name: '', handler: null as unknown as PortHandler, wide: false }];
  private readonly ring: UnassignedAccess[] = [];
  private ringNext = 0;
  unassignedCount = 0;
  now: () => number = () => 0;

  /** Claim `count` ports from `first`. A later claim overrides an earlier one port by port. */
  register(first: number, count: number, name: string, handler: PortHandler, wide = false): void {
    if (this.entries.length >= 255) throw new Error('io-bus: too many port handlers');
    if (first < 0 || count < 1 || first + count > 0x10000) throw new Error(`io-bus: bad range ${first}+${count}`);
    const idx = this.entries.push({ name, handler, wide }) - 1;
    this.map.fill(idx, first, first + count);
  }

  /** Claimed port ranges in port order, for attack-surface reports. */
  ranges(): Array<{ first: number; last: number; name: string; wide: boolean }> {
    const out: Array<{ first: number; last: number; name: string; wide: boolean }> = [];
    for (let p = 0; p < 0x10000; p++) {
      const i = this.map[p];
      if (i === 0) continue;
      const prev = out[out.length - 1];
      if (prev && prev.last === p - 1 && this.map[p - 1] === i) prev.last = p;
      else out.push({ first: p, last: p, name: this.entries[i].name, wide: this.entries[i].wide });
    }
    return out;
  }

  owner(port: number): string | undefined {
    const i = this.map[port & 0xffff];
    return i === 0 ? undefined : this.entries[i].name;
  }

  in(port: number, size: AccessSize): number {
    port &= 0xffff;
    const i = this.map[port];
    if (size === 1) {
      if (i === 0) return this.noDevice(port, 1, false, 0xff);
      return this.entries[i].handler.in(port, 1) & 0xff;
    }
    if (i !== 0 && this.entries[i].wide) return (this.entries[i].handler.in(port, size) & SIZE_MASK[size]) >>> 0;
    if (this.allEmpty(port, size)) return this.noDevice(port, size, false, SIZE_MASK[size]) >>> 0;
    let v = 0;
    for (let b = 0; b < size; b++) {
      const p = (port + b) & 0xffff;
      const j = this.map[p];
      const byte = j === 0 ? this.noDevice(p, 1, false, 0xff) : this.entries[j].handler.in(p, 1) & 0xff;
      v |= byte << (8 * b);
    }
    return v >>> 0;
  }

  out(port: number, size: AccessSize, value: number): void {
    port &= 0xffff;
    const i = this.map[port];
    if (size === 1) {
      if (i === 0) { this.noDevice(port, 1, true, value & 0xff); return; }
      this.entries[i].handler.out(port, 1, value & 0xff);
      return;
    }
    value = (value & SIZE_MASK[size]) >>> 0;
    if (i !== 0 && this.entries[i].wide) { this.entries[i].handler.out(port, size, value); return; }
    if (this.allEmpty(port, size)) { this.noDevice(port, size, true, value); return; }
    for (let b = 0; b < size; b++) {
      const p = (port + b) & 0xffff;
      const j = this.map[p];
      const byte = (value >>> (8 * b)) & 0xff;
      if (j === 0) this.noDevice(p, 1, true, byte);
      else this.entries[j].handler.out(p, 1, byte);
    }
  }

  private allEmpty(port: number, size: number): boolean {
    for (let b = 0; b < size; b++) if (this.map[(port + b) & 0xffff] !== 0) return false;
    return true;
  }

  /** Record an access that reached nothing; returns the all-ones read value. */
  noDevice(address: number, size: AccessSize, write: boolean, value: number, kind: 'io' | 'mmio' = 'io'): number {
    this.unassignedCount++;
    const rec: UnassignedAccess = { kind, address, size, write, value, icount: this.now() };
    if (this.ring.length < RECENT_MAX) this.ring.push(rec);
    else this.ring[this.ringNext] = rec;
    this.ringNext = (this.ringNext + 1) % RECENT_MAX;
    return write ? 0 : SIZE_MASK[size];
  }

  /** Recent unassigned accesses, oldest first. */
  recent(): UnassignedAccess[] {
    if (this.ring.length < RECENT_MAX) return this.ring.slice();
    return this.ring.slice(this.ringNext).concat(this.ring.slice(0, this.ringNext));
  }

  clearUnassigned(): void {
    this.ring.length = 0;
    this.ringNext = 0;
    this.unassignedCount = 0;
  }
}
