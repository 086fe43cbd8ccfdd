// Exit qualifications as the SDM lays them out (Vol. 3, the "Exit Qualification for ..."
// tables of the chapter on VM exits). Each layout is data (bit fields a filter or a report
// can read by name); the encoders beside them are what the CPU calls on its exit path, so
// they take numbers and return a number and build no objects. A test checks every encoder
// against its layout, so the two cannot drift.

/** One bit field of a qualification. */
export interface QualificationField {
  /** The SDM's meaning, for documentation and hovers. */
  readonly doc: string;
  readonly lsb: number;
  readonly width: number;
  /**
   * The name the exit-filter and breakpoint-condition languages give this field; fields
   * without one are decoded for display only (a new name could shadow a guest symbol in a
   * debugger condition, so names are added deliberately).
   */
  readonly filterName?: string;
  /** The field's value from its raw bits when they are not the value itself (size = bits + 1). */
  readonly map?: (bits: number) => number;
}

export interface QualificationLayout {
  readonly name: string;
  readonly fields: readonly QualificationField[];
}

const f = (lsb: number, width: number, doc: string, filterName?: string, map?: (bits: number) => number): QualificationField =>
  ({ lsb, width, doc, ...(filterName !== undefined ? { filterName } : {}), ...(map ? { map } : {}) });

/** The raw bits of a field (no mapping). */
export function fieldBits(q: number, field: QualificationField): number {
  return field.width >= 32 ? q >>> 0 : (q >>> field.lsb) & ((1 << field.width) - 1);
}

/** A field's value as filters and reports see it. */
export function fieldValue(q: number, field: QualificationField): number {
  const bits = fieldBits(q, field);
  return field.map ? field.map(bits) : bits;
}

// ---- I/O instructions (reason 30) ----------------------------------------------------
export const IO_LAYOUT: QualificationLayout = {
  name: 'I/O instruction',
  fields: [
    f(0, 3, 'size of access - 1 (0 = 1 byte, 1 = 2 bytes, 3 = 4 bytes)', 'size', (b) => (b === 0 ? 1 : b === 1 ? 2 : 4)),
    f(3, 1, 'direction (0 = OUT, 1 = IN)', 'in'),
    f(4, 1, 'string instruction', 'string'),
    f(5, 1, 'REP prefixed', 'rep'),
    f(6, 1, 'operand encoding (0 = DX, 1 = immediate)'),
    f(16, 16, 'port number', 'port'),
  ],
};

export interface IoQualification { size: 1 | 2 | 4; in: boolean; string: boolean; rep: boolean; immediate: boolean; port: number }

export function encodeIo(port: number, size: number, isIn: boolean, isString: boolean, rep: boolean, immediate: boolean): number {
  return (((port & 0xffff) << 16) | (immediate ? 0x40 : 0) | (rep ? 0x20 : 0) | (isString ? 0x10 : 0) |
    (isIn ? 0x08 : 0) | ((size - 1) & 7)) >>> 0;
}

export function decodeIo(q: number): IoQualification {
  const s = (q & 7) + 1;
  return {
    size: (s === 1 || s === 2 ? s : 4) as 1 | 2 | 4,
    in: (q & 0x08) !== 0, string: (q & 0x10) !== 0, rep: (q & 0x20) !== 0, immediate: (q & 0x40) !== 0,
    port: (q >>> 16) & 0xffff,
  };
}

// ---- Control-register accesses (reason 28) ---------------------------------------------
export const CR_ACCESS_LAYOUT: QualificationLayout = {
  name: 'control-register access',
  fields: [
    f(0, 4, 'number of the control register (0 for CLTS and LMSW)', 'cr'),
    f(4, 2, 'access type (0 MOV to CR, 1 MOV from CR, 2 CLTS, 3 LMSW)', 'access'),
    f(6, 1, 'LMSW operand type (0 register, 1 memory)'),
    f(8, 4, 'general register of MOV CR (0 EAX ... 7 EDI)', 'gpr'),
    f(16, 16, 'LMSW source data'),
  ],
};

export const CrAccessType = { MOV_TO_CR: 0, MOV_FROM_CR: 1, CLTS: 2, LMSW: 3 } as const;

export interface CrQualification { cr: number; accessType: 0 | 1 | 2 | 3; lmswMemory: boolean; gpr: number; lmswData: number }

export function encodeCrAccess(cr: number, accessType: number, gpr: number, lmswData = 0, lmswMemory = false): number {
  return (((lmswData & 0xffff) << 16) | ((gpr & 0xf) << 8) | (lmswMemory ? 0x40 : 0) |
    ((accessType & 3) << 4) | (cr & 0xf)) >>> 0;
}

