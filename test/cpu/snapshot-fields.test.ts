// Machine.snapshot/restore must carry every field of the CPU that is state. A 64-bit guest
// runs (long mode active, 64-bit code); then every field the CPU instance has
// is sorted into one of two lists: state, which is scrambled after the snapshot and must be
// back exactly after the restore, or scratch/caches, which need not survive (they are named
// here with why). A field added to the CPU later is in neither list and fails the first test
// until someone decides which it is, so a new register cannot silently escape snapshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLong } from './long-prelude';

/** Architectural and machine state (and what restore derives from it, which must match too). */
const STATE = [
  'regs', 'r16', 'r8', 'regsHi', 'eip', 'ripHi', 'ripHiValue', 'flags', 'ccOp', 'ccA', 'ccB', 'ccRes', 'ccBits', 'ccCF',
  'cr0', 'cr2', 'cr3', 'cr4', 'a20Mask', 'pdpte', 'nxe', 'efer', 'lma', 'long64', 'tprShadow',
  'segSel', 'segBase', 'segBaseHi', 'segLimit', 'segAttr', 'segChkR', 'segChkW', 'segLimR', 'segLimW', 'flatData', 'cpl', 'cs32', 'ss32', 'csBase',
  'gdtBase', 'gdtLimit', 'idtBase', 'idtLimit', 'ldtSel', 'ldtBase', 'ldtLimit', 'ldtAttr', 'trSel', 'trBase', 'trLimit', 'trAttr',
  'gdtBaseHi', 'idtBaseHi', 'ldtBaseHi', 'trBaseHi', 'dr', 'drData', 'drExecOn', 'msrs', 'icount', 'fpu', 'sse',
  'halted', 'irqPoll', 'shadow', 'ssShadow', 'nmiBlocked', 'vnmiPending', 'nmiWindowArmed', 'idleTicks', 'tscOffset',
];

/** Need not survive a restore: scratch of one instruction, caches rebuilt on demand, and the host's side. */
const NOT_STATE = [
  // Scratch written and read within one instruction (decode, operands, descriptors, page walks).
  'walkNx', 'walkUser', 'walkGlobal', 'walkErr', 'excVector', 'excCode', 'pfCode', 'accLin', 'accSize', 'drHits', 'rdHi',
  'ripHiUndo', 'ripHiAt', 'spHi', 'implicitAccess', 'softException', 'ext', 'dLo', 'dHi', 'dLo2', 'dHi2', 'tssSS', 'tssESP',
  'ssLo', 'ssHi', 'tssRspLo', 'tssRspHi', 'slotHi', 'o32', 'a32', 'segOvr', 'rep', 'lock', 'mod', 'reg', 'rm', 'eaSeg', 'eaOff',
  'prefixCount', 'rex', 'rexR', 'rexX', 'rexB', 'o64', 'a64', 'eaOffHi', 'r8i', 'opcode', 'opHi', 'mulHi', 'mulLo', 'instrEip',
  'prefixed', 'longBuf', 'prefixTable', 'oneByte', 'twoByte', 'ctx',
  // The high halves of a 64-bit operation's lazy flags: meaningful only while ccOp is one of the
  // 64-bit codes, and saved then (reset.ts), so a 32-bit guest's snapshots keep their size.
  'ccAHi', 'ccBHi', 'ccRLo', 'ccRHi',
  // Caches: TLBs, the fetch page, compiled code (flushed or checked by restore).
  'tlbRS', 'tlbWS', 'tlbRU', 'tlbWU', 'tlbR', 'tlbW', 'tlbList', 'tlbCount', 'farTlb', 'pcidTlb',
  'noTlb', 'drTlb', 'codePage', 'fetchPage', 'fetchBase', 'blocks', 'blockThreshold',
  // The run loop's own flags between run() calls (each run() sets them again).
  'attn', 'careful', 'cold', 'skipLookup', 'limit', 'stopCode', 'deadlineDirty', 'pauseRequested', 'requestPending', 'pendingRequest', 'filterHit', 'tripleFault',
  'watchHit', 'intercept', 'syscallHook',
  // The debugger's (breakpoints are the session's, not the guest's) and the wiring to the rest of the machine.
  'breakpoints', 'bpPages', 'bpLow', 'bpSkip', 'hasBp', 'onWatch', 'mem', 'u8', 'i32', 'u16', 'ramBytes', 'platform', 'sink', 'controls',
  'portOwners', 'msrReserved', 'coverage',
];

/** The prelude's 64-bit code then a loop (the fields' values at the snapshot are set below). */
const BODY = `
spin:
  pause
  jmp spin
`;

