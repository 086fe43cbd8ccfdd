// The block compiler's 64-bit mode forms (LONG-MODE.md, "Compiled blocks"). Registers are the
// CPU's halves: the low ones in `r` (cached in locals like 32-bit code, all sixteen), the high
// ones in `h` (the CPU's regsHi). A 32-bit operation is the 32-bit emitter's code plus the
// high half zeroed. 64-bit ADD/SUB/CMP/logic and shifts/rotates by an immediate are computed
// on halves, their flags pending in locals (block-emitter.ts); ADC/SBB, INC/DEC and the
// rotates through CF call the interpreter's own 64-bit arithmetic (alu64.ts, passed in as
// ALU64/INC64/DEC64/SH64), so their lazy flags are the interpreter's by construction.
//
// What a 64-bit block assumes, checked by the run loop before entering: 64-bit mode, and RIP
// in the sign-extended 32-bit range (ripHi is the sign of eip), so `e0` read as a signed
// number is all of RIP and the whole page is in the direct-mapped TLB's range. A memory
// operand is computed exactly (as a JS number) when its registers hold sign-extended 32-bit
// values; when they do not, or the address is outside that range, the instruction runs in
// the interpreter and the block ends after it. Transfers whose target leaves the range do
// the same.

import { CC_ADD64, CC_DEC, CC_INC, CC_SHIFT, CC_SUB64, Emitter, P_LOGIC64, P_SHIFT64 } from './block-emitter';
import { divide32, emitMore64, incDecMem32, indirect64, type M64, type Ops64, type Result } from './block-more64';
import { E, interpretAndLeave, leavesHalf } from './block-leave64';


/** Hooks into block-compiler.ts (no import cycle): the 32-bit emitter's loop and shift code. */
export interface Shared32 {
  emitJcc(em: Emitter, cc: number, d: number, jump64: boolean): 'ok' | 'loop';
  emitBackEdge(em: Emitter, cond: string | null): void;
  emitShift(em: Emitter, kind: number, x: number, cnt: number): 'ok';
}

const LEGACY_R8 = [0, 4, 8, 12, 1, 5, 9, 13];


/**
 * Emit one 64-bit mode instruction starting at em.off (prefixes included). Legacy prefixes
 * (operand or address size, segments, LOCK, REP) go to the interpreter.
 */
