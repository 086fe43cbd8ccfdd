// The code generator the block compiler writes with: the locals' protocol of a compiled block
// (registers in `r`, pending flags in fa/fb/fr/fc, the linear address in L), ModR/M
// operands as JavaScript expressions, inline TLB-probed memory accesses, and the text that
// stores state before a call that may fault and when the block is left.

// Lazy-flag kinds as lazy-flags.ts numbers them (ADC and SBB are left to the CPU's own code).
export const CC_ADD = 1, CC_SUB = 3, CC_LOGIC = 5, CC_INC = 6, CC_DEC = 7, CC_SHIFT = 8;
// 64-bit results pending in fa/fA, fb/fB (operands' halves) and fr/fR (the result's): ADD and
// SUB as lazy-flags.ts numbers them; logic and shifts are its CC_LOGIC and CC_SHIFT with the
// 32-bit stand-in of the result (synthRes, `SY` in generated code), so they get tags of their own.
export const CC_ADD64 = 9, CC_SUB64 = 11, P_LOGIC64 = 105, P_SHIFT64 = 108;
export const DS = 3, SS = 2;

/**
 * Where registers held in locals go back to the CPU (before anything that may fault or read
 * them, and on every exit), and where they are read again (after an interpreted instruction):
 * placeholders that compileBlock fills in once it knows which registers the block uses.
 */
export const WRITE_BACK = '@WB@', RELOAD = '@RL@';

/**
 * Registers as locals: `r[N]` becomes `RN`, loaded at entry and written back at the
 * placeholders. V8 then keeps them in machine registers instead of loading and checking the
 * typed array at every access (the count loop of the debugger bench ran about 1.5x faster).
 * Byte registers (`r8[slot]`, AL..BH as lazy-flags.ts lays them out) become bit fields of the
 * same locals: a write `r8[s]=x;` merges x into its register, a read extracts it, so code
 * that moves bytes (gcc's byte loops) keeps its registers in locals too.
 */
export function cacheRegisters(code: string): { head: string; code: string } {
  if (code.includes('r16[')) return { head: '', code: code.replaceAll(WRITE_BACK, '').replaceAll(RELOAD, '') };
  const used = new Set([...code.matchAll(/\br\[(\d+)\]/g)].map((m) => Number(m[1])));
  for (const m of code.matchAll(/\br8\[(\d+)\]/g)) used.add(Number(m[1]) >> 2);
  // 64-bit blocks: the high halves (`h[N]`, all sixteen) as locals HIN the same way.
  const usedHi = new Set([...code.matchAll(/\bh\[(\d+)\]/g)].map((m) => Number(m[1])));
  if (used.size === 0 && usedHi.size === 0) return { head: '', code: code.replaceAll(WRITE_BACK, '').replaceAll(RELOAD, '') };
  const regs = [...used].sort((x, y) => x - y), his = [...usedHi].sort((x, y) => x - y);
  // Only registers the block assigns go back: the others still hold in the array what their
  // locals hold (loaded at entry or after an interpreted instruction), and every exit and
  // slow path is shorter by the stores it does not need.
  const dirty = new Set([...code.matchAll(/\br\[(\d+)\]=(?!=)/g)].map((m) => Number(m[1])));
  for (const m of code.matchAll(/\br8\[(\d+)\]=(?!=)/g)) dirty.add(Number(m[1]) >> 2);
  const dirtyHi = new Set([...code.matchAll(/\bh\[(\d+)\]=(?!=)/g)].map((m) => Number(m[1])));
  const local = code
    .replace(/\br8\[(\d+)\]=([^;]+);/g, (_, s: string, x: string) => {
      const n = Number(s) >> 2, sh = (Number(s) & 1) * 8;
      return `R${n}=(R${n}&${~(255 << sh)})|(((${x})&255)<<${sh});`;
    })
    .replace(/\br8\[(\d+)\]/g, (_, s: string) => `((R${Number(s) >> 2}>>>${(Number(s) & 1) * 8})&255)`)
    .replace(/\br\[(\d+)\]/g, 'R$1')
    .replace(/\bh\[(\d+)\]/g, 'HI$1');
  const back = regs.filter((n) => dirty.has(n)).map((n) => `r[${n}]=R${n};`).join('') +
    his.filter((n) => dirtyHi.has(n)).map((n) => `h[${n}]=HI${n};`).join('');
  const load = regs.map((n) => `R${n}=r[${n}];`).join('') + his.map((n) => `HI${n}=h[${n}];`).join('');
  const decl = [...regs.map((n) => `R${n}=r[${n}]`), ...his.map((n) => `HI${n}=h[${n}]`)];
  return {
    head: `let ${decl.join(',')};`,
    code: local.replaceAll(WRITE_BACK, back).replaceAll(RELOAD, load),
  };
}

