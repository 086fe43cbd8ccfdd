// Mnemonic comparison between our decoder and iced-x86. Both sides name the same instruction
// in different but documented ways (the SDM lists JZ and JE as one opcode, SAL and SHL share
// D0-D3 /4 and /6, ...). We map every name to iced's spelling before comparing, and only for
// the spellings the SDM itself gives as equivalents.

const CONDITION_ALIASES: Record<string, string> = {
  // SDM Vol. 2, Jcc/SETcc/CMOVcc tables: each row lists its synonyms; iced keeps the first form.
  z: 'e', nz: 'ne', c: 'b', nae: 'b', nc: 'ae', nb: 'ae', na: 'be', nbe: 'a',
  pe: 'p', po: 'np', nge: 'l', nl: 'ge', ng: 'le', nle: 'g',
};

const PLAIN_ALIASES: Record<string, string> = {
  xlat: 'xlatb',
  fwait: 'wait',
  icebp: 'int1',
  int01: 'int1',
  retn: 'ret',
  lret: 'retf',
  callf: 'call',
  jmpf: 'jmp',
};

/**
 * Names whose operand-size (or address-size) variant iced spells out. When our decoder gives
 * the family name (e.g. 'movs'), it matches any member; when it gives a member, it must be
 * the right one, because then it is making a claim about the operand size.
 */
const FAMILIES: Record<string, readonly string[]> = {
  movs: ['movsb', 'movsw', 'movsd'],
  cmps: ['cmpsb', 'cmpsw', 'cmpsd'],
  stos: ['stosb', 'stosw', 'stosd'],
  lods: ['lodsb', 'lodsw', 'lodsd'],
  scas: ['scasb', 'scasw', 'scasd'],
  ins: ['insb', 'insw', 'insd'],
  outs: ['outsb', 'outsw', 'outsd'],
};

export function canonicalMnemonic(name: string): string {
  const n = name.toLowerCase();
  const plain = PLAIN_ALIASES[n];
  if (plain !== undefined) return plain;
  // FCMOVcc is left alone: iced and the SDM both spell it with nb/ne/nbe/nu.
  for (const prefix of ['j', 'set', 'cmov']) {
    if (n.startsWith(prefix)) {
      const cc = CONDITION_ALIASES[n.slice(prefix.length)];
      if (cc !== undefined) return prefix + cc;
    }
  }
  return n;
}

/** True if our name `ours` denotes the instruction iced calls `iced` (already lowercased). */
export function sameMnemonic(ours: string, iced: string): boolean {
  const a = canonicalMnemonic(ours);
  if (a === iced) return true;
  // SAL (/6) is an alias of SHL (/4): SDM Vol. 2, "SAL/SAR/SHL/SHR".
  if (iced === 'sal' && a === 'shl') return true;
  // 0F 19-1E and the hint forms of 0F 18 are reserved NOPs (SDM Vol. 2, "NOP"); iced names them apart.
  if (iced === 'reservednop' && a === 'nop') return true;
  // F3 0F BC/BD: iced decodes for a CPU with BMI1/LZCNT; "on processors that do not support"
  // them the encoding executes as BSF/BSR (SDM Vol. 2, TZCNT and LZCNT), as ours does.
  if ((iced === 'tzcnt' && a === 'bsf') || (iced === 'lzcnt' && a === 'bsr')) return true;
  const family = FAMILIES[a];
  return family !== undefined && family.includes(iced);
}
