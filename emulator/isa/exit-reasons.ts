// Intel's basic VM-exit reasons (SDM Vol. 3, Appendix C "VMX Basic Exit Reasons"): the one
// table the CPU, the hypervisor model, the cost model, the exit filter, the CLI, the debug
// adapter, the extension and the linter name exits through. A row holds the number (bits
// 15:0 of the exit-reason field), our short name (the stable identifier in JSON, the CLI and
// filters: Intel's wording, upper case, shortened), the SDM's title, the qualification's bit
// layout and, where the qualification says more than the name, how it reads for a person.
// Adding an exit reason is a row here and the code in the CPU that raises it.

import {
  APIC_ACCESS_LAYOUT, CR_ACCESS_LAYOUT, DEBUG_EXCEPTION_LAYOUT, DR_ACCESS_LAYOUT, EPT_VIOLATION_LAYOUT, IO_LAYOUT,
  LINEAR_ADDRESS_LAYOUT, NO_QUALIFICATION, TASK_SWITCH_LAYOUT, decodeApicAccess, decodeCrAccess, decodeDebugException,
  decodeEptViolation, decodeIo, decodeMovDr, decodeTaskSwitch, fieldValue, type QualificationLayout,
} from './exit-qualification';

/** What a row's describer and layout read from an exit record (ExitRecord has all of it). */
export interface ExitFacts {
  readonly reason: number;
  readonly qualification: number;
  readonly gpa?: number;
  readonly msr?: number;
  readonly value?: number;
  readonly vector?: number;
  readonly errorCode?: number;
  readonly bytes?: Uint8Array;
  /** High halves of 64-bit fields (a linear address in the qualification, a WRMSR value). */
  readonly qualificationHi?: number;
  readonly valueHi?: number;
  /** The exit came from 64-bit code: registers are named RAX..R15. */
  readonly long64?: boolean;
}

export interface ExitReasonRow<N extends number = number, S extends string = string> {
  readonly reason: N;
  readonly name: S;
  /** The SDM's description, for people. */
  readonly title: string;
  /** The qualification's layout; by vector for exits whose layout depends on it (#PF vs #DB). */
  readonly qualification: QualificationLayout | { readonly byVector: Readonly<Record<number, QualificationLayout>> };
  /** One line a person can read ("OUT dx, al port 0x3f8 size 1"); the name when absent. */
  readonly describe?: (r: ExitFacts) => string;
}

function row<N extends number, S extends string>(reason: N, name: S, title: string,
  qualification: ExitReasonRow['qualification'] = NO_QUALIFICATION, describe?: (r: ExitFacts) => string): ExitReasonRow<N, S> {
  return { reason, name, title, qualification, ...(describe ? { describe } : {}) };
}

const hex = (n: number): string => '0x' + (n >>> 0).toString(16);
/** A 64-bit value from its halves, in full when the high half is set ("0xffffffff80001000"). */
const hex64 = (lo: number, hi: number | undefined): string =>
  hi ? '0x' + (hi >>> 0).toString(16) + (lo >>> 0).toString(16).padStart(8, '0') : hex(lo);
const GPR32 = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI', 'R8D', 'R9D', 'R10D', 'R11D', 'R12D', 'R13D', 'R14D', 'R15D'];
const GPR64 = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];
/** MOV CR/DR move 64 bits in 64-bit mode and 32 elsewhere: the register's name for that width. */
const gprName = (r: ExitFacts, n: number): string => (r.long64 ? GPR64 : GPR32)[n] ?? `r${n}`;
const EXCEPTION_MNEMONICS = ['#DE', '#DB', 'NMI', '#BP', '#OF', '#BR', '#UD', '#NM', '#DF', 'CSO', '#TS', '#NP', '#SS', '#GP', '#PF', '#15', '#MF', '#AC', '#MC', '#XM', '#VE', '#CP'];
const ACC_FOR_SIZE: Readonly<Record<number, string>> = { 1: 'al', 2: 'ax', 4: 'eax' };
const PREFIXES = new Set([0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65]);

function describeIo(r: ExitFacts): string {
  const io = decodeIo(r.qualification);
  const port = io.immediate ? hex(io.port) : 'dx';
  const suffix = io.size === 1 ? 'B' : io.size === 2 ? 'W' : 'D';
  let text = io.string ? `${io.rep ? 'REP ' : ''}${io.in ? 'INS' : 'OUTS'}${suffix}`
    : io.in ? `IN ${ACC_FOR_SIZE[io.size]}, ${port}` : `OUT ${port}, ${ACC_FOR_SIZE[io.size]}`;
  text += ` port ${hex(io.port)} size ${io.size}`;
  if (r.value !== undefined && !io.string) text += ` value ${hex(r.value)}`;
  return text;
}

