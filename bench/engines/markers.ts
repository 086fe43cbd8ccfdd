// Follows a bench guest's serial protocol: 'S' starts the timed region, 'E' ends it, and the
// compute guest then sends four checksum bytes. Timestamps are taken in the byte callback,
// which every engine calls synchronously from the guest's OUT. Engines that run in this
// process (ours, v86) also get the process's CPU time over the same region.
import type { GuestKind, GuestRun } from './protocol';

const S = 0x53, E = 0x45;

function cpuMs(): number { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }

export class SerialMarkers {
  startedAt = 0;
  private endedAt = 0;
  /** This process's CPU time (user + system, ms) at 'S' and 'E': what other load cannot stretch. */
  private cpuAtStart = 0;
  private cpuAtEnd = 0;
  counterAtStart = 0;
  counterAtEnd = 0;
  private state: 'boot' | 'timed' | 'checksum' | 'done' = 'boot';
  private between = 0;
  private sum = 0;
  private sumBytes = 0;
  private readonly head: number[] = [];

  constructor(private readonly kind: GuestKind, private readonly counter: (() => number) | null) {}

  /** Returns true once the guest has said everything it will say. */
  onByte(byte: number): boolean {
    if (this.head.length < 64) this.head.push(byte);
    switch (this.state) {
      case 'boot':
        if (byte === S) {
          this.startedAt = performance.now();
          this.cpuAtStart = cpuMs();
          this.counterAtStart = this.counter ? this.counter() : 0;
          this.state = 'timed';
        }
        return false;
      case 'timed':
        if (byte === E) {
          this.endedAt = performance.now();
          this.cpuAtEnd = cpuMs();
          this.counterAtEnd = this.counter ? this.counter() : 0;
          this.state = this.kind === 'compute' ? 'checksum' : 'done';
          return this.state === 'done';
        }
        this.between++;
        return false;
      case 'checksum':
        this.sum = (this.sum | (byte << (8 * this.sumBytes))) >>> 0;
        if (++this.sumBytes === 4) { this.state = 'done'; return true; }
        return false;
      case 'done':
        return true;
    }
  }

  get finished(): boolean { return this.state === 'done'; }

  preview(): string { return String.fromCharCode(...this.head); }

  result(): Omit<GuestRun, 'bootSeconds' | 'peakRssMB' | 'engineCount'> {
    return {
      timedSeconds: (this.endedAt - this.startedAt) / 1000,
      cpuSeconds: (this.cpuAtEnd - this.cpuAtStart) / 1000,
      checksum: this.kind === 'compute' ? this.sum : null,
      bytesBetween: this.between,
    };
  }
}
