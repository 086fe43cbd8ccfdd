// The kinds of record the PV hypervisor writes into the exit log beside Intel's reasons:
// numbered from 256 so that they never collide with a basic exit reason (the table in
// emulator/isa/exit-reasons.ts ends far below), named as reports, JSON and filters show
// them, with what the qualification and handler hold for each. Nothing here has behaviour
// beyond naming and describing a record, so every front end may read it.

interface PvRecordKindRow<N extends number = number, S extends string = string> {
  readonly kind: N;
  readonly name: S;
  /** What the record's qualification field holds. */
  readonly qualification: string;
  /** What the record's handler field holds. */
  readonly handler: string;
}

function kind<N extends number, S extends string>(k: N, name: S, qualification: string, handler: string): PvRecordKindRow<N, S> {
  return { kind: k, name, qualification, handler };
}

const ROWS = [
  kind(256, 'HYPERCALL', 'the hypercall number', 'the hypercall\'s name (unknown:<nr> for a number Xen does not define); value is the result'),
  kind(257, 'TRAP_BOUNCE', 'the vector', 'trap:<vector>'),
  kind(258, 'EVENT_UPCALL', '0', 'event-callback'),
  kind(259, 'PRIV_OP', 'the emulated instruction\'s opcode (0x0F xx as 0x0fxx)', 'emulate:<instruction>'),
  kind(260, 'FAILSAFE_CALLBACK', '0', 'failsafe-callback'),
  kind(261, 'DOMAIN_CRASH', '0 (the hypervisor crashed the domain) or 3 (the guest asked, SCHEDOP_shutdown crash)', 'hypervisor or guest'),
  kind(262, 'SYSCALL_BOUNCE', 'which entry a 64-bit PV guest\'s user mode took to its kernel: 0 SYSCALL (the syscall callback), 2 SYSENTER (the sysenter callback)', 'syscall-callback or sysenter-callback'),
] as const;

type Row = (typeof ROWS)[number];
export type PvRecordKindName = Row['name'];

/** The first PV record kind; every record below it carries an Intel basic exit reason. */
export const PV_RECORD_BASE = ROWS[0].kind;

/** PV record kinds by name: `PvKind.HYPERCALL` is 256. */
export const PvKind = Object.freeze(Object.fromEntries(ROWS.map((r) => [r.name, r.kind]))) as
  { readonly [R in Row as R['name']]: R['kind'] };

export const PV_RECORD_KINDS: ReadonlyArray<PvRecordKindRow> = ROWS;

/** How many kinds there are (per-kind counters are arrays of this length, indexed kind - PV_RECORD_BASE). */
export const PV_RECORD_KIND_COUNT = ROWS.length;

export function isPvRecord(reason: number): boolean { return reason >= PV_RECORD_BASE; }

export function pvKindName(k: number): string { return ROWS[k - PV_RECORD_BASE]?.name ?? `PV_${k}`; }

/** One line a person can read for a PV record. */
export function describePvRecord(r: { reason: number; qualification: number; handler?: string; value?: number; vector?: number; errorCode?: number }): string {
  const name = pvKindName(r.reason);
  if (r.handler === undefined) return name;
  if (r.reason === PvKind.HYPERCALL) return `hypercall ${r.handler} (${r.qualification >>> 0})${r.value !== undefined ? ` = ${r.value | 0}` : ''}`;
  if (r.reason === PvKind.TRAP_BOUNCE) return `trap bounce: vector ${r.vector ?? '?'}${r.errorCode !== undefined ? ` error code 0x${(r.errorCode >>> 0).toString(16)}` : ''}`;
  return `${name} ${r.handler}`;
}
