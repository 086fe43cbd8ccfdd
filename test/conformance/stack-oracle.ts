// Stack instructions on 16-bit and 32-bit stacks, run on the host CPU (native/stack-oracle.c,
// a 16-bit stack segment from the LDT) and on the emulator (a ring-0 machine with the same
// linear layout), one instruction per case, compared register by register and byte by byte.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine } from '../../emulator/machine';
import { assemble } from '../cpu/harness';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, 'native', 'stack-oracle.c');
const BINARY = join(HERE, 'build', 'stack-oracle');

export const STACK_BASE = 0x600000;   // base of the 16-bit stack segment; the flat stack uses the same page
export const WIN_OFF = 0xf00;         // the compared window: STACK_BASE + WIN_OFF, WIN_SIZE bytes
export const WIN_SIZE = 256;
export const CODE_ADDR = 0x700000;
const CASE_SIZE = 32 + 4 + 4 + 1 + 15 + WIN_SIZE;
const RESULT_SIZE = 32 + 12 + WIN_SIZE;
export const NO_FAULT = 0xffffffff;

export interface StackCase {
  name: string;
  regs: number[];        // EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI
  eflags: number;        // status flags in; IF is set on the host (user mode), not compared
  ss16: boolean;         // SS is the 16-bit (B = 0) segment, else the flat 32-bit one
  selOff: number;        // window offset of a selector to pop (-1: none)
  sel16: boolean;        // ... of the 16-bit segment, else of the flat one
  code: Uint8Array;
  window: Uint8Array;
}

export interface StackOutcome {
  regs: Uint32Array;
  flags: number;         // SF ZF AF PF CF (LAHF) and OF
  ssKind: number;        // 0 flat, 1 16-bit, 2 other
  vector: number;        // exception vector, or NO_FAULT
  window: Uint8Array;
}

function buildOracle(): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return BINARY;
  mkdirSync(dirname(BINARY), { recursive: true });
  const tmp = `${BINARY}.${process.pid}`;
  const res = spawnSync('gcc', ['-m32', '-O2', '-Wall', '-fno-pie', '-no-pie', '-o', tmp, SOURCE], { encoding: 'utf8' });
  if (res.error) throw new Error(`cannot run gcc to build the stack oracle: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`gcc -m32 failed to build the stack oracle (is gcc-multilib installed?):\n${res.stderr}`);
  renameSync(tmp, BINARY);
  return BINARY;
}

function parse(out: Buffer | Uint8Array, o: number): StackOutcome {
  const b = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  const regs = new Uint32Array(8);
  for (let r = 0; r < 8; r++) regs[r] = b.readUInt32LE(o + r * 4);
  return {
    regs, flags: b.readUInt32LE(o + 32), ssKind: b.readUInt32LE(o + 36), vector: b.readUInt32LE(o + 40),
    window: new Uint8Array(b.subarray(o + 44, o + 44 + WIN_SIZE)),
  };
}

/** Runs every case on the host CPU. */
export function runOnHost(cases: readonly StackCase[]): StackOutcome[] {
  const binary = buildOracle();
  const input = Buffer.alloc(cases.length * CASE_SIZE);
  cases.forEach((c, i) => {
    const o = i * CASE_SIZE;
    for (let r = 0; r < 8; r++) input.writeUInt32LE(c.regs[r] >>> 0, o + r * 4);
    input.writeUInt32LE((c.eflags | 0x202) >>> 0, o + 32);
    input[o + 36] = c.ss16 ? 1 : 0; input[o + 37] = c.sel16 ? 1 : 0;
    input.writeUInt16LE(c.selOff < 0 ? 0xffff : c.selOff, o + 38);
    input[o + 40] = c.code.length; input.set(c.code, o + 41);
    input.set(c.window, o + 56);
  });
  const res = spawnSync(binary, [], { input, maxBuffer: cases.length * RESULT_SIZE + 1024, timeout: 60_000 });
  if (res.error) throw new Error(`stack oracle failed: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`stack oracle exited with ${res.status} ${res.signal ?? ''}: ${res.stderr.toString()}`);
  if (res.stdout.length !== cases.length * RESULT_SIZE) throw new Error(`stack oracle returned ${res.stdout.length} bytes for ${cases.length} cases`);
  return cases.map((_, i) => parse(res.stdout, i * RESULT_SIZE));
}

