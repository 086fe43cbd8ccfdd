// Exit qualifications, encoded and decoded with the bit layouts of the SDM (Vol. 3, "Exit
// Qualification for ..." tables in the chapter on VM exits). Encoders are what the CPU calls
// on its exit path, so they take numbers and return a number: no objects there. Decoders
// build objects and are for reports, filters and the debugger only.

import { ExitReason, exitReasonName } from './exit-reasons';
import type { ExitRecord } from '../machine-api';

// ---- I/O instructions (reason 30) ----------------------------------------------------
// bits 2:0 size of access - 1 (0 = 1 byte, 1 = 2 bytes, 3 = 4 bytes); bit 3 direction
// (0 = OUT, 1 = IN); bit 4 string instruction; bit 5 REP prefixed; bit 6 operand encoding
// (0 = DX, 1 = immediate); bits 31:16 port number.

export interface IoQualification {
  size: 1 | 2 | 4;
  in: boolean;
  string: boolean;
  rep: boolean;
  immediate: boolean;
  port: number;
}

export function encodeIo(port: number, size: number, isIn: boolean, isString: boolean, rep: boolean, immediate: boolean): number {
  return (((port & 0xffff) << 16) | (immediate ? 0x40 : 0) | (rep ? 0x20 : 0) | (isString ? 0x10 : 0) |
    (isIn ? 0x08 : 0) | ((size - 1) & 7)) >>> 0;
}

export function decodeIo(q: number): IoQualification {
  const s = (q & 7) + 1;
  return {
    size: (s === 1 || s === 2 ? s : 4) as 1 | 2 | 4,
    in: (q & 0x08) !== 0,
    string: (q & 0x10) !== 0,
    rep: (q & 0x20) !== 0,
    immediate: (q & 0x40) !== 0,
    port: (q >>> 16) & 0xffff,
  };
}

// ---- Control-register accesses (reason 28) ---------------------------------------------
// bits 3:0 CR number (0 for CLTS and LMSW); bits 5:4 access type (0 MOV to CR, 1 MOV from
// CR, 2 CLTS, 3 LMSW); bit 6 LMSW operand type (0 register, 1 memory); bits 11:8 the
// general register of MOV CR (0 RAX/EAX ... 7 RDI/EDI); bits 31:16 LMSW source data.

export const CrAccessType = { MOV_TO_CR: 0, MOV_FROM_CR: 1, CLTS: 2, LMSW: 3 } as const;

export interface CrQualification {
  cr: number;
  accessType: 0 | 1 | 2 | 3;
  lmswMemory: boolean;
  gpr: number;
  lmswData: number;
}

export function encodeCrAccess(cr: number, accessType: number, gpr: number, lmswData = 0, lmswMemory = false): number {
  return (((lmswData & 0xffff) << 16) | ((gpr & 0xf) << 8) | (lmswMemory ? 0x40 : 0) |
    ((accessType & 3) << 4) | (cr & 0xf)) >>> 0;
}

export function decodeCrAccess(q: number): CrQualification {
  return {
    cr: q & 0xf,
    accessType: ((q >>> 4) & 3) as 0 | 1 | 2 | 3,
    lmswMemory: (q & 0x40) !== 0,
    gpr: (q >>> 8) & 0xf,
    lmswData: (q >>> 16) & 0xffff,
  };
}

// ---- MOV DR (reason 29) ------------------------------------------------------------------
// bits 2:0 debug register number; bit 4 direction (0 = MOV to DR, 1 = MOV from DR);
// bits 11:8 general register.

export interface DrQualification { dr: number; fromDr: boolean; gpr: number }

export function encodeMovDr(dr: number, fromDr: boolean, gpr: number): number {
  return (((gpr & 0xf) << 8) | (fromDr ? 0x10 : 0) | (dr & 7)) >>> 0;
}

export function decodeMovDr(q: number): DrQualification {
  return { dr: q & 7, fromDr: (q & 0x10) !== 0, gpr: (q >>> 8) & 0xf };
}

