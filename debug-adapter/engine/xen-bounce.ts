// The frame Xen builds on a 64-bit PV kernel's stack when it bounces an event upcall or a trap
// into it (create_bounce_frame): RCX and R11 (which Xen's own SYSRET path clobbers), the error
// code for the vectors that have one, then the IRET frame RIP, CS, RFLAGS, RSP, SS. Linux's
// entry stubs for them (xen_asm_exc_*, arch/x86/xen/xen-asm.S) pop RCX and R11 and jump to the
// native entry; their ORC entries say "end of stack", so a stop on those three instructions
// (the upcall filter stops on the first) is unwound here, from the callback and trap-table
// addresses the domain registered.

import type { Regs } from '../../emulator/loader/dwarf';

/** Entry address -> what Xen bounces there: the event callback, or a trap with or without an error code. */
export type BounceEntries = Map<number, { name: string; errorCode: boolean }>;

export interface BounceStep { regs: Regs; why: string }

const ENDBR64 = [0xf3, 0x0f, 0x1e, 0xfa];
const POP_RCX = [0x59];
const POP_R11 = [0x41, 0x5b];

const add = (a: number, d: number): number => Number(BigInt.asIntN(64, BigInt(a) + BigInt(d)));
const hex64 = (a: number): string => '0x' + BigInt.asUintN(64, BigInt(a)).toString(16).padStart(16, '0');

function starts(bytes: Uint8Array, at: number, want: number[]): boolean {
  return want.every((b, i) => bytes[at + i] === b);
}

/**
 * The interrupted frame when `regs` stops in a bounce entry's `[endbr64;] pop %rcx; pop %r11`
 * (or on the jump after them), or null. How many of the pops ran says where the frame lies.
 */
export function bounceStep(entries: BounceEntries, regs: Regs, read: (addr: number, len: number) => Uint8Array | null): BounceStep | null {
  const pc = regs.rip, sp = regs.rsp;
  if (pc === undefined || sp === undefined) return null;
  for (const d of [0, 4, 5, 7]) {
    const entry = add(pc, -d);
    const e = entries.get(entry);
    if (!e) continue;
    const code = read(entry, 7);
    if (!code) return null;
    const endbr = starts(code, 0, ENDBR64) ? 4 : 0;
    if (!starts(code, endbr, POP_RCX) || !starts(code, endbr + 1, POP_R11)) return null;
    // Stopped before the first pop, between them, or after both.
    const popped = d <= endbr ? 0 : d === endbr + 1 ? 1 : d === endbr + 3 ? 2 : -1;
    if (popped < 0) continue;
    const base = add(sp, -8 * popped);
    const q = (a: number): number | null => {
      const b = read(a, 8);
      return b && b.length === 8 ? Number(new DataView(b.buffer, b.byteOffset, 8).getBigInt64(0, true)) : null;
    };
    const iret = add(base, 16 + (e.errorCode ? 8 : 0));
    const rip = q(iret), rflags = q(add(iret, 16)), rsp = q(add(iret, 24));
    if (rip === null || rflags === null || rsp === null) return null;
    const out: Regs = { ...regs, rip, rsp, rflags: rflags >>> 0 };
    // What the stub has not popped yet is still the interrupted code's.
    const rcx = popped < 1 ? q(base) : regs.rcx, r11 = popped < 2 ? q(add(base, 8)) : regs.r11;
    if (rcx !== null && rcx !== undefined) out.rcx = rcx;
    if (r11 !== null && r11 !== undefined) out.r11 = r11;
    return { regs: out, why: `${e.name}: Xen's bounce frame at ${hex64(base)}` };
  }
  return null;
}
