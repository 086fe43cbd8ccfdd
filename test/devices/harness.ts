// A platform on a hand-driven clock with a small RAM, for device tests.
import { createPcPlatform } from '../../emulator/devices/index';
import type { AccessSize, Platform } from '../../emulator/devices/platform-api';
import type { PcPlatform } from '../../emulator/devices/platform';

export interface Rig {
  p: Platform;
  /** ISA interrupt lines, driven directly. */
  pic: { pulse(irq: number): void; setIrq(irq: number, level: boolean): void };
  clock: { t: number };
  ram: Uint8Array;
  serial: number[];
  inb(port: number): number;
  outb(port: number, v: number): void;
  /** Move time to icount t and let devices catch up. */
  at(t: number): void;
  apicRead(off: number): number;
  apicWrite(off: number, v: number): void;
}

export function rig(ramBytes = 64 * 1024 * 1024): Rig {
  const clock = { t: 0 };
  const ram = new Uint8Array(1024 * 1024);
  const serial: number[] = [];
  const readPhys = (addr: number, size: AccessSize) => {
    let v = 0;
    for (let i = 0; i < size; i++) v |= ram[(addr + i) % ram.length] << (8 * i);
    return v >>> 0;
  };
  const p = createPcPlatform({ now: () => clock.t, ramBytes, serialOut: (b) => serial.push(b), readPhys });
  const apic = p.mmio.find((m) => m.name === 'local-apic')!;
  return {
    p, clock, ram, serial, pic: { pulse: (irq) => (p as PcPlatform).pulseIrq(irq), setIrq: (irq, level) => (p as PcPlatform).setIrq(irq, level) },
    inb: (port) => p.portIn(port, 1),
    outb: (port, v) => p.portOut(port, 1, v),
    at: (t) => { clock.t = t; p.tick(); },
    apicRead: (off) => apic.handler.read(off, 4) >>> 0,
    apicWrite: (off, v) => apic.handler.write(off, 4, v),
  };
}

/** Program the PIC pair as most kernels do: vectors 0x20/0x28, 8086 mode, nothing masked. */
export function initPic(r: Rig, masterBase = 0x20, slaveBase = 0x28): void {
  r.outb(0x20, 0x11); r.outb(0xa0, 0x11);
  r.outb(0x21, masterBase); r.outb(0xa1, slaveBase);
  r.outb(0x21, 0x04); r.outb(0xa1, 0x02);
  r.outb(0x21, 0x01); r.outb(0xa1, 0x01);
  r.outb(0x21, 0x00); r.outb(0xa1, 0x00);
}

/** Master IRR via OCW3. */
export function masterIrr(r: Rig): number { r.outb(0x20, 0x0a); return r.inb(0x20); }
export function masterIsr(r: Rig): number { r.outb(0x20, 0x0b); const v = r.inb(0x20); r.outb(0x20, 0x0a); return v; }
export function slaveIrr(r: Rig): number { r.outb(0xa0, 0x0a); return r.inb(0xa0); }
export function slaveIsr(r: Rig): number { r.outb(0xa0, 0x0b); const v = r.inb(0xa0); r.outb(0xa0, 0x0a); return v; }

/** PIT clock edges in `icount` instructions at 10 ns each, computed exactly with BigInt. */
export function pitTicks(icount: number): number {
  return Number((BigInt(icount) * 10n * 1193182n) / 1_000_000_000n);
}