export function decodeCrAccess(q: number): CrQualification {
  return {
    cr: q & 0xf, accessType: ((q >>> 4) & 3) as 0 | 1 | 2 | 3, lmswMemory: (q & 0x40) !== 0,
    gpr: (q >>> 8) & 0xf, lmswData: (q >>> 16) & 0xffff,
  };
}

// ---- MOV DR (reason 29) ------------------------------------------------------------------
export const DR_ACCESS_LAYOUT: QualificationLayout = {
  name: 'MOV DR',
  fields: [
    f(0, 3, 'number of the debug register', 'dr'),
    f(4, 1, 'direction (0 = MOV to DR, 1 = MOV from DR)'),
    f(8, 4, 'general register', 'gpr'),
  ],
};

export interface DrQualification { dr: number; fromDr: boolean; gpr: number }

export function encodeMovDr(dr: number, fromDr: boolean, gpr: number): number {
  return (((gpr & 0xf) << 8) | (fromDr ? 0x10 : 0) | (dr & 7)) >>> 0;
}

export function decodeMovDr(q: number): DrQualification {
  return { dr: q & 7, fromDr: (q & 0x10) !== 0, gpr: (q >>> 8) & 0xf };
}

// ---- Task switch (reason 9) ---------------------------------------------------------------
export const TASK_SWITCH_LAYOUT: QualificationLayout = {
  name: 'task switch',
  fields: [
    f(0, 16, 'selector of the new task\'s TSS'),
    f(30, 2, 'source (0 CALL, 1 IRET, 2 JMP, 3 task gate in the IDT)'),
  ],
};

export const TaskSwitchSource = { CALL: 0, IRET: 1, JMP: 2, IDT_GATE: 3 } as const;
const TASK_SOURCE_NAMES = ['CALL', 'IRET', 'JMP', 'task gate in IDT'];

export function encodeTaskSwitch(selector: number, source: number): number {
  return (((source & 3) << 30) | (selector & 0xffff)) >>> 0;
}

export function decodeTaskSwitch(q: number): { selector: number; source: number; sourceName: string } {
  const source = (q >>> 30) & 3;
  return { selector: q & 0xffff, source, sourceName: TASK_SOURCE_NAMES[source]! };
}

// ---- EPT violation (reason 48); the guest-physical address travels beside it (gpa) --------
export const EPT_VIOLATION_LAYOUT: QualificationLayout = {
  name: 'EPT violation',
  fields: [
    f(0, 1, 'data read'), f(1, 1, 'data write'), f(2, 1, 'instruction fetch'),
    f(3, 1, 'the guest-physical address was readable'), f(4, 1, '... writable'), f(5, 1, '... executable'),
    f(6, 1, 'user-mode executable'), f(7, 1, 'guest linear-address field valid'),
    f(8, 1, 'access to the translated address (1) or to a paging-structure entry (0)'),
    f(12, 1, 'NMI unblocking due to IRET'),
  ],
};

export interface EptQualification {
  read: boolean; write: boolean; fetch: boolean;
  readable: boolean; writable: boolean; executable: boolean;
  userExecutable: boolean; linearValid: boolean; translated: boolean; nmiUnblocking: boolean;
}

export function encodeEptViolation(read: boolean, write: boolean, fetch: boolean, permissions = 0, linearValid = true, translated = true): number {
  return ((read ? 1 : 0) | (write ? 2 : 0) | (fetch ? 4 : 0) | ((permissions & 7) << 3) |
    (linearValid ? 0x80 : 0) | (linearValid && translated ? 0x100 : 0)) >>> 0;
}

export function decodeEptViolation(q: number): EptQualification {
  return {
    read: (q & 1) !== 0, write: (q & 2) !== 0, fetch: (q & 4) !== 0,
    readable: (q & 8) !== 0, writable: (q & 0x10) !== 0, executable: (q & 0x20) !== 0,
    userExecutable: (q & 0x40) !== 0, linearValid: (q & 0x80) !== 0, translated: (q & 0x100) !== 0,
    nmiUnblocking: (q & 0x1000) !== 0,
  };
}

// ---- APIC access (reason 44) -------------------------------------------------------------
export const APIC_ACCESS_LAYOUT: QualificationLayout = {
  name: 'APIC access',
  fields: [
    f(0, 12, 'offset into the APIC page (linear accesses)'),
    f(12, 4, 'access type (0 linear read, 1 linear write, 2 linear fetch, 3 linear access during event delivery, 10 guest-physical access during event delivery, 15 guest-physical fetch)'),
  ],
};