// ---- Task switch (reason 9) ---------------------------------------------------------------
// bits 15:0 selector of the new task's TSS; bits 31:30 source (0 CALL, 1 IRET, 2 JMP,
// 3 task gate in the IDT).

export const TaskSwitchSource = { CALL: 0, IRET: 1, JMP: 2, IDT_GATE: 3 } as const;
const TASK_SOURCE_NAMES = ['CALL', 'IRET', 'JMP', 'task gate in IDT'];

export function encodeTaskSwitch(selector: number, source: number): number {
  return (((source & 3) << 30) | (selector & 0xffff)) >>> 0;
}

export function decodeTaskSwitch(q: number): { selector: number; source: number; sourceName: string } {
  const source = (q >>> 30) & 3;
  return { selector: q & 0xffff, source, sourceName: TASK_SOURCE_NAMES[source]! };
}

// ---- EPT violation (reason 48) ------------------------------------------------------------
// bit 0 data read; bit 1 data write; bit 2 instruction fetch; bits 5:3 whether the
// guest-physical address was readable / writable / executable (the AND over the EPT
// paging-structure entries); bit 6 user-mode executable; bit 7 guest linear-address field
// valid; bit 8 (if bit 7) 1 = access to the translated address, 0 = to a paging-structure
// entry; bit 12 NMI unblocking due to IRET. The guest-physical address travels in extra.gpa.

export interface EptQualification {
  read: boolean; write: boolean; fetch: boolean;
  readable: boolean; writable: boolean; executable: boolean;
  userExecutable: boolean;
  linearValid: boolean; translated: boolean;
  nmiUnblocking: boolean;
}

export function encodeEptViolation(read: boolean, write: boolean, fetch: boolean, permissions = 0, linearValid = true, translated = true): number {
  return ((read ? 1 : 0) | (write ? 2 : 0) | (fetch ? 4 : 0) | ((permissions & 7) << 3) |
    (linearValid ? 0x80 : 0) | (linearValid && translated ? 0x100 : 0)) >>> 0;
}

export function decodeEptViolation(q: number): EptQualification {
  return {
    read: (q & 1) !== 0, write: (q & 2) !== 0, fetch: (q & 4) !== 0,
    readable: (q & 8) !== 0, writable: (q & 0x10) !== 0, executable: (q & 0x20) !== 0,
    userExecutable: (q & 0x40) !== 0,
    linearValid: (q & 0x80) !== 0, translated: (q & 0x100) !== 0,
    nmiUnblocking: (q & 0x1000) !== 0,
  };
}

// ---- APIC access (reason 44) -------------------------------------------------------------
// bits 11:0 offset into the APIC page (linear accesses); bits 15:12 access type
// (0 linear read, 1 linear write, 2 linear fetch, 3 linear access during event delivery,
// 10 guest-physical access during event delivery, 15 guest-physical instruction fetch).

const APIC_ACCESS_TYPES: Record<number, string> = {
  0: 'read', 1: 'write', 2: 'fetch', 3: 'access during event delivery',
  10: 'guest-physical access during event delivery', 15: 'guest-physical fetch',
};

export function encodeApicAccess(offset: number, type: number): number {
  return (((type & 0xf) << 12) | (offset & 0xfff)) >>> 0;
}

export function decodeApicAccess(q: number): { offset: number; type: number; typeName: string } {
  const type = (q >>> 12) & 0xf;
  return { offset: q & 0xfff, type, typeName: APIC_ACCESS_TYPES[type] ?? `type ${type}` };
}

// ---- Debug exceptions (reason 0 with vector 1) ------------------------------------------
// bits 3:0 B0-B3 (breakpoint condition met); bit 13 BD (debug-register access detected);
// bit 14 BS (single step); bit 16 RTM.

export function encodeDebugException(bMask: number, bd: boolean, bs: boolean): number {
  return ((bMask & 0xf) | (bd ? 0x2000 : 0) | (bs ? 0x4000 : 0)) >>> 0;
}

