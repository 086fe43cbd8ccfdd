// Instruction length and mnemonic for the encodings the interpreter executes (null for
// everything it answers with #UD). Used by the disassembly view and checked against iced-x86;
// it must agree with execute.ts / execute-0f.ts / x87.ts about which encodings are valid.

// Immediate kinds.
const I_NONE = 0, I_B = 1, I_W = 2, I_V = 3, I_PTR = 4, I_ENTER = 5, I_MOFFS = 6, I_JV = 7;

const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const SHIFTS = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

interface Op { m: string | null; modrm: boolean; imm: number }

function op(m: string | null, modrm = false, imm = I_NONE): Op { return { m, modrm, imm }; }

const ONE: Op[] = new Array(256).fill(null).map(() => op(null));
for (let i = 0; i < 8; i++) {
  ONE[i * 8] = op(ALU[i], true); ONE[i * 8 + 1] = op(ALU[i], true); ONE[i * 8 + 2] = op(ALU[i], true);
  ONE[i * 8 + 3] = op(ALU[i], true); ONE[i * 8 + 4] = op(ALU[i], false, I_B); ONE[i * 8 + 5] = op(ALU[i], false, I_V);
}
ONE[0x06] = op('push'); ONE[0x07] = op('pop'); ONE[0x0e] = op('push'); ONE[0x16] = op('push'); ONE[0x17] = op('pop');
ONE[0x1e] = op('push'); ONE[0x1f] = op('pop');
ONE[0x27] = op('daa'); ONE[0x2f] = op('das'); ONE[0x37] = op('aaa'); ONE[0x3f] = op('aas');
for (let i = 0; i < 8; i++) {
  ONE[0x40 + i] = op('inc'); ONE[0x48 + i] = op('dec'); ONE[0x50 + i] = op('push'); ONE[0x58 + i] = op('pop');
  ONE[0xb0 + i] = op('mov', false, I_B); ONE[0xb8 + i] = op('mov', false, I_V);
}
for (let i = 1; i < 8; i++) ONE[0x90 + i] = op('xchg');
ONE[0x62] = op('bound', true); ONE[0x63] = op('arpl', true);
ONE[0x68] = op('push', false, I_V); ONE[0x69] = op('imul', true, I_V); ONE[0x6a] = op('push', false, I_B); ONE[0x6b] = op('imul', true, I_B);
for (let i = 0; i < 16; i++) ONE[0x70 + i] = op('j' + CC[i], false, I_B);
ONE[0x80] = op('#alu', true, I_B); ONE[0x81] = op('#alu', true, I_V); ONE[0x82] = op('#alu', true, I_B); ONE[0x83] = op('#alu', true, I_B);
ONE[0x84] = op('test', true); ONE[0x85] = op('test', true); ONE[0x86] = op('xchg', true); ONE[0x87] = op('xchg', true);
for (let i = 0x88; i <= 0x8b; i++) ONE[i] = op('mov', true);
ONE[0x8c] = op('mov', true); ONE[0x8d] = op('lea', true); ONE[0x8e] = op('mov', true); ONE[0x8f] = op('#pop', true);
ONE[0x90] = op('nop');
for (const b of [0x60, 0x61, 0x98, 0x99, 0x9c, 0x9d, 0xcf, 0x6c, 0x6d, 0x6e, 0x6f, 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf]) ONE[b] = op('sized');
ONE[0x9a] = op('call', false, I_PTR); ONE[0x9b] = op('wait'); ONE[0x9e] = op('sahf'); ONE[0x9f] = op('lahf');
for (let i = 0xa0; i <= 0xa3; i++) ONE[i] = op('mov', false, I_MOFFS);
ONE[0xa8] = op('test', false, I_B); ONE[0xa9] = op('test', false, I_V);
ONE[0xc0] = op('#shift', true, I_B); ONE[0xc1] = op('#shift', true, I_B);
ONE[0xc2] = op('ret', false, I_W); ONE[0xc3] = op('ret'); ONE[0xc4] = op('les', true); ONE[0xc5] = op('lds', true);
ONE[0xc6] = op('#mov', true, I_B); ONE[0xc7] = op('#mov', true, I_V); ONE[0xc8] = op('enter', false, I_ENTER); ONE[0xc9] = op('leave');
ONE[0xca] = op('retf', false, I_W); ONE[0xcb] = op('retf'); ONE[0xcc] = op('int3'); ONE[0xcd] = op('int', false, I_B); ONE[0xce] = op('into');
ONE[0xd0] = op('#shift', true); ONE[0xd1] = op('#shift', true); ONE[0xd2] = op('#shift', true); ONE[0xd3] = op('#shift', true);
ONE[0xd4] = op('aam', false, I_B); ONE[0xd5] = op('aad', false, I_B); ONE[0xd6] = op('salc'); ONE[0xd7] = op('xlatb');
for (let i = 0xd8; i <= 0xdf; i++) ONE[i] = op('#x87', true);
ONE[0xe0] = op('loopne', false, I_B); ONE[0xe1] = op('loope', false, I_B); ONE[0xe2] = op('loop', false, I_B); ONE[0xe3] = op('jcxz', false, I_B);
ONE[0xe4] = op('in', false, I_B); ONE[0xe5] = op('in', false, I_B); ONE[0xe6] = op('out', false, I_B); ONE[0xe7] = op('out', false, I_B);
ONE[0xe8] = op('call', false, I_JV); ONE[0xe9] = op('jmp', false, I_JV); ONE[0xea] = op('jmp', false, I_PTR); ONE[0xeb] = op('jmp', false, I_B);
ONE[0xec] = op('in'); ONE[0xed] = op('in'); ONE[0xee] = op('out'); ONE[0xef] = op('out');
ONE[0xf1] = op('int1'); ONE[0xf4] = op('hlt'); ONE[0xf5] = op('cmc'); ONE[0xf6] = op('#grp3', true); ONE[0xf7] = op('#grp3', true);
ONE[0xf8] = op('clc'); ONE[0xf9] = op('stc'); ONE[0xfa] = op('cli'); ONE[0xfb] = op('sti'); ONE[0xfc] = op('cld'); ONE[0xfd] = op('std');
ONE[0xfe] = op('#grp4', true); ONE[0xff] = op('#grp5', true);