/** Pending arithmetic flags held in the locals fa/fb/fr/fc, not yet in the CPU. */
export type Pending = number; // CC_* or 0 when the CPU's own lazy state is current

export interface Modrm { mod: number; reg: number; rm: number; len: number; seg: number; off: string }

export class Emitter {
  out: string[] = [];
  pend: Pending = 0;
  /** Offset (bytes from the block start) and index of the instruction being emitted. */
  off = 0;
  k = 0;
  next = 0;
  /** A branch to the block start may loop inside the function (not when a breakpoint sits there). */
  canLoop = true;
  /** The loop's back edge stores the pending flags in the CPU (the next iteration reads them there). */
  flushAtBackEdge = false;
  /** The flags pending at the loop's back edge, once emitted. */
  backEdgePend: Pending = 0;
  /** Offsets of the instructions emitted so far (a jump is followed only to code not yet in the block). */
  readonly visited = new Set<number>();
  /** DS and SS were flat when the block was compiled: accesses through them skip the limit checks. */
  flat = false;
  /**
   * Text put first in the inline TLB probes' condition: in 64-bit blocks an address may be a
   * far number (outside the int32 range), which the direct-mapped TLB does not hold.
   */
  near = '';
  /** Where compiling goes on after a followed JMP or CALL. */
  followTarget = 0;
  /** Each instruction emitted, by offset: its index in the block, the slot its text starts at, the flags pending there. */
  readonly heads = new Map<number, { k: number; index: number; pend: Pending }>();
  /** Loops closed inside the block, as instruction index ranges [head, back edge]. */
  readonly loops: Array<[number, number]> = [];

  constructor(readonly bytes: Uint8Array, readonly base: number) {}

  b(i: number): number { return this.bytes[this.base + i]; }
  s8(i: number): number { return (this.b(i) << 24) >> 24; }
  u32(i: number): number { return (this.b(i) | (this.b(i + 1) << 8) | (this.b(i + 2) << 16) | (this.b(i + 3) << 24)) | 0; }

  emit(s: string): void { this.out.push(s); }

  flushText(): string {
    const p = this.pend;
    if (p === 0) return '';
    if (p === CC_ADD64 || p === CC_SUB64) return `c.ccOp=${p};c.ccA=fa;c.ccB=fb;c.ccAHi=fA;c.ccBHi=fB;c.ccRLo=fr;c.ccRHi=fR;c.ccRes=SY(fr,fR);c.ccBits=32;`;
    if (p === P_LOGIC64) return `c.ccOp=${CC_LOGIC};c.ccA=0;c.ccB=0;c.ccRes=SY(fr,fR);c.ccBits=32;`;
    if (p === P_SHIFT64) return `c.ccOp=${CC_SHIFT};c.ccRes=SY(fr,fR);c.ccBits=32;c.ccCF=fc;c.ccB=fb;c.ccA=0;`;
    const cf = p === CC_INC || p === CC_DEC || p === CC_SHIFT ? 'c.ccCF=fc;' : '';
    return `c.ccOp=${p};c.ccA=fa;c.ccB=fb;c.ccRes=fr;c.ccBits=32;${cf}`;
  }

  /**
   * State a fault or an interpreted instruction needs: count, EIP of this instruction, flags.
   * Only such calls can set `attn` (a device, a watchpoint, a write to code), so they also
   * mark `A` for the next attnCheck.
   */
  sync(): string { return `c.icount=ic0+${this.k};c.instrEip=(e0+${this.off})|0;A=1;${this.flushText()}${WRITE_BACK}`; }

  /** Leave the block with EIP at `eipExpr` after `done` instructions. */
  exitText(eipExpr: string, done: number): string {
    return `{${this.flushText()}${WRITE_BACK}c.eip=${eipExpr};c.icount=ic0+${done};return;}`;
  }

