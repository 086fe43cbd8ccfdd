// A Linux kernel's call stack: C frames by their DWARF CFI (which also restores the callee-saved
// registers a caller's variables live in), and where CFI has nothing (assembly entry code, the
// IRQ stack switch) by the kernel's ORC tables (orc.ts), as the kernel's own unwinder walks it:
// through pt_regs frames that interrupt and exception entry (and Xen's upcall entry) saved,
// where the interrupted frame continues below with its exact pc. A 64-bit PV kernel's entry
// stubs (xen_asm_exc_*: `pop %rcx; pop %r11; jmp asm_exc_*`) are ORC's end of stack: there the
// frame Xen's bounce built is read instead (xen-bounce.ts).

import type { DebugInfo, Regs } from '../../emulator/loader/dwarf';
import type { OrcTable } from './orc';
import type { RawFrame } from './stack';
import { bounceStep, type BounceEntries, type BounceStep } from './xen-bounce';

const MAX_FRAMES = 64;
const hex64 = (a: number): string => '0x' + BigInt.asUintN(64, BigInt(a)).toString(16).padStart(16, '0');

type Read = (addr: number, len: number) => Uint8Array | null;

export function orcFrames(orc: OrcTable, di: DebugInfo | null, regs: Regs, read: Read, bounces?: BounceEntries): RawFrame[] {
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
    // C code: its CFI, which also says where each callee-saved register was saved (a caller's
    // variables live in them); assembly without CFI (entry code, the IRQ stack switch): ORC.
    let step: { regs: Regs; why?: string } | null = null;
    const bounce: BounceStep | null = exact && bounces ? bounceStep(bounces, cur, read) : null;
    if (bounce) step = { regs: bounce.regs, why: bounce.why };
    else if (di?.cfiRowAt(exact ? pc : pc - 1)) {
      const u: { regs: Regs } | null | undefined = di.unwind(cur, read, exact);
      if (u && u.regs.rip !== undefined) step = { regs: u.regs };
    }
    if (!step) {
      const o = orc.unwind(cur, exact, read);
      if (o) step = { regs: o.regs, ...(o.ptRegs ? { why: `pt_regs at ${hex64(o.ptRegs.address)}` } : {}) };
    }
    if (!step || step.regs.rip === undefined || step.regs.rip === 0) break;
    interruptedBy = step.why;
    exact = step.why !== undefined;
    cur = step.regs;
  }
  return out;
}
