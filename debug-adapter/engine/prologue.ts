// Where a step into a function stops: after its prologue, as gdb (13, i386) does it on gcc's
// and clang's code (handle_step_into_function, i386_skip_prologue). A frame set up with
// `push %ebp; mov %esp,%ebp` (64-bit: `push %rbp; mov %rsp,%rbp`) is a prologue and the step runs on to the end of the line-table
// row that setup ends in (-O0: the function's first line after its opening brace). Without
// that setup (-O2, no frame pointer) the step stops at the entry; gdb does so there as well,
// for both compilers, as test/debug-adapter/inline-stepping-gdb.test.ts checks.

import type { FunctionInfo } from '../../emulator/loader/dwarf';
import type { LineTable } from '../../emulator/loader/dwarf/line-table';

/** The address a step into `fn` (standing at its entry) stops at. */
export function afterPrologue(lines: LineTable, fn: FunctionInfo, read: (addr: number, n: number) => Uint8Array | null): number {
  const entry = fn.lowPc;
  const b = read(entry, 4);
  if (!b || b[0] !== 0x55) return entry;
  // push %ebp; mov %esp,%ebp (either encoding of the move), or in 64-bit code push %rbp;
  // mov %rsp,%rbp with its REX.W prefix (48 89 e5 / 48 8b ec), as gdb's amd64_analyze_prologue reads it.
  const mov = (x: number | undefined, y: number | undefined) => (x === 0x89 && y === 0xe5) || (x === 0x8b && y === 0xec);
  const size = mov(b[1], b[2]) ? 3 : b[1] === 0x48 && mov(b[2], b[3]) ? 4 : 0;
  if (!size) return entry;
  const row = lines.rowAt(entry + size);
  if (!row || row.start === entry + size) return entry + size;
  // A prologue that is the whole function leaves the step at the entry.
  return row.end > entry && row.end < fn.highPc ? row.end : entry;
}