  /**
   * Whether the block may go on at `target` (an offset from its entry) after a direct JMP or
   * CALL: inside the entry's page and not yet compiled into this block. Loops that gcc closes
   * with a JMP back to a test then become one block instead of two entered in turn.
   */
  canFollow(target: number): boolean {
    const o = (this.base & 0xfff) + target;
    if (o < 0 || o >= 4096 || this.visited.has(target)) return false;
    this.followTarget = target;
    return true;
  }

  /**
   * A near transfer beyond CS's limit is #GP(0) at the transfer, before it changes anything
   * (flat segments have limit 4 GiB - 1, so there the test never holds).
   */
  limitCheck(target: string): string { return `if((${target})>>>0>sl[1]>>>0){${this.sync()}c.fault(13,0);}`; }

  /** After an instruction that took a slow path: stop if something needs the run loop. */
  attnCheck(): void { this.emit(`if(A===1){A=0;if(c.attn===true)${this.exitText(`(e0+${this.next})|0`, this.k + 1)}}`); }

  /** Decode ModR/M (32-bit addressing) at byte `i`; the offset as a JS expression. */
  modrm(i: number): Modrm {
    const m = this.b(i);
    const mod = m >> 6, reg = (m >> 3) & 7, rm = m & 7;
    if (mod === 3) return { mod, reg, rm, len: 1, seg: DS, off: '' };
    let len = 1, seg = DS;
    const terms: string[] = [];
    let disp = 0;
    if (rm === 4) {
      const sib = this.b(i + 1); len++;
      const base = sib & 7, idx = (sib >> 3) & 7, sc = sib >> 6;
      if (base === 5 && mod === 0) { disp = this.u32(i + len); len += 4; }
      else { terms.push(`r[${base}]`); if (base === 4 || base === 5) seg = SS; }
      if (idx !== 4) terms.push(sc ? `(r[${idx}]<<${sc})` : `r[${idx}]`);
    } else if (rm === 5 && mod === 0) {
      disp = this.u32(i + 1); len += 4;
    } else {
      terms.push(`r[${rm}]`);
      if (rm === 5) seg = SS;
    }
    if (mod === 1) { disp = this.s8(i + len); len += 1; }
    else if (mod === 2) { disp = this.u32(i + len); len += 4; }
    if (disp !== 0 || terms.length === 0) terms.push(String(disp));
    const off = terms.length === 1 && terms[0].startsWith('r[') ? terms[0] : `((${terms.join('+')})|0)`;
    return { mod, reg, rm, len, seg, off };
  }

  /** L = linear address of seg:off for an access of `size` bytes. */
  linear(seg: number, off: string, size: number, write: boolean): void {
    if (this.flat) { this.emit(`L=(sb[${seg}]+${off})|0;`); return; }
    const chk = write ? 'cw' : 'cr', lim = write ? 'lw' : 'lr';
    this.emit(`L=${off};if(${chk}[${seg}]===0||(L>>>0)+${size - 1}<=${lim}[${seg}])L=(sb[${seg}]+L)|0;else{${this.sync()}L=c.lin(${seg},L,${size},${write});}`);
  }

  /** v = 32-bit read at L. */
  read32(dst: string): void {
    this.emit(`e=tr[L>>>12];o=L&4095;p=(e&-4096)|o;if(${this.near}(e&3)===1&&o<=4092&&(p&3)===0)${dst}=i32[p>>2];else{${this.sync()}${dst}=c.rd32(L);}`);
  }

  read16(dst: string): void {
    this.emit(`e=tr[L>>>12];o=L&4095;p=(e&-4096)|o;if(${this.near}(e&3)===1&&o<=4094)${dst}=u8[p]|(u8[p+1]<<8);else{${this.sync()}${dst}=c.rd16(L);}`);
  }

  read8(dst: string): void {
    this.emit(`e=tr[L>>>12];if(${this.near}(e&3)===1)${dst}=u8[(e&-4096)|(L&4095)];else{${this.sync()}${dst}=c.rd8(L);}`);
  }

