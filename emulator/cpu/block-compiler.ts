// Translates a run of 32-bit guest code into one JavaScript function, so the hot loops of a
// kernel stop paying for decode and dispatch on every instruction. The common integer forms
// are emitted inline (register operands as typed-array slots, immediates and displacements
// as constants, memory through an inline TLB probe); anything else runs through the
// interpreter's own decode-and-execute step from inside the block. Arithmetic flags stay in
// locals until something can observe them (a slow memory path that may fault, an
// interpreted instruction, the block's exit), which removes most lazy-flag stores.
//
// What a block assumes, checked by the run loop before entering: CS is 32-bit and its limit
// covers the whole block, SS is 32-bit, the entry page is plain RAM, and the slice has room
// for `count` instructions.
// Exactness is kept instruction by instruction: every call that may fault first stores the
// instruction count, the faulting EIP and the flags; every slow access is followed by a look
// at `attn` (device requests, watchpoints, writes to code), which ends the block after the
// instruction, as the interpreter would.

import type { Block } from './block-cache';
import { decodeForm } from '../isa/decode';
import { cacheRegisters, CC_DEC, CC_INC, CC_LOGIC, CC_SHIFT, Emitter, RELOAD, SS, WRITE_BACK } from './block-emitter';
import { emitInstruction64, type Shared32 } from './block-compiler64';
import { after64, interpretAndLeave, leavesHalf } from './block-leave64';
import { alu64, dec64, inc64, mulForBlock, product, shift64 } from './alu64';
import { synthRes } from './lazy-flags';
import { address64, lea64, leaHi } from './address64';
import { emitString } from './block-strings';
import { emitGroup3, emitMoffs } from './block-group3';

const R8_SLOT = [0, 4, 8, 12, 1, 5, 9, 13];
/** The CPU's arrays a block may read, by the local name generated code uses for each. */
const FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['r', 'regs'], ['r8', 'r8'], ['sb', 'segBase'], ['sl', 'segLimit'], ['cr', 'segChkR'], ['cw', 'segChkW'],
  ['lr', 'segLimR'], ['lw', 'segLimW'], ['tr', 'tlbR'], ['tw', 'tlbW'], ['i32', 'i32'], ['u8', 'u8'], ['h', 'regsHi'],
];
/** Longest block in instructions: bounds compile time and the latency of `attn`. */
const MAX_INSTRUCTIONS = 64;

/** What the compiler needs from the CPU, without importing the class (no cycle). */
export interface CompileSource {
  readonly u8: Uint8Array;
  readonly hasBp: boolean;
  readonly breakpoints: ReadonlySet<number>;
  /** DS and SS need no checks now (memory-access.ts); the block is then compiled without them. */
  readonly flatData?: boolean;
  /** 64-bit mode: the block is compiled as 64-bit code (block-compiler64.ts). */
  readonly long64?: boolean;
}

const SHARED32: Shared32 = { emitJcc, emitBackEdge, emitShift };




/**
 * Compile the block whose first instruction is at physical `phys` (linear `linear`), or
 * return null when the first instruction is not worth it (the interpreter runs it).
 */
