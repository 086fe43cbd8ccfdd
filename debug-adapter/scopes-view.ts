// The scopes of a stopped frame: its locals (an inlined call's own), the program's globals,
// the registers (with the 64-bit file in long mode), the exit that stopped the guest, and the
// PV hypervisor's state for a PV guest.

import { Scope } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ExitRecord } from '../emulator/machine';
import type { DebugEngine } from './engine/debug-engine';
import type { RawFrame } from './engine/stack';
import { registerTree64 } from './registers64';
import { exitTree, pvTree, registerTree, type Node } from './state-views';
import { variableNodes } from './variables-view';

/** `handle` gives each scope's nodes their variables reference; `exit` is the Last exit scope's. */
export function frameScopes(e: DebugEngine, frames: RawFrame[], index: number, exit: ExitRecord | undefined, handle: (nodes: () => Node[]) => number): DebugProtocol.Scope[] {
  const scopes: DebugProtocol.Scope[] = [];
  const frame = frames[index];
  const di = e.dwarf;
  if (frame && di) {
    const exact = index === 0 || frame.exactPc === true || frame.interruptedBy !== undefined;
    const fv = e.frameVariables(frame, exact);
    if (fv) {
      const locals = new Scope('Locals', handle(() => variableNodes(e, di, [...fv.params, ...fv.locals], fv.fn, fv.regs, exact, (frame.level ?? index) === 0, (frame.level ?? index) === 0 ? e.inspect.regBytes : frame.regBytes)), false) as DebugProtocol.Scope;
      locals.presentationHint = 'locals';
      scopes.push(locals);
    }
  }
  if (di && di.globals().length) scopes.push(new Scope('Globals', handle(() => variableNodes(e, di, di.globals(), null, e.dwarfRegs(), true)), false));
  const reg = new Scope('Registers', handle(() => {
    const base = registerTree(e.machine, (a) => e.symbols.describe(a));
    const c64 = e.inspect.long();
    return c64 ? registerTree64(e.machine, c64, base, (a) => e.symbols.describe(a)) : base;
  }), false) as DebugProtocol.Scope;
  reg.presentationHint = 'registers';
  scopes.push(reg);
  scopes.push(new Scope('Last exit', handle(() => exitTree(exit, (a) => e.symbols.describe(a) ?? '')), false));
  const pv = pvTree(e.machine);
  if (pv) scopes.push(new Scope('PV state', handle(() => pvTree(e.machine) ?? []), false));
  return scopes;
}