  /**
   * 32-bit write of `val` at L; lines holding compiled code go through the CPU (and
   * invalidate). The line table is consulted on every store, not only on pages known to hold
   * code, so data beside code costs exactly what data elsewhere does.
   */
  write32(val: string): void {
    this.emit(`e=tw[L>>>12];o=L&4095;p=(e&-4096)|o;if(${this.near}(e&3)===1&&o<=4092&&(p&3)===0&&cl[p>>>6]===0)i32[p>>2]=${val};else{${this.sync()}c.wr32(L,${val});}`);
  }

  /** 16-bit write of `val` (a register or a constant: read twice) at L, under write32's rule for code lines. */
  write16(val: string): void {
    this.emit(`e=tw[L>>>12];o=L&4095;p=(e&-4096)|o;if(${this.near}(e&3)===1&&o<=4094&&cl[p>>>6]===0&&cl[(p+1)>>>6]===0){u8[p]=${val};u8[p+1]=(${val})>>8;}else{${this.sync()}c.wr16(L,${val});}`);
  }

  /** 8-bit write of `val` at L, under the same rule for lines holding compiled code as write32. */
  write8(val: string): void {
    this.emit(`e=tw[L>>>12];p=(e&-4096)|(L&4095);if(${this.near}(e&3)===1&&cl[p>>>6]===0)u8[p]=${val};else{${this.sync()}c.wr8(L,${val});}`);
  }

  /**
   * CMP or TEST of 8-bit operands: the pending locals hold 32-bit flags only, so the result
   * goes straight to the CPU's lazy state (as its alu(op, a, b, 8) would leave it).
   */
  flags8(op: 4 | 7, A: string, B: string): void {
    const res = op === 7 ? '(a-b)&255' : 'a&b';
    this.emit(`${this.flushText()}a=(${A})&255;b=(${B})&255;c.ccOp=${op === 7 ? CC_SUB : CC_LOGIC};c.ccA=a;c.ccB=b;c.ccRes=${res};c.ccBits=8;`);
    this.pend = 0;
  }

  /**
   * IMUL r32 by a value. Its flags are SF, ZF and PF of the truncated product, CF = OF = 1 when
   * the product does not fit (AF clear), which is exactly the lazy SHIFT form with CF and OF
   * equal. The double product differs from the truncated one exactly when the true product
   * is outside int32: inside it the double is exact, and rounding outside it never lands back
   * in range (2^31 and -2^31 are doubles).
   */
  imul(dst: string, A: string, B: string): void {
    this.emit(`a=(${A})|0;b=(${B})|0;fr=Math.imul(a,b);fc=a*b!==fr?1:0;fb=fc;fa=0;${dst}=fr;`);
    this.pend = CC_SHIFT;
  }

  /** The carry flag as an expression, from the pending state when it is known. */
  cfExpr(): string {
    switch (this.pend) {
      case CC_ADD: return '((fr>>>0)<(fa>>>0)?1:0)';
      case CC_SUB: return '((fa>>>0)<(fb>>>0)?1:0)';
      case CC_LOGIC: return '0';
      case CC_INC: case CC_DEC: case CC_SHIFT: case P_SHIFT64: return 'fc';
      case CC_ADD64: return '((fR>>>0)<(fA>>>0)||(fR===fA&&(fr>>>0)<(fa>>>0))?1:0)';
      case CC_SUB64: return '((fA>>>0)<(fB>>>0)||(fA===fB&&(fa>>>0)<(fb>>>0))?1:0)';
      case P_LOGIC64: return '0';
      default: return 'c.getCF()';
    }
  }

  /** Condition `cc` as an expression: from the pending flags, or else from the CPU's (stored first). */
  condition(cc: number): string {
    const cond = this.condExpr(cc);
    if (cond !== null) return cond;
    this.emit(this.flushText());
    this.pend = 0;
    return `c.cond(${cc})`;
  }

