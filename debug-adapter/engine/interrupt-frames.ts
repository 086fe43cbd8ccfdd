// Where the CPU's (or the PV hypervisor's) interrupt frame lies while a handler runs. From
// every handler entry point the stub code is followed (jumps, both ways of a conditional jump,
// over calls) counting what it pushes and pops, so that at any instruction of it the distance
// from ESP to the pushed EIP is known, and where a PUSHA saved the interrupted registers.
// A C function the stub calls is unwound by CFI or the EBP chain up to its return address in
// the stub; from there this map gives the interrupted frame. Stack pointer changes it cannot
// follow (mov esp, ..., and esp, ...) end the walk: nothing past them is claimed.

import { decodeInfo } from '../../emulator/isa';
import { effect64, type PathState64 } from './stub-effects64';

export interface HandlerEntry {
  /** Vector number, or a name for PV callbacks ('event upcall', 'failsafe callback'). */
  vector: number | string;
  /** Bytes between ESP at the entry and the pushed EIP: the error code, PV failsafe segments. */
  before: number;
}

export interface StubPoint {
  /** ESP + eipOffset holds the interrupted EIP (then CS, EFLAGS, and ESP, SS on a privilege change). */
  eipOffset: number;
  /** The vector when every entry that reaches this instruction agrees on it. */
  vector?: number | string;
  /** Else ESP + vectorOffset holds it, where every entry's stub pushed its vector number as an immediate. */
  vectorOffset?: number;
  /** ESP + pushaOffset is where PUSHA saved EDI..EAX, when every path did one (and no POPA since). */
  pushaOffset?: number;
  /** No instruction on the way wrote EBP (other than through the stack): EBP is still the interrupted code's. */
  ebpKept: boolean;
  /** Else ESP + ebpOffset is where the interrupted code's EBP was pushed (a C handler's `push ebp`), when every path agrees. */
  ebpOffset?: number;
  /** 64-bit stubs: register number (0 RAX .. 15 R15) -> RSP + offset where the stub pushed the interrupted value, where every path agrees. */
  savedOffsets?: Record<number, number>;
}

/**
 * Bytes pushed since the entry; the depths just after the latest PUSHA, the push of the vector
 * number and the push of the interrupted code's EBP.
 */
interface PathState { depth: number; pusha: number | null; vectorAt: number | null; ebpKept: boolean; ebpAt: number | null }

const MAX_INSTRUCTIONS = 4096;
const PER_ENTRY = 128;

/** x86 registers by ModRM number. */
const ESP = 4, EBP = 5;

export class StubMap {
  private readonly points = new Map<number, StubPoint | null>();

  /**
   * `bits` 64: the stubs are 64-bit code (8-byte pushes, REX) and addresses are the signed
   * 64-bit values the DWARF reader uses; the IDT's entries come from a 64-bit IDT.
   */
  constructor(entries: Map<number, HandlerEntry>, private readonly read: (addr: number, len: number) => Uint8Array | null, private readonly bits: 32 | 64 = 32) {
    // Entries sharing code (a common stub) meet at the same instructions; they must agree.
    // Every entry walks the shared code again: a full IDT (256 stubs into one common stub, as
    // 64-bit kernels have) needs a budget that grows with the entries.
    let budget = Math.max(MAX_INSTRUCTIONS, PER_ENTRY * entries.size);
    for (const [addr, e] of entries) budget = bits === 64 ? this.walk64(addr, e, budget) : this.walk(addr, e, budget);
  }

  at(pc: number): StubPoint | null { return this.points.get(this.bits === 64 ? pc : pc >>> 0) ?? null; }

  private walk64(entry: number, e: HandlerEntry, budget: number): number {
    const work: Array<[number, PathState64]> = [[entry, { depth: 0, vectorAt: null, saved: {}, written: 0 }]];
    const seen = new Set<number>();
    const to = (a: number, d: number): number => Number(BigInt.asIntN(64, BigInt(a) + BigInt(d)));
    while (work.length && budget-- > 0) {
      const [pc, st] = work.pop()!;
      if (!this.record64(pc, st, e) || seen.has(pc)) continue;
      seen.add(pc);
      const bytes = this.read(pc, 16) ?? this.read(pc, 1);
      const ins = bytes ? decodeInfo(bytes, 64) : null;
      if (!bytes || !ins) continue;
      const next = to(pc, ins.length);
      const after = effect64(bytes, ins.mnemonic, st, e.vector);
      if (after === 'end' || after === 'unknown') continue;
      const b = bytes[0]! >= 0x40 && bytes[0]! <= 0x4f ? bytes.subarray(1) : bytes;
      const b0 = b[0]!;
      if (b0 === 0xeb) { work.push([to(next, (b[1]! << 24) >> 24), after]); continue; }
      if (b0 === 0xe9) { work.push([to(next, rel32(b, 1)), after]); continue; }
      if ((b0 >= 0x70 && b0 <= 0x7f) || (b0 >= 0xe0 && b0 <= 0xe3)) work.push([to(next, (b[1]! << 24) >> 24), after]);
      if (b0 === 0x0f && b[1]! >= 0x80 && b[1]! <= 0x8f) work.push([to(next, rel32(b, 2)), after]);
      work.push([next, after]);
    }
    return budget;
  }