const TWO: Op[] = new Array(256).fill(null).map(() => op(null));
TWO[0x00] = op('#grp6', true); TWO[0x01] = op('#grp7', true); TWO[0x02] = op('lar', true); TWO[0x03] = op('lsl', true);
TWO[0x06] = op('clts'); TWO[0x08] = op('invd'); TWO[0x09] = op('wbinvd'); TWO[0x1f] = op('#nop', true); TWO[0x18] = op('#nop', true); TWO[0x19] = op('#nop', true); TWO[0x1c] = op('#nop', true); TWO[0x1d] = op('#nop', true); TWO[0x1e] = op('#nop', true);
TWO[0x20] = op('#movcr', true); TWO[0x21] = op('#movdr', true); TWO[0x22] = op('#movcr', true); TWO[0x23] = op('#movdr', true);
TWO[0x30] = op('wrmsr'); TWO[0x31] = op('rdtsc'); TWO[0x32] = op('rdmsr'); TWO[0x33] = op('rdpmc'); TWO[0x34] = op('sysenter'); TWO[0x35] = op('sysexit');
for (let i = 0; i < 16; i++) {
  TWO[0x40 + i] = op('cmov' + CC[i], true); TWO[0x80 + i] = op('j' + CC[i], false, I_JV); TWO[0x90 + i] = op('set' + CC[i], true);
}
TWO[0xa0] = op('push'); TWO[0xa1] = op('pop'); TWO[0xa2] = op('cpuid'); TWO[0xa3] = op('bt', true);
TWO[0xa4] = op('shld', true, I_B); TWO[0xa5] = op('shld', true); TWO[0xa8] = op('push'); TWO[0xa9] = op('pop');
TWO[0xab] = op('bts', true); TWO[0xac] = op('shrd', true, I_B); TWO[0xad] = op('shrd', true); TWO[0xaf] = op('imul', true);
TWO[0xb0] = op('cmpxchg', true); TWO[0xb1] = op('cmpxchg', true); TWO[0xb2] = op('lss', true); TWO[0xb3] = op('btr', true);
TWO[0xb4] = op('lfs', true); TWO[0xb5] = op('lgs', true); TWO[0xb6] = op('movzx', true); TWO[0xb7] = op('movzx', true);
TWO[0xba] = op('#grp8', true, I_B); TWO[0xbb] = op('btc', true); TWO[0xbc] = op('bsf', true); TWO[0xbd] = op('bsr', true);
TWO[0xbe] = op('movsx', true); TWO[0xbf] = op('movsx', true); TWO[0xc0] = op('xadd', true); TWO[0xc1] = op('xadd', true);
TWO[0xc7] = op('#grp9', true); TWO[0xae] = op('#fence', true);
for (let i = 0; i < 8; i++) TWO[0xc8 + i] = op('bswap');