  /** A jcc condition as an expression, or null when only the CPU's general code can tell. */
  condExpr(cc: number): string | null {
    const p = this.pend;
    if (p === 0) return null;
    const inv = (s: string | null): string | null => (s === null ? null : `!(${s})`);
    if (cc & 1) return inv(this.condExpr(cc & ~1));
    if (p === CC_ADD64 || p === CC_SUB64 || p === P_LOGIC64 || p === P_SHIFT64) return this.cond64(cc);
    switch (cc) {
      case 4: return 'fr===0';
      case 8: return 'fr<0';
    }
    if (p === CC_SUB) {
      switch (cc) {
        case 2: return '(fa>>>0)<(fb>>>0)';
        case 6: return '(fa>>>0)<=(fb>>>0)';
        case 12: return 'fa<fb';
        case 14: return 'fa<=fb';
      }
      return null;
    }
    if (p === CC_LOGIC) {
      switch (cc) {
        case 0: return 'false';
        case 2: return 'false';
        case 6: return 'fr===0';
        case 12: return 'fr<0';
        case 14: return 'fr<=0';
      }
      return null;
    }
    if (p === CC_ADD && cc === 2) return '(fr>>>0)<(fa>>>0)';
    if ((p === CC_INC || p === CC_DEC || p === CC_SHIFT) && cc === 2) return 'fc===1';
    return null;
  }

  /** A jcc condition (even cc) from 64-bit pending flags, or null. */
  private cond64(cc: number): string | null {
    const p = this.pend;
    const zf = '(fr|fR)===0';
    if (cc === 4) return zf;
    if (cc === 8) return 'fR<0';
    if (p === CC_SUB64) {
      const below = '((fA>>>0)<(fB>>>0)||(fA===fB&&(fa>>>0)<(fb>>>0)))';
      const less = '(fA<fB||(fA===fB&&(fa>>>0)<(fb>>>0)))';
      const eq = '(fa===fb&&fA===fB)';
      switch (cc) {
        case 0: return '(((fA^fB)&(fA^fR))<0)';
        case 2: return below;
        case 6: return `(${below}||${eq})`;
        case 12: return less;
        case 14: return `(${less}||${eq})`;
      }
      return null;
    }
    if (p === P_LOGIC64) {
      switch (cc) {
        case 0: case 2: return 'false';
        case 6: return zf;
        case 12: return 'fR<0';
        case 14: return `(fR<0||${zf})`;
      }
      return null;
    }
    // ADD and the shifts: CF and OF from the locals, the signed conditions from SF and OF.
    const cf = p === CC_ADD64 ? '((fR>>>0)<(fA>>>0)||(fR===fA&&(fr>>>0)<(fa>>>0)))' : '(fc===1)';
    const of = p === CC_ADD64 ? '(((fA^fR)&(fB^fR))<0)' : '(fb===1)';
    switch (cc) {
      case 0: return of;
      case 2: return cf;
      case 6: return `(${cf}||${zf})`;
      case 12: return `((fR<0)!==${of})`;
      case 14: return `(${zf}||(fR<0)!==${of})`;
    }
    return null;
  }

  /**
   * ALU op `op` (0..7) on expressions A, B: the result goes to `t`, operands to `a`/`b`, and
   * nothing observable changes yet. Returns the CC_* kind, or 0 for ADC/SBB (not compiled).
   */
  aluCompute(op: number, A: string, B: string): number {
    switch (op) {
      case 0: this.emit(`a=${A};b=${B};t=(a+b)|0;`); return CC_ADD;
      case 1: this.emit(`a=${A};b=${B};t=a|b;`); return CC_LOGIC;
      case 4: this.emit(`a=${A};b=${B};t=a&b;`); return CC_LOGIC;
      case 6: this.emit(`a=${A};b=${B};t=a^b;`); return CC_LOGIC;
      case 5: case 7: this.emit(`a=${A};b=${B};t=(a-b)|0;`); return CC_SUB;
      default: return 0;
    }
  }

  /** Make the flags of the last aluCompute the pending ones. */
  aluCommit(kind: number): void {
    this.emit('fa=a;fb=b;fr=t;');
    this.pend = kind;
  }

  /** ALU op on register/immediate operands, result into `dst` (null: flags only). */
  alu(op: number, A: string, B: string, dst: string | null): void {
    const kind = this.aluCompute(op, A, B);
    if (kind === 0) {
      // ADC, SBB: the CPU's own code, which reads and writes its lazy flags.
      this.emit(`a=${A};b=${B};${this.flushText()}t=c.alu(${op},a,b,32)|0;`);
      this.pend = 0;
    } else {
      this.aluCommit(kind);
    }
    if (dst !== null && op !== 7) this.emit(`${dst}=t;`);
  }
}