export function compileBlock(src: CompileSource, phys: number, linear: number, codeLine: Uint8Array): Block | null {
  const first = emitPass(src, phys, linear, 0);
  if (first === null) return null;
  let code: string;
  if (!first.loop) {
    code = first.text;
  } else if (first.endPend === 0) {
    code = `for(;;){${first.text}}`;
  } else {
    // The first iteration finds the flags in the CPU; later ones find them where the back
    // edge left them, in the locals. So the body is emitted twice: once as the loop's entry,
    // once as the loop itself starting from the back edge's pending flags, which then never
    // go through the CPU's fields while the loop runs.
    const again = emitPass(src, phys, linear, first.endPend);
    code = again !== null && again.loop && again.endPend === first.endPend && again.k === first.k
      ? `${first.text}\nfor(;;){${again.text}}`
      : `for(;;){${emitPass(src, phys, linear, 0, true)!.text}}`;
  }
  const cached = cacheRegisters(code);
  code = cached.head + cached.code;
  // Load only the CPU fields this block uses: short blocks are entered millions of times.
  // (A name inside a longer one, `r[` in `tr[`, only costs an unused load.)
  const fields = FIELDS.filter(([name]) => code.includes(`${name}[`)).map(([name, field]) => `${name}=c.${field}`);
  const head = (fields.length ? `const ${fields.join(',')};` : '') +
    'const e0=c.eip;let ic0=c.icount;let fa=0,fb=0,fr=0,fc=0,a=0,b=0,v=0,L=0,e=0,o=0,p=0,t=0,A=0;' +
    (src.long64 === true ? 'const H=c.ripHi;let w=0,q=0,fA=0,fB=0,fR=0;' : '');
  code = head + code;
  // The guest's bytes become constants in generated code, never code themselves: every
  // value spliced in above is a number formatted by this file. The function is named for its
  // physical entry, so a CPU profile (`npm run bench -- --cpu-prof`) gives each block's time.
  let factory: (cl: Uint8Array, ...ops: unknown[]) => (c: unknown) => void;
  try {
    factory = new Function('cl', 'ALU64', 'INC64', 'DEC64', 'SH64', 'SY', 'AD', 'LEA', 'LH', 'MUL', 'PR', `return function block_${phys.toString(16)}(c){${code}};`) as typeof factory;
  } catch (e) {
    // A generator bug must not take the host down: the interpreter runs this code instead,
    // and the error is kept where the tests look for it.
    compileErrors.count++;
    compileErrors.last = `${(e as Error).message} at physical 0x${phys.toString(16)}`;
    return null;
  }
  const spans = first.spans.map((o) => phys + o);
  return { fn: factory(codeLine, alu64, inc64, dec64, shift64, synthRes, address64, lea64, leaHi, mulForBlock, product), entry: phys, start: Math.min(...spans), end: Math.max(...spans), spans,
    linear: linear >>> 0, count: first.k, flat: src.flatData === true && src.long64 !== true, long64: src.long64 === true,
    link: null, link2: null, live: true, seenAt: 0 };
}

/**
 * One emission of a block's instructions (see compileBlock for why a loop has two): `k`
 * instructions from the bytes in `spans` ([start, end) offsets from the entry; a block that
 * follows jumps has several).
 */
interface Pass { text: string; k: number; spans: number[]; loop: boolean; endPend: number }

/**
 * Emit the block's instructions with the flags pending as `pend` says at entry. A loop's back
 * edge leaves its pending flags in the locals, unless `flushAtBackEdge` (the single-body form,
 * whose next iteration reads them from the CPU).
 */