const APIC_ACCESS_TYPES: Readonly<Record<number, string>> = {
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

// ---- Linear address: INVLPG (14), and a #PF intercepted through the exception bitmap -------
export const LINEAR_ADDRESS_LAYOUT: QualificationLayout = {
  name: 'linear address',
  fields: [f(0, 32, 'the linear address', 'linear')],
};

export function encodeLinearAddress(linear: number): number { return linear >>> 0; }

// ---- Exceptions (reason 0): #PF carries the faulting address, #DB the DR6-like bits --------
export const PAGE_FAULT_LAYOUT = LINEAR_ADDRESS_LAYOUT;
export const DEBUG_EXCEPTION_LAYOUT: QualificationLayout = {
  name: 'debug exception',
  fields: [
    f(0, 4, 'B0-B3: breakpoint condition met'), f(13, 1, 'BD: debug-register access detected'),
    f(14, 1, 'BS: single step'), f(16, 1, 'RTM'),
  ],
};

export function encodeDebugException(bMask: number, bd: boolean, bs: boolean): number {
  return ((bMask & 0xf) | (bd ? 0x2000 : 0) | (bs ? 0x4000 : 0)) >>> 0;
}

export function decodeDebugException(q: number): { breakpoints: number; bd: boolean; bs: boolean } {
  return { breakpoints: q & 0xf, bd: (q & 0x2000) !== 0, bs: (q & 0x4000) !== 0 };
}

/** Exits whose qualification is always zero. */
export const NO_QUALIFICATION: QualificationLayout = { name: 'none', fields: [] };

// ---- VM-exit instruction information (INS/OUTS, INVPCID) -----------------------------------
// Beside the qualification VT-x saves an "instruction-information" field for some exits (SDM
// Vol. 3, "VM-Exit Instruction-Information Field"): which segment and address size the
// instruction used and, for INVPCID-style memory operands, the registers 0-15 of the address.

/** INS/OUTS: address size and (OUTS only) the segment of the source. */
export const IO_INSTR_INFO_LAYOUT: QualificationLayout = {
  name: 'I/O string instruction information',
  fields: [
    f(7, 3, 'address size (0 16-bit, 1 32-bit, 2 64-bit)', undefined, (b) => 16 << b),
    f(15, 3, 'segment register (OUTS: 0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS)'),
  ],
};

/** addressBits 16, 32 or 64; segment in encoding order (ES = 0). */
export function encodeIoInstrInfo(addressBits: number, segment: number): number {
  const size = addressBits === 64 ? 2 : addressBits === 32 ? 1 : 0;
  return ((size << 7) | ((segment & 7) << 15)) >>> 0;
}

export function decodeIoInstrInfo(info: number): { addressBits: 16 | 32 | 64; segment: number } {
  const size = (info >>> 7) & 7;
  return { addressBits: size === 2 ? 64 : size === 1 ? 32 : 16, segment: (info >>> 15) & 7 };
}

/**
 * INVPCID (and the other instructions with a memory operand and a register, INVEPT/INVVPID):
 * scaling, address size, segment, index and base registers (0-15, each with an invalid bit),
 * and the register operand (0-15). The qualification is the displacement.
 */
export const INVPCID_INSTR_INFO_LAYOUT: QualificationLayout = {
  name: 'INVPCID instruction information',
  fields: [
    f(0, 2, 'scaling (0 none, 1 by 2, 2 by 4, 3 by 8)'),
    f(7, 3, 'address size (0 16-bit, 1 32-bit, 2 64-bit)', undefined, (b) => 16 << b),
    f(15, 3, 'segment register (0 ES ... 5 GS)'),
    f(18, 4, 'index register (0 RAX ... 15 R15)'), f(22, 1, 'index register invalid'),
    f(23, 4, 'base register (0 RAX ... 15 R15)'), f(27, 1, 'base register invalid'),
    f(28, 4, 'register operand: the INVPCID type (0 RAX ... 15 R15)'),
  ],
};

export interface InvpcidInstrInfo { scale: number; addressBits: 16 | 32 | 64; segment: number; index: number; base: number; reg: number }

/** index/base -1 when the address has none. */
export function encodeInvpcidInstrInfo(scale: number, addressBits: number, segment: number, index: number, base: number, reg: number): number {
  const size = addressBits === 64 ? 2 : addressBits === 32 ? 1 : 0;
  return ((scale & 3) | (size << 7) | ((segment & 7) << 15) |
    (index < 0 ? 1 << 22 : (index & 0xf) << 18) | (base < 0 ? 1 << 27 : (base & 0xf) << 23) | ((reg & 0xf) << 28)) >>> 0;
}

export function decodeInvpcidInstrInfo(info: number): InvpcidInstrInfo {
  const size = (info >>> 7) & 7;
  return {
    scale: info & 3, addressBits: size === 2 ? 64 : size === 1 ? 32 : 16, segment: (info >>> 15) & 7,
    index: info & (1 << 22) ? -1 : (info >>> 18) & 0xf, base: info & (1 << 27) ? -1 : (info >>> 23) & 0xf, reg: (info >>> 28) & 0xf,
  };
}