export function decodeDebugException(q: number): { breakpoints: number; bd: boolean; bs: boolean } {
  return { breakpoints: q & 0xf, bd: (q & 0x2000) !== 0, bs: (q & 0x4000) !== 0 };
}

// INVLPG (14) and a #PF exit (0 with vector 14): the qualification is the linear address.
export function encodeLinearAddress(linear: number): number { return linear >>> 0; }

// ---- Human-readable lines ---------------------------------------------------------------

const GPR32 = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];
const EXCEPTION_MNEMONICS = ['#DE', '#DB', 'NMI', '#BP', '#OF', '#BR', '#UD', '#NM', '#DF', 'CSO', '#TS', '#NP', '#SS', '#GP', '#PF', '#15', '#MF', '#AC', '#MC', '#XM', '#VE', '#CP'];
const ACC_FOR_SIZE: Record<number, string> = { 1: 'al', 2: 'ax', 4: 'eax' };

function hex(n: number): string { return '0x' + (n >>> 0).toString(16); }

type Describable = Pick<ExitRecord, 'reason' | 'qualification'> & Partial<ExitRecord>;

function describeIo(q: number, value: number | undefined): string {
  const io = decodeIo(q);
  const port = io.immediate ? hex(io.port) : 'dx';
  const suffix = io.size === 1 ? 'B' : io.size === 2 ? 'W' : 'D';
  let text: string;
  if (io.string) text = `${io.rep ? 'REP ' : ''}${io.in ? 'INS' : 'OUTS'}${suffix}`;
  else text = io.in ? `IN ${ACC_FOR_SIZE[io.size]}, ${port}` : `OUT ${port}, ${ACC_FOR_SIZE[io.size]}`;
  text += ` port ${hex(io.port)} size ${io.size}`;
  if (value !== undefined && !io.string) text += ` value ${hex(value)}`;
  return text;
}

function describeCr(q: number, value: number | undefined): string {
  const c = decodeCrAccess(q);
  switch (c.accessType) {
    case 0: return `MOV to CR${c.cr} from ${GPR32[c.gpr]}${value !== undefined ? ` value ${hex(value)}` : ''}`;
    case 1: return `MOV from CR${c.cr} to ${GPR32[c.gpr]}`;
    case 2: return 'CLTS';
    default: return `LMSW ${hex(c.lmswData)} (${c.lmswMemory ? 'memory' : 'register'} operand)`;
  }
}

function describeEpt(q: number, gpa: number | undefined): string {
  const e = decodeEptViolation(q);
  const kind = e.fetch ? 'fetch' : e.write ? 'write' : 'read';
  return `EPT violation: ${kind}${gpa !== undefined ? ` at GPA ${hex(gpa)}` : ''}` +
    ` (entry ${e.readable ? 'r' : '-'}${e.writable ? 'w' : '-'}${e.executable ? 'x' : '-'})`;
}

/** Which descriptor-table instruction caused a 46/47 exit, read from its bytes (0F 01 /r, 0F 00 /r). */
function describeDescriptorTable(reason: number, bytes: Uint8Array | undefined): string {
  if (bytes) {
    let i = 0;
    while (i < bytes.length && (bytes[i] === 0x66 || bytes[i] === 0x67 || bytes[i] === 0xf0 || bytes[i] === 0xf2 || bytes[i] === 0xf3 ||
      bytes[i] === 0x2e || bytes[i] === 0x36 || bytes[i] === 0x3e || bytes[i] === 0x26 || bytes[i] === 0x64 || bytes[i] === 0x65)) i++;
    if (bytes[i] === 0x0f && bytes[i + 2] !== undefined) {
      const reg = (bytes[i + 2]! >>> 3) & 7;
      if (bytes[i + 1] === 0x01 && reason === ExitReason.GDTR_IDTR_ACCESS) return ['SGDT', 'SIDT', 'LGDT', 'LIDT'][reg] ?? 'GDTR/IDTR access';
      if (bytes[i + 1] === 0x00 && reason === ExitReason.LDTR_TR_ACCESS) return ['SLDT', 'STR', 'LLDT', 'LTR'][reg] ?? 'LDTR/TR access';
    }
  }
  return reason === ExitReason.GDTR_IDTR_ACCESS ? 'GDTR/IDTR access' : 'LDTR/TR access';
}