function emitPass(src: CompileSource, phys: number, linear: number, pend: number, flushAtBackEdge = false): Pass | null {
  const u8 = src.u8;
  const pageEnd = (phys & ~0xfff) + 0x1000;
  const em = new Emitter(u8, phys);
  em.pend = pend;
  em.flushAtBackEdge = flushAtBackEdge;
  const mode64 = src.long64 === true;
  em.flat = src.flatData === true && !mode64;
  if (mode64) em.near = '(L|0)===L&&';
  const body = em.out;
  let off = 0;
  let k = 0;
  let closed = false;
  let loop = false;
  let compiled = 0;
  let endPend = 0;
  em.canLoop = !(src.hasBp && src.breakpoints.has(linear >>> 0));
  const window = new Uint8Array(16);
  const spans = [0];

  while (k < MAX_INSTRUCTIONS) {
    if (k > 0 && src.hasBp && src.breakpoints.has((linear + off) >>> 0)) break;
    em.visited.add(off);
    // Where this instruction's text starts (an empty slot a loop's head can be put in).
    em.heads.set(off, { k, index: body.length, pend: em.pend });
    body.push('');
    const avail = Math.min(15, pageEnd - (phys + off));
    window.fill(0);
    window.set(u8.subarray(phys + off, phys + off + avail));
    const info = decodeForm(window.subarray(0, avail), mode64 ? 64 : 32, avail);
    if (info === null || info.length > avail) break;
    // Forms that may change CS, the mode or the fetch path without moving EIP (far transfers,
    // HLT, MOV CR, ...): the opcode-form description marks them; the block stops before.
    if (info.form.endsBlock === true) break;
    const len = info.length;
    em.off = off; em.k = k; em.next = off + len;
    if (info.form.endsBlock === 'after') {
      // INT n, IRET, SYSENTER, SYSEXIT: the interpreter's, from inside the block, which is left
      // after it whatever it did; the next block is then the run loop's chaining, with no
      // return to the run loop's lookup and interpreter in between. Not as a block's first
      // instruction (nothing would be compiled).
      if (k === 0) break;
      body.push(`${em.sync()}c.eip=(e0+${off})|0;c.execOne();c.icount=ic0+${k + 1};return;`);
      em.pend = 0;
      closed = true; k++; off += len;
      break;
    }
    let op = em.b(off), i = off + 1;
    let prefixed = false;
    while (op === 0x66 || op === 0x67 || op === 0xf0 || op === 0xf2 || op === 0xf3 || op === 0x26 || op === 0x2e ||
      op === 0x36 || op === 0x3e || op === 0x64 || op === 0x65) { prefixed = true; op = em.b(i); i++; }

    const before = body.length;
    const pendBefore = em.pend;
    // 66 90 (XCHG AX, AX) is the two-byte NOP compilers pad with.
    const r = mode64 ? emitInstruction64(em, SHARED32)
      : prefixed ? (op === 0x90 && len === 2 && em.b(off) === 0x66 ? 'ok' : 'generic') : emitInstruction(em, op, i);
    if (r === 'generic' && mode64) {
      body.length = before;
      em.pend = pendBefore;
      body.push(`${em.sync()}c.eip=(e0+${off})|0;c.execOne();${after64(em)}`);
      em.pend = 0;
    } else if (r === 'generic') {
      body.length = before;
      em.pend = pendBefore;
      body.push(`${em.sync()}c.eip=(e0+${off})|0;c.execOne();${RELOAD}`);
      em.pend = 0;
      // A device reached by the instruction may have moved the slice's end (a timer armed):
      // the rest of the block must fit in what is left, or the run loop takes over.
      // It may also have loaded DS or SS with limits (a flat block's accesses no longer check).
      body.push(`if(c.attn===true||c.eip!==((e0+${em.next})|0)||ic0+@COUNT@>c.limit${em.flat ? '||c.flatData!==true' : ''}){c.icount=ic0+${k + 1};return;}`);
    } else {
      compiled++;
    }
    if (r === 'end') {
      closed = true; k++; off += len;
      break;
    } else if (r === 'loop') {
      loop = true; closed = true; k++; off += len;
      endPend = em.backEdgePend;
      break;
    } else if (r === 'follow') {
      // A direct JMP or CALL in the page: the block goes on at its target.
      k++;
      spans.push(off + len);
      off = em.followTarget;
      spans.push(off);
      continue;
    }
    k++; off += len;
  }
  if (compiled === 0) return null;
  if (!closed) body.push(em.exitText(`(e0+${off})|0`, k));
  spans.push(off);
  return { text: body.join('\n').replaceAll('@COUNT@', String(k)), k, spans, loop, endPend };
}

/** Generated code V8 refused (always zero unless the generator has a bug). */
export const compileErrors = { count: 0, last: '' };

/**
 * Emit one instruction without prefixes. Returns 'ok', 'end' (a control transfer that closed
 * the block), 'loop' (a branch back to the block start, emitted as the loop's back edge) or
 * 'generic' (let the interpreter execute it).
 */
