// Xen's FIFO event channel ABI (event_channel.h, "FIFO-based event channel ABI"), as
// xen/common/event_fifo.c runs it for a domain with one vCPU. The guest gives Xen a control
// block (per vCPU: the READY bitmap and the HEAD of 16 priority queues) and event-array
// pages (one 32-bit event word per port: PENDING, MASKED, LINKED, BUSY and the LINK to the
// next port of its queue). Raising a port sets PENDING and, unless it is masked or already
// queued, links it at the tail of its priority's queue; the guest consumes queues from the
// head. A port with no event word yet keeps its pending state here until a page covers it.

import { EINVAL, ENOENT, ENOSPC, PAGE } from './abi';
import { EVTCHN_FIFO_CONTROL_BLOCK } from './layouts';
import type { XenDomainServices } from './services';

export const FIFO_PENDING = 31, FIFO_MASKED = 30, FIFO_LINKED = 29, FIFO_BUSY = 28;
export const FIFO_LINK_BITS = 17;
const LINK_MASK = (1 << FIFO_LINK_BITS) - 1;
export const FIFO_MAX_QUEUES = 16;
export const FIFO_PRIORITY_DEFAULT = 7, FIFO_PRIORITY_MIN = 15;
const WORDS_PER_PAGE = PAGE / 4;

/** The part of EventChannels the FIFO ABI calls back into. */
export interface FifoOwner {
  readonly nrPorts: number;
  markEventsPending(): void;
}

export class FifoEvents {
  /** Physical address of vCPU 0's control block (-1 before init_control maps it). */
  controlPa = -1;
  /** Physical address of each event-array page, in the order the guest added them. */
  readonly arrayPages: number[] = [];
  readonly priority: Uint8Array;
  /** Xen's q->tail per priority (0 = the queue has no tail). */
  readonly tail = new Int32Array(FIFO_MAX_QUEUES);
  /** evtchn->pending of a port whose event word is not mapped yet. */
  readonly held: Uint8Array;

  constructor(private readonly host: XenDomainServices, private readonly owner: FifoOwner, maxPorts: number) {
    this.priority = new Uint8Array(maxPorts).fill(FIFO_PRIORITY_DEFAULT);
    this.held = new Uint8Array(maxPorts);
  }

  private get mem() { return this.host.mem; }

  /** Physical address of `port`'s event word, or -1 if no event-array page covers it. */
  wordPa(port: number): number {
    const page = this.arrayPages[Math.floor(port / WORDS_PER_PAGE)];
    return page === undefined ? -1 : page + (port % WORDS_PER_PAGE) * 4;
  }

  private word(pa: number): number { return this.mem.i32[pa >>> 2] >>> 0; }
  private setWord(pa: number, v: number): void { this.mem.store32(pa, v | 0); }
  private testBit(port: number, bit: number): boolean { const w = this.wordPa(port); return w >= 0 && ((this.word(w) >>> bit) & 1) === 1; }

  isPending(port: number): boolean { return this.testBit(port, FIFO_PENDING) || this.held[port] === 1; }
  /** A port without an event word counts as masked (Xen's evtchn_fifo_is_masked). */
  isMasked(port: number): boolean { return this.wordPa(port) < 0 || this.testBit(port, FIFO_MASKED); }
  /** Still LINKED into a queue: Xen will not hand the port out again until the guest consumed it. */
  isBusy(port: number): boolean { return this.testBit(port, FIFO_LINKED); }

  clearPending(port: number): void {
    this.held[port] = 0;
    const w = this.wordPa(port);
    if (w >= 0) this.setWord(w, this.word(w) & ~(1 << FIFO_PENDING));
  }

  /** A newly bound port starts at the default priority (evtchn_fifo_init). */
  initPort(port: number): void { this.priority[port] = FIFO_PRIORITY_DEFAULT; this.held[port] = 0; }