/** One line a person can read: "OUT dx, al port 0x3f8 size 1", "MOV to CR0 from EAX", ... */
export function describeExit(r: Describable): string {
  const q = r.qualification >>> 0;
  switch (r.reason) {
    case ExitReason.IO_INSTRUCTION: return describeIo(q, r.value);
    case ExitReason.CR_ACCESS: return describeCr(q, r.value);
    case ExitReason.DR_ACCESS: {
      const d = decodeMovDr(q);
      return d.fromDr ? `MOV from DR${d.dr} to ${GPR32[d.gpr]}` : `MOV to DR${d.dr} from ${GPR32[d.gpr]}`;
    }
    case ExitReason.INVLPG: return `INVLPG ${hex(q)}`;
    case ExitReason.EPT_VIOLATION: return describeEpt(q, r.gpa);
    case ExitReason.APIC_ACCESS: {
      const a = decodeApicAccess(q);
      return `APIC access: ${a.typeName} at offset ${hex(a.offset)}`;
    }
    case ExitReason.TASK_SWITCH: {
      const t = decodeTaskSwitch(q);
      return `task switch to TSS selector ${hex(t.selector)} by ${t.sourceName}`;
    }
    case ExitReason.EXCEPTION_NMI: {
      const v = r.vector;
      if (v === undefined) return 'exception or NMI';
      let text = `${EXCEPTION_MNEMONICS[v] ?? `vector ${v}`} (vector ${v})`;
      if (r.errorCode !== undefined) text += ` error code ${hex(r.errorCode)}`;
      if (v === 14) text += ` at linear ${hex(q)}`;
      if (v === 1) {
        const d = decodeDebugException(q);
        text += d.bs ? ' single step' : d.bd ? ' debug-register access' : d.breakpoints ? ` B${hex(d.breakpoints)}` : '';
      }
      return text;
    }
    case ExitReason.EXTERNAL_INTERRUPT: return r.vector !== undefined ? `external interrupt vector ${hex(r.vector)}` : 'external interrupt';
    case ExitReason.CPUID: return r.value !== undefined ? `CPUID leaf ${hex(r.value)}` : 'CPUID';
    case ExitReason.RDMSR: return r.msr !== undefined ? `RDMSR ${hex(r.msr)}` : 'RDMSR';
    case ExitReason.WRMSR: return r.msr !== undefined ? `WRMSR ${hex(r.msr)}${r.value !== undefined ? ` value ${hex(r.value)}` : ''}` : 'WRMSR';
    case ExitReason.VMCALL: return r.value !== undefined ? `VMCALL nr ${r.value}` : 'VMCALL';
    case ExitReason.GDTR_IDTR_ACCESS:
    case ExitReason.LDTR_TR_ACCESS: return describeDescriptorTable(r.reason, r.bytes);
    default:
      // PV hypervisor records (emulator/pv): the handler names the hypercall, trap or emulation.
      if (r.reason >= 256 && r.handler !== undefined) {
        if (r.reasonName === 'HYPERCALL') return `hypercall ${r.handler} (${q})${r.value !== undefined ? ` = ${r.value | 0}` : ''}`;
        if (r.reasonName === 'TRAP_BOUNCE') return `trap bounce: vector ${r.vector ?? '?'}${r.errorCode !== undefined ? ` error code ${hex(r.errorCode)}` : ''}`;
        return `${r.reasonName ?? 'PV'} ${r.handler}`;
      }
      return exitReasonName(r.reason);
  }
}