function describeCr(r: ExitFacts): string {
  const c = decodeCrAccess(r.qualification);
  switch (c.accessType) {
    case 0: return `MOV to CR${c.cr} from ${gprName(r, c.gpr)}${r.value !== undefined ? ` value ${hex64(r.value, r.valueHi)}` : ''}`;
    case 1: return `MOV from CR${c.cr} to ${gprName(r, c.gpr)}`;
    case 2: return 'CLTS';
    default: return `LMSW ${hex(c.lmswData)} (${c.lmswMemory ? 'memory' : 'register'} operand)`;
  }
}

function describeException(r: ExitFacts): string {
  const v = r.vector;
  if (v === undefined) return 'exception or NMI';
  let text = `${EXCEPTION_MNEMONICS[v] ?? `vector ${v}`} (vector ${v})`;
  if (r.errorCode !== undefined) text += ` error code ${hex(r.errorCode)}`;
  if (v === 14) text += ` at linear ${hex64(r.qualification, r.qualificationHi)}`;
  if (v === 1) {
    const d = decodeDebugException(r.qualification);
    text += d.bs ? ' single step' : d.bd ? ' debug-register access' : d.breakpoints ? ` B${hex(d.breakpoints)}` : '';
  }
  return text;
}

/** Which descriptor-table instruction caused a 46/47 exit, read from its bytes (0F 01 /r, 0F 00 /r). */
function describeDescriptorTable(gdtrIdtr: boolean): (r: ExitFacts) => string {
  return (r) => {
    const b = r.bytes;
    if (b) {
      let i = 0;
      while (i < b.length && PREFIXES.has(b[i]!)) i++;
      if (b[i] === 0x0f && b[i + 2] !== undefined) {
        const reg = (b[i + 2]! >>> 3) & 7;
        if (b[i + 1] === 0x01 && gdtrIdtr) return ['SGDT', 'SIDT', 'LGDT', 'LIDT'][reg] ?? 'GDTR/IDTR access';
        if (b[i + 1] === 0x00 && !gdtrIdtr) return ['SLDT', 'STR', 'LLDT', 'LTR'][reg] ?? 'LDTR/TR access';
      }
    }
    return gdtrIdtr ? 'GDTR/IDTR access' : 'LDTR/TR access';
  };
}

/** Exception exits: a #PF's qualification is the linear address, a #DB's the DR6-like bits, others none. */
const EXCEPTION_LAYOUTS = { byVector: { 1: DEBUG_EXCEPTION_LAYOUT, 14: LINEAR_ADDRESS_LAYOUT } };

