// A flat 32-bit ring-0 machine for running single instructions: our own GDT (flat code 0x08,
// flat data 0x10) and an IDT whose 32 exception gates each point at a distinct `jmp $`, so the
// EIP after a faulting step names the vector without running any handler code.

import type { BootPlan, GeneralRegister, MachineApi } from '../../emulator/machine';

/** The part of the Machine the single-instruction harnesses use. */
export type MachineLike = Pick<MachineApi, 'load' | 'run' | 'step' | 'getRegisters' | 'setRegister' | 'writePhysical' | 'readPhysical'>;

export const CODE_ADDR = 0x1000;
export const STACK_TOP = 0x9000;
const SETUP_ADDR = 0x2000;
const GDTR_ADDR = 0x500;
const IDTR_ADDR = 0x510;
const GDT_ADDR = 0x600;
const IDT_ADDR = 0x800;
const HANDLERS = 0x3000;
const HANDLER_STRIDE = 16;
const VECTORS = 32;
const SETUP_LENGTH = 42;
const SETUP_INSTRUCTIONS = 10;          // up to and excluding the final jmp $

export const GPR_NAMES: readonly GeneralRegister[] = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

export function flat32Plan(bits: 16 | 32 = 32): BootPlan {
  const next = SETUP_ADDR + 21;                     // after the three 7-byte instructions below
  const setup = [
    0x0f, 0x01, 0x15, ...le32(GDTR_ADDR),            // lgdt [GDTR_ADDR]
    0x0f, 0x01, 0x1d, ...le32(IDTR_ADDR),            // lidt [IDTR_ADDR]
    0xea, ...le32(next), 0x08, 0x00,                  // jmp 0x08:next
    0x66, 0xb8, 0x10, 0x00,                           // next: mov ax, 0x10
    0x8e, 0xd8, 0x8e, 0xc0, 0x8e, 0xd0, 0x8e, 0xe0, 0x8e, 0xe8, // mov ds/es/ss/fs/gs, ax
    0xbc, ...le32(STACK_TOP),                         // mov esp, STACK_TOP
    0xeb, 0xfe,                                       // jmp $ (not HLT: a halted CPU stays halted when EIP is set)
  ];
  if (setup.length !== SETUP_LENGTH) throw new Error('flat32 harness: setup code length changed');
  if (bits === 16) {
    // Instead of the jmp $: on into a 16-bit code segment (base 0) and wait there.
    const wait16 = SETUP_ADDR + SETUP_LENGTH - 2 + 7;
    setup.splice(SETUP_LENGTH - 2, 2, 0xea, ...le32(wait16), 0x18, 0x00, 0xeb, 0xfe);
  }
  const gdtr = [31, 0, ...le32(GDT_ADDR)];
  const gdt = [
    0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xcf, 0x00,   // 0x08: flat 32-bit code, DPL 0
    0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0xcf, 0x00,   // 0x10: flat data, DPL 0
    0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0x00, 0x00,   // 0x18: 16-bit code, base 0, limit 64 KiB
  ];
  const idtr = [VECTORS * 8 - 1, 0, ...le32(IDT_ADDR)];
  const idt: number[] = [];
  for (let v = 0; v < VECTORS; v++) {
    const off = HANDLERS + v * HANDLER_STRIDE;
    idt.push(off & 0xff, (off >>> 8) & 0xff, 0x08, 0x00, 0x00, 0x8e, (off >>> 16) & 0xff, (off >>> 24) & 0xff);
  }
  return {
    memory: [
      { paddr: SETUP_ADDR, bytes: Uint8Array.from(setup) },
      { paddr: GDTR_ADDR, bytes: Uint8Array.from(gdtr) },
      { paddr: IDTR_ADDR, bytes: Uint8Array.from(idtr) },
      { paddr: GDT_ADDR, bytes: Uint8Array.from(gdt) },
      { paddr: IDT_ADDR, bytes: Uint8Array.from(idt) },
      { paddr: HANDLERS, bytes: handlers() },
    ],
    entry: { kind: 'flat32', eip: SETUP_ADDR },
    description: `single-instruction harness, ${bits}-bit code`,
  };
}

/** Each vector's handler is a `jmp $`: it never halts, so setting EIP later starts afresh. */
function handlers(): Uint8Array {
  const out = new Uint8Array(VECTORS * HANDLER_STRIDE);
  for (let v = 0; v < VECTORS; v++) out.set([0xeb, 0xfe], v * HANDLER_STRIDE);
  return out;
}

/**
 * Loads the harness and runs its setup; throws if the machine does not get there. With
 * `bits` 16 the code segment is a 16-bit one (base 0), stack and data stay 32-bit.
 */