export function emitInstruction64(em: Emitter, sh: Shared32): Result {
  let i = em.off;
  let op = em.b(i++);
  // 66 (16-bit operands) is compiled for the forms emit16 knows; with REX.W it is ignored by
  // the processor, which this leaves to the interpreter.
  let o16 = false;
  if (op === 0x66) { o16 = true; op = em.b(i++); }
  let rex = 0;
  if ((op & 0xf0) === 0x40) { rex = op; op = em.b(i++); }
  if (o16 && (rex & 8)) return 'generic';
  if (op === 0x66 || op === 0x67 || op === 0xf0 || op === 0xf2 || op === 0xf3 || op === 0x26 || op === 0x2e ||
    op === 0x36 || op === 0x3e || op === 0x64 || op === 0x65 || (op & 0xf0) === 0x40) return 'generic';
  const W = (rex & 8) !== 0;
  const R = (rex & 4) << 1, X = (rex & 2) << 2, B = (rex & 1) << 3;
  // Byte registers: with any REX, 4..7 are SPL..DIL and 8..15 R8B..R15B (slot r*4, the low
  // byte of the register's local).
  const slot8 = (r: number): number => (rex !== 0 ? r * 4 : LEGACY_R8[r]);

  const modrm = (at: number): M64 => {
    const m = em.b(at);
    const mod = m >> 6, reg = ((m >> 3) & 7) | R;
    let rm = m & 7;
    if (mod === 3) return { mod, reg, rm: rm | B, len: 1, addr: '', lea32: '', args: '' };
    let len = 1, disp = 0;
    let base = -1, index = -1, sc = 0;
    let rip = false;
    if (rm === 4) {
      const sib = em.b(at + 1); len++;
      const bb = sib & 7, idx = ((sib >> 3) & 7) | X;
      sc = sib >> 6;
      if (bb === 5 && mod === 0) { disp = em.u32(at + len); len += 4; } else base = bb | B;
      if (idx !== 4) index = idx;
    } else if (rm === 5 && mod === 0) {
      disp = em.u32(at + 1); len += 4; rip = true;
    } else {
      rm |= B;
      base = rm;
    }
    if (mod === 1) { disp = em.s8(at + len); len += 1; } else if (mod === 2) { disp = em.u32(at + len); len += 4; }
    if (rip) {
      const a = `(e0+${em.next + disp})`;
      return { mod, reg, rm: 5, len, addr: a, lea32: `${a}|0`, args: '' };
    }
    const regsUsed: Array<[number, number]> = [];
    if (base >= 0) regsUsed.push([base, 0]);
    if (index >= 0) regsUsed.push([index, sc]);
    const terms = regsUsed.map(([n, s]) => (s ? `r[${n}]*${1 << s}` : `r[${n}]`));
    const terms32 = regsUsed.map(([n, s]) => (s ? `(r[${n}]<<${s})` : `r[${n}]`));
    if (disp !== 0 || terms.length === 0) { terms.push(String(disp)); terms32.push(String(disp)); }
    const conds = regsUsed.map(([n]) => `h[${n}]===(r[${n}]>>31)`);
    const sum = terms.join('+');
    // Registers with other high halves: the exact 64-bit sum (address64.ts), NaN when the
    // interpreter must do the access (non-canonical, or the page below the canonical hole).
    const args = `${base >= 0 ? `r[${base}],h[${base}]` : '0,0'},${index >= 0 ? `r[${index}],h[${index}],${1 << sc}` : '0,0,0'},${disp}`;
    const addr = conds.length ? `(${conds.join('&&')}?${sum}:AD(${args}))` : `(${sum})`;
    return { mod, reg, rm, len, addr, lea32: `(${terms32.join('+')})|0`, args: conds.length ? args : '', conds: conds.join('&&'), sum };
  };
  /** L = the operand's linear address, or this instruction goes to the interpreter. */
  const address = (m: M64): void => { em.emit(`L=${m.addr};if(L!==L)${interpretAndLeave(em)}`); };
  // A far address (not int32) takes the CPU's path: the direct-mapped TLB holds only the
  // sign-extended 32-bit range (memory-access.ts).
  const read64 = (): void => {
    em.emit(`e=tr[L>>>12];o=L&4095;p=(e&-4096)|o;if((L|0)===L&&(e&3)===1&&o<=4088&&(p&3)===0){v=i32[p>>2];w=i32[(p>>2)+1];}else{${em.sync()}v=c.rd64(L);w=c.rdHi;}`);
  };
  const write64 = (lo: string, hi: string): void => {
    em.emit(`e=tw[L>>>12];o=L&4095;p=(e&-4096)|o;if((L|0)===L&&(e&3)===1&&o<=4088&&(p&3)===0&&cl[p>>>6]===0&&cl[(p+7)>>>6]===0){i32[p>>2]=${lo};i32[(p>>2)+1]=${hi};}else{${em.sync()}c.wr64(L,${lo},${hi});}`);
  };
  /** RSP + delta into L (NaN when the interpreter must do it), and the new RSP's halves from a number. */
  const stackAt = (delta: number): string => `L=(h[4]===(r[4]>>31)?r[4]${delta ? `+${delta}` : ''}:AD(r[4],h[4],0,0,0,${delta}));`;
  const setRsp = (x: string): string => `r[4]=(${x})|0;h[4]=((${x})|0)===(${x})?(${x})>>31:Math.floor((${x})/4294967296)|0;`;
  /**
   * 64-bit ALU op; the result into t and q. ADD, SUB, CMP and the logic ops leave their flags
   * pending in the locals (block-emitter.ts); ADC and SBB, which read CF, are alu64.ts's.
   */
  const alu64 = (aluOp: number, al: string, ah: string, bl: string, bh: string): void => {
    switch (aluOp) {
      case 0:
        em.emit(`fa=${al};fA=${ah};fb=${bl};fB=${bh};fr=(fa+fb)|0;fR=(fA+fB+((fr>>>0)<(fa>>>0)?1:0))|0;t=fr;q=fR;`);
        em.pend = CC_ADD64;
        return;
      case 5: case 7:
        em.emit(`fa=${al};fA=${ah};fb=${bl};fB=${bh};fr=(fa-fb)|0;fR=(fA-fB-((fa>>>0)<(fb>>>0)?1:0))|0;t=fr;q=fR;`);
        em.pend = CC_SUB64;
        return;
      case 1: case 4: case 6: {
        const o = aluOp === 1 ? '|' : aluOp === 4 ? '&' : '^';
        em.emit(`fr=(${al})${o}(${bl});fR=(${ah})${o}(${bh});t=fr;q=fR;`);
        em.pend = P_LOGIC64;
        return;
      }
      default:
        em.emit(`${em.flushText()}t=ALU64(c,${aluOp},${al},${ah},${bl},${bh});q=c.opHi;`);
        em.pend = 0;
    }
  };
  /** SHL/SHR/SAR of register x by n (1..63), as alu64.ts's shift64 computes them. */
  const shift64 = (kind: number, x: number, n: number): void => {
    let rl: string, rh: string, cf: string, of: string;
    // Bit k (0..63) of the original value b:a.
    const bit = (k: number): string => (k < 32 ? `((a>>>${k})&1)` : `((b>>>${k - 32})&1)`);
    if (kind === 4 || kind === 6) {
      if (n < 32) { rl = `a<<${n}`; rh = `(b<<${n})|(a>>>${32 - n})`; } else { rl = '0'; rh = `a<<${n - 32}`; }
      cf = bit(64 - n); of = '((fR>>>31)^fc)';
    } else {
      if (n < 32) { rl = `((a>>>${n})|(b<<${32 - n}))|0`; rh = kind === 5 ? `(b>>>${n})|0` : `b>>${n}`; }
      else { rl = kind === 5 ? `(b>>>${n - 32})|0` : `b>>${n - 32}`; rh = kind === 5 ? '0' : 'b>>31'; }
      cf = bit(n - 1); of = kind === 5 ? '(b>>>31)' : '0';
    }
    em.emit(`a=r[${x}];b=h[${x}];fr=${rl};fR=${rh};fc=${cf};fb=${of};r[${x}]=fr;h[${x}]=fR;`);
    em.pend = P_SHIFT64;
  };
  /**
   * ROL/ROR of register x by n (1..63). Only CF and OF change: after a logic op or a shift
   * (AF clear, SF/ZF/PF from their result) the pending shift form holds that exactly with the
   * new CF and OF, as for 32-bit rotates; otherwise the flags go to the CPU first.
   */
  const rotate64 = (left: boolean, x: number, n: number): void => {
    const k = left ? n : 64 - n;
    // Rotating left by 32 + m is swapping the halves, then rotating left by m.
    const [lo, hi] = k >= 32 ? ['b', 'a'] : ['a', 'b'];
    const mm = k & 31;
    const rl = mm === 0 ? lo : `(${lo}<<${mm})|(${hi}>>>${32 - mm})`;
    const rh = mm === 0 ? hi : `(${hi}<<${mm})|(${lo}>>>${32 - mm})`;
    const cf = left ? 'v&1' : 'w>>>31';
    const of = left ? '((w>>>31)^t)' : '(t^((w>>>30)&1))';
    em.emit(`a=r[${x}];b=h[${x}];v=(${rl})|0;w=(${rh})|0;r[${x}]=v;h[${x}]=w;t=${cf};`);
    if (em.pend === P_LOGIC64 || em.pend === P_SHIFT64) {
      em.emit(`fc=t;fb=${of};`);
      em.pend = P_SHIFT64;
    } else {
      em.emit(`${em.flushText()}c.setArith(t|(${of}<<11),2049);`);
      em.pend = 0;
    }
  };
  const set32 = (n: number, val: string): void => { em.emit(`r[${n}]=${val};h[${n}]=0;`); };
  const set64 = (n: number, lo: string, hi: string): void => { em.emit(`r[${n}]=${lo};h[${n}]=${hi};`); };

  /** A 16-bit register write: the low 16 bits replaced, the rest of the register kept. */
  const set16 = (n: number, val: string): void => { em.emit(`r[${n}]=(r[${n}]&-65536)|((${val})&65535);`); };
  const ops: Ops64 = { modrm, address, read64, set32, set64, push64 };
  if (o16) {
    switch (op) {
      case 0x89: case 0x8b: {
        const m = modrm(i);
        if (m.mod === 3) {
          if (op === 0x89) set16(m.rm, `r[${m.reg}]`); else set16(m.reg, `r[${m.rm}]`);
          return 'ok';
        }
        address(m);
        if (op === 0x89) em.write16(`r[${m.reg}]`); else { em.read16('v'); set16(m.reg, 'v'); }
        em.attnCheck();
        return 'ok';
      }
      case 0xc7: {
        const m = modrm(i);
        if ((m.reg & 7) !== 0) return 'generic';
        const imm = em.b(i + m.len) | (em.b(i + m.len + 1) << 8);
        if (m.mod === 3) { set16(m.rm, String(imm)); return 'ok'; }
        address(m);
        em.write16(String(imm));
        em.attnCheck();
        return 'ok';
      }
      case 0xc1: case 0xd1: {
        // SHL/SHR/SAR of a 16-bit register by 1..15, as alu-core.ts's shift(…, 16) leaves the
        // flags (the lazy SHIFT form with 16-bit results); other counts are interpreted.
        const m = modrm(i);
        const k = m.reg & 7, n = (op === 0xd1 ? 1 : em.b(i + m.len)) & 31;
        if (m.mod !== 3 || k < 4 || n === 0 || n > 15) return 'generic';
        const x = m.rm;
        let body: string;
        if (k === 4 || k === 6) body = `v=(a<<${n})&65535;t=(a>>>${16 - n})&1;w=((v>>>15)&1)^t;`;
        else if (k === 5) body = `v=a>>>${n};t=(a>>>${n - 1})&1;w=(a>>>15)&1;`;
        else body = `b=(a<<16)>>16;v=(b>>${n})&65535;t=(b>>${n - 1})&1;w=0;`;
        em.emit(`${em.flushText()}a=r[${x}]&65535;${body}c.ccOp=${CC_SHIFT};c.ccRes=v;c.ccBits=16;c.ccCF=t;c.ccB=w;c.ccA=0;`);
        em.pend = 0;
        set16(x, 'v');
        return 'ok';
      }
      case 0x90: return B ? 'generic' : 'ok';
      default: return 'generic';
    }
  }

  switch (op) {
    case 0xf7: {
      // TEST r, imm32; NOT; NEG (register forms). NEG's flags are SUB 0, x's. MUL/IMUL of
      // RAX by a 64-bit operand (bignum and hash code): alu64.ts's own product and flags.
      const m = modrm(i);
      const k = m.reg & 7;
      if ((k === 4 || k === 5) && W) {
        let sl = `r[${m.rm}]`, sh = `h[${m.rm}]`;
        if (m.mod !== 3) { address(m); read64(); sl = 'v'; sh = 'w'; }
        em.emit(`${em.flushText()}MUL(c,${k === 5},r[0],h[0],${sl},${sh});r[0]=PR[0];h[0]=PR[1];r[2]=PR[2];h[2]=PR[3];`);
        em.pend = 0;
        if (m.mod !== 3) em.attnCheck();
        return 'ok';
      }
      if ((k === 6 || k === 7) && !W) return divide32(em, ops, k === 7, m);
      if (m.mod !== 3 || k === 1 || k > 3) return 'generic';
      const x = m.rm;
      if (k === 0) {
        const imm = em.u32(i + m.len);
        if (W) alu64(4, `r[${x}]`, `h[${x}]`, String(imm), String(imm >> 31)); else em.alu(4, `r[${x}]`, String(imm), null);
      } else if (k === 2) {
        em.emit(W ? `r[${x}]=~r[${x}];h[${x}]=~h[${x}];` : `r[${x}]=~r[${x}];h[${x}]=0;`);
      } else if (W) {
        alu64(5, '0', '0', `r[${x}]`, `h[${x}]`);
        set64(x, 't', 'q');
      } else {
        em.alu(5, '0', `r[${x}]`, `r[${x}]`);
        em.emit(`h[${x}]=0;`);
      }
      return 'ok';
    }
    case 0x01: case 0x09: case 0x11: case 0x19: case 0x21: case 0x29: case 0x31: case 0x39:
    case 0x03: case 0x0b: case 0x13: case 0x1b: case 0x23: case 0x2b: case 0x33: case 0x3b: {
      const m = modrm(i);
      const aluOp = op >> 3, toReg = (op & 2) !== 0;
      if (m.mod === 3) {
        const d = toReg ? m.reg : m.rm, s = toReg ? m.rm : m.reg;
        if (W) {
          alu64(aluOp, `r[${d}]`, `h[${d}]`, `r[${s}]`, `h[${s}]`);
          if (aluOp !== 7) set64(d, 't', 'q');
        } else {
          em.alu(aluOp, `r[${d}]`, `r[${s}]`, `r[${d}]`);
          if (aluOp !== 7) em.emit(`h[${d}]=0;`);
        }
        return 'ok';
      }
      if (!toReg && aluOp !== 7 && W) return 'generic';
      address(m);
      if (W) {
        read64();
        if (toReg) { alu64(aluOp, `r[${m.reg}]`, `h[${m.reg}]`, 'v', 'w'); if (aluOp !== 7) set64(m.reg, 't', 'q'); }
        else alu64(7, 'v', 'w', `r[${m.reg}]`, `h[${m.reg}]`);
      } else {
        em.read32('v');
        if (toReg) { em.alu(aluOp, `r[${m.reg}]`, 'v', `r[${m.reg}]`); if (aluOp !== 7) em.emit(`h[${m.reg}]=0;`); }
        else if (aluOp === 7) em.alu(7, 'v', `r[${m.reg}]`, null);
        else {
          // Read-modify-write: the new flags become visible only after the write succeeded.
          const kind = em.aluCompute(aluOp, 'v', `r[${m.reg}]`);
          if (kind === 0) return 'generic';
          em.write32('t');
          em.aluCommit(kind);
        }
      }
      em.attnCheck();
      return 'ok';
    }
    case 0x05: case 0x0d: case 0x15: case 0x1d: case 0x25: case 0x2d: case 0x35: case 0x3d: {
      const imm = em.u32(i);
      if (W) { alu64(op >> 3, 'r[0]', 'h[0]', String(imm), String(imm >> 31)); if (op !== 0x3d) set64(0, 't', 'q'); }
      else { em.alu(op >> 3, 'r[0]', String(imm), 'r[0]'); if (op !== 0x3d) em.emit('h[0]=0;'); }
      return 'ok';
    }
    case 0x81: case 0x83: {
      const m = modrm(i);
      const k = m.reg & 7;
      const imm = op === 0x81 ? em.u32(i + m.len) : em.s8(i + m.len);
      if (m.mod === 3) {
        if (W) { alu64(k, `r[${m.rm}]`, `h[${m.rm}]`, String(imm), String(imm >> 31)); if (k !== 7) set64(m.rm, 't', 'q'); }
        else { em.alu(k, `r[${m.rm}]`, String(imm), `r[${m.rm}]`); if (k !== 7) em.emit(`h[${m.rm}]=0;`); }
        return 'ok';
      }
      if (k !== 7 && W) return 'generic';
      address(m);
      if (W) { read64(); alu64(7, 'v', 'w', String(imm), String(imm >> 31)); }
      else if (k === 7) { em.read32('v'); em.alu(7, 'v', String(imm), null); }
      else {
        // Read-modify-write: the new flags become visible only after the write succeeded.
        em.read32('v');
        const kind = em.aluCompute(k, 'v', String(imm));
        if (kind === 0) return 'generic';
        em.write32('t');
        em.aluCommit(kind);
      }
      em.attnCheck();
      return 'ok';
    }
    case 0x69: case 0x6b: {
      const m = modrm(i);
      const imm = op === 0x69 ? em.u32(i + m.len) : em.s8(i + m.len);
      let sl = `r[${m.rm}]`, sh = `h[${m.rm}]`;
      if (m.mod !== 3) { address(m); if (W) { read64(); sl = 'v'; sh = 'w'; } else { em.read32('v'); sl = 'v'; } }
      if (W) {
        em.emit(`${em.flushText()}MUL(c,true,${sl},${sh},${imm},${imm >> 31});r[${m.reg}]=PR[0];h[${m.reg}]=PR[1];`);
        em.pend = 0;
      } else {
        em.imul(`r[${m.reg}]`, sl, String(imm));
        em.emit(`h[${m.reg}]=0;`);
      }
      if (m.mod !== 3) em.attnCheck();
      return 'ok';
    }
    case 0x85: {
      const m = modrm(i);
      if (m.mod === 3) {
        if (W) alu64(4, `r[${m.rm}]`, `h[${m.rm}]`, `r[${m.reg}]`, `h[${m.reg}]`);
        else em.alu(4, `r[${m.rm}]`, `r[${m.reg}]`, null);
        return 'ok';
      }
      address(m);
      if (W) { read64(); alu64(4, 'v', 'w', `r[${m.reg}]`, `h[${m.reg}]`); }
      else { em.read32('v'); em.alu(4, 'v', `r[${m.reg}]`, null); }
      em.attnCheck();
      return 'ok';
    }
    case 0xa9: {
      const imm = em.u32(i);
      if (W) alu64(4, 'r[0]', 'h[0]', String(imm), String(imm >> 31)); else em.alu(4, 'r[0]', String(imm), null);
      return 'ok';
    }
    case 0x89: case 0x8b: {
      const m = modrm(i);
      if (m.mod === 3) {
        const d = op === 0x89 ? m.rm : m.reg, s = op === 0x89 ? m.reg : m.rm;
        if (W) set64(d, `r[${s}]`, `h[${s}]`); else set32(d, `r[${s}]`);
        return 'ok';
      }
      address(m);
      if (op === 0x8b) {
        if (W) { read64(); set64(m.reg, 'v', 'w'); } else { em.read32('v'); set32(m.reg, 'v'); }
      } else if (W) write64(`r[${m.reg}]`, `h[${m.reg}]`);
      else em.write32(`r[${m.reg}]`);
      em.attnCheck();
      return 'ok';
    }
    case 0x8d: {
      const m = modrm(i);
      if (m.mod === 3) return 'generic';
      if (!W) { set32(m.reg, m.lea32); return 'ok'; }
      // Sign-extended 32-bit registers: the exact sum as a number; else modulo 2^64 by halves.
      if (m.rm === 5 && m.args === '') { em.emit(`q=${m.addr};`); set64(m.reg, 'q|0', 'Math.floor(q/4294967296)|0'); return 'ok'; }
      if (m.conds === undefined || m.conds === '') { em.emit(`q=${m.addr};`); set64(m.reg, 'q|0', 'q<0?-1:0'); return 'ok'; }
      em.emit(`if(${m.conds}){q=${m.sum};t=q|0;q=Math.floor(q/4294967296)|0;}else{t=LEA(${m.args});q=LH.v;}`);
      set64(m.reg, 't', 'q');
      return 'ok';
    }
    case 0xc7: {
      const m = modrm(i);
      if ((m.reg & 7) !== 0) return 'generic';
      const imm = em.u32(i + m.len);
      if (m.mod === 3) { if (W) set64(m.rm, String(imm), String(imm >> 31)); else set32(m.rm, String(imm)); return 'ok'; }
      address(m);
      if (W) write64(String(imm), String(imm >> 31)); else em.write32(String(imm));
      em.attnCheck();
      return 'ok';
    }
    case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf: {
      const n = (op & 7) | B;
      if (W) set64(n, String(em.u32(i)), String(em.u32(i + 4))); else set32(n, String(em.u32(i)));
      return 'ok';
    }
    case 0x88: case 0x8a: {
      const m = modrm(i);
      const g = slot8(m.reg);
      if (g < 0) return 'generic';
      if (m.mod === 3) {
        const s = slot8(m.rm);
        if (s < 0) return 'generic';
        em.emit(op === 0x88 ? `r8[${s}]=r8[${g}];` : `r8[${g}]=r8[${s}];`);
        return 'ok';
      }
      address(m);
      if (op === 0x88) em.write8(`r8[${g}]`); else { em.read8('v'); em.emit(`r8[${g}]=v;`); }
      em.attnCheck();
      return 'ok';
    }
    case 0xc6: {
      const m = modrm(i);
      if ((m.reg & 7) !== 0) return 'generic';
      const imm = em.b(i + m.len);
      if (m.mod === 3) { const s = slot8(m.rm); if (s < 0) return 'generic'; em.emit(`r8[${s}]=${imm};`); return 'ok'; }
      address(m);
      em.write8(String(imm));
      em.attnCheck();
      return 'ok';
    }
    case 0x38: case 0x3a: case 0x84: case 0x80: {
      const m = modrm(i);
      if (op === 0x80 && (m.reg & 7) !== 7) return 'generic';
      let e: string;
      if (m.mod === 3) { const s = slot8(m.rm); if (s < 0) return 'generic'; e = `r8[${s}]`; } else { address(m); em.read8('v'); e = 'v'; }
      let g: string;
      if (op === 0x80) g = String(em.b(i + m.len));
      else { const s = slot8(m.reg); if (s < 0) return 'generic'; g = `r8[${s}]`; }
      if (op === 0x84) em.flags8(4, e, g); else if (op === 0x3a) em.flags8(7, g, e); else em.flags8(7, e, g);
      if (m.mod !== 3) em.attnCheck();
      return 'ok';
    }
    case 0x3c: em.flags8(7, 'r8[0]', String(em.b(i))); return 'ok';
    case 0xa8: em.flags8(4, 'r8[0]', String(em.b(i))); return 'ok';
    case 0xff: {
      const m = modrm(i);
      const k = m.reg & 7;
      if (k === 2 || k === 4) return indirect64(em, ops, k === 2, m);
      if (k <= 1 && m.mod !== 3 && !W) return incDecMem32(em, ops, k === 1, m);
      if (k > 1 || m.mod !== 3) return 'generic';
      const x = m.rm;
      if (W) {
        em.emit(`${em.flushText()}t=${k === 0 ? 'INC64' : 'DEC64'}(c,r[${x}],h[${x}]);r[${x}]=t;h[${x}]=c.opHi;`);
        em.pend = 0;
      } else {
        em.emit(`t=${em.cfExpr()};a=r[${x}];fa=a;fb=1;fr=(a${k ? '-' : '+'}1)|0;fc=t;r[${x}]=fr;h[${x}]=0;`);
        em.pend = k ? CC_DEC : CC_INC;
      }
      return 'ok';
    }
    case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57: {
      const n = (op & 7) | B;
      em.emit(`v=r[${n}];w=h[${n}];`);
      push64('v', 'w');
      return 'ok';
    }
    case 0x68: case 0x6a: {
      const imm = op === 0x68 ? em.u32(i) : em.s8(i);
      push64(String(imm), String(imm >> 31));
      return 'ok';
    }
    case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f: {
      const n = (op & 7) | B;
      em.emit(`${stackAt(0)}if(L!==L)${interpretAndLeave(em)}`);
      read64();
      // RSP first, then the register: POP RSP loads the value read.
      em.emit(setRsp('L+8'));
      set64(n, 'v', 'w');
      em.attnCheck();
      return 'ok';
    }
    case 0x90: if (B) return 'generic'; return 'ok';
    case 0x98: if (W) em.emit('h[0]=r[0]>>31;'); else em.emit('r[0]=(r[0]<<16)>>16;h[0]=0;'); return 'ok';
    case 0x99: if (W) em.emit('r[2]=h[0]>>31;h[2]=r[2];'); else em.emit('r[2]=r[0]>>31;h[2]=0;'); return 'ok';
    case 0xc1: case 0xd1: {
      const m = modrm(i);
      if (m.mod !== 3) return 'generic';
      const raw = op === 0xd1 ? 1 : em.b(i + m.len);
      const k = m.reg & 7;
      if (W) {
        if ((raw & 63) === 0) return 'generic';
        if (k >= 4) { shift64(k, m.rm, raw & 63); return 'ok'; }
        if (k <= 1) { rotate64(k === 0, m.rm, raw & 63); return 'ok'; }
        em.emit(`${em.flushText()}t=SH64(c,${k},r[${m.rm}],h[${m.rm}],${raw});r[${m.rm}]=t;h[${m.rm}]=c.opHi;`);
        em.pend = 0;
        return 'ok';
      }
      const cnt = raw & 31;
      if (cnt === 0 || k === 2 || k === 3) return 'generic';
      sh.emitShift(em, k, m.rm, cnt);
      em.emit(`h[${m.rm}]=0;`);
      return 'ok';
    }
    case 0xd3: {
      // Group 2 by CL on a register (bit buffers of inflate and xz, bit ops): the
      // interpreter's own shift functions, so flags and the zero count are theirs.
      const m = modrm(i);
      if (m.mod !== 3) return 'generic';
      const k = m.reg & 7, x = m.rm;
      if (W) em.emit(`${em.flushText()}t=SH64(c,${k},r[${x}],h[${x}],r[1]&255);r[${x}]=t;h[${x}]=c.opHi;`);
      else em.emit(`${em.flushText()}t=c.shift(${k},r[${x}],r[1]&255,32)|0;r[${x}]=t;h[${x}]=0;`);
      em.pend = 0;
      return 'ok';
    }
    case 0x0f: {
      const op2 = em.b(i);
      // NOP r/m (0F 1F, compilers' padding): it reads nothing and never faults.
      if (op2 === 0x1f) return 'ok';
      if (op2 >= 0x80 && op2 <= 0x8f) return sh.emitJcc(em, op2 & 15, em.u32(i + 1), true);
      if (op2 >= 0x40 && op2 <= 0x4f) {
        // CMOVcc reads its source whatever the condition; a 32-bit one zeroes the high half even when false.
        const m = modrm(i + 1);
        let lo = `r[${m.rm}]`, hi = `h[${m.rm}]`;
        if (m.mod !== 3) { address(m); if (W) read64(); else em.read32('v'); lo = 'v'; hi = 'w'; }
        const cond = em.condition(op2 & 15);
        if (W) em.emit(`if(${cond}){r[${m.reg}]=${lo};h[${m.reg}]=${hi};}`);
        else em.emit(`if(${cond})r[${m.reg}]=${lo};h[${m.reg}]=0;`);
        if (m.mod !== 3) em.attnCheck();
        return 'ok';
      }
      if (op2 >= 0x90 && op2 <= 0x9f) {
        const m = modrm(i + 1);
        const val = `(${em.condition(op2 & 15)}?1:0)`;
        if (m.mod === 3) { const s = slot8(m.rm); if (s < 0) return 'generic'; em.emit(`r8[${s}]=${val};`); return 'ok'; }
        em.emit(`t=${val};`);
        address(m);
        em.write8('t');
        em.attnCheck();
        return 'ok';
      }
      if (op2 === 0xaf && W) {
        const m = modrm(i + 1);
        let sl = `r[${m.rm}]`, sh = `h[${m.rm}]`;
        if (m.mod !== 3) { address(m); read64(); sl = 'v'; sh = 'w'; }
        em.emit(`${em.flushText()}MUL(c,true,r[${m.reg}],h[${m.reg}],${sl},${sh});r[${m.reg}]=PR[0];h[${m.reg}]=PR[1];`);
        em.pend = 0;
        if (m.mod !== 3) em.attnCheck();
        return 'ok';
      }
      if (op2 === 0xaf && !W) {
        const m = modrm(i + 1);
        let src = `r[${m.rm}]`;
        if (m.mod !== 3) { address(m); em.read32('v'); src = 'v'; }
        em.imul(`r[${m.reg}]`, `r[${m.reg}]`, src);
        em.emit(`h[${m.reg}]=0;`);
        if (m.mod !== 3) em.attnCheck();
        return 'ok';
      }
      if (op2 === 0xb6 || op2 === 0xb7 || op2 === 0xbe || op2 === 0xbf) {
        const m = modrm(i + 1);
        const wide = (op2 & 1) !== 0, signed = op2 >= 0xbe;
        let val: string;
        if (m.mod === 3) {
          if (wide) val = `((r[${m.rm}]<<16)>>>16)`;
          else { const s = slot8(m.rm); if (s < 0) return 'generic'; val = `r8[${s}]`; }
        } else {
          address(m);
          if (wide) em.read16('v'); else em.read8('v');
          val = 'v';
        }
        const ext = signed ? (wide ? `((${val})<<16)>>16` : `((${val})<<24)>>24`) : val;
        em.emit(`t=${ext};`);
        if (W) set64(m.reg, 't', 't>>31'); else set32(m.reg, 't');
        if (m.mod !== 3) em.attnCheck();
        return 'ok';
      }
      return 'generic';
    }
    case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
    case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f:
      return sh.emitJcc(em, op & 15, em.s8(i), true);
    case 0xeb: case 0xe9: {
      const target = em.next + (op === 0xeb ? em.s8(i) : em.u32(i));
      if (target === 0 && em.canLoop) { sh.emitBackEdge(em, null); return 'loop'; }
      if (em.canFollow(target)) return 'follow';
      em.emit(`if${leavesHalf(target)}${interpretAndLeave(em)}`);
      em.emit(em.exitText(E(target), em.k + 1));
      return 'end';
    }
    case 0xe8: {
      const target = em.next + em.u32(i);
      em.emit(`if${leavesHalf(target)}${interpretAndLeave(em)}`);
      // The return address: in this page, which is never the last below a 2 GiB boundary.
      push64(String(`((e0+${em.next})|0)`), `(((e0+${em.next})|0)>>31)`);
      if (em.canFollow(target)) return 'follow';
      em.emit(em.exitText(E(target), em.k + 1));
      return 'end';
    }
    case 0xc3:
      em.emit(`${stackAt(0)}if(L!==L)${interpretAndLeave(em)}`);
      read64();
      // A return address outside this half of the sign-extended 32-bit range: the interpreter's
      // (RIP's high half changes).
      em.emit(`if(w!==H||(v>>31)!==H)${interpretAndLeave(em)}`);
      em.emit(setRsp('L+8'));
      em.emit(em.exitText('v', em.k + 1));
      return 'end';
    default:
      return emitMore64(em, ops, op, i, W);
  }

  function push64(lo: string, hi: string): void {
    em.emit(`${stackAt(-8)}if(L!==L)${interpretAndLeave(em)}`);
    write64(lo, hi);
    em.emit(setRsp('L'));
    em.attnCheck();
  }
}
