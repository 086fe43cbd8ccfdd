// More 64-bit mode forms of the block compiler (LONG-MODE.md, "Compiled blocks"), written
// with the operand helpers of block-compiler64.ts (`Ops64`): MOVSXD, CLD/STD, INC/DEC of a
// 32-bit memory operand, DIV/IDIV by a 32-bit operand and CALL/JMP r/m64. The counts that
// chose them: bench/interpreted-ops.ts and the Linux boot profile (LONG-MODE.md, "Speed").

import { CC_DEC, CC_INC, type Emitter } from './block-emitter';
import { after64, interpretAndLeave } from './block-leave64';

export type Result = 'ok' | 'end' | 'loop' | 'follow' | 'generic';

/**
 * A ModR/M operand: `addr` the linear number (NaN: interpret), `lea32` the 32-bit sum; for
 * register-based forms `args` (the address64/lea64 arguments), `conds` (every register
 * sign-extended 32-bit) and `sum` (the address then).
 */
export interface M64 { mod: number; reg: number; rm: number; len: number; addr: string; lea32: string; args: string; conds?: string; sum?: string }

/** block-compiler64.ts's helpers for the instruction being emitted. */
export interface Ops64 {
  /** Decode the ModR/M operand at byte `at` (REX applied). */
  modrm(at: number): M64;
  /** L = the operand's linear address, or the instruction goes to the interpreter. */
  address(m: M64): void;
  /** v (low) and w (high) = the quadword at L. */
  read64(): void;
  set32(n: number, val: string): void;
  set64(n: number, lo: string, hi: string): void;
  push64(lo: string, hi: string): void;
}

/** RIP's low half at offset x of the block. */
const E = (x: number): string => `(e0+${x})|0`;

/** Forms of the one-byte map not in block-compiler64.ts's switch (op at em.off after REX, operands at i). */
export function emitMore64(em: Emitter, ops: Ops64, op: number, i: number, W: boolean): Result {
  switch (op) {
    case 0x63: {
      // MOVSXD: with REX.W the 32-bit source sign-extended (int indexes in 64-bit code);
      // without, a 32-bit move.
      const m = ops.modrm(i);
      let src = `r[${m.rm}]`;
      if (m.mod !== 3) { ops.address(m); em.read32('v'); src = 'v'; }
      em.emit(`t=${src};`);
      if (W) ops.set64(m.reg, 't', 't>>31'); else ops.set32(m.reg, 't');
      if (m.mod !== 3) em.attnCheck();
      return 'ok';
    }
    // CLD/STD: DF is a plain bit of EFLAGS (the string instructions read it there).
    case 0xfc: em.emit('c.flags&=-1025;'); return 'ok';
    case 0xfd: em.emit('c.flags|=1024;'); return 'ok';
    default: return 'generic';
  }
}

/**
 * INC/DEC of a 32-bit memory operand (kernel counters): CF kept, the new flags pending only
 * once the write is done (a faulting write leaves the old ones).
 */
export function incDecMem32(em: Emitter, ops: Ops64, dec: boolean, m: M64): 'ok' {
  ops.address(m);
  em.read32('v');
  em.emit(`t=${em.cfExpr()};a=v;b=(a${dec ? '-' : '+'}1)|0;`);
  em.write32('b');
  em.emit('fa=a;fb=1;fr=b;fc=t;');
  em.pend = dec ? CC_DEC : CC_INC;
  em.attnCheck();
  return 'ok';
}

/**
 * DIV/IDIV of EDX:EAX by a 32-bit operand. The quotients that fit, computed as the interpreter
 * computes them (arith.ts); a zero divisor, a wide dividend or an overflow runs the
 * interpreter's instruction in place (it raises #DE). No flag changes either way, so pending
 * flags stay pending.
 */
export function divide32(em: Emitter, ops: Ops64, signed: boolean, m: M64): 'ok' {
  let src = `r[${m.rm}]`;
  if (m.mod !== 3) { ops.address(m); em.read32('v'); src = 'v'; }
  const slow = `${em.sync()}c.eip=${E(em.off)};c.execOne();${after64(em)}`;
  if (signed) {
    em.emit(`a=(${src})|0;b=r[0];if(a!==0&&r[2]===(b>>31)&&!(b===-2147483648&&a===-1)){r[0]=Math.trunc(b/a)|0;r[2]=(b%a)|0;h[0]=0;h[2]=0;}else{${slow}}`);
  } else {
    em.emit(`a=(${src})>>>0;b=r[0]>>>0;if(a!==0&&r[2]===0){r[0]=Math.floor(b/a)|0;r[2]=(b%a)|0;h[0]=0;h[2]=0;}else{${slow}}`);
  }
  if (m.mod !== 3) em.attnCheck();
  return 'ok';
}

/**
 * CALL/JMP r/m64: the target read first (a fault leaves everything as it was); a target
 * outside this block's half of the sign-extended range (RIP's high half would change) is the
 * interpreter's, before anything changed.
 */
export function indirect64(em: Emitter, ops: Ops64, call: boolean, m: M64): 'end' {
  if (m.mod === 3) em.emit(`a=r[${m.rm}];b=h[${m.rm}];`);
  else { ops.address(m); ops.read64(); em.emit('a=v;b=w;'); }
  em.emit(`if(b!==H||(a>>31)!==H)${interpretAndLeave(em)}`);
  if (call) ops.push64(`((e0+${em.next})|0)`, `(((e0+${em.next})|0)>>31)`);
  em.emit(em.exitText('a', em.k + 1));
  return 'end';
}
