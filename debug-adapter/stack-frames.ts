// The call stack as DAP frames: each frame named as gdb names it (the C function, an inlined
// call, the kernel's assembly by its symbol, an interrupted frame as such) with its source line.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { StackFrame, type Source } from '@vscode/debugadapter';
import type { DebugEngine } from './engine/debug-engine';
import type { RawFrame } from './engine/stack';
import { addressRef } from './protocol-values';

/** `frames` start at level `start`; `source` and `clientLine` turn the debug information's file and line into the client's. */
export function stackFrames(e: DebugEngine, frames: RawFrame[], start: number, source: (file: string) => Source, clientLine: (line: number) => number): DebugProtocol.StackFrame[] {
  return frames.map((f, i) => {
    // Callers' pcs are return addresses: the call itself is on the line before them. An
    // interrupted frame's pc is the instruction itself.
    const lookupAt = (f.level ?? i + start) === 0 || f.interruptedBy !== undefined || f.exactPc ? f.pc : f.pc - 1;
    // An inlined call's frame and its caller's carry their own line (the caller's: the call site).
    const l = f.source ?? e.sourceAt(lookupAt);
    // A C function is named as written; code DWARF does not describe, by its nearest label.
    // A kernel's assembly (entry code) by its symbol, as gdb names such frames (`asm_common_interrupt ()`).
    const asm = e.inspect.orc ? e.symbols.functionAt(lookupAt)?.name : undefined;
    const base = f.name ?? f.fn?.name ?? e.dwarf?.functionAt(lookupAt)?.name ?? asm ?? e.symbols.describe(f.pc) ?? addressRef(f.pc);
    const by = f.interruptedBy;
    // A function that left by a tail call (tail-calls.ts) says so, as gdb marks its tailcall frames.
    const named = f.tailCall && !f.inline?.inlined ? `${base} (tail call)` : base;
    const name = by === undefined ? named : by === '' ? `${named} (interrupted)` : `${named} (interrupted: ${typeof by === 'number' ? `vector ${by}` : by})`;
    const sf = new StackFrame(i + start, name, l ? source(l.file) : undefined, l ? clientLine(l.line) : 0, 1) as DebugProtocol.StackFrame;
    sf.instructionPointerReference = addressRef(f.pc);
    if (!l) sf.presentationHint = 'subtle';
    return sf;
  });
}