  private record64(pc: number, st: PathState64, e: HandlerEntry): boolean {
    const savedOffsets: Record<number, number> = {};
    for (const [r, at] of Object.entries(st.saved)) savedOffsets[Number(r)] = st.depth - at;
    const point: StubPoint = { eipOffset: st.depth + e.before, vector: e.vector, ebpKept: !(st.written & (1 << 5)), savedOffsets };
    if (st.vectorAt !== null) point.vectorOffset = st.depth - st.vectorAt;
    if (!this.points.has(pc)) { this.points.set(pc, point); return true; }
    const old = this.points.get(pc);
    if (!old || old.eipOffset !== point.eipOffset) { this.points.set(pc, null); return false; }
    if (old.vector !== point.vector) delete old.vector;
    if (old.vectorOffset !== point.vectorOffset) delete old.vectorOffset;
    for (const r of Object.keys(old.savedOffsets ?? {})) if (old.savedOffsets![Number(r)] !== savedOffsets[Number(r)]) delete old.savedOffsets![Number(r)];
    old.ebpKept &&= point.ebpKept;
    return true;
  }

  private walk(entry: number, e: HandlerEntry, budget: number): number {
    const work: Array<[number, PathState]> = [[entry >>> 0, { depth: 0, pusha: null, vectorAt: null, ebpKept: true, ebpAt: null }]];
    const seen = new Set<number>();
    while (work.length && budget-- > 0) {
      const [pc, st] = work.pop()!;
      // Recorded on every arrival, so that two ways into one instruction must agree.
      if (!this.record(pc, st, e) || seen.has(pc)) continue;
      seen.add(pc);
      const bytes = this.read(pc, 16) ?? this.read(pc, 1);
      const ins = bytes ? decodeInfo(bytes, 32) : null;
      if (!bytes || !ins) continue;
      const next = (pc + ins.length) >>> 0;
      const after = effect(bytes, ins.mnemonic, st, e.vector);
      if (after === 'end' || after === 'unknown') continue;
      const b0 = bytes[0]!;
      if (b0 === 0xeb) { work.push([(next + ((bytes[1]! << 24) >> 24)) >>> 0, after]); continue; }
      if (b0 === 0xe9) { work.push([(next + rel32(bytes, 1)) >>> 0, after]); continue; }
      if ((b0 >= 0x70 && b0 <= 0x7f) || (b0 >= 0xe0 && b0 <= 0xe3)) work.push([(next + ((bytes[1]! << 24) >> 24)) >>> 0, after]);
      if (b0 === 0x0f && bytes[1]! >= 0x80 && bytes[1]! <= 0x8f) work.push([(next + rel32(bytes, 2)) >>> 0, after]);
      work.push([next, after]);
    }
    return budget;
  }

  /** Notes what is known at `pc` on this path; false when paths disagree (the walk stops there). */
  private record(pc: number, st: PathState, e: HandlerEntry): boolean {
    const point: StubPoint = { eipOffset: st.depth + e.before, vector: e.vector, ebpKept: st.ebpKept };
    if (st.pusha !== null) point.pushaOffset = st.depth - st.pusha;
    if (st.vectorAt !== null) point.vectorOffset = st.depth - st.vectorAt;
    if (st.ebpAt !== null) point.ebpOffset = st.depth - st.ebpAt;
    if (!this.points.has(pc)) { this.points.set(pc, point); return true; }
    const old = this.points.get(pc);
    if (!old || old.eipOffset !== point.eipOffset) { this.points.set(pc, null); return false; }
    if (old.vector !== point.vector) delete old.vector;
    if (old.pushaOffset !== point.pushaOffset) delete old.pushaOffset;
    if (old.vectorOffset !== point.vectorOffset) delete old.vectorOffset;
    if (old.ebpOffset !== point.ebpOffset) delete old.ebpOffset;
    old.ebpKept &&= point.ebpKept;
    return true;
  }
}

function rel32(b: Uint8Array, at: number): number { return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24); }