function emitInstruction(em: Emitter, op: number, i: number): 'ok' | 'end' | 'loop' | 'follow' | 'generic' {
  const E = (x: number): string => `(e0+${x})|0`;
  switch (op) {
    case 0x01: case 0x09: case 0x21: case 0x29: case 0x31: case 0x39:
    case 0x03: case 0x0b: case 0x23: case 0x2b: case 0x33: case 0x3b: {
      const m = em.modrm(i);
      const aluOp = op >> 3;
      const toReg = (op & 2) !== 0;
      if (m.mod === 3) {
        const d = toReg ? m.reg : m.rm, s = toReg ? m.rm : m.reg;
        em.alu(aluOp, `r[${d}]`, `r[${s}]`, `r[${d}]`);
        return 'ok';
      }
      if (toReg) {
        em.linear(m.seg, m.off, 4, false);
        em.read32('v');
        em.alu(aluOp, `r[${m.reg}]`, 'v', `r[${m.reg}]`);
      } else {
        if (aluOp === 7) {
          em.linear(m.seg, m.off, 4, false);
          em.read32('v');
          em.alu(7, 'v', `r[${m.reg}]`, null);
        } else {
          // Read-modify-write: the new flags become visible only after the write succeeded.
          em.linear(m.seg, m.off, 4, true);
          em.read32('v');
          const kind = em.aluCompute(aluOp, 'v', `r[${m.reg}]`);
          if (kind === 0) return 'generic';
          em.write32('t');
          em.aluCommit(kind);
        }
      }
      em.attnCheck();
      return 'ok';
    }
    case 0x05: case 0x0d: case 0x25: case 0x2d: case 0x35: case 0x3d:
      em.alu(op >> 3, 'r[0]', String(em.u32(i)), 'r[0]');
      return 'ok';
    case 0x81: case 0x83: {
      const m = em.modrm(i);
      const imm = op === 0x81 ? em.u32(i + m.len) : em.s8(i + m.len);
      if (m.mod === 3) { em.alu(m.reg, `r[${m.rm}]`, String(imm), `r[${m.rm}]`); return 'ok'; }
      if (m.reg === 7) {
        em.linear(m.seg, m.off, 4, false);
        em.read32('v');
        em.alu(7, 'v', String(imm), null);
      } else {
        // Read-modify-write, as for 01/09/...: flags become visible after the write.
        em.linear(m.seg, m.off, 4, true);
        em.read32('v');
        const kind = em.aluCompute(m.reg, 'v', String(imm));
        if (kind === 0) return 'generic';
        em.write32('t');
        em.aluCommit(kind);
      }
      em.attnCheck();
      return 'ok';
    }
    case 0x85: {
      const m = em.modrm(i);
      if (m.mod === 3) { em.alu(4, `r[${m.rm}]`, `r[${m.reg}]`, null); return 'ok'; }
      em.linear(m.seg, m.off, 4, false);
      em.read32('v');
      em.alu(4, 'v', `r[${m.reg}]`, null);
      em.attnCheck();
      return 'ok';
    }
    case 0xa9: em.alu(4, 'r[0]', String(em.u32(i)), null); return 'ok';
    case 0x88: case 0x8a: {
      const m = em.modrm(i);
      const g = `r8[${R8_SLOT[m.reg]}]`;
      if (m.mod === 3) {
        const e = `r8[${R8_SLOT[m.rm]}]`;
        em.emit(op === 0x88 ? `${e}=${g};` : `${g}=${e};`);
        return 'ok';
      }
      em.linear(m.seg, m.off, 1, op === 0x88);
      if (op === 0x88) em.write8(g);
      else { em.read8('v'); em.emit(`${g}=v;`); }
      em.attnCheck();
      return 'ok';
    }
    case 0xc6: {
      const m = em.modrm(i);
      if (m.reg !== 0) return 'generic';
      const imm = em.b(i + m.len);
      if (m.mod === 3) { em.emit(`r8[${R8_SLOT[m.rm]}]=${imm};`); return 'ok'; }
      em.linear(m.seg, m.off, 1, true);
      em.write8(String(imm));
      em.attnCheck();
      return 'ok';
    }
    case 0x38: case 0x3a: case 0x84: case 0x80: {
      // CMP/TEST on bytes (gcc's `cmpb $0, (mem)` and `test %al, %al`); other byte ALU ops are interpreted.
      const m = em.modrm(i);
      if (op === 0x80 && m.reg !== 7) return 'generic';
      let e: string;
      if (m.mod === 3) e = `r8[${R8_SLOT[m.rm]}]`;
      else { em.linear(m.seg, m.off, 1, false); em.read8('v'); e = 'v'; }
      const g = op === 0x80 ? String(em.b(i + m.len)) : `r8[${R8_SLOT[m.reg]}]`;
      if (op === 0x84) em.flags8(4, e, g);
      else if (op === 0x3a) em.flags8(7, g, e);
      else em.flags8(7, e, g);
      if (m.mod !== 3) em.attnCheck();
      return 'ok';
    }
    case 0x3c: em.flags8(7, 'r8[0]', String(em.b(i))); return 'ok';
    case 0xa8: em.flags8(4, 'r8[0]', String(em.b(i))); return 'ok';
    case 0x69: case 0x6b: {
      const m = em.modrm(i);
      const imm = op === 0x69 ? em.u32(i + m.len) : em.s8(i + m.len);
      let src = `r[${m.rm}]`;
      if (m.mod !== 3) { em.linear(m.seg, m.off, 4, false); em.read32('v'); src = 'v'; }
      em.imul(`r[${m.reg}]`, src, String(imm));
      if (m.mod !== 3) em.attnCheck();
      return 'ok';
    }
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
    case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f: {
      const x = op & 7, dec = op >= 0x48;
      em.emit(`t=${em.cfExpr()};a=r[${x}];fa=a;fb=1;fr=(a${dec ? '-' : '+'}1)|0;fc=t;r[${x}]=fr;`);
      em.pend = dec ? CC_DEC : CC_INC;
      return 'ok';
    }
    case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
      em.emit(`t=r[${op & 7}];v=(r[4]-4)|0;`);
      em.linear(SS, 'v', 4, true);
      em.write32('t');
      em.emit('r[4]=v;');
      em.attnCheck();
      return 'ok';
    case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f:
      em.linear(SS, 'r[4]', 4, false);
      em.read32('t');
      em.emit(`r[4]=(r[4]+4)|0;r[${op & 7}]=t;`);
      em.attnCheck();
      return 'ok';
    case 0x60: case 0x61: {
      // PUSHAD/POPAD (kernel entry stubs around every interrupt): the eight registers as one
      // aligned 32-byte run in a cached page of a stack without limits; anything else (a fault,
      // a page boundary, a line holding code) is the interpreter's, from inside the block.
      const pop = op === 0x61;
      em.emit(`L=${pop ? 'r[4]' : '(r[4]-32)|0'};if(${pop ? 'cr' : 'cw'}[2]===0){L=(sb[2]+L)|0;e=${pop ? 'tr' : 'tw'}[L>>>12];o=L&4095;p=(e&-4096)|o;}else e=0;`);
      const fits = `(e&3)===1&&o<=4064&&(p&3)===0${pop ? '' : '&&cl[p>>>6]===0&&cl[(p+31)>>>6]===0'}`;
      const fast = pop
        ? 'p>>=2;r[7]=i32[p];r[6]=i32[p+1];r[5]=i32[p+2];r[3]=i32[p+4];r[2]=i32[p+5];r[1]=i32[p+6];r[0]=i32[p+7];r[4]=(r[4]+32)|0;'
        : 'p>>=2;i32[p+7]=r[0];i32[p+6]=r[1];i32[p+5]=r[2];i32[p+4]=r[3];i32[p+3]=r[4];i32[p+2]=r[5];i32[p+1]=r[6];i32[p]=r[7];r[4]=(r[4]-32)|0;';
      // The flags are not touched either way, so what is pending stays pending.
      em.emit(`if(${fits}){${fast}}else{${em.sync()}c.eip=${E(em.off)};c.execOne();${RELOAD}` +
        `if(c.attn===true||c.eip!==${E(em.next)}||ic0+@COUNT@>c.limit${em.flat ? '||c.flatData!==true' : ''}){c.icount=ic0+${em.k + 1};return;}}`);
      return 'ok';
    }
    case 0x68: case 0x6a:
      em.emit(`t=${op === 0x68 ? em.u32(i) : em.s8(i)};v=(r[4]-4)|0;`);
      em.linear(SS, 'v', 4, true);
      em.write32('t');
      em.emit('r[4]=v;');
      em.attnCheck();
      return 'ok';
    case 0x89: case 0x8b: {
      const m = em.modrm(i);
      if (m.mod === 3) {
        if (op === 0x89) em.emit(`r[${m.rm}]=r[${m.reg}];`); else em.emit(`r[${m.reg}]=r[${m.rm}];`);
        return 'ok';
      }
      if (op === 0x8b) {
        em.linear(m.seg, m.off, 4, false);
        em.read32('v');
        em.emit(`r[${m.reg}]=v;`);
      } else {
        em.linear(m.seg, m.off, 4, true);
        em.write32(`r[${m.reg}]`);
      }
      em.attnCheck();
      return 'ok';
    }
    case 0x8d: {
      const m = em.modrm(i);
      if (m.mod === 3) return 'generic';
      em.emit(`r[${m.reg}]=${m.off};`);
      return 'ok';
    }
    case 0xc7: {
      const m = em.modrm(i);
      if (m.reg !== 0) return 'generic';
      const imm = em.u32(i + m.len);
      if (m.mod === 3) { em.emit(`r[${m.rm}]=${imm};`); return 'ok'; }
      em.linear(m.seg, m.off, 4, true);
      em.write32(String(imm));
      em.attnCheck();
      return 'ok';
    }
    case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
      em.emit(`r[${op & 7}]=${em.u32(i)};`);
      return 'ok';
    case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7:
      em.emit(`r8[${R8_SLOT[op & 7]}]=${em.b(i)};`);
      return 'ok';
    case 0x90: return 'ok';
    case 0xa4: case 0xa5: case 0xaa: case 0xab: case 0xac: case 0xad:
      return emitString(em, op) ? 'ok' : 'generic';
    case 0xf6: case 0xf7:
      return emitGroup3(em, op, i) ? 'ok' : 'generic';
    case 0xa0: case 0xa1: case 0xa2: case 0xa3:
      emitMoffs(em, op, i);
      return 'ok';
    case 0x98: em.emit('r[0]=(r[0]<<16)>>16;'); return 'ok';
    case 0x99: em.emit('r[2]=r[0]>>31;'); return 'ok';
    case 0xc1: case 0xd1: {
      const m = em.modrm(i);
      if (m.mod !== 3 || m.reg === 2 || m.reg === 3) return 'generic';
      const cnt = (op === 0xd1 ? 1 : em.b(i + m.len)) & 31;
      if (cnt === 0) return 'ok';
      return emitShift(em, m.reg, m.rm, cnt);
    }
    case 0x0f: {
      const op2 = em.b(i);
      if (op2 >= 0x80 && op2 <= 0x8f) return emitJcc(em, op2 & 15, em.u32(i + 1));
      if (op2 >= 0x40 && op2 <= 0x4f) {
        // CMOVcc reads its source (and may fault) whatever the condition.
        const m = em.modrm(i + 1);
        let src = `r[${m.rm}]`;
        if (m.mod !== 3) { em.linear(m.seg, m.off, 4, false); em.read32('v'); src = 'v'; }
        em.emit(`if(${em.condition(op2 & 15)})r[${m.reg}]=${src};`);
        if (m.mod !== 3) em.attnCheck();
        return 'ok';
      }
      if (op2 >= 0x90 && op2 <= 0x9f) {
        const m = em.modrm(i + 1);
        const val = `(${em.condition(op2 & 15)}?1:0)`;
        if (m.mod === 3) { em.emit(`r8[${R8_SLOT[m.rm]}]=${val};`); return 'ok'; }
        em.emit(`t=${val};`);
        em.linear(m.seg, m.off, 1, true);
        em.write8('t');
        em.attnCheck();
        return 'ok';
      }
      if (op2 === 0xaf) {
        const m = em.modrm(i + 1);
        let src = `r[${m.rm}]`;
        if (m.mod !== 3) { em.linear(m.seg, m.off, 4, false); em.read32('v'); src = 'v'; }
        em.imul(`r[${m.reg}]`, `r[${m.reg}]`, src);
        if (m.mod !== 3) em.attnCheck();
        return 'ok';
      }
      if (op2 === 0xb6 || op2 === 0xb7 || op2 === 0xbe || op2 === 0xbf) {
        const m = em.modrm(i + 1);
        const wide = (op2 & 1) !== 0, signed = op2 >= 0xbe;
        let val: string;
        if (m.mod === 3) {
          val = wide ? `((r[${m.rm}]<<16)>>>16)` : `r8[${R8_SLOT[m.rm]}]`;
        } else {
          em.linear(m.seg, m.off, wide ? 2 : 1, false);
          if (wide) em.read16('v'); else em.read8('v');
          val = 'v';
        }
        const ext = signed ? (wide ? `((${val})<<16)>>16` : `((${val})<<24)>>24`) : val;
        em.emit(`r[${m.reg}]=${ext};`);
        if (m.mod !== 3) em.attnCheck();
        return 'ok';
      }
      return 'generic';
    }
    case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
    case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f:
      return emitJcc(em, op & 15, em.s8(i));
    case 0xeb: case 0xe9: {
      const target = em.next + (op === 0xeb ? em.s8(i) : em.u32(i));
      em.emit(em.limitCheck(E(target)));
      if (target === 0 && em.canLoop) { emitBackEdge(em, null); return 'loop'; }
      if (em.canFollow(target)) return 'follow';
      em.emit(em.exitText(E(target), em.k + 1));
      return 'end';
    }
    case 0xe8: {
      const target = em.next + em.u32(i);
      em.emit(em.limitCheck(E(target)));
      em.emit(`t=${E(em.next)};v=(r[4]-4)|0;`);
      em.linear(SS, 'v', 4, true);
      em.write32('t');
      em.emit('r[4]=v;');
      if (em.canFollow(target)) return 'follow';
      em.emit(em.exitText(E(target), em.k + 1));
      return 'end';
    }
    case 0xc3:
      em.linear(SS, 'r[4]', 4, false);
      em.read32('t');
      em.emit(em.limitCheck('t'));
      em.emit('r[4]=(r[4]+4)|0;');
      em.emit(em.exitText('t', em.k + 1));
      return 'end';
    default:
      return 'generic';
  }
}

