// MOVS, STOS and LODS without a REP prefix in compiled 32-bit blocks. gcc emits them one
// element at a time inside its own loops (`movsb; cmp; jne` for a byte copy's tail or an
// unaligned copy, `movsl` for the word loop of memcpy), so the interpreter used to run one
// instruction of every two or three of a copy. The inline form covers the common case: DF
// clear, ES (and the source segment) without limit or type checks, and each element inside a
// cached RAM page (and not on a line holding compiled code, for the store). Anything else runs
// the whole instruction through the interpreter from inside the block, which then faults,
// walks or invalidates exactly as it would alone. Neither path touches the arithmetic flags,
// so whatever is pending in the block's locals stays pending.
import { type Emitter, RELOAD } from './block-emitter';

const ES = 0, DS = 3;
const FLAG_DF = 0x400;

/** Emit MOVS/STOS/LODS (A4/A5, AA/AB, AC/AD) with no prefix; false for other opcodes. */
export function emitString(em: Emitter, op: number): boolean {
  const wide = (op & 1) !== 0;
  const n = wide ? 4 : 1;
  const kind = op & 0xfe;
  if (kind !== 0xa4 && kind !== 0xaa && kind !== 0xac) return false;
  // t: 1 once the inline element is done. The source is DS (no override reaches here).
  const read = (addr: string): string => wide
    ? `L=${addr};e=tr[L>>>12];o=L&4095;p=(e&-4096)|o;if((e&3)===1&&o<=4092&&(p&3)===0){v=i32[p>>2];`
    : `L=${addr};e=tr[L>>>12];if((e&3)===1){v=u8[(e&-4096)|(L&4095)];`;
  const write = (val: string): string => wide
    ? `L=(sb[${ES}]+r[7])|0;e=tw[L>>>12];o=L&4095;p=(e&-4096)|o;if((e&3)===1&&o<=4092&&(p&3)===0&&cl[p>>>6]===0){i32[p>>2]=${val};`
    : `L=(sb[${ES}]+r[7])|0;e=tw[L>>>12];p=(e&-4096)|(L&4095);if((e&3)===1&&cl[p>>>6]===0){u8[p]=${val};`;
  const src = `(sb[${DS}]+r[6])|0`;
  let body: string;
  let segs: string;
  switch (kind) {
    case 0xa4:
      body = `${read(src)}${write('v')}r[6]=(r[6]+${n})|0;r[7]=(r[7]+${n})|0;t=1;}}`;
      segs = `cr[${DS}]===0&&cw[${ES}]===0`;
      break;
    case 0xaa:
      body = `${write(wide ? 'r[0]' : 'r8[0]')}r[7]=(r[7]+${n})|0;t=1;}`;
      segs = `cw[${ES}]===0`;
      break;
    default:
      body = `${read(src)}${wide ? 'r[0]=v;' : 'r8[0]=v;'}r[6]=(r[6]+${n})|0;t=1;}`;
      segs = `cr[${DS}]===0`;
      break;
  }
  em.emit(`t=0;if((c.flags&${FLAG_DF})===0&&${segs}){${body}}if(t===0){${interpretText(em)}}`);
  return true;
}

/**
 * The current instruction through the interpreter, from inside the block: state stored first,
 * registers read back after, and the block left when the run loop is needed (a device, a
 * write to code, a fault taken, the slice's end moved, DS or SS no longer flat).
 */
export function interpretText(em: Emitter): string {
  return `${em.sync()}c.eip=(e0+${em.off})|0;c.execOne();${RELOAD}` +
    `if(c.attn===true||c.eip!==((e0+${em.next})|0)||ic0+@COUNT@>c.limit${em.flat ? '||c.flatData!==true' : ''}){c.icount=ic0+${em.k + 1};return;}`;
}