const LOCK1 = new Set([0x00, 0x01, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19, 0x20, 0x21, 0x28, 0x29, 0x30, 0x31, 0x80, 0x81, 0x82, 0x83, 0x86, 0x87, 0xf6, 0xf7, 0xfe, 0xff]);
const LOCK2 = new Set([0xab, 0xb3, 0xbb, 0xba, 0xb0, 0xb1, 0xc0, 0xc1, 0xc7]);

const X87_MEM: Record<number, Array<string | null>> = {
  0xd8: ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'],
  0xd9: ['fld', null, 'fst', 'fstp', 'fldenv', 'fldcw', 'fnstenv', 'fnstcw'],
  0xda: ['fiadd', 'fimul', 'ficom', 'ficomp', 'fisub', 'fisubr', 'fidiv', 'fidivr'],
  0xdb: ['fild', null, 'fist', 'fistp', null, 'fld', null, 'fstp'],
  0xdc: ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'],
  0xdd: ['fld', null, 'fst', 'fstp', 'frstor', null, 'fnsave', 'fnstsw'],
  0xde: ['fiadd', 'fimul', 'ficom', 'ficomp', 'fisub', 'fisubr', 'fidiv', 'fidivr'],
  0xdf: ['fild', null, 'fist', 'fistp', 'fbld', 'fild', 'fbstp', 'fistp'],
};

const D9_REG: Record<number, string> = {
  0xd0: 'fnop', 0xe0: 'fchs', 0xe1: 'fabs', 0xe4: 'ftst', 0xe5: 'fxam', 0xe8: 'fld1', 0xe9: 'fldl2t', 0xea: 'fldl2e',
  0xeb: 'fldpi', 0xec: 'fldlg2', 0xed: 'fldln2', 0xee: 'fldz', 0xf0: 'f2xm1', 0xf1: 'fyl2x', 0xf2: 'fptan', 0xf3: 'fpatan',
  0xf4: 'fxtract', 0xf5: 'fprem1', 0xf6: 'fdecstp', 0xf7: 'fincstp', 0xf8: 'fprem', 0xf9: 'fyl2xp1', 0xfa: 'fsqrt',
  0xfb: 'fsincos', 0xfc: 'frndint', 0xfd: 'fscale', 0xfe: 'fsin', 0xff: 'fcos',
};

function x87Reg(op: number, m: number): string | null {
  const reg = (m >> 3) & 7;
  switch (op) {
    case 0xd8: return ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'][reg];
    case 0xd9: return reg === 0 ? 'fld' : reg === 1 ? 'fxch' : D9_REG[m] ?? null;
    case 0xda: return reg < 4 ? ['fcmovb', 'fcmove', 'fcmovbe', 'fcmovu'][reg] : m === 0xe9 ? 'fucompp' : null;
    case 0xdb:
      if (reg < 4) return ['fcmovnb', 'fcmovne', 'fcmovnbe', 'fcmovnu'][reg];
      if (m === 0xe2) return 'fnclex';
      if (m === 0xe3) return 'fninit';
      return reg === 5 ? 'fucomi' : reg === 6 ? 'fcomi' : null;
    case 0xdc: return ['fadd', 'fmul', 'fcom', 'fcomp', 'fsubr', 'fsub', 'fdivr', 'fdiv'][reg];
    case 0xdd: return ['ffree', 'fxch', 'fst', 'fstp', 'fucom', 'fucomp', null, null][reg];
    case 0xde: return m === 0xd9 ? 'fcompp' : ['faddp', 'fmulp', 'fcomp', null, 'fsubrp', 'fsubp', 'fdivrp', 'fdivp'][reg];
    default:
      if (m === 0xe0) return 'fnstsw';
      return ['ffreep', 'fxch', 'fstp', 'fstp', null, 'fucomip', 'fcomip', null][reg];
  }
}