const ROWS = [
  row(0, 'EXCEPTION_NMI', 'Exception or non-maskable interrupt (NMI)', EXCEPTION_LAYOUTS, describeException),
  row(1, 'EXTERNAL_INTERRUPT', 'External interrupt', NO_QUALIFICATION,
    (r) => (r.vector !== undefined ? `external interrupt vector ${hex(r.vector)}` : 'external interrupt')),
  row(2, 'TRIPLE_FAULT', 'Triple fault'),
  row(3, 'INIT', 'INIT signal'),
  row(4, 'SIPI', 'Start-up IPI (SIPI)'),
  row(5, 'IO_SMI', 'I/O system-management interrupt (SMI)'),
  row(6, 'OTHER_SMI', 'Other SMI'),
  row(7, 'INTERRUPT_WINDOW', 'Interrupt window'),
  row(8, 'NMI_WINDOW', 'NMI window'),
  row(9, 'TASK_SWITCH', 'Task switch', TASK_SWITCH_LAYOUT, (r) => {
    const t = decodeTaskSwitch(r.qualification);
    return `task switch to TSS selector ${hex(t.selector)} by ${t.sourceName}`;
  }),
  row(10, 'CPUID', 'CPUID', NO_QUALIFICATION, (r) => (r.value !== undefined ? `CPUID leaf ${hex(r.value)}` : 'CPUID')),
  row(11, 'GETSEC', 'GETSEC'),
  row(12, 'HLT', 'HLT'),
  row(13, 'INVD', 'INVD'),
  row(14, 'INVLPG', 'INVLPG', LINEAR_ADDRESS_LAYOUT, (r) => `INVLPG ${hex64(r.qualification, r.qualificationHi)}`),
  row(15, 'RDPMC', 'RDPMC'),
  row(16, 'RDTSC', 'RDTSC'),
  row(17, 'RSM', 'RSM'),
  row(18, 'VMCALL', 'VMCALL', NO_QUALIFICATION, (r) => (r.value !== undefined ? `VMCALL nr ${r.value}` : 'VMCALL')),
  row(19, 'VMCLEAR', 'VMCLEAR'),
  row(20, 'VMLAUNCH', 'VMLAUNCH'),
  row(21, 'VMPTRLD', 'VMPTRLD'),
  row(22, 'VMPTRST', 'VMPTRST'),
  row(23, 'VMREAD', 'VMREAD'),
  row(24, 'VMRESUME', 'VMRESUME'),
  row(25, 'VMWRITE', 'VMWRITE'),
  row(26, 'VMXOFF', 'VMXOFF'),
  row(27, 'VMXON', 'VMXON'),
  row(28, 'CR_ACCESS', 'Control-register accesses', CR_ACCESS_LAYOUT, describeCr),
  row(29, 'DR_ACCESS', 'MOV DR', DR_ACCESS_LAYOUT, (r) => {
    const d = decodeMovDr(r.qualification);
    return d.fromDr ? `MOV from DR${d.dr} to ${gprName(r, d.gpr)}` : `MOV to DR${d.dr} from ${gprName(r, d.gpr)}`;
  }),
  row(30, 'IO_INSTRUCTION', 'I/O instruction', IO_LAYOUT, describeIo),
  row(31, 'RDMSR', 'RDMSR', NO_QUALIFICATION, (r) => (r.msr !== undefined ? `RDMSR ${hex(r.msr)}` : 'RDMSR')),
  row(32, 'WRMSR', 'WRMSR', NO_QUALIFICATION,
    (r) => (r.msr !== undefined ? `WRMSR ${hex(r.msr)}${r.value !== undefined ? ` value ${hex64(r.value, r.valueHi)}` : ''}` : 'WRMSR')),
  row(33, 'ENTRY_FAILURE_GUEST_STATE', 'VM-entry failure due to invalid guest state'),
  row(34, 'ENTRY_FAILURE_MSR_LOADING', 'VM-entry failure due to MSR loading'),
  row(36, 'MWAIT', 'MWAIT'),
  row(37, 'MONITOR_TRAP_FLAG', 'Monitor trap flag'),
  row(39, 'MONITOR', 'MONITOR'),
  row(40, 'PAUSE', 'PAUSE'),
  row(41, 'ENTRY_FAILURE_MACHINE_CHECK', 'VM-entry failure due to machine-check event'),
  row(43, 'TPR_BELOW_THRESHOLD', 'TPR below threshold'),
  row(44, 'APIC_ACCESS', 'APIC access', APIC_ACCESS_LAYOUT, (r) => {
    const a = decodeApicAccess(r.qualification);
    return `APIC access: ${a.typeName} at offset ${hex(a.offset)}`;
  }),
  row(45, 'VIRTUALIZED_EOI', 'Virtualized EOI'),
  row(46, 'GDTR_IDTR_ACCESS', 'Access to GDTR or IDTR', NO_QUALIFICATION, describeDescriptorTable(true)),
  row(47, 'LDTR_TR_ACCESS', 'Access to LDTR or TR', NO_QUALIFICATION, describeDescriptorTable(false)),
  row(48, 'EPT_VIOLATION', 'EPT violation', EPT_VIOLATION_LAYOUT, (r) => {
    const e = decodeEptViolation(r.qualification);
    const kind = e.fetch ? 'fetch' : e.write ? 'write' : 'read';
    return `EPT violation: ${kind}${r.gpa !== undefined ? ` at GPA ${hex(r.gpa)}` : ''}` +
      ` (entry ${e.readable ? 'r' : '-'}${e.writable ? 'w' : '-'}${e.executable ? 'x' : '-'})`;
  }),
  row(49, 'EPT_MISCONFIG', 'EPT misconfiguration'),
  row(50, 'INVEPT', 'INVEPT'),
  row(51, 'RDTSCP', 'RDTSCP'),
  row(52, 'VMX_PREEMPTION_TIMER', 'VMX-preemption timer expired'),
  row(53, 'INVVPID', 'INVVPID'),
  row(54, 'WBINVD', 'WBINVD or WBNOINVD'),
  row(55, 'XSETBV', 'XSETBV'),
  row(56, 'APIC_WRITE', 'APIC write'),
  row(57, 'RDRAND', 'RDRAND'),
  row(58, 'INVPCID', 'INVPCID'),
  row(59, 'VMFUNC', 'VMFUNC'),
  row(60, 'ENCLS', 'ENCLS'),
  row(61, 'RDSEED', 'RDSEED'),
  row(62, 'PML_FULL', 'Page-modification log full'),
  row(63, 'XSAVES', 'XSAVES'),
  row(64, 'XRSTORS', 'XRSTORS'),
  row(65, 'PCONFIG', 'PCONFIG'),
  row(66, 'SPP_EVENT', 'SPP-related event'),
  row(67, 'UMWAIT', 'UMWAIT'),
  row(68, 'TPAUSE', 'TPAUSE'),
  row(69, 'LOADIWKEY', 'LOADIWKEY'),
  row(70, 'ENCLV', 'ENCLV'),
  row(72, 'ENQCMD_PASID_FAIL', 'ENQCMD PASID translation failure'),
  row(73, 'ENQCMDS_PASID_FAIL', 'ENQCMDS PASID translation failure'),
  row(74, 'BUS_LOCK', 'Bus lock'),
  row(75, 'INSTRUCTION_TIMEOUT', 'Instruction timeout'),
  row(76, 'SEAMCALL', 'SEAMCALL'),
  row(77, 'TDCALL', 'TDCALL'),
  row(78, 'RDMSRLIST', 'RDMSRLIST'),
  row(79, 'WRMSRLIST', 'WRMSRLIST'),
] as const;

