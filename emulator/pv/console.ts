// The console backend (what xenconsoled does for a domU): drains the xencons ring's output
// side into the serial stream when the guest notifies the console event channel, feeds host
// input into the ring's input side, and notifies the guest after each.
//
// console_io writes are Xen's own console (what `xl dmesg` shows), not the domain's (`xl
// console`): a kernel that writes each line to both would print it twice on one stream. Where
// they go is the host's choice (HypervisorConsoleRoute): merged into the serial stream, a
// stream of their own, or 'auto': merged until the guest first puts output on its ring, then
// apart (early output before the ring is up stays visible; afterwards it is not doubled). At
// that switch, the ring's first output may repeat the console_io lines just printed (Mini-OS
// writes each line to console_io, then to the ring): the repeated lines are not printed again.

import type { PhysicalMemory } from '../memory/physical-memory';
import { CONS_IN, CONS_IN_CONS, CONS_IN_PROD, CONS_IN_SIZE, CONS_OUT, CONS_OUT_CONS, CONS_OUT_PROD, CONS_OUT_SIZE } from './abi';
import type { EventChannels } from './events';

/** Where console_io output goes (see the header). `out` receives it when it goes apart. */
export interface HypervisorConsoleRoute { mode: 'serial' | 'separate' | 'auto'; out?: (b: number) => void }

export class ConsoleBackend {
  /** Physical address of the ring page and the guest's port for it (0 = none). */
  ringPa = -1;
  port = 0;
  private readonly input: number[] = [];
  bytesOut = 0;
  /** Bytes the guest put out through its ring (as opposed to console_io). */
  ringBytesOut = 0;
  route: HypervisorConsoleRoute = { mode: 'serial' };
  /** 'auto', before the ring's first output: the console_io bytes merged into serial (the last ring's worth). */
  private echoed: number[] = [];

  constructor(private readonly mem: PhysicalMemory, private readonly events: EventChannels,
    private readonly out: (b: number) => void) {}

  reset(): void { this.ringPa = -1; this.port = 0; this.input.length = 0; this.bytesOut = 0; this.ringBytesOut = 0; this.echoed = []; }

  /** A byte of a console_io write: to the serial stream or Xen's console, by the route. */
  writeHypervisor(byte: number): void {
    const r = this.route;
    if (r.mode === 'serial') { this.write(byte); return; }
    if (r.mode === 'auto' && this.ringBytesOut === 0) {
      this.echoed.push(byte & 0xff);
      if (this.echoed.length > CONS_OUT_SIZE) this.echoed.splice(0, this.echoed.length - CONS_OUT_SIZE);
      this.write(byte);
      return;
    }
    this.bytesOut++;
    r.out?.(byte & 0xff);
  }

  private u32(off: number): number { return this.mem.i32[(this.ringPa + off) >>> 2] >>> 0; }
  private set32(off: number, v: number): void { this.mem.store32(this.ringPa + off, v | 0); }

  pendingInput(): number[] { return [...this.input]; }
  setPendingInput(bytes: number[]): void { this.input.length = 0; this.input.push(...bytes); }

  write(byte: number): void { this.bytesOut++; this.out(byte & 0xff); }

  /** The guest notified its console port: take everything between out_cons and out_prod. */
  drain(): void {
    if (this.ringPa < 0) return;
    let cons = this.u32(CONS_OUT_CONS);
    const prod = this.u32(CONS_OUT_PROD);
    // A producer more than a ring ahead is a corrupt ring; xenconsoled drops such a ring's contents.
    if (((prod - cons) >>> 0) > CONS_OUT_SIZE) { this.set32(CONS_OUT_CONS, prod); return; }
    if (cons === prod) { this.pushInput(); return; }
    const bytes: number[] = [];
    while (cons !== prod) {
      bytes.push(this.mem.u8[this.ringPa + CONS_OUT + (cons & (CONS_OUT_SIZE - 1))]);
      cons = (cons + 1) >>> 0;
    }
    const skip = this.ringBytesOut === 0 && this.route.mode === 'auto' ? repeatedLines(this.echoed, bytes) : 0;
    this.echoed = [];
    this.ringBytesOut += bytes.length;
    for (let i = skip; i < bytes.length; i++) this.write(bytes[i]!);
    this.set32(CONS_OUT_CONS, cons);
    this.pushInput();
    this.events.setPending(this.port);
  }

  /** Host input (CLI stdin): queued, then copied into the ring as space allows. */
  feed(bytes: Uint8Array): void {
    for (const b of bytes) this.input.push(b);
    if (this.pushInput()) this.events.setPending(this.port);
  }

  private pushInput(): boolean {
    if (this.ringPa < 0 || this.input.length === 0) return false;
    const cons = this.u32(CONS_IN_CONS);
    let prod = this.u32(CONS_IN_PROD);
    if (((prod - cons) >>> 0) > CONS_IN_SIZE) return false;
    let moved = 0;
    while (this.input.length > 0 && ((prod - cons) >>> 0) < CONS_IN_SIZE) {
      this.mem.store8(this.ringPa + CONS_IN + (prod & (CONS_IN_SIZE - 1)), this.input.shift()!);
      prod = (prod + 1) >>> 0;
      moved++;
    }
    if (moved) this.set32(CONS_IN_PROD, prod);
    return moved > 0;
  }
}

/**
 * How many leading bytes of `ring` repeat the end of `echoed`: the longest such overlap that
 * starts a line in `echoed` (whole lines only, so a lone newline never counts).
 */
export function repeatedLines(echoed: readonly number[], ring: readonly number[]): number {
  for (let k = Math.min(echoed.length, ring.length); k > 0; k--) {
    const at = echoed.length - k;
    if (at > 0 && echoed[at - 1] !== 0x0a) continue;
    let same = true;
    for (let i = 0; i < k && same; i++) same = echoed[at + i] === ring[i];
    if (same) return k;
  }
  return 0;
}