/** The state after one instruction, 'end' where the path leaves the stub, 'unknown' where ESP goes untracked. */
function effect(b: Uint8Array, mnemonic: string, st: PathState, vector: number | string): PathState | 'end' | 'unknown' {
  const s = (delta: number, extra: Partial<PathState> = {}): PathState => {
    const next: PathState = { ...st, depth: st.depth + delta, ...extra };
    // Popped past: the saved registers or the vector number are no longer on the stack.
    if (next.pusha !== null && next.depth < next.pusha) next.pusha = null;
    if (next.vectorAt !== null && next.depth < next.vectorAt) next.vectorAt = null;
    if (next.ebpAt !== null && next.depth < next.ebpAt) next.ebpAt = null;
    return next;
  };
  if (b[0] === 0x66 || b[0] === 0x67) return /^(push|pop)/.test(mnemonic) || writesEsp(b.subarray(1)) ? 'unknown' : st;
  switch (mnemonic) {
    case 'ret': case 'retf': case 'iret': case 'iretd': case 'hlt': case 'ud2': return 'end';
    case 'jmp': return b[0] === 0xeb || b[0] === 0xe9 ? st : 'end';
    case 'pusha': case 'pushad': return s(32, { pusha: st.depth + 32 });
    case 'popa': case 'popad': return s(-32, { pusha: null });
    case 'pushf': case 'pushfd': return s(4);
    case 'popf': case 'popfd': return s(-4);
    case 'push': {
      const imm = b[0] === 0x6a ? (b[1]! << 24) >> 24 : b[0] === 0x68 ? rel32(b, 1) : null;
      if (imm !== null && imm === vector) return s(4, { vectorAt: st.depth + 4 });
      // The interrupted code's EBP, saved before the handler makes its own frame.
      if (b[0] === 0x50 + EBP && st.ebpKept && st.ebpAt === null) return s(4, { ebpAt: st.depth + 4 });
      return s(4);
    }
    case 'pop': {
      if (b[0] === 0x58 + ESP) return 'unknown';
      return s(-4, b[0] === 0x58 + EBP ? { ebpKept: false } : {});
    }
    default: break;
  }
  const modrm = b[1] ?? 0;
  // add/sub esp, imm8/imm32; lea esp, [esp + disp8]
  if ((b[0] === 0x83 || b[0] === 0x81) && (modrm & 0xc7) === 0xc0 + ESP) {
    const op = (modrm >> 3) & 7;
    const imm = b[0] === 0x83 ? (b[2]! << 24) >> 24 : rel32(b, 2);
    if (op === 0) return s(-imm);
    if (op === 5) return s(imm);
    return 'unknown';
  }
  if (b[0] === 0x8d && modrm === 0x64 && b[2] === 0x24) return s(-((b[3]! << 24) >> 24));
  if (writesEsp(b)) return 'unknown';
  if (writesEbp(b)) return { ...st, ebpKept: false };
  return st;
}

/** The common encodings whose destination is a register named by ModRM: is it `reg`? */
function writesReg(b: Uint8Array, reg: number): boolean {
  const op = b[0]!, modrm = b[1] ?? 0, mod = modrm >> 6, rm = modrm & 7, r = (modrm >> 3) & 7;
  if (op >= 0xb8 && op <= 0xbf) return op - 0xb8 === reg;              // mov r32, imm32
  if (op === 0x40 + reg || op === 0x48 + reg) return true;              // inc/dec r32
  if (op === 0x90 + reg && reg !== 0) return true;                      // xchg eax, r32
  // op r/m32, r32 (mov, add, or, adc, sbb, and, sub, xor, xchg): register destination in rm.
  if ([0x01, 0x09, 0x11, 0x19, 0x21, 0x29, 0x31, 0x89, 0x87].includes(op) && mod === 3 && rm === reg) return true;
  // op r32, r/m32 (and lea, imul): destination in reg.
  if ([0x03, 0x0b, 0x13, 0x1b, 0x23, 0x2b, 0x33, 0x8b, 0x8d, 0x87, 0x69, 0x6b].includes(op) && r === reg) return true;
  // group 1/2/3 and shifts on a register.
  if ([0x81, 0x83, 0xc1, 0xd1, 0xd3, 0xc7].includes(op) && mod === 3 && rm === reg && !((op === 0x81 || op === 0x83) && r === 7)) return true;
  if (op === 0xf7 && mod === 3 && rm === reg && (r === 2 || r === 3)) return true;  // not, neg
  if (op === 0xff && mod === 3 && rm === reg && (r === 0 || r === 1)) return true;  // inc, dec
  return false;
}

function writesEsp(b: Uint8Array): boolean { return writesReg(b, ESP) || b[0] === 0xc9; /* leave */ }
function writesEbp(b: Uint8Array): boolean { return writesReg(b, EBP) || b[0] === 0xc9; /* leave */ }
