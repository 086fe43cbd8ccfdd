// Event channels: per-port state (what each port is bound to), and the ABI that carries a
// pending event to the guest. Until the guest asks for FIFO (EVTCHNOP_init_control) that is
// Xen's 2-level ABI: the pending and mask bitmaps in shared_info, a per-vCPU selector word
// and upcall_pending flag, all in xen_ulong_t words (32 bits for a 32-bit guest, 64 for a
// 64-bit one, so 1024 or 4096 ports). A port's pending bit is only ever set here, as
// evtchn_2l_set_pending does it, so the guest's view and ours cannot drift apart.

import { EVTCHNSTAT, NR_VIRQS } from './abi';
import { FifoEvents } from './event-fifo';
import { sharedInfoLayout, vcpuInfoLayout } from './layouts';
import type { XenDomainServices } from './services';

export type PortBackend = 'console' | 'xenstore' | null;

/** The most ports any ABI gives this domain (2-level 64-bit: 64 x 64; FIFO is capped here too). */
export const MAX_PORTS = 4096;

export class EventChannels {
  readonly state = new Uint8Array(MAX_PORTS);
  readonly virq = new Int16Array(MAX_PORTS).fill(-1);
  readonly remoteDom = new Uint16Array(MAX_PORTS);
  readonly remotePort = new Uint32Array(MAX_PORTS);
  /** The vCPU a port notifies (bind_vcpu); one vCPU today, kept for status. */
  readonly notifyVcpu = new Uint8Array(MAX_PORTS);
  readonly backend: PortBackend[] = new Array(MAX_PORTS).fill(null);
  readonly virqPort = new Int32Array(NR_VIRQS).fill(0);
  /** Physical address of shared_info and of the vCPU's vcpu_info. */
  sharedPa = 0;
  vcpuPa = 0;
  /** Ports a SCHEDOP_poll waits on (null when not polling). */
  polling: Set<number> | null = null;
  /** The FIFO ABI once the guest has initialised it (null: 2-level). */
  fifo: FifoEvents | null = null;

  constructor(private readonly host: XenDomainServices) {}

  private get mem() { return this.host.mem; }

  reset(): void {
    this.state.fill(0); this.virq.fill(-1); this.remoteDom.fill(0); this.remotePort.fill(0); this.notifyVcpu.fill(0);
    this.backend.fill(null); this.virqPort.fill(0); this.polling = null; this.fifo = null;
  }

  /** Ports the current ABI offers: 2-level has xen_ulong_t bits squared, FIFO our cap. */
  get nrPorts(): number { return this.fifo ? MAX_PORTS : sharedInfoLayout(this.host.width).nrEventChannels2l; }

  portValid(port: number): boolean { return Number.isInteger(port) && port > 0 && port < this.nrPorts; }

  // ---- the 2-level bitmaps (bit p of a little-endian bitmap is bit p&7 of byte p>>3, for either word size)

  private bit(base: number, port: number): boolean {
    return ((this.mem.u8[base + (port >>> 3)] >>> (port & 7)) & 1) !== 0;
  }

  /** Sets or clears a bit; returns its old value (test_and_set / test_and_clear). */
  private setBit(base: number, port: number, v: boolean): boolean {
    const a = base + (port >>> 3);
    const m = 1 << (port & 7);
    const old = this.mem.u8[a];
    const next = v ? old | m : old & ~m;
    if (next !== old) this.mem.store8(a, next);
    return (old & m) !== 0;
  }

  private get pendingBase(): number { return this.sharedPa + sharedInfoLayout(this.host.width).evtchnPending; }
  private get maskBase(): number { return this.sharedPa + sharedInfoLayout(this.host.width).evtchnMask; }

  isPending(port: number): boolean {
    if (this.fifo) return this.fifo.isPending(port);
    return port < this.nrPorts && this.bit(this.pendingBase, port);
  }

  isMasked(port: number): boolean {
    if (this.fifo) return this.fifo.isMasked(port);
    return port < this.nrPorts && this.bit(this.maskBase, port);
  }

