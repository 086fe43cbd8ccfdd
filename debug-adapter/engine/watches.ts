// Data breakpoints: the watches the client set, the machine's watchpoints under them, and
// whether a watchpoint report stops the guest (conditions, hit counts).

import type { MachineApi, StopReason, WatchKind } from '../../emulator/machine';
import { compileCondition, type ExpressionScope } from '../../emulator/expression';
import { compileHitCondition } from './breakpoints';
import type { Outcome } from './outcome';

interface Watch {
  addr: number; len: number; kind: WatchKind; id: number; hits: number;
  condition?: (s: ExpressionScope) => boolean;
  hitCondition?: (hits: number) => boolean;
}

export interface WatchRequest { address: number; length: number; kind: WatchKind; condition?: string; hitCondition?: string }

export class Watches {
  private list: Watch[] = [];

  constructor(private readonly machine: MachineApi) {}

  /** Replaces every watch; one whose condition does not compile is reported unverified and not set. */
  set(requested: WatchRequest[]): Array<{ verified: boolean; id: number; message?: string }> {
    for (const w of this.list) this.machine.removeWatchpoint(w.addr, w.len, w.kind);
    const out: Array<{ verified: boolean; id: number; message?: string }> = [];
    this.list = [];
    requested.forEach((r, i) => {
      const w: Watch = { addr: r.address >>> 0, len: r.length, kind: r.kind, id: 100000 + i, hits: 0 };
      try {
        if (r.condition?.trim()) w.condition = compileCondition(r.condition);
        if (r.hitCondition?.trim()) w.hitCondition = compileHitCondition(r.hitCondition);
      } catch (e) { out.push({ verified: false, id: w.id, message: (e as Error).message }); return; }
      this.list.push(w);
      out.push({ verified: true, id: w.id });
    });
    for (const w of this.list) this.machine.addWatchpoint(w.addr, w.len, w.kind);
    return out;
  }

  /**
   * A stop at a data breakpoint, unless the conditions and hit counts of the watches it touched
   * say go on. `warn` hears of a condition that cannot be evaluated (the watch then stops).
   */
  hit(r: Extract<StopReason, { kind: 'watchpoint' }>, scope: ExpressionScope, warn: (message: string) => void): Outcome | null {
    const overlap = this.list.filter((x) => r.address < x.addr + x.len && r.address + 4 > x.addr);
    const byKind = overlap.filter((x) => x.kind === 'access' || (x.kind === 'write') === r.write);
    const candidates = byKind.length ? byKind : overlap;
    const stopping = candidates.filter((w) => {
      if (w.condition) {
        try { if (!w.condition(scope)) return false; } catch (e) { warn(`data breakpoint condition: ${(e as Error).message}\n`); }
      }
      w.hits++;
      return !w.hitCondition || w.hitCondition(w.hits);
    });
    // Watches that all say go on; a report no watch claims still stops (and says what it was).
    if (candidates.length > 0 && stopping.length === 0) return null;
    const ids = stopping.map((w) => w.id);
    return { kind: 'stop', info: { kind: 'data breakpoint', description: `${r.write ? 'Write to' : 'Read of'} 0x${r.address.toString(16)}`, breakpointIds: ids.length ? ids : undefined } };
  }
}
