// Where a step into a function stops: after its prologue, as gdb (13, i386) does it on gcc's
// and clang's code (handle_step_into_function, i386_skip_prologue). A frame set up with
// `push %ebp; mov %esp,%ebp` is a prologue and the step runs on to the end of the line-table
// row that setup ends in (-O0: the function's first line after its opening brace). Without
// that setup (-O2, no frame pointer) the step stops at the entry; gdb does so there as well,
// for both compilers, as test/debug-adapter/inline-stepping-gdb.test.ts checks.

import type { FunctionInfo } from '../../emulator/loader/dwarf';
import type { LineTable } from '../../emulator/loader/dwarf/line-table';

/** The address a step into `fn` (standing at its entry) stops at. */
export function afterPrologue(lines: LineTable, fn: FunctionInfo, read: (addr: number, n: number) => Uint8Array | null): number {
  const entry = fn.lowPc;
  const b = read(entry, 3);
  // push %ebp; mov %esp,%ebp (either encoding of the move)
  if (!b || b[0] !== 0x55 || !((b[1] === 0x89 && b[2] === 0xe5) || (b[1] === 0x8b && b[2] === 0xec))) return entry;
  const row = lines.rowAt(entry + 3);
  if (!row || row.start === entry + 3) return entry + 3;
  // A prologue that is the whole function leaves the step at the entry.
  return row.end > entry && row.end < fn.highPc ? row.end : entry;
}
