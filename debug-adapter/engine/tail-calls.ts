// Frames the stack does not hold because their function left by a tail call (a jump: its
// callee returns straight to its caller), put back as gdb does from DWARF 5's call-site
// information: the caller's DW_TAG_call_site at the return address names the function it
// called; when that is not the function of the frame above, the tail calls
// (DW_AT_call_tail_call) that lead from one to the other are searched, and if exactly one
// chain does, its functions become frames of their own (`tailCall`), each at its jump. Where
// the call site names no callee or the chain is not unique, nothing is guessed.

import type { DebugInfo, FunctionInfo } from '../../emulator/loader/dwarf';
import type { RawFrame } from './stack';

const MAX_DEPTH = 5;
const MAX_CHAINS = 2;

/** The chains of tail calls from `from` reaching `to`, each as its functions' jumps (outermost first). */
function chains(di: DebugInfo, from: string, to: string): Array<Array<{ fn: FunctionInfo; ret: number }>> {
  const out: Array<Array<{ fn: FunctionInfo; ret: number }>> = [];
  const walk = (name: string, path: Array<{ fn: FunctionInfo; ret: number }>, seen: Set<string>): void => {
    if (out.length >= MAX_CHAINS || path.length >= MAX_DEPTH) return;
    const fn = di.functionByName(name);
    if (!fn?.tailCalls) return;
    for (const t of fn.tailCalls) {
      if (!t.callee || seen.has(t.callee)) continue;
      const next = [...path, { fn, ret: t.ret }];
      if (t.callee === to) out.push(next);
      else walk(t.callee, next, new Set([...seen, t.callee]));
    }
  };
  walk(from, [], new Set([from]));
  return out;
}

export function withTailCalls(frames: RawFrame[], di: DebugInfo | null): RawFrame[] {
  if (!di) return frames;
  const out: RawFrame[] = [];
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    out.push(f);
    const caller = frames[i + 1];
    // A caller interrupted by a trap was not calling anything; only a return address has a call site.
    if (!caller || caller.exactPc || caller.interruptedBy !== undefined) continue;
    const callee = f.fn ?? di.functionAt(f.exactPc || i === 0 ? f.pc : f.pc - 1);
    if (!callee) continue;
    const site = di.callAt(caller.pc);
    if (!site?.callee || site.tail || site.callee === callee.name) continue;
    const found = chains(di, site.callee, callee.name);
    if (found.length !== 1) continue;
    // Innermost first, as the stack is: the last jump of the chain is the frame right below f.
    for (const hop of found[0]!.reverse()) {
      out.push({ pc: hop.ret, sp: f.sp, fp: f.fp, regs: {}, fn: hop.fn, exactPc: false, tailCall: true });
    }
  }
  return out;
}