export function prepareFlat32(machine: MachineLike, bits: 16 | 32 = 32, paged = false): void {
  machine.load(flat32Plan(bits));
  const stop = machine.run(SETUP_INSTRUCTIONS + (bits === 16 ? 1 : 0));
  const regs = machine.getRegisters();
  const waitAt = SETUP_ADDR + SETUP_LENGTH - 2 + (bits === 16 ? 7 : 0);
  if (regs.eip !== waitAt || regs.cs !== (bits === 16 ? 0x18 : 0x08) || regs.ss !== 0x10) {
    throw new Error(`flat32 harness setup did not complete: stop ${JSON.stringify(stop)}, eip ${regs.eip.toString(16)}`);
  }
  if (paged) enablePaging(machine);
}

const PAGE_DIRECTORY = 0x70000;
const PAGE_TABLE = 0x71000;
/** With paging, only the first MAPPED_BYTES are mapped (identity, supervisor, writable). */
export const MAPPED_BYTES = 0x80000;

/** Two-level paging where everything above MAPPED_BYTES is not present: wild accesses fault. */
function enablePaging(machine: MachineLike): void {
  const pd = new Uint8Array(4096);
  new DataView(pd.buffer).setUint32(0, PAGE_TABLE | 3, true);
  const pt = new Uint8Array(4096);
  const view = new DataView(pt.buffer);
  for (let page = 0; page < MAPPED_BYTES / 4096; page++) view.setUint32(page * 4, (page * 4096) | 3, true);
  machine.writePhysical(PAGE_DIRECTORY, pd);
  machine.writePhysical(PAGE_TABLE, pt);
  machine.setRegister('cr3', PAGE_DIRECTORY);
  machine.setRegister('cr0', (machine.getRegisters().cr0 | 0x80000000) >>> 0);
  const r = machine.getRegisters();
  if ((r.cr0 >>> 31) !== 1 || r.cr3 !== PAGE_DIRECTORY) throw new Error('flat32 harness: paging did not turn on');
}

export interface StepOutcome {
  regs: Uint32Array;      // EAX..EDI after
  eflags: number;
  fault: number;          // vector, or -1 if the instruction completed, or -2 if EIP ended somewhere else
  length: number;         // EIP after minus CODE_ADDR, when the instruction completed
}

/**
 * Runs one instruction at CODE_ADDR with the given registers and flags, through step() or
 * (`viaRun`) run(1), which take different paths in the CPU. `bytes` is either
 * exactly the instruction, or (`fallThrough`) a longer buffer starting with one whose length
 * is not known: then any EIP within 15 bytes after CODE_ADDR counts as completion.
 */
export function stepOne(
  machine: MachineLike, bytes: Uint8Array, regs: Uint32Array, eflags: number, fallThrough = false, viaRun = false,
): StepOutcome {
  return execute(machine, bytes, 1, regs, eflags, fallThrough, viaRun);
}

/**
 * Runs a straight-line sequence of `count` instructions at CODE_ADDR (it must not branch);
 * completion means EIP right after it.
 */
export function runSequence(machine: MachineLike, bytes: Uint8Array, count: number, regs: Uint32Array, eflags: number): StepOutcome {
  return execute(machine, bytes, count, regs, eflags, false, true);
}

/** `viaRun`: through run(count), the CPU's main loop, rather than step(). */
function execute(
  machine: MachineLike, bytes: Uint8Array, count: number, regs: Uint32Array, eflags: number, fallThrough: boolean, viaRun: boolean,
): StepOutcome {
  const code = new Uint8Array(bytes.length + 2);
  code.set(bytes);
  code.set([0xeb, 0xfe], bytes.length);                      // jmp $: nothing runs past the case
  machine.writePhysical(CODE_ADDR, code);
  for (let r = 0; r < 8; r++) machine.setRegister(GPR_NAMES[r], r === 4 ? STACK_TOP : regs[r]);
  machine.setRegister('eflags', (eflags & 0xcd5) | 2);   // status flags and DF
  machine.setRegister('eip', CODE_ADDR);
  if (viaRun) machine.run(count);
  else machine.step();
  const after = machine.getRegisters();
  const out = new Uint32Array(8);
  for (let r = 0; r < 8; r++) out[r] = after[GPR_NAMES[r]] >>> 0;
  let fault = -2;
  if (after.eip === CODE_ADDR + bytes.length || (fallThrough && after.eip > CODE_ADDR && after.eip <= CODE_ADDR + 15)) fault = -1;
  else if (after.eip >= HANDLERS && after.eip < HANDLERS + VECTORS * HANDLER_STRIDE && (after.eip - HANDLERS) % HANDLER_STRIDE === 0) {
    fault = (after.eip - HANDLERS) / HANDLER_STRIDE;
  }
  return { regs: out, eflags: after.eflags >>> 0, fault, length: after.eip - CODE_ADDR };
}