type Row = (typeof ROWS)[number];
export type ExitReasonName = Row['name'];

/** Every row, in reason order. */
export const EXIT_REASONS: readonly ExitReasonRow[] = ROWS;

/** One past the highest reason number in the table; per-reason typed arrays use this length. */
export const EXIT_REASON_LIMIT = ROWS[ROWS.length - 1].reason + 1;

/** Reason numbers by name, so code reads `ExitReason.HLT` (a literal type, 12). */
export const ExitReason = Object.freeze(Object.fromEntries(ROWS.map((r) => [r.name, r.reason]))) as
  { readonly [R in Row as R['name']]: R['reason'] };

const BY_NUMBER: Array<ExitReasonRow | undefined> = new Array(EXIT_REASON_LIMIT).fill(undefined);
const BY_NAME = new Map<string, ExitReasonRow>();
for (const r of ROWS) { BY_NUMBER[r.reason] = r; BY_NAME.set(r.name, r); }

/** Short names by number (the linter's and the instruction table's view). */
export const EXIT_REASON_NAMES: Readonly<Record<number, string>> = Object.freeze(Object.fromEntries(ROWS.map((r) => [r.reason, r.name])));

export function exitReasonInfo(reason: number): ExitReasonRow | undefined {
  return reason >= 0 && reason < EXIT_REASON_LIMIT ? BY_NUMBER[reason] : undefined;
}

/** Short name of a reason number; unknown numbers get 'EXIT_<n>' so nothing is ever lost. */
export function exitReasonName(reason: number): string {
  return exitReasonInfo(reason)?.name ?? `EXIT_${reason}`;
}

/** Reason number of a short name (case-insensitive; 'EXIT_<n>' and plain numbers accepted). */
export function exitReasonNumber(name: string): number | undefined {
  const upper = name.trim().toUpperCase();
  const known = BY_NAME.get(upper);
  if (known !== undefined) return known.reason;
  const m = /^(?:EXIT_)?(\d+)$/.exec(upper);
  return m ? Number(m[1]) : undefined;
}

/** The qualification layout that applies to this record (none for reasons outside the table). */
export function qualificationLayout(r: ExitFacts): QualificationLayout {
  const q = exitReasonInfo(r.reason)?.qualification ?? NO_QUALIFICATION;
  return 'byVector' in q ? (r.vector !== undefined ? q.byVector[r.vector] : undefined) ?? NO_QUALIFICATION : q;
}

/** Names of the qualification fields the filter languages accept, over every layout in the table. */
export const QUALIFICATION_FILTER_NAMES: readonly string[] = (() => {
  const names = new Set<string>();
  for (const r of EXIT_REASONS) {
    const q = r.qualification;
    for (const layout of 'byVector' in q ? Object.values(q.byVector) : [q]) for (const fl of layout.fields) if (fl.filterName) names.add(fl.filterName);
  }
  return [...names];
})();

/** A qualification field by its filter name, or undefined where this record's layout has no such field. */
export function qualificationField(r: ExitFacts, filterName: string): number | undefined {
  for (const fl of qualificationLayout(r).fields) if (fl.filterName === filterName) return fieldValue(r.qualification, fl);
  return undefined;
}

/** One line a person can read for an Intel exit: "OUT dx, al port 0x3f8 size 1", "MOV to CR0 from EAX", ... */
export function describeIntelExit(r: ExitFacts): string {
  const info = exitReasonInfo(r.reason);
  return info?.describe ? info.describe(r) : exitReasonName(r.reason);
}
