// What one instruction of 64-bit interrupt stub code does to the stack, for interrupt-frames.ts:
// pushes and pops are 8 bytes, REX prefixes extend register numbers (and are not INC/DEC), and
// the registers a stub pushes before writing them are noted (64-bit code has no PUSHA: stubs
// push RAX..R15 one by one), so the interrupted frame gets them back.

/** Bytes pushed since the entry and where the interrupted code's registers were pushed. */
export interface PathState64 {
  depth: number;
  vectorAt: number | null;
  /** Register number (0 RAX .. 15 R15, encoding order) -> depth just after its push. */
  saved: Record<number, number>;
  /** Registers written on this path (their later pushes are not the interrupted values). */
  written: number;
}

const RSP = 4;

function rel32(b: Uint8Array, at: number): number { return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24); }

/** The state after one instruction, 'end' where the path leaves the stub, 'unknown' where RSP goes untracked. */
export function effect64(bytes: Uint8Array, mnemonic: string, st: PathState64, vector: number | string): PathState64 | 'end' | 'unknown' {
  let b = bytes;
  // Legacy prefixes other than REX change sizes in ways not followed here.
  if (b[0] === 0x66 || b[0] === 0x67) return /^(push|pop)/.test(mnemonic) || writesReg64(b.subarray(1), 0, RSP) ? 'unknown' : st;
  const rex = b[0]! >= 0x40 && b[0]! <= 0x4f ? b[0]! : 0;
  if (rex) b = b.subarray(1);
  const s = (delta: number, extra: Partial<PathState64> = {}): PathState64 => {
    const next: PathState64 = { ...st, saved: { ...st.saved }, depth: st.depth + delta, ...extra };
    // Popped past: what was saved there is no longer on the stack.
    if (next.vectorAt !== null && next.depth < next.vectorAt) next.vectorAt = null;
    for (const [r, at] of Object.entries(next.saved)) if (next.depth < at) delete next.saved[Number(r)];
    return next;
  };
  const wrote = (r: number): PathState64 => ({ ...st, written: st.written | (1 << r) });
  switch (mnemonic) {
    case 'ret': case 'retf': case 'iret': case 'iretd': case 'iretq': case 'hlt': case 'ud2': case 'sysret': case 'sysretq': return 'end';
    case 'jmp': return b[0] === 0xeb || b[0] === 0xe9 ? st : 'end';
    case 'pushf': case 'pushfq': return s(8);
    case 'popf': case 'popfq': return s(-8);
    case 'push': {
      const imm = b[0] === 0x6a ? (b[1]! << 24) >> 24 : b[0] === 0x68 ? rel32(b, 1) : null;
      if (imm !== null && imm === vector) return s(8, { vectorAt: st.depth + 8 });
      if (b[0]! >= 0x50 && b[0]! <= 0x57) {
        const r = (b[0]! - 0x50) + (rex & 1 ? 8 : 0);
        // The interrupted code's value, pushed before anything on this path changed it.
        if (r !== RSP && !(st.written & (1 << r)) && st.saved[r] === undefined) {
          const saved = { ...st.saved, [r]: st.depth + 8 };
          return { ...s(8), saved };
        }
      }
      return s(8);
    }
    case 'pop': {
      if (b[0]! >= 0x58 && b[0]! <= 0x5f) {
        const r = (b[0]! - 0x58) + (rex & 1 ? 8 : 0);
        if (r === RSP) return 'unknown';
        const next = s(-8);
        next.written |= 1 << r;
        return next;
      }
      return s(-8);
    }
    default: break;
  }
  const modrm = b[1] ?? 0;
  const rmIsRsp = (modrm & 0xc7) === 0xc0 + RSP && !(rex & 1);
  // add/sub rsp, imm8/imm32; lea rsp, [rsp + disp8]
  if ((b[0] === 0x83 || b[0] === 0x81) && rmIsRsp) {
    const op = (modrm >> 3) & 7;
    const imm = b[0] === 0x83 ? (b[2]! << 24) >> 24 : rel32(b, 2);
    if (op === 0) return s(-imm);
    if (op === 5) return s(imm);
    if (op === 7) return st;   // cmp
    return 'unknown';
  }
  if (b[0] === 0x8d && modrm === 0x64 && b[2] === 0x24 && !(rex & 5)) return s(-((b[3]! << 24) >> 24));
  if (writesReg64(b, rex, RSP)) return 'unknown';
  let out = st;
  for (let r = 0; r < 16; r++) if (r !== RSP && writesReg64(b, rex, r)) out = wrote(r);
  return out;
}

/** The common encodings whose destination is register `reg` (REX-extended): true when it is. */
export function writesReg64(b: Uint8Array, rex: number, reg: number): boolean {
  const op = b[0]!, modrm = b[1] ?? 0, mod = modrm >> 6;
  const rm = (modrm & 7) + (rex & 1 ? 8 : 0), r = ((modrm >> 3) & 7) + (rex & 4 ? 8 : 0);
  const opReg = (op & 7) + (rex & 1 ? 8 : 0);
  if (op >= 0xb8 && op <= 0xbf) return opReg === reg;                     // mov r, imm
  if (op >= 0x91 && op <= 0x97) return opReg === reg || reg === 0;        // xchg rax, r
  if (op === 0xc9) return reg === RSP || reg === 5;                       // leave
  if ([0x01, 0x09, 0x11, 0x19, 0x21, 0x29, 0x31, 0x89, 0x87].includes(op) && mod === 3 && rm === reg) return true;
  if ([0x03, 0x0b, 0x13, 0x1b, 0x23, 0x2b, 0x33, 0x8b, 0x8d, 0x87, 0x69, 0x6b, 0x63].includes(op) && r === reg) return true;
  if ([0x81, 0x83, 0xc1, 0xd1, 0xd3, 0xc7].includes(op) && mod === 3 && rm === reg && !((op === 0x81 || op === 0x83) && ((modrm >> 3) & 7) === 7)) return true;
  if (op === 0xf7 && mod === 3 && rm === reg && (((modrm >> 3) & 7) === 2 || ((modrm >> 3) & 7) === 3)) return true;
  if (op === 0xff && mod === 3 && rm === reg && (((modrm >> 3) & 7) <= 1)) return true;
  // 0F-map moves into a register: movzx/movsx, cmov, rdmsr-free forms are not followed.
  if (op === 0x0f && [0xb6, 0xb7, 0xbe, 0xbf].includes(b[1]!) && (((b[2] ?? 0) >> 3) & 7) + (rex & 4 ? 8 : 0) === reg) return true;
  // Instructions that write fixed registers: cpuid, rdmsr, rdtsc, syscall's RCX/R11, mul/div.
  if (op === 0x0f && (b[1] === 0xa2 || b[1] === 0x32 || b[1] === 0x31)) return reg <= 3;
  if (op === 0xf7 && mod === 3 && ((modrm >> 3) & 7) >= 4) return reg === 0 || reg === 2;
  return false;
}
