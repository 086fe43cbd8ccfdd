// The console backend (what xenconsoled does for a domU): drains the xencons ring's output
// side into the serial stream when the guest notifies the console event channel, feeds host
// input into the ring's input side, and notifies the guest after each. console_io writes go
// straight to the same stream.

import type { PhysicalMemory } from '../memory/physical-memory';
import { CONS_IN, CONS_IN_CONS, CONS_IN_PROD, CONS_IN_SIZE, CONS_OUT, CONS_OUT_CONS, CONS_OUT_PROD, CONS_OUT_SIZE } from './abi';
import type { EventChannels } from './events';

export class ConsoleBackend {
  /** Physical address of the ring page and the guest's port for it (0 = none). */
  ringPa = -1;
  port = 0;
  private readonly input: number[] = [];
  bytesOut = 0;

  constructor(private readonly mem: PhysicalMemory, private readonly events: EventChannels,
    private readonly out: (b: number) => void) {}

  reset(): void { this.ringPa = -1; this.port = 0; this.input.length = 0; this.bytesOut = 0; }

  private u32(off: number): number { return this.mem.i32[(this.ringPa + off) >>> 2] >>> 0; }
  private set32(off: number, v: number): void { this.mem.i32[(this.ringPa + off) >>> 2] = v | 0; }

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
    while (cons !== prod) {
      this.write(this.mem.u8[this.ringPa + CONS_OUT + (cons & (CONS_OUT_SIZE - 1))]);
      cons = (cons + 1) >>> 0;
    }
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
      this.mem.u8[this.ringPa + CONS_IN + (prod & (CONS_IN_SIZE - 1))] = this.input.shift()!;
      prod = (prod + 1) >>> 0;
      moved++;
    }
    if (moved) this.set32(CONS_IN_PROD, prod);
    return moved > 0;
  }
}