function emitJcc(em: Emitter, cc: number, d: number, jump64 = false): 'ok' | 'loop' {
  const cond = em.condition(cc);
  const target = em.next + d;
  const done = em.k + 1;
  if (target === 0 && em.canLoop) {
    // A branch back to the block start: loop inside the function while the slice lasts. Not
    // taken leaves the block; taken falls through to the loop's next iteration.
    emitBackEdge(em, cond);
    return 'loop';
  }
  if (target !== 0 && emitInnerLoop(em, cond, target)) return 'ok';
  // Taken: leave the block. Not taken: the block goes on (a superblock), so branchy code
  // does not pay a block entry every two or three instructions.
  // In 64-bit mode there is no limit; a target outside the sign-extended 32-bit range (RIP's
  // high half changes) is the interpreter's.
  const check = jump64 ? `if${leavesHalf(target)}${interpretAndLeave(em)}` : em.limitCheck(`(e0+${target})|0`);
  em.emit(`if(${cond}){${check}${em.exitText(`(e0+${target})|0`, done)}}`);
  return 'ok';
}

/**
 * The back edge of a loop to the block start, taken when `cond` holds (always when null): the
 * next pass runs if the slice has room for it and nothing needs the run loop.
 */
function emitBackEdge(em: Emitter, cond: string | null): void {
  const done = em.k + 1;
  if (cond !== null) em.emit(`if(!(${cond}))${em.exitText(`(e0+${em.next})|0`, done)}`);
  em.emit(`ic0+=${done};if(c.attn===true||ic0+${done}>c.limit){${em.flushText()}${WRITE_BACK}c.eip=e0;c.icount=ic0;return;}`);
  em.backEdgePend = em.pend;
  if (em.flushAtBackEdge) { em.emit(em.flushText()); em.pend = 0; }
}

