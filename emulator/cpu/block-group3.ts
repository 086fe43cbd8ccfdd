// Group 3 (F6/F7: TEST with an immediate, NOT, NEG, MUL) and the accumulator's MOVs with a
// 32-bit absolute offset (A0-A3) in compiled 32-bit blocks: forms gcc emits in ordinary code
// (`testb $1, 4(%esp)`, `mov counter, %eax`, the MUL of a hash or a division by a constant)
// that used to send the whole instruction through the interpreter from inside the block.
import { CC_SHIFT, DS, type Emitter } from './block-emitter';

const R8_SLOT = [0, 4, 8, 12, 1, 5, 9, 13];

/** F6 or F7 (ModR/M at `i`, no prefix): true when emitted, false for the interpreter. */
export function emitGroup3(em: Emitter, op: number, i: number): boolean {
  const m = em.modrm(i);
  const wide = op === 0xf7;
  if (m.reg < 2) {
    // TEST r/m, imm.
    const imm = wide ? em.u32(i + m.len) : em.b(i + m.len);
    let e: string;
    if (m.mod === 3) e = wide ? `r[${m.rm}]` : `r8[${R8_SLOT[m.rm]}]`;
    else {
      em.linear(m.seg, m.off, wide ? 4 : 1, false);
      if (wide) em.read32('v'); else em.read8('v');
      e = 'v';
    }
    if (wide) em.alu(4, e, String(imm), null); else em.flags8(4, e, String(imm));
    if (m.mod !== 3) em.attnCheck();
    return true;
  }
  if (!wide || m.mod !== 3) return false;
  const x = `r[${m.rm}]`;
  switch (m.reg) {
    case 2: em.emit(`${x}=~${x};`); return true;                 // NOT: no flags
    case 3: em.alu(5, '0', x, x); return true;                    // NEG: SUB from 0 (CF = operand != 0)
    case 4:
      // MUL: EDX:EAX = EAX * r/m unsigned, by 16-bit halves as the interpreter's mul32 does;
      // CF = OF = high half non-zero, the rest from the low half (the lazy SHIFT form, as IMUL).
      em.emit(`a=r[0]>>>0;b=${x}>>>0;v=(a&65535)*(b&65535);t=(a&65535)*(b>>>16);o=(a>>>16)*(b&65535);` +
        'p=(v>>>16)+(t&65535)+(o&65535);r[0]=((p&65535)<<16)|(v&65535);' +
        'r[2]=((a>>>16)*(b>>>16)+(t>>>16)+(o>>>16)+Math.floor(p/65536))|0;' +
        'fr=r[0];fc=r[2]!==0?1:0;fb=fc;fa=0;');
      em.pend = CC_SHIFT;
      return true;
    default: return false;
  }
}

/** A0-A3: MOV AL/EAX to or from DS:moffs32 (immediate offset at `i`). */
export function emitMoffs(em: Emitter, op: number, i: number): void {
  const off = String(em.u32(i));
  const wide = (op & 1) !== 0, store = (op & 2) !== 0;
  em.linear(DS, off, wide ? 4 : 1, store);
  if (store) {
    if (wide) em.write32('r[0]'); else em.write8('r8[0]');
  } else if (wide) {
    em.read32('v'); em.emit('r[0]=v;');
  } else {
    em.read8('v'); em.emit('r8[0]=v;');
  }
  em.attnCheck();
}