// The emulator's side: GDT 0x08 flat code, 0x10 flat data, 0x18 16-bit data based at
// STACK_BASE; the case's inputs at 0x7000, results at 0x7100; every exception stub records
// its vector and halts.
const IN = 0x7000, OUT = 0x7100;
const SEL_FLAT = 0x10, SEL_16 = 0x18;
const TEMPLATE = `
  jmp near start
backptr: dd back
start:
  lgdt [gdtr]
  jmp 0x08:.r
.r:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov esp, 0x90000
  lidt [idtr]
  push dword [${IN + 0x20}]
  popf
  mov eax, [${IN}]
  mov ecx, [${IN + 4}]
  mov edx, [${IN + 8}]
  mov ebx, [${IN + 12}]
  mov ebp, [${IN + 20}]
  mov esi, [${IN + 24}]
  mov edi, [${IN + 28}]
  mov ss, [${IN + 0x24}]
  mov esp, [${IN + 16}]
  jmp ${CODE_ADDR}
back:
  mov [${OUT}], eax
  mov [${OUT + 4}], ecx
  mov [${OUT + 8}], edx
  mov [${OUT + 12}], ebx
  mov [${OUT + 16}], esp
  mov [${OUT + 20}], ebp
  mov [${OUT + 24}], esi
  mov [${OUT + 28}], edi
  mov [${OUT + 0x20}], ss
  lahf
  seto al
  mov [${OUT + 0x24}], ah
  mov [${OUT + 0x25}], al
  mov dword [${OUT + 0x28}], ${NO_FAULT}
  cli
  hlt
%assign v 0
%rep 32
stub %+ v:
  mov dword [${OUT + 0x28}], v
  hlt
%assign v v+1
%endrep
align 8
gdt: dq 0, 0x00cf9a000000ffff, 0x00cf92000000ffff
  dw 0xffff, ${STACK_BASE & 0xffff}
  db ${(STACK_BASE >>> 16) & 0xff}, 0x92, 0x00, ${STACK_BASE >>> 24}
gdtr: dw 31
  dd gdt
idt:
%assign v 0
%rep 32
  dw (stub %+ v - $$ + 0x100000) & 0xffff, 0x08, 0x8e00, (stub %+ v - $$ + 0x100000) >> 16
%assign v v+1
%endrep
idtr: dw 32*8-1
  dd idt
`;

let template: Uint8Array | undefined;

/** Runs one case on the emulator (interpreter, then the same machine state is not reused). */
export function runOnEmulator(c: StackCase, blockCompiler = true): StackOutcome {
  template ??= assemble(TEMPLATE, 32, 0x100000);
  const back = template[5] | (template[6] << 8) | (template[7] << 16) | (template[8] << 24);
  const input = Buffer.alloc(0x30);
  for (let r = 0; r < 8; r++) input.writeUInt32LE(c.regs[r] >>> 0, r * 4);
  input.writeUInt32LE((c.eflags & ~0x200 | 2) >>> 0, 0x20);
  input.writeUInt32LE(c.ss16 ? SEL_16 : SEL_FLAT, 0x24);
  const code = new Uint8Array(c.code.length + 5);
  code.set(c.code);
  const rel = (back - (CODE_ADDR + c.code.length + 5)) | 0;
  code[c.code.length] = 0xe9; new DataView(code.buffer).setInt32(c.code.length + 1, rel, true);
  const window = new Uint8Array(c.window);
  if (c.selOff >= 0) { const s = c.sel16 ? SEL_16 : SEL_FLAT; window[c.selOff] = s & 0xff; window[c.selOff + 1] = s >> 8; }
  const m = new Machine({ mode: 'hvm', memoryMiB: 16, blockCompiler });
  m.load({
    memory: [
      { paddr: 0x100000, bytes: template }, { paddr: IN, bytes: new Uint8Array(input) },
      { paddr: CODE_ADDR, bytes: code }, { paddr: STACK_BASE + WIN_OFF, bytes: window },
    ],
    entry: { kind: 'flat32', eip: 0x100000, regs: { esp: 0x90000 } }, description: 'stack case',
  });
  const stop = m.run(10_000);
  if (stop.kind !== 'halted') throw new Error(`case '${c.name}' did not halt: ${JSON.stringify(stop)}`);
  const out = m.readPhysical(OUT, 0x2c);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const vector = dv.getUint32(0x28, true);
  const regs = new Uint32Array(8);
  if (vector !== NO_FAULT) return { regs, flags: 0, ssKind: 0, vector, window: new Uint8Array(WIN_SIZE) };
  for (let r = 0; r < 8; r++) regs[r] = dv.getUint32(r * 4, true);
  const ss = dv.getUint16(0x20, true);
  return {
    regs, flags: out[0x24] | ((out[0x25] & 1) << 11), ssKind: ss === SEL_16 ? 1 : ss === SEL_FLAT ? 0 : 2, vector,
    window: m.readPhysical(STACK_BASE + WIN_OFF, WIN_SIZE),
  };
}
