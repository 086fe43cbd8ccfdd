// Inlined functions as gdb presents them: each inlined call containing the pc is a stack frame
// of its own above its caller, with its own parameters and locals, and at the first
// instruction of an inlined call the debugger stops "at the call site" (the callee's frame is
// hidden) until a step enters it. See gdb's inline-frame.c: skip_inline_frames and
// stopped_by_user_bp_inline_frame.

import type { DebugInfo, FunctionLocation, InlineFrame, Scope } from '../../emulator/loader/dwarf';
import type { LineTable, SourceLine } from '../../emulator/loader/dwarf/line-table';
import type { RawFrame } from './stack';

/** True when pc is in the code of a scope (an inlined call's ranges hold those of calls inside it). */
export function inScope(s: Scope, pc: number): boolean {
  for (const [a, b] of s.ranges) if (pc >= a && pc < b) return true;
  return false;
}

/** An inlined call's code starts at pc: its entry, or a range whose previous byte is outside it. */
export function startsAt(s: Scope, pc: number): boolean {
  return s.entryPc === pc || (inScope(s, pc) && !inScope(s, pc - 1));
}

/**
 * How many inlined calls, innermost first, are hidden at a stop at pc: those whose code starts
 * exactly there. A breakpoint on a function (`keep`) shows that function's frame.
 */
export function hiddenInlineFrames(di: DebugInfo | null, pc: number, keep?: ReadonlySet<string>): number {
  if (!di) return 0;
  let n = 0;
  for (const f of di.inlineFramesAt(pc)) {
    if (!f.inlined || !startsAt(f.scope, pc) || keep?.has(f.name)) break;
    n++;
  }
  return n;
}

/** The pc a frame's source is looked up at: a caller's pc is a return address. */
export function lookupPc(f: RawFrame, index: number): number {
  return index === 0 || f.exactPc || f.interruptedBy !== undefined ? f.pc : f.pc - 1;
}

/**
 * The stack with inlined calls as frames of their own: each physical frame becomes its inlined
 * calls (innermost first) and then its function. An inlined frame's line is the line table's
 * (innermost) or the call site of the call inside it; `hidden` inlined calls of the innermost
 * frame are left out.
 */
export function withInlineFrames(raw: RawFrame[], di: DebugInfo | null, lines: LineTable, hidden: number): RawFrame[] {
  if (!di) return raw;
  const out: RawFrame[] = [];
  raw.forEach((f, i) => {
    const at = lookupPc(f, i);
    const chain: InlineFrame[] = di.inlineFramesAt(at);
    if (chain.length === 0) { out.push({ ...f, level: i }); return; }
    const skip = i === 0 ? Math.min(hidden, chain.length - 1) : 0;
    for (let j = skip; j < chain.length; j++) {
      const inner = j > 0 ? chain[j - 1]! : undefined;
      const source: SourceLine | undefined = inner?.callFile !== undefined && inner.callLine !== undefined
        ? { file: inner.callFile, line: inner.callLine }
        : lines.stopLine(at);
      const frame: RawFrame = { ...f, level: i, name: chain[j]!.name, inline: chain[j]! };
      if (source) frame.source = source;
      if (i === 0 || f.exactPc || f.interruptedBy !== undefined) frame.exactPc = true;
      // The interruption is the innermost source frame's; its callers were not interrupted.
      if (j > skip) delete frame.interruptedBy;
      out.push(frame);
    }
  });
  return out;
}

/** The visible source frame at pc: its inline depth (0 = the function itself), scope and line. */
export interface VisibleFrame { depth: number; scopes: Scope[]; line: SourceLine | undefined }

export function visibleFrame(di: DebugInfo | null, lines: LineTable, pc: number, hidden: number): VisibleFrame {
  const chain = di?.inlineFramesAt(pc) ?? [];
  if (chain.length === 0) return { depth: 0, scopes: [], line: lines.stopLine(pc) };
  const skip = Math.min(hidden, chain.length - 1);
  const inner = skip > 0 ? chain[skip - 1]! : undefined;
  const line = inner?.callFile !== undefined && inner.callLine !== undefined ? { file: inner.callFile, line: inner.callLine } : lines.stopLine(pc);
  // Outermost first, so that a frame's callers are a prefix of its list.
  return { depth: chain.length - 1 - skip, scopes: chain.slice(skip).map((f) => f.scope).reverse(), line };
}

/** True when `inner`'s frames continue `outer`'s: the same function and inlined calls, and more. */
export function isInlinedCallee(outer: VisibleFrame, inner: VisibleFrame): boolean {
  if (inner.scopes.length <= outer.scopes.length || outer.scopes.length === 0) return false;
  return outer.scopes.every((s, k) => inner.scopes[k] === s);
}

/** True when both are the same source frame (same function, same inlined calls). */
export function sameFrame(a: VisibleFrame, b: VisibleFrame): boolean {
  return a.scopes.length === b.scopes.length && a.scopes.every((s, k) => b.scopes[k] === s);
}

/**
 * Where a breakpoint on a function location goes. An inlined call whose code starts at its
 * caller's first instruction (clang attributes the caller's prologue to it) begins after that
 * first line, as gdb skips a prologue: the first statement of another line inside the call.
 */
export function inlinedEntry(l: FunctionLocation, lines: LineTable): number {
  if (!l.inlined || l.address !== l.function.lowPc) return l.address;
  const first = lines.lookup(l.address);
  for (const a of lines.statementStarts(l.address + 1, l.function.highPc)) {
    if (!inScope(l.scope, a)) continue;
    const here = lines.lookup(a);
    if (here && (!first || here.line !== first.line || here.file !== first.file)) return a;
  }
  return l.address;
}
