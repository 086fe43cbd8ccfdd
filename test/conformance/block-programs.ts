// Compiled blocks against the interpreter. Random 32-bit programs (loops over register, memory
// and stack forms, forward branches, calls, flag reads, faults and stores into their own code)
// run twice: once with every instruction interpreted, once compiling each entry point on its
// first visit. Both runs advance in the same random slices, and after every slice the
// registers, EFLAGS, EIP and instruction count must be equal; at the end, all of the
// program's memory too. The interpreter is itself held to iced-x86, the host CPU and QEMU by
// the other comparisons, so this one judges only what the compiler changes.

import { Machine } from '../../emulator/machine';
import type { RegisterFile, StopReason } from '../../emulator/machine';
import { assemble } from '../cpu/harness';
import { Rng } from './random';

const REGS = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
/** Destinations: everything but ESP (the stack) and EDI (the data pointer). */
const DST = ['eax', 'ecx', 'edx', 'ebx', 'ebp', 'esi'];
const R8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'bp', 'si'];
const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const SHIFTS = ['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'];
const CC = ['o', 'no', 'b', 'ae', 'z', 'nz', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const CODE = 0x100000;

function pick<T>(rng: Rng, xs: readonly T[]): T { return xs[rng.below(xs.length)]; }
function hex(v: number): string { return '0x' + (v >>> 0).toString(16); }

/** Values that sit on flag boundaries (equal operands, sign and carry edges) more often than chance. */
const EDGES = [0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0x80000001, 0xffffffff, 0xfffffffe];

function imm(rng: Rng): number {
  switch (rng.below(4)) {
    case 0: return rng.below(16);
    case 1: return rng.u32();
    case 2: return pick(rng, EDGES) | 0;
    default: return -rng.below(5);
  }
}

/** A memory operand inside the data window (EDI points into it) or on the stack. */
function mem(rng: Rng, size: string): string {
  switch (rng.below(5)) {
    case 0: return `${size} [edi]`;
    case 1: return `${size} [edi + ${rng.below(16) * 4}]`;
    case 2: return `${size} [edi + esi * 0 + ${rng.below(64)}]`;
    case 3: return `${size} [data + ${rng.below(256) * 4}]`;
    default: return `${size} [esp + ${rng.below(4) * 4}]`;
  }
}

/** One random instruction (or a short fixed sequence) of the loop body. */
function instruction(rng: Rng, label: () => string, fwd: string[], dst: readonly string[] = DST, r16: readonly string[] = R16): string {
  const d = pick(rng, dst), s = pick(rng, REGS);
  switch (rng.below(36)) {
    case 0: case 1: return `${pick(rng, ALU)} ${d}, ${s}`;
    case 2: return `cmp ${d}, ${rng.below(3) ? s : d}\n  j${pick(rng, CC)} short $+4\n  inc ${pick(rng, dst)}\n  nop`;
    case 3: return `${pick(rng, ALU)} ${d}, ${imm(rng)}`;
    case 4: return `${pick(rng, ALU)} ${d}, byte ${rng.below(256) - 128}`;
    case 5: return `${pick(rng, ALU)} ${d}, ${mem(rng, 'dword')}`;
    case 6: return `${pick(rng, ALU)} ${mem(rng, 'dword')}, ${d}`;
    case 7: return `${pick(rng, ALU)} ${mem(rng, 'dword')}, ${imm(rng)}`;
    case 8: return rng.below(2) ? `test ${d}, ${s}` : `test ${mem(rng, 'dword')}, ${d}`;
    case 9: return `${pick(rng, ['inc', 'dec'])} ${rng.below(4) ? d : mem(rng, 'dword')}`;
    case 10: return `${pick(rng, SHIFTS)} ${d}, ${rng.below(3) === 0 ? 1 : rng.below(3) === 0 ? 'cl' : rng.below(40)}`;
    case 11: return `${pick(rng, SHIFTS)} ${mem(rng, 'dword')}, ${rng.below(33)}`;
    case 12: return `mov ${d}, ${imm(rng)}`;
    case 13: return `mov ${d}, ${s}`;
    case 14: return `mov ${d}, ${mem(rng, 'dword')}`;
    case 15: return `mov ${mem(rng, 'dword')}, ${s}`;
    case 16: return `mov ${mem(rng, 'dword')}, ${imm(rng)}`;
    case 17: return `lea ${d}, [${pick(rng, REGS)} + ${pick(rng, DST)} * ${pick(rng, [1, 2, 4, 8])} + ${rng.below(1000) - 500}]`;
    case 18: return `${pick(rng, ['movzx', 'movsx'])} ${d}, ${rng.below(2) ? pick(rng, R8) : pick(rng, r16)}`;
    case 19: return `${pick(rng, ['movzx', 'movsx'])} ${d}, ${mem(rng, rng.below(2) ? 'byte' : 'word')}`;
    case 20: return rng.below(2) ? `push ${s}\n  pop ${d}` : `push ${rng.below(2) ? imm(rng) : 'byte ' + (rng.below(256) - 128)}\n  pop ${d}`;
    case 21: return pick(rng, ['cdq', 'cwde', 'nop', 'pushfd\n  pop ' + d, 'stc', 'clc', 'cmc']);
    case 22: return `${pick(rng, ALU)} ${pick(rng, R8)}, ${pick(rng, R8)}`;
    case 23: return `${pick(rng, ALU)} ${pick(rng, r16)}, ${pick(rng, r16)}`;
    case 32: return rng.below(2) ? `pushad\n  ${pick(rng, ALU)} ${d}, ${s}\n  popad`
      : `pushad\n  mov dword [esp + ${pick(rng, [4, 16, 20, 24, 28])}], ${imm(rng)}\n  popad`;
    case 24: return rng.below(2) ? `set${pick(rng, CC)} ${pick(rng, R8)}\n  cmov${pick(rng, CC)} ${d}, ${s}`
      : `set${pick(rng, CC)} ${mem(rng, 'byte')}\n  cmov${pick(rng, CC)} ${d}, ${mem(rng, 'dword')}\n  xchg ax, ax`;
    case 25: return `imul ${d}, ${s}, ${imm(rng) | 0}`;
    case 26: {
      // A forward conditional branch, or (less often) a JMP over the code up to the label.
      const l = label(); fwd.push(l);
      return rng.below(4) === 0 ? `jmp ${rng.below(2) ? 'short' : 'near'} ${l}` : `j${pick(rng, CC)} ${rng.below(2) ? 'short' : 'near'} ${l}`;
    }
    case 27: return 'call sub1';
    case 28: // patch the immediate of an instruction in the loop: a store into compiled code
      return `mov [patch + 1], ${pick(rng, dst)}`;
    // What gcc -O2 emits around byte arrays and multiplications.
    case 29: return pick(rng, [`mov ${mem(rng, 'byte')}, ${pick(rng, R8)}`, `mov ${pick(rng, R8)}, ${mem(rng, 'byte')}`,
      `mov ${mem(rng, 'byte')}, ${rng.below(256)}`, `mov ${pick(rng, R8)}, ${pick(rng, R8)}`]);
    case 30: return pick(rng, [`cmp ${mem(rng, 'byte')}, ${rng.below(256)}`, `cmp ${pick(rng, R8)}, ${mem(rng, 'byte')}`,
      `cmp ${mem(rng, 'byte')}, ${pick(rng, R8)}`, `test ${mem(rng, 'byte')}, ${pick(rng, R8)}`, `cmp al, ${rng.below(256)}`,
      `test al, ${rng.below(256)}`, `cmp ${pick(rng, R8)}, ${rng.below(256)}`]) + `
  j${pick(rng, CC)} short $+4
  inc ${pick(rng, dst)}
  nop`;
    case 31: return pick(rng, [`imul ${d}, ${s}`, `imul ${d}, ${mem(rng, 'dword')}`, `imul ${d}, ${mem(rng, 'dword')}, ${imm(rng) | 0}`,
      `imul ${d}, ${mem(rng, 'dword')}, byte ${rng.below(256) - 128}`]);
    // MOVS/STOS/LODS one element at a time, as gcc's copy loops use them (ESI near EDI; DF set
    // now and then, which the compiled form leaves to the interpreter).
    case 33: {
      const op = pick(rng, ['movsb', 'movsd', 'stosb', 'stosd', 'lodsb', 'lodsd', 'movsw', 'stosw']);
      const setup = `lea esi, [edi + ${rng.below(64) - 8}]`;
      return rng.below(6) === 0 ? `${setup}\n  std\n  ${op}\n  cld` : `${setup}\n  ${op}`;
    }
    // Group 3 and the accumulator's absolute MOVs (gcc: `testb $1, mem`, `mov counter, %eax`, MUL).
    case 34: return pick(rng, [`test ${mem(rng, 'byte')}, ${rng.below(256)}`, `test ${mem(rng, 'dword')}, ${imm(rng)}`,
      `test ${pick(rng, R8)}, ${rng.below(256)}`, `test ${d}, ${imm(rng)}`, `not ${d}`, `neg ${d}`, `mul ${s}`,
      `mov eax, [data + ${rng.below(256) * 4}]`, `mov [data + ${rng.below(256) * 4}], eax`, `mov al, [data + ${rng.below(1024)}]`,
      `mov [data + ${rng.below(1024)}], al`]) + (rng.below(2) ? `\n  j${pick(rng, CC)} short $+4\n  inc ${pick(rng, dst)}\n  nop` : '');
    default: return rng.below(8) === 0 ? `xor edx, edx\n  mov ecx, ${pick(rng, dst)}\n  div ecx` : `xchg ${d}, ${pick(rng, dst)}`;
  }
}

/** Instructions that read the flags the previous iteration left (a loop's first instruction). */
function flagReader(rng: Rng): string {
  const cc = pick(rng, CC);
  return pick(rng, [
    `adc eax, ebx`, `sbb edx, ecx`, `set${cc} al`, `cmov${cc} ebx, esi`, 'pushfd\n  pop edx', 'inc esi\n  pushfd\n  pop eax',
    `j${cc} short $+4\n  inc ebx\n  nop`, 'rcl ecx, 1', 'cmc\n  adc ebx, 0', 'nop',
  ]);
}

/**
 * A tight loop: a few instructions between a flag read and a register counter, the shape a
 * compiled block runs as a loop inside one function with the flags kept in locals across
 * its back edge.
 */
function tightLoop(rng: Rng, init: string, shared: boolean): string {
  const dst = DST.filter((r) => r !== 'ebp'), r16 = R16.filter((r) => r !== 'bp');
  const body: string[] = [flagReader(rng)];
  const fwd: string[] = [];
  let n = 0;
  const len = rng.below(6);
  for (let i = 0; i < len; i++) {
    const ins = instruction(rng, () => `T${n++}`, fwd, dst, r16);
    // Calls and stores into the code end the block; the other shape covers them.
    if (ins.startsWith('call') || ins.includes('[patch')) continue;
    body.push(ins);
  }
  while (fwd.length) body.push(`${fwd.shift()}:`);
  // The last shape closes the loop as gcc often does: an exit test, then a JMP back to the top.
  const step = pick(rng, ['dec ebp\n  jnz top', 'sub ebp, 1\n  jnz top', 'add ebp, -1\n  jc top', 'dec ebp\n  jg top', 'dec ebp\n  jns top',
    'dec ebp\n  jz out\n  jmp top\nout:']);
  return `
  mov esp, 0x90000
${init}
  mov ebp, ${2 + rng.below(300)}
  mov edi, data
  push ${hex(rng.u32())}
  push ${hex(rng.u32())}
top:
  ${body.join('\n  ')}
  ${step}
  hlt
${shared ? '' : 'times 8192 db 0x90'}
align 4
data: times 1280 dd 0x5a5aa5a5
`;
}

/** NASM source of one random program; `shared` puts its data in the code's page. */
export function randomProgram(rng: Rng, shared: boolean): string {
  if (rng.below(3) === 0) return tightLoop(rng, DST.map((r) => `  mov ${r}, ${hex(rng.below(2) ? pick(rng, EDGES) : rng.u32())}`).join('\n'), shared);
  let n = 0;
  const label = (): string => `L${n++}`;
  const body: string[] = [];
  const fwd: string[] = [];
  const len = 10 + rng.below(30);
  for (let i = 0; i < len; i++) {
    body.push(instruction(rng, label, fwd));
    // Close pending forward branches at random points, all before the loop's end.
    while (fwd.length && rng.below(3) === 0) body.push(`${fwd.shift()}:`);
    if (i === (len >> 1)) body.push('patch:\n  mov ecx, 0x12345678');
  }
  while (fwd.length) body.push(`${fwd.shift()}:`);
  const init = DST.map((r) => `  mov ${r}, ${hex(rng.below(2) ? pick(rng, EDGES) : rng.u32())}`).join('\n');
  return `
  mov esp, 0x90000
${init}
  mov dword [count], ${2 + rng.below(40)}
  push ${hex(rng.u32())}
  push ${hex(rng.u32())}
top:
  mov edi, eax
  and edi, 0x3fc
  add edi, data
  ${body.join('\n  ')}
  dec dword [count]
  ${rng.below(3) === 0 ? 'jz done\n  jmp top\ndone:' : 'jnz top'}
  hlt
sub1:
  add eax, ebx
  ret
${shared ? '' : 'times 8192 db 0x90'}
align 4
count: dd 0
data: times 1280 dd 0x5a5aa5a5
`;
}

interface Snapshot { regs: RegisterFile; icount: number; stop: StopReason }

function snapshotOf(m: Machine, stop: StopReason): Snapshot { return { regs: m.getRegisters(), icount: m.icount, stop }; }

function boot(code: Uint8Array, compile: boolean): Machine {
  const m = new Machine({ mode: 'hvm', memoryMiB: 4, blockCompiler: compile });
  // Compile every entry point on its first visit so short programs exercise the compiler.
  if (compile) m.cpu.blockThreshold = 1;
  m.load({ memory: [{ paddr: CODE, bytes: code }], entry: { kind: 'flat32', eip: CODE, regs: { esp: 0x90000 } }, description: 'block-compiler program' });
  return m;
}

export interface ProgramResult { agreed: boolean; detail?: string; instructions: number; blocks: number }

/** Run one program both ways in the same random slices; the first difference, if any. */
export function compareProgram(source: string, rng: Rng): ProgramResult {
  const code = assemble(source, 32, CODE);
  const ref = boot(code, false), jit = boot(code, true);
  const budgets: number[] = [];
  for (let i = 0; i < 400; i++) {
    const budget = rng.below(4) === 0 ? 1 + rng.below(5) : 1 + rng.below(2000);
    budgets.push(budget);
    const a = snapshotOf(ref, ref.run(budget));
    const b = snapshotOf(jit, jit.run(budget));
    const diff = compareSnapshots(a, b);
    if (diff) return { agreed: false, detail: `after slice ${i} (budgets ${budgets.slice(-5).join(',')}): ${diff}`, instructions: a.icount, blocks: jit.cpu.blocks?.compiled ?? 0 };
    if (a.stop.kind !== 'budget') break;
  }
  const memA = ref.readPhysical(0, 4 << 20), memB = jit.readPhysical(0, 4 << 20);
  for (let i = 0; i < memA.length; i++) {
    if (memA[i] !== memB[i]) return { agreed: false, detail: `memory differs at ${hex(i)}: ${memA[i]} vs ${memB[i]}`, instructions: ref.icount, blocks: jit.cpu.blocks?.compiled ?? 0 };
  }
  return { agreed: true, instructions: ref.icount, blocks: jit.cpu.blocks?.compiled ?? 0 };
}

function compareSnapshots(a: Snapshot, b: Snapshot): string | null {
  if (a.icount !== b.icount) return `icount ${a.icount} vs ${b.icount}`;
  if (JSON.stringify(a.stop) !== JSON.stringify(b.stop)) return `stop ${JSON.stringify(a.stop)} vs ${JSON.stringify(b.stop)}`;
  for (const k of Object.keys(a.regs) as Array<keyof RegisterFile>) {
    if (a.regs[k] !== b.regs[k]) return `${k} ${hex(a.regs[k])} vs ${hex(b.regs[k])} (eip ${hex(a.regs.eip)})`;
  }
  return null;
}

export interface BlockComparison { checked: number; agreed: number; disagreed: number; instructions: number; blocks: number; failures: string[] }

export function runBlockComparison(count: number, seed: number): BlockComparison {
  const rng = new Rng(seed);
  const out: BlockComparison = { checked: 0, agreed: 0, disagreed: 0, instructions: 0, blocks: 0, failures: [] };
  for (let i = 0; i < count; i++) {
    const shared = rng.below(2) === 0;
    const source = randomProgram(rng, shared);
    const r = compareProgram(source, rng);
    out.checked++;
    out.instructions += r.instructions;
    out.blocks += r.blocks;
    if (r.agreed) out.agreed++;
    else {
      out.disagreed++;
      if (out.failures.length < 3) out.failures.push(`program ${i} (seed ${seed}): ${r.detail}\n${source}`);
    }
  }
  return out;
}