/**
 * A conditional branch back to an earlier instruction of the block (not its first): the code
 * from there to here becomes a loop inside the function, so a loop that gcc enters through a
 * few set-up instructions runs in the block that holds them instead of in a block of its own,
 * entered through the run loop once per pass of the loop around it. Taken: the next pass, if
 * the slice has room for the rest of the block and nothing needs the run loop. Not taken: the
 * block goes on. Possible when the loop's head found the flags pending in the same form as
 * here (both in the CPU, or in the locals in the same lazy form), and when loops nest (a loop
 * closed earlier is either inside this one or wholly before its head).
 */
function emitInnerLoop(em: Emitter, cond: string, target: number): boolean {
  const h = em.heads.get(target);
  if (h === undefined || h.k === 0) return false;
  // Storing the flags at every pass costs more than the block of its own the head gets
  // otherwise (a loop to its start, whose flags stay in locals): only the same lazy form.
  // (Measured: closing qsort's byte-swap loop this way, flags stored at its head and back
  // edge, ran qsort at 107 MIPS against 134 with the block of its own.)
  if (h.pend !== em.pend) return false;
  // A second back edge to the head of a loop already closed would need a loop statement of
  // its own at the same slot: it stays a side exit.
  for (const [a, b] of em.loops) if (h.k >= a && h.k <= b) return false;
  em.loops.push([h.k, em.k]);
  em.out[h.index] = 'for(;;){';
  em.emit(`if(${cond}){ic0+=${em.k + 1 - h.k};` +
    `if(c.attn===true||ic0+@COUNT@>c.limit){${em.flushText()}${WRITE_BACK}c.eip=(e0+${target})|0;c.icount=ic0+${h.k};return;}` +
    'continue;}break;}');
  return true;
}

