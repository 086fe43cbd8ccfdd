// Instructions written as bytes (`.byte 0x0f,0x01,0xd1`, as kernels do for instructions older
// assemblers lack): the encodings of the instruction table's instructions (SDM Vol. 2),
// decoded to the mnemonic and operands the table classifies. Only a list of two or more bytes
// that is exactly one instruction counts; anything else is data.

const GPR64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const GPR32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];

export interface DecodedInstr {
  mnemonic: string;
  /** Intel order, lower case, as the table's classify() takes them. */
  ops: string[];
}

/** Bytes a ModRM (with SIB and displacement) takes, for 32/64-bit addressing; -1 past the end. */
function modrmLength(b: Uint8Array, i: number): number {
  if (i >= b.length) return -1;
  const m = b[i], mod = m >> 6, rm = m & 7;
  let n = 1;
  if (mod === 3) return n;
  if (rm === 4) {
    if (i + 1 >= b.length) return -1;
    n++;
    if ((b[i + 1] & 7) === 5 && mod === 0) n += 4;
  } else if (rm === 5 && mod === 0) n += 4;
  if (mod === 1) n += 1; else if (mod === 2) n += 4;
  return n;
}

/**
 * The table instruction `bytes` encode, when they are exactly one instruction (legacy
 * prefixes and a REX prefix allowed), else null.
 */