  setPending(port: number): void {
    const w = this.wordPa(port);
    if (w < 0) { this.held[port] = 1; return; }
    let word = this.word(w) | (1 << FIFO_PENDING);
    this.setWord(w, word);
    if ((word >>> FIFO_MASKED) & 1 || (word >>> FIFO_LINKED) & 1) return;
    if (this.controlPa < 0) return;
    const q = this.priority[port];
    word |= 1 << FIFO_LINKED;
    this.setWord(w, word & ~LINK_MASK);
    // Link behind the queue's tail if the guest has not consumed it yet; else the port is the new head.
    // A port that is its queue's tail already finds its own LINKED just set: the queue is empty then.
    let linked = false;
    const tail = this.tail[q];
    if (tail !== 0 && tail !== port) {
      const tw = this.wordPa(tail);
      if (tw >= 0 && ((this.word(tw) >>> FIFO_LINKED) & 1)) {
        this.setWord(tw, (this.word(tw) & ~LINK_MASK) | port);
        linked = true;
      }
    }
    if (!linked) this.mem.store32(this.controlPa + EVTCHN_FIFO_CONTROL_BLOCK.head + q * 4, port);
    this.tail[q] = port;
    if (!linked) {
      const ready = this.controlPa + EVTCHN_FIFO_CONTROL_BLOCK.ready;
      const old = this.mem.i32[ready >>> 2] >>> 0;
      if (!((old >>> q) & 1)) {
        this.mem.store32(ready, old | (1 << q));
        this.owner.markEventsPending();
      }
    }
  }

  /**
   * EVTCHNOP_unmask under FIFO (Xen's evtchn_fifo_unmask): MASKED is cleared here, then a
   * pending port is queued. A guest clears MASKED itself only when nothing is pending (Linux's
   * clear_masked_cond); when something is, it leaves the bit set and asks Xen.
   */
  unmask(port: number): void {
    const w = this.wordPa(port);
    if (w < 0) return;
    this.setWord(w, this.word(w) & ~(1 << FIFO_MASKED));
    if (this.testBit(port, FIFO_PENDING)) this.setPending(port);
  }

  /** EVTCHNOP_set_priority. */
  setPriority(port: number, priority: number): number {
    if (priority > FIFO_PRIORITY_MIN) return -EINVAL;
    this.priority[port] = priority;
    return 0;
  }

  /** EVTCHNOP_init_control for vCPU `vcpu`: 0 or -errno (the caller writes link_bits back on success). */
  mapControlBlock(gfn: number, offset: number, vcpu: number): number {
    if (vcpu !== 0) return -ENOENT;
    if (offset > PAGE - EVTCHN_FIFO_CONTROL_BLOCK.SIZE || (offset & 7) !== 0) return -EINVAL;
    if (this.controlPa >= 0) return -EINVAL;
    const pa = this.host.frameAddress(gfn);
    if (pa < 0) return -EINVAL;
    this.controlPa = pa + offset;
    this.tail.fill(0);
    return 0;
  }

  /** EVTCHNOP_expand_array: one more page of event words; ports it covers that were raised meanwhile are queued. */
  expandArray(gfn: number): number {
    const slot = this.arrayPages.length;
    if ((slot + 1) * WORDS_PER_PAGE > this.owner.nrPorts) return -ENOSPC;
    const pa = this.host.frameAddress(gfn);
    if (pa < 0) return -EINVAL;
    this.arrayPages.push(pa);
    for (let p = slot * WORDS_PER_PAGE; p < (slot + 1) * WORDS_PER_PAGE; p++) {
      if (this.held[p]) { this.held[p] = 0; this.setPending(p); }
    }
    return 0;
  }

  save(): unknown {
    return { controlPa: this.controlPa, arrayPages: [...this.arrayPages], priority: this.priority.slice(), tail: this.tail.slice(), held: this.held.slice() };
  }

  load(s: { controlPa: number; arrayPages: number[]; priority: Uint8Array; tail: Int32Array; held: Uint8Array }): void {
    this.controlPa = s.controlPa; this.arrayPages.length = 0; this.arrayPages.push(...s.arrayPages);
    this.priority.set(s.priority); this.tail.set(s.tail); this.held.set(s.held);
  }
}