function emitShift(em: Emitter, kind: number, x: number, cnt: number): 'ok' {
  switch (kind) {
    case 4: case 6:
      em.emit(`a=r[${x}];fr=a<<${cnt};fc=(a>>>${32 - cnt})&1;fb=((fr>>>31)&1)^fc;fa=0;r[${x}]=fr;`);
      em.pend = CC_SHIFT; return 'ok';
    case 5:
      em.emit(`a=r[${x}];fr=(a>>>${cnt})|0;fc=(a>>>${cnt - 1})&1;fb=(a>>>31)&1;fa=0;r[${x}]=fr;`);
      em.pend = CC_SHIFT; return 'ok';
    case 7:
      em.emit(`a=r[${x}];fr=a>>${cnt};fc=(a>>${cnt - 1})&1;fb=0;fa=0;r[${x}]=fr;`);
      em.pend = CC_SHIFT; return 'ok';
    default: { // ROL, ROR: only CF and OF change
      const rol = kind === 0;
      const rot = rol ? `(a<<${cnt})|(a>>>${32 - cnt})` : `(a>>>${cnt})|(a<<${32 - cnt})`;
      const cf = rol ? 'v&1' : '(v>>>31)&1';
      const of = rol ? '((v>>>31)&1)^t' : 't^((v>>>30)&1)';
      em.emit(`a=r[${x}];v=${rot};t=${cf};r[${x}]=v;`);
      if (em.pend === CC_LOGIC || em.pend === CC_SHIFT) {
        // SF, ZF and PF still come from the earlier result and AF is clear in both: the lazy
        // SHIFT form expresses that exactly with a new CF and OF.
        em.emit(`fc=t;fb=${of};fa=0;`);
        em.pend = CC_SHIFT;
      } else {
        em.emit(`${em.flushText()}c.setArith(t|((${of})<<11),2049);`);
        em.pend = 0;
      }
      return 'ok';
    }
  }
}