export function decodeTableInstruction(bytes: Uint8Array): DecodedInstr | null {
  // One byte alone (`.byte 0xfa`) is far more often a datum in a table than a spelled-out CLI;
  // instructions that need spelling out are the newer, longer ones.
  if (bytes.length < 2) return null;
  let i = 0;
  let rep = 0, opsize = false, rex = 0;
  while (i < bytes.length) {
    const p = bytes[i];
    if (p === 0xf2 || p === 0xf3) rep = p;
    else if (p === 0x66) opsize = true;
    else if (p === 0x67 || p === 0xf0 || p === 0x2e || p === 0x36 || p === 0x3e || p === 0x26 || p === 0x64 || p === 0x65) { /* no effect on which instruction */ }
    else break;
    i++;
  }
  // A REX prefix (64-bit code, where kernels write .byte sequences) just before the opcode.
  if (i < bytes.length && (bytes[i] & 0xf0) === 0x40 && i + 1 < bytes.length) { rex = bytes[i]; i++; }
  if (i >= bytes.length) return null;
  const gpr = (n: number) => (rex ? GPR64[n + ((rex & 1) << 3)] : GPR32[n]);
  const one = (mnemonic: string, len: number, ops: string[] = []): DecodedInstr | null => (i + len === bytes.length ? { mnemonic, ops } : null);
  const op = bytes[i];
  switch (op) {
    case 0xf4: return one('hlt', 1);
    case 0xfa: return one('cli', 1);
    case 0xfb: return one('sti', 1);
    case 0x9c: return one('pushf', 1);
    case 0x9d: return one('popf', 1);
    case 0xe4: return one('in', 2, ['al', 'imm']);
    case 0xe5: return one('in', 2, [opsize ? 'ax' : 'eax', 'imm']);
    case 0xec: return one('in', 1, ['al', 'dx']);
    case 0xed: return one('in', 1, [opsize ? 'ax' : 'eax', 'dx']);
    case 0xe6: return one('out', 2, ['imm', 'al']);
    case 0xe7: return one('out', 2, ['imm', opsize ? 'ax' : 'eax']);
    case 0xee: return one('out', 1, ['dx', 'al']);
    case 0xef: return one('out', 1, ['dx', opsize ? 'ax' : 'eax']);
    case 0x6c: case 0x6d: return one('ins', 1);
    case 0x6e: case 0x6f: return one('outs', 1);
    case 0xcf: return one('iret', 1);
    case 0x0e: return one('push', 1, ['cs']);
    case 0x16: return one('push', 1, ['ss']);
    case 0x90: return rep === 0xf3 ? one('pause', 1) : null;
    case 0x8c: {
      const reg = i + 1 < bytes.length ? (bytes[i + 1] >> 3) & 7 : -1;
      const len = modrmLength(bytes, i + 1);
      if (len < 0 || (reg !== 1 && reg !== 2)) return null;
      return one('mov', 1 + len, ['r/m', reg === 1 ? 'cs' : 'ss']);
    }
    case 0x0f: break;
    default: return null;
  }
  const b = bytes[i + 1];
  if (b === undefined) return null;
  const at = i + 2;
  const modrm = bytes[at];
  const reg = modrm === undefined ? -1 : (modrm >> 3) & 7;
  const mod = modrm === undefined ? -1 : modrm >> 6;
  const withModrm = (mnemonic: string, ops: string[] = []) => {
    const len = modrmLength(bytes, at);
    return len < 0 ? null : one(mnemonic, 2 + len, ops);
  };
  switch (b) {
    case 0x00: return withModrm(['sldt', 'str', 'lldt', 'ltr', 'verr', 'verw', '', ''][reg] || '');
    case 0x01:
      if (mod === 3) {
        const special: Record<number, string> = { 0xc1: 'vmcall', 0xc8: 'monitor', 0xc9: 'mwait', 0xd1: 'xsetbv', 0xd9: 'vmmcall', 0xf9: 'rdtscp', 0xca: 'clac', 0xcb: 'stac' };
        if (special[modrm]) return one(special[modrm], 3);
        if (reg === 4) return one('smsw', 3, [gpr(modrm & 7)]);
        if (reg === 6) return one('lmsw', 3, [gpr(modrm & 7)]);
        return null;
      }
      return withModrm(['sgdt', 'sidt', 'lgdt', 'lidt', 'smsw', '', 'lmsw', 'invlpg'][reg] || '', ['mem']);
    case 0x02: return withModrm('lar', ['reg', 'r/m']);
    case 0x03: return withModrm('lsl', ['reg', 'r/m']);
    case 0x06: return one('clts', 2);
    case 0x08: return one('invd', 2);
    case 0x09: return one('wbinvd', 2);
    case 0x30: return one('wrmsr', 2);
    case 0x31: return one('rdtsc', 2);
    case 0x32: return one('rdmsr', 2);
    case 0x33: return one('rdpmc', 2);
    case 0x34: return one('sysenter', 2);
    case 0x35: return one('sysexit', 2);
    case 0xa2: return one('cpuid', 2);
    case 0x20: case 0x21: case 0x22: case 0x23: {
      // MOV to/from control and debug registers: ModRM.reg names CRn/DRn (REX.R adds 8), rm the GPR.
      if (modrm === undefined) return null;
      const n = reg + ((rex & 4) << 1);
      const special = (b & 1) ? `dr${n}` : `cr${n}`;
      const g = gpr(modrm & 7);
      return one('mov', 3, b & 2 ? [special, g] : [g, special]);
    }
    case 0x38:
      if (bytes[i + 2] === 0x82 && opsize) {
        const len = modrmLength(bytes, i + 3);
        return len < 0 ? null : one('invpcid', 3 + len, ['reg', 'mem']);
      }
      return null;
  }
  return null;
}

/** The numbers of a `.byte` (or NASM `db`) operand list, or null when one is not a plain number (a symbol, an expression). */
export function byteList(text: string, nasm = false): Uint8Array | null {
  const parts = text.split(',');
  const out = new Uint8Array(parts.length);
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k].trim();
    // GAS: 0x0f, 017 (octal), 15. NASM: 0x0f, 0fh, and a leading 0 is still decimal.
    let v: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(p)) v = parseInt(p, 16);
    else if (/^[0-9][0-9a-fA-F]*[hH]$/.test(p)) v = parseInt(p.slice(0, -1), 16);
    else if (!nasm && /^0[0-7]*$/.test(p)) v = parseInt(p, 8);
    else if (/^[0-9]+$/.test(p) && (nasm || p === '0' || p[0] !== '0')) v = parseInt(p, 10);
    else return null;
    if (v > 255) return null;
    out[k] = v;
  }
  return out;
}
