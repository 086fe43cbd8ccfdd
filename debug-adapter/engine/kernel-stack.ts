// A Linux kernel's call stack from its ORC tables (orc.ts), as the kernel's own unwinder walks
// it: C frames and assembly entry code alike, across the IRQ stack and through pt_regs frames
// that interrupt and exception entry (and Xen's upcall entry) saved, where the interrupted
// frame continues below with its exact pc. Where ORC has no entry (code outside the kernel's
// text), DWARF CFI takes over for that frame.

import type { DebugInfo, Regs } from '../../emulator/loader/dwarf';
import type { OrcTable } from './orc';
import type { RawFrame } from './stack';

const MAX_FRAMES = 64;
const hex64 = (a: number): string => '0x' + BigInt.asUintN(64, BigInt(a)).toString(16).padStart(16, '0');

export function orcFrames(orc: OrcTable, di: DebugInfo | null, regs: Regs, read: (addr: number, len: number) => Uint8Array | null): RawFrame[] {
  const out: RawFrame[] = [];
  const seen = new Set<string>();
  let cur = regs, exact = true;
  let interruptedBy: string | undefined;
  while (out.length < MAX_FRAMES) {
    const pc = cur.rip, sp = cur.rsp;
    if (pc === undefined || sp === undefined) break;
    const key = `${pc}:${sp}`;
    if (seen.has(key)) break;
    seen.add(key);
    out.push({
      pc, sp, fp: cur.rbp ?? 0, regs: cur, fn: di?.functionAt(exact ? pc : pc - 1) ?? null, exactPc: exact,
      ...(interruptedBy !== undefined ? { interruptedBy } : {}),
    });
    let step = orc.unwind(cur, exact, read);
    if (!step && orc.find(exact ? pc : pc - 1) === null) {
      const u: { regs: Regs } | null | undefined = di?.unwind(cur, read, exact);
      if (u) step = { regs: u.regs };
    }
    if (!step || step.regs.rip === undefined || step.regs.rip === 0) break;
    interruptedBy = step.ptRegs ? `pt_regs at ${hex64(step.ptRegs.address)}` : undefined;
    exact = step.ptRegs !== undefined;
    cur = step.regs;
  }
  return out;
}
