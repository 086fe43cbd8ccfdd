// Event channels (Xen's 2-level ABI): per-port state, the pending and mask bitmaps in
// shared_info, the per-vCPU selector word and upcall_pending flag, and who is told when the
// guest sends on a port. A port's pending bit is only ever set here, exactly as
// evtchn_2l_set_pending does it, so the guest's view and ours cannot drift apart.

import type { PhysicalMemory } from '../memory/physical-memory';
import {
  EVTCHNSTAT, NR_EVENT_CHANNELS, NR_VIRQS, SH_EVTCHN_MASK, SH_EVTCHN_PENDING, VI_PENDING_SEL, VI_UPCALL_MASK, VI_UPCALL_PENDING,
} from './abi';

export type PortBackend = 'console' | 'xenstore' | null;

export class EventChannels {
  readonly state = new Uint8Array(NR_EVENT_CHANNELS);
  readonly virq = new Int16Array(NR_EVENT_CHANNELS).fill(-1);
  readonly remoteDom = new Uint16Array(NR_EVENT_CHANNELS);
  readonly remotePort = new Uint32Array(NR_EVENT_CHANNELS);
  readonly backend: PortBackend[] = new Array(NR_EVENT_CHANNELS).fill(null);
  readonly virqPort = new Int32Array(NR_VIRQS).fill(0);
  /** Physical address of shared_info and of the vCPU's vcpu_info. */
  sharedPa = 0;
  vcpuPa = 0;
  /** Called when an event became deliverable (upcall_pending went to 1) or a polled port fired. */
  onKick: () => void = () => {};
  /** Ports a SCHEDOP_poll waits on (null when not polling). */
  polling: Set<number> | null = null;

  constructor(private readonly mem: PhysicalMemory) {}

  reset(): void {
    this.state.fill(0); this.virq.fill(-1); this.remoteDom.fill(0); this.remotePort.fill(0);
    this.backend.fill(null); this.virqPort.fill(0); this.polling = null;
  }

  private bit(base: number, port: number): boolean {
    return ((this.mem.u8[this.sharedPa + base + (port >>> 3)] >>> (port & 7)) & 1) !== 0;
  }

  private setBit(base: number, port: number, v: boolean): void {
    const a = this.sharedPa + base + (port >>> 3);
    const m = 1 << (port & 7);
    this.mem.store8(a, v ? this.mem.u8[a] | m : this.mem.u8[a] & ~m);
  }

  isPending(port: number): boolean { return this.bit(SH_EVTCHN_PENDING, port); }
  isMasked(port: number): boolean { return this.bit(SH_EVTCHN_MASK, port); }

  get upcallPending(): boolean { return this.mem.u8[this.vcpuPa + VI_UPCALL_PENDING] !== 0; }
  get upcallMask(): boolean { return this.mem.u8[this.vcpuPa + VI_UPCALL_MASK] !== 0; }
  set upcallMask(v: boolean) { this.mem.store8(this.vcpuPa + VI_UPCALL_MASK, v ? 1 : 0); }

  private markSelector(port: number): void {
    const a = this.vcpuPa + VI_PENDING_SEL;
    const word = port >>> 5;
    const sel = this.mem.i32[a >>> 2];
    if ((sel >>> word) & 1) return;
    this.mem.store32(a, sel | (1 << word));
    this.mem.store8(this.vcpuPa + VI_UPCALL_PENDING, 1);
    this.onKick();
  }

  setPending(port: number): void {
    if (port <= 0 || port >= NR_EVENT_CHANNELS) return;
    if (this.polling?.has(port)) this.onKick();
    if (this.isPending(port)) return;
    this.setBit(SH_EVTCHN_PENDING, port, true);
    if (!this.isMasked(port)) this.markSelector(port);
  }

  unmask(port: number): void {
    this.setBit(SH_EVTCHN_MASK, port, false);
    if (this.isPending(port)) this.markSelector(port);
  }

  /** Lowest free port (port 0 is never handed out, as in Xen). */
  allocate(): number {
    for (let p = 1; p < NR_EVENT_CHANNELS; p++) if (this.state[p] === EVTCHNSTAT.closed) return p;
    return -1;
  }

  close(port: number): void {
    const v = this.virq[port];
    if (v >= 0 && this.virqPort[v] === port) this.virqPort[v] = 0;
    this.state[port] = EVTCHNSTAT.closed;
    this.virq[port] = -1;
    this.backend[port] = null;
    // Xen clears the pending bit when a port is closed, so a later bind starts clean.
    this.setBit(SH_EVTCHN_PENDING, port, false);
  }

  /** Raise a virtual IRQ: dropped when nothing is bound to it, as in Xen. */
  sendVirq(virq: number): boolean {
    const port = this.virqPort[virq] ?? 0;
    if (port <= 0) return false;
    this.setPending(port);
    return true;
  }

  bound(): Array<{ port: number; kind: string; virq?: number; pending: boolean; masked: boolean; backend?: string }> {
    const names = ['closed', 'unbound', 'interdomain', 'pirq', 'virq', 'ipi'];
    const out = [];
    for (let p = 1; p < NR_EVENT_CHANNELS; p++) {
      if (this.state[p] === EVTCHNSTAT.closed) continue;
      out.push({
        port: p, kind: names[this.state[p]] ?? 'unknown', pending: this.isPending(p), masked: this.isMasked(p),
        ...(this.virq[p] >= 0 ? { virq: this.virq[p] } : {}), ...(this.backend[p] ? { backend: this.backend[p]! } : {}),
      });
    }
    return out;
  }
}