/**
 * Length and base mnemonic (iced-x86's lowercase naming) of the instruction at bytes[0],
 * or null if the CPU raises #UD for it (or it does not fit in 15 bytes / the buffer).
 */
export function decodeInfo(bytes: Uint8Array, is32: boolean, maxLength = 15): { length: number; mnemonic: string } | null {
  let i = 0;
  let o32 = is32, a32 = is32, rep = 0, lock = false;
  const n = Math.min(bytes.length, maxLength);
  let b: number;
  for (;;) {
    if (i >= n) return null;
    b = bytes[i++];
    if (b === 0x66) o32 = !is32;
    else if (b === 0x67) a32 = !is32;
    else if (b === 0xf2 || b === 0xf3) rep = b;
    else if (b === 0xf0) lock = true;
    else if (b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x64 || b === 0x65) { /* segment */ }
    else break;
  }
  let two = false;
  let d: Op;
  if (b === 0x0f) {
    if (i >= n) return null;
    b = bytes[i++];
    two = true;
    d = TWO[b];
  } else d = ONE[b];
  if (d.m === null) return null;
  if (lock && !(two ? LOCK2 : LOCK1).has(b)) return null;
  let m = 0, mod = 3, reg = 0, rm = 0;
  if (d.modrm) {
    if (i >= n) return null;
    m = bytes[i++];
    mod = m >> 6; reg = (m >> 3) & 7; rm = m & 7;
    const isCrDr = two && b >= 0x20 && b <= 0x23;
    if (mod !== 3 && !isCrDr) {
      if (a32) {
        if (rm === 4) {
          if (i >= n) return null;
          const sib = bytes[i++];
          if ((sib & 7) === 5 && mod === 0) i += 4;
        } else if (rm === 5 && mod === 0) i += 4;
        if (mod === 1) i += 1; else if (mod === 2) i += 4;
      } else {
        if (rm === 6 && mod === 0) i += 2;
        if (mod === 1) i += 1; else if (mod === 2) i += 2;
      }
    }
  }
  let mn = d.m;
  if (mn.startsWith('#')) {
    const r = group(mn, two, b, m, mod, reg, rm, o32, lock, rep, is32);
    if (r === null) return null;
    mn = r;
  } else {
    const r = sized(mn, two, b, o32, a32, rep, mod, reg, lock);
    if (r === null) return null;
    mn = r;
  }
  if (!two && (b === 0xf6 || b === 0xf7) && reg < 2) i += b === 0xf6 ? 1 : o32 ? 4 : 2;
  switch (d.imm) {
    case I_B: i += 1; break;
    case I_W: i += 2; break;
    case I_V: case I_JV: i += o32 ? 4 : 2; break;
    case I_PTR: i += o32 ? 6 : 4; break;
    case I_ENTER: i += 3; break;
    case I_MOFFS: i += a32 ? 4 : 2; break;
  }
  if (i > n) return null;
  return { length: i, mnemonic: mn };
}

function sized(mn: string, two: boolean, b: number, o32: boolean, a32: boolean, rep: number, mod: number, reg: number, lock: boolean): string | null {
  if (lock && mod === 3) return null;
  if (!two) {
    switch (b) {
      case 0x60: return o32 ? 'pushad' : 'pusha';
      case 0x61: return o32 ? 'popad' : 'popa';
      case 0x98: return o32 ? 'cwde' : 'cbw';
      case 0x99: return o32 ? 'cdq' : 'cwd';
      case 0x9c: return o32 ? 'pushfd' : 'pushf';
      case 0x9d: return o32 ? 'popfd' : 'popf';
      case 0xcf: return o32 ? 'iretd' : 'iret';
      case 0x6c: return 'insb'; case 0x6d: return o32 ? 'insd' : 'insw';
      case 0x6e: return 'outsb'; case 0x6f: return o32 ? 'outsd' : 'outsw';
      case 0xa4: return 'movsb'; case 0xa5: return o32 ? 'movsd' : 'movsw';
      case 0xa6: return 'cmpsb'; case 0xa7: return o32 ? 'cmpsd' : 'cmpsw';
      case 0xaa: return 'stosb'; case 0xab: return o32 ? 'stosd' : 'stosw';
      case 0xac: return 'lodsb'; case 0xad: return o32 ? 'lodsd' : 'lodsw';
      case 0xae: return 'scasb'; case 0xaf: return o32 ? 'scasd' : 'scasw';
      case 0x90: return rep === 0xf3 ? 'pause' : 'nop';
      case 0xe3: return a32 ? 'jecxz' : 'jcxz';
      case 0x62: case 0x8d: case 0xc4: case 0xc5: return mod === 3 ? null : mn;
      case 0x8c: return reg > 5 ? null : mn;
      case 0x8e: return reg > 5 || reg === 1 ? null : mn;
    }
    return mn;
  }
  switch (b) {
    case 0xb2: case 0xb4: case 0xb5: return mod === 3 ? null : mn;
    case 0xb8: return null;
    case 0x09: return rep === 0xf3 ? null : mn;
    case 0xbc: case 0xbd: return rep === 0xf3 ? null : mn;
  }
  return mn;
}