/** A comparable rendering of a field's value (typed arrays, arrays, maps and the FPU/SSE objects). */
function render(v: unknown, depth = 0): string {
  if (v === null || typeof v !== 'object') return `${typeof v}:${String(v)}`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}[${Array.from(v as unknown as ArrayLike<number>).join(',')}]`;
  if (Array.isArray(v)) return `[${v.map((x) => render(x, depth + 1)).join(',')}]`;
  if (v instanceof Map) return `Map{${[...v.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).map(([k, x]) => `${k}=${render(x, depth + 1)}`).join(',')}}`;
  // The FPU and SSE units: their data fields (not the objects they point back to).
  if (depth > 0) return '{...}';
  return `{${Object.keys(v).sort().filter((k) => typeof (v as Record<string, unknown>)[k] !== 'function')
    .map((k) => `${k}:${render((v as Record<string, unknown>)[k], depth + 1)}`).join(',')}}`;
}

/** Changes every number, boolean, array element and map entry inside `v` (in place where it can). */
function scramble(owner: Record<string, unknown>, key: string, depth = 0): void {
  const v = owner[key];
  if (typeof v === 'number') { owner[key] = (v ^ 0x5a5) + 3; return; }
  if (typeof v === 'bigint') { owner[key] = v ^ 0x5a5n; return; }
  if (typeof v === 'boolean') { owner[key] = !v; return; }
  if (v === null || typeof v !== 'object' || depth > 1) return;
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) { for (let i = 0; i < v.length; i++) v[i] = v[i]! ^ 0x5an; return; }
  if (ArrayBuffer.isView(v)) { const a = v as unknown as { length: number; [i: number]: number }; for (let i = 0; i < a.length; i++) a[i] = (a[i]! ^ 0x5a) + 1; return; }
  if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) { if (typeof v[i] === 'number') v[i] = (v[i] ^ 0x5a5) + 3; else scramble(v as unknown as Record<string, unknown>, String(i), depth + 1); } return; }
  if (v instanceof Map) { for (const k of [...v.keys()]) v.set(k, [0x5a5, 0x5a5]); v.set(0x4b564d00, [1, 2]); return; }
  // Inside the FPU and SSE units: their own data fields (a read-only view of another object is left alone).
  if (depth > 0) return;
  for (const k of Object.keys(v)) if (Object.getOwnPropertyDescriptor(v, k)?.writable) scramble(v as Record<string, unknown>, k, depth + 1);
}

test('every field of the CPU is either snapshot state or named as scratch, cache or host wiring', () => {
  const { m } = runLong(BODY, '', 400_000);
  const cpu = m.cpu as unknown as Record<string, unknown>;
  const known = new Set([...STATE, ...NOT_STATE]);
  const unknown = Object.keys(cpu).filter((k) => !known.has(k));
  assert.deepEqual(unknown, [], 'new CPU fields: add each to STATE (and to saveCpu/loadCpu) or to NOT_STATE with why');
  for (const k of STATE) assert.ok(k in cpu, `${k} is listed as state but the CPU has no such field`);
});

test('restoring a snapshot taken in 64-bit mode puts back every field of CPU state, whatever happened since', () => {
  const { m } = runLong(BODY, '', 400_000);
  const cpu = m.cpu as unknown as Record<string, unknown>;
  assert.equal(cpu.lma, true, 'long mode is active at the snapshot');
  assert.equal(cpu.long64, true, 'the guest runs 64-bit code at the snapshot');
  // Make the fields a plain 32-bit run would leave at zero or false show up at the snapshot.
  cpu.ssShadow = true; cpu.shadow = true; cpu.tprShadow = 0x70; cpu.nmiBlocked = true; cpu.ripHi = 0;
  m.cpu.regsHi.set([0x12345678, 0, 0, 0, 0, 0, 0, 0, 0, 0x9abcdef0, 0, 0, 0, 0, 0, 0x7f]);
  const snap = m.snapshot();
  const expected = Object.fromEntries(STATE.map((k) => [k, render(cpu[k])]));
  for (const k of STATE) scramble(cpu, k);
  const changed = STATE.filter((k) => render(cpu[k]) !== expected[k]);
  assert.ok(changed.length >= STATE.length - 2, `scrambling changed ${changed.length} of ${STATE.length} fields`);
  m.restore(snap);
  const lost = STATE.filter((k) => render(cpu[k]) !== expected[k]);
  assert.deepEqual(lost, [], 'fields a restore did not put back');
});