  /** The 2-level pending bit as shared_info holds it (FIFO's init_control carries these over). */
  pending2l(port: number): boolean { return port < this.nrPorts && this.bit(this.pendingBase, port); }

  get upcallPending(): boolean { return this.mem.u8[this.vcpuPa + vcpuInfoLayout(this.host.width).upcallPending] !== 0; }
  get upcallMask(): boolean { return this.mem.u8[this.vcpuPa + vcpuInfoLayout(this.host.width).upcallMask] !== 0; }
  set upcallMask(v: boolean) { this.mem.store8(this.vcpuPa + vcpuInfoLayout(this.host.width).upcallMask, v ? 1 : 0); }

  /** vcpu_mark_events_pending: set upcall_pending; a 0 -> 1 change kicks the vCPU. */
  markEventsPending(): void {
    const a = this.vcpuPa + vcpuInfoLayout(this.host.width).upcallPending;
    if (this.mem.u8[a] !== 0) return;
    this.mem.store8(a, 1);
    this.host.raiseUpcall();
  }

  /** The guest's selector bit for `port`'s word; a newly set bit marks events pending. */
  private markSelector(port: number): void {
    const width = this.host.width;
    const sel = this.vcpuPa + vcpuInfoLayout(width).pendingSel;
    if (!this.setBit(sel, Math.floor(port / width), true)) this.markEventsPending();
  }

  setPending(port: number): void {
    if (!this.portValid(port)) return;
    if (this.polling?.has(port)) this.host.raiseUpcall();
    if (this.fifo) { this.fifo.setPending(port); return; }
    if (this.setBit(this.pendingBase, port, true)) return;
    if (!this.bit(this.maskBase, port)) this.markSelector(port);
  }

  /** EVTCHNOP_unmask (2-level: clear the mask bit; FIFO: clear MASKED in the event word and queue a pending port). */
  unmask(port: number): void {
    if (this.fifo) { this.fifo.unmask(port); return; }
    this.setBit(this.maskBase, port, false);
    if (this.bit(this.pendingBase, port)) this.markSelector(port);
  }

  private clearPending(port: number): void {
    if (this.fifo) this.fifo.clearPending(port);
    else if (port < this.nrPorts) this.setBit(this.pendingBase, port, false);
  }

  /** Lowest free port (port 0 is never handed out; a FIFO port still LINKED is busy, as in Xen). */
  allocate(): number {
    for (let p = 1; p < this.nrPorts; p++) {
      if (this.state[p] !== EVTCHNSTAT.closed || (this.fifo && this.fifo.isBusy(p))) continue;
      this.notifyVcpu[p] = 0;
      this.fifo?.initPort(p);
      return p;
    }
    return -1;
  }

  close(port: number): void {
    const v = this.virq[port];
    if (v >= 0 && this.virqPort[v] === port) this.virqPort[v] = 0;
    this.state[port] = EVTCHNSTAT.closed;
    this.virq[port] = -1;
    this.backend[port] = null;
    // Xen clears the pending bit when a port is closed, so a later bind starts clean.
    this.clearPending(port);
  }

  /** Raise a virtual IRQ: dropped when nothing is bound to it, as in Xen. */
  sendVirq(virq: number): boolean {
    const port = this.virqPort[virq] ?? 0;
    if (port <= 0) return false;
    this.setPending(port);
    return true;
  }

  bound(): Array<{ port: number; kind: string; virq?: number; pending: boolean; masked: boolean; backend?: string; priority?: number }> {
    const names = ['closed', 'unbound', 'interdomain', 'pirq', 'virq', 'ipi'];
    const out = [];
    for (let p = 1; p < this.nrPorts; p++) {
      if (this.state[p] === EVTCHNSTAT.closed) continue;
      out.push({
        port: p, kind: names[this.state[p]] ?? 'unknown', pending: this.isPending(p), masked: this.isMasked(p),
        ...(this.virq[p] >= 0 ? { virq: this.virq[p] } : {}), ...(this.backend[p] ? { backend: this.backend[p]! } : {}),
        ...(this.fifo ? { priority: this.fifo.priority[p] } : {}),
      });
    }
    return out;
  }
}