function group(mn: string, two: boolean, b: number, m: number, mod: number, reg: number, rm: number, o32: boolean, lock: boolean, rep: number, is32Default: boolean): string | null {
  const memLock = lock ? mod !== 3 : true;
  switch (mn) {
    case '#alu': return lock && (reg === 7 || !memLock) ? null : ALU[reg];
    case '#shift': return lock ? null : SHIFTS[reg];
    case '#pop': return reg === 0 && !lock ? 'pop' : null;
    case '#mov': return reg === 0 && !lock ? 'mov' : null;
    case '#grp3': {
      if (lock && (reg !== 2 && reg !== 3 || !memLock)) return null;
      return ['test', 'test', 'not', 'neg', 'mul', 'imul', 'div', 'idiv'][reg];
    }
    case '#grp4': return reg > 1 || (lock && !memLock) ? null : reg === 0 ? 'inc' : 'dec';
    case '#grp5':
      if (lock && (reg > 1 || !memLock)) return null;
      if ((reg === 3 || reg === 5) && mod === 3) return null;
      return ['inc', 'dec', 'call', 'call', 'jmp', 'jmp', 'push', null][reg];
    case '#x87': {
      if (lock) return null;
      if (mod !== 3) return X87_MEM[b][reg];
      return x87Reg(b, m);
    }
    case '#grp6': return lock ? null : ['sldt', 'str', 'lldt', 'ltr', 'verr', 'verw', null, null][reg];
    case '#grp7':
      if (lock) return null;
      if (mod === 3) {
        if (rep) return null;
        if ((m === 0xc1 || m === 0xc8 || m === 0xc9) && o32 !== is32Default) return null;
        if (m === 0xc1) return 'vmcall';
        if (m === 0xc8) return 'monitor';
        if (m === 0xc9) return 'mwait';
        if (reg === 4) return 'smsw';
        if (reg === 6) return 'lmsw';
        return null;
      }
      return ['sgdt', 'sidt', 'lgdt', 'lidt', 'smsw', null, 'lmsw', 'invlpg'][reg];
    case '#grp8': return reg < 4 || (lock && (reg === 4 || !memLock)) ? null : ['bt', 'bts', 'btr', 'btc'][reg - 4];
    case '#fence': return lock || rep || mod !== 3 || reg < 5 || o32 !== is32Default ? null : ['lfence', 'mfence', 'sfence'][reg - 5];
    case '#grp9': return reg === 1 && mod !== 3 ? 'cmpxchg8b' : null;
    case '#nop':
      if (lock) return null;
      // The CPU runs the whole hint space as NOP; the disassembly names the hints it holds.
      if (b === 0x18 && mod !== 3) return ['prefetchnta', 'prefetcht0', 'prefetcht1', 'prefetcht2', 'nop', 'nop', 'prefetchit1', 'prefetchit0'][reg];
      if (b === 0x1c && mod !== 3 && reg === 0 && !rep && o32 === is32Default) return 'cldemote';
      if (b === 0x1e && rep === 0xf3) return null;     // ENDBR32 and friends
      return 'nop';
    case '#movcr': return lock || reg === 1 || reg > 4 ? null : 'mov';
    case '#movdr': return lock ? null : 'mov';
  }
  void two; void rm; void o32;
  return null;
}

