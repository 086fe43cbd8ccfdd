// The debugger's breakpoints by address: several user breakpoints may share one address
// (a source line and a function entry), each with its own condition, hit condition and log
// message. The machine only knows "stop at this address"; what a hit means is decided here.

import { compileCondition, compileExpression, ExpressionError, type ExpressionScope } from '../../emulator/expression';

export type BreakpointKind = 'source' | 'function' | 'instruction';

export interface UserBreakpoint {
  id: number;
  kind: BreakpointKind;
  address: number;
  condition?: (s: ExpressionScope) => boolean;
  hitCondition?: (hits: number) => boolean;
  logMessage?: string;
  hits: number;
  /** A function breakpoint's function: a stop there shows its frame even when it was inlined. */
  functionName?: string;
}

export interface BreakpointOptions { condition?: string; hitCondition?: string; logMessage?: string }

/** '5' or '>= 5', '> 5', '== 5', '% 5' (every fifth), as gdb and VS Code users write them. */
export function compileHitCondition(text: string): (hits: number) => boolean {
  const m = /^\s*(>=|>|==|=|%|<=|<)?\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ExpressionError(`hit condition '${text}' is not a number, or an operator (>=, >, ==, <, <=, %) and a number`);
  const n = Number(m[2]);
  switch (m[1]) {
    case '>': return (h) => h > n;
    case '==': case '=': return (h) => h === n;
    case '%': return (h) => n > 0 && h % n === 0;
    case '<': return (h) => h < n;
    case '<=': return (h) => h <= n;
    default: return (h) => h >= n;
  }
}

export class BreakpointSet {
  private nextId = 1;
  private readonly byAddress = new Map<number, UserBreakpoint[]>();

  /**
   * `wide`: addresses are 64-bit ones as the DWARF reader keeps them (signed, exact when
   * canonical), not wrapped to 32 bits.
   */
  constructor(private readonly machine: { addBreakpoint(a: number): void; removeBreakpoint(a: number): void }, private readonly wide = false) {}

  private norm(a: number): number { return this.wide ? a : a >>> 0; }

  /**
   * One breakpoint at several addresses (a line the compiler split, a function inlined in
   * several places): one id, one condition, and one hit count over all of them, as gdb counts
   * a breakpoint's hits over its locations.
   */
  addAt(kind: BreakpointKind, addresses: number[], o: BreakpointOptions = {}): UserBreakpoint {
    const [first, ...rest] = [...new Set(addresses.map((a) => this.norm(a)))];
    if (first === undefined) throw new Error('a breakpoint needs an address');
    const bp = this.add(kind, first, o);
    for (const a of rest) this.place(a, bp);
    return bp;
  }

  /** Creates a breakpoint; throws ExpressionError when its condition cannot be read. */
  add(kind: BreakpointKind, address: number, o: BreakpointOptions = {}): UserBreakpoint {
    const bp: UserBreakpoint = { id: this.nextId++, kind, address: this.norm(address), hits: 0 };
    if (o.condition && o.condition.trim()) bp.condition = compileCondition(o.condition);
    if (o.hitCondition && o.hitCondition.trim()) bp.hitCondition = compileHitCondition(o.hitCondition);
    if (o.logMessage) {
      // Check the {expressions} now so a typo is reported when the log point is set.
      for (const m of o.logMessage.matchAll(/\{([^}]*)\}/g)) compileExpression(m[1]!);
      bp.logMessage = o.logMessage;
    }
    this.place(bp.address, bp);
    return bp;
  }

  /** Every address a user breakpoint is placed at. */
  addresses(): number[] { return [...this.byAddress.keys()]; }

  private place(address: number, bp: UserBreakpoint): void {
    let list = this.byAddress.get(address);
    if (!list) { list = []; this.byAddress.set(address, list); this.machine.addBreakpoint(address); }
    list.push(bp);
  }

  /** Removes every breakpoint of this kind that `keep` rejects. */
  clear(kind: BreakpointKind, keep: (bp: UserBreakpoint) => boolean = () => false): void {
    for (const [addr, list] of [...this.byAddress]) {
      const rest = list.filter((b) => b.kind !== kind || keep(b));
      if (rest.length === list.length) continue;
      if (rest.length) this.byAddress.set(addr, rest);
      else { this.byAddress.delete(addr); this.machine.removeBreakpoint(addr); }
    }
  }

  /** Moves every breakpoint to move(address) (the code they are on was relocated: KASLR). */
  relocate(move: (a: number) => number): void {
    const old = [...this.byAddress];
    for (const [addr] of old) this.machine.removeBreakpoint(addr);
    this.byAddress.clear();
    const moved = new Set<UserBreakpoint>();
    for (const [addr, list] of old) {
      for (const bp of list) {
        if (!moved.has(bp)) { moved.add(bp); bp.address = this.norm(move(bp.address)); }
        this.place(this.norm(move(addr)), bp);
      }
    }
  }

  /** Every user breakpoint, once each. */
  all(): UserBreakpoint[] { return [...new Set([...this.byAddress.values()].flat())]; }

  has(address: number): boolean { return this.byAddress.has(this.norm(address)); }

  at(address: number): UserBreakpoint[] { return this.byAddress.get(this.norm(address)) ?? []; }
}
