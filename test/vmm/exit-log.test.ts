import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitLog, BYTES_PER_RECORD } from '../../emulator/trace/exit-log';

function fill(log: ExitLog, n: number, reasonOf: (i: number) => number): void {
  const h = log.intern('uart');
  for (let i = 0; i < n; i++) {
    log.append(reasonOf(i), i * 3, h, 0x1000 + i, 0x08, 0, new Uint8Array([0xee, i & 0xff]), 100 + i, 10, i % 2 ? { value: i } : undefined);
  }
}

test('the ring keeps the newest `capacity` records and counts every exit', () => {
  const log = new ExitLog(4);
  fill(log, 10, (i) => (i < 7 ? 30 : 12));
  assert.equal(log.total, 10);
  assert.equal(log.oldestSeq, 6);
  assert.equal(log.at(5), undefined);
  assert.equal(log.at(10), undefined);
  assert.deepEqual(log.recent(3).map((r) => r.seq), [7, 8, 9]);
  assert.deepEqual(log.recent(100).map((r) => r.seq), [6, 7, 8, 9]);
  assert.deepEqual(log.countsByName(), { IO_INSTRUCTION: 7, HLT: 3 });
  assert.deepEqual(log.cyclesByName(), { IO_INSTRUCTION: 70, HLT: 30 });
  const r = log.at(7)!;
  assert.equal(r.reasonName, 'HLT');
  assert.equal(r.qualification, 21);
  assert.equal(r.eip, 0x1007);
  assert.equal(r.icount, 107);
  assert.equal(r.handler, 'uart');
  assert.deepEqual([...r.bytes], [0xee]); // OUT DX, AL is one byte: the rest of the window is dropped
  assert.equal(r.value, 7);
  assert.equal(log.at(6)!.value, undefined);
});

test('page() starts at a sequence number, skips overwritten records and applies the filter', () => {
  const log = new ExitLog(8);
  fill(log, 20, (i) => (i % 3 === 0 ? 10 : 30));
  assert.deepEqual(log.page(0, 3).map((r) => r.seq), [12, 13, 14]);
  assert.deepEqual(log.page(14, 100, (r) => r.reason === 10).map((r) => r.seq), [15, 18]);
  assert.deepEqual(log.page(25, 5), []);
});

test('the CPU\'s byte window is cut to the instruction, by the code size in effect; extra fields round-trip', () => {
  const log = new ExitLog(4);
  const h = log.intern('vga');
  // 66 B8: MOV with an operand-size prefix. In 32-bit code the immediate is 16 bits (4 bytes
  // in all); in 16-bit code the prefix makes it 32 bits (6 bytes).
  const window = new Uint8Array([0x66, 0xb8, 0x34, 0x12, 0x78, 0x56, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90]);
  const s32 = log.append(48, 0x182, h, 0xdead, 0x10, 3, window, 5, 1, { gpa: 0xfee000b0, msr: 0x1b, vector: 14, errorCode: 6 });
  const s16 = log.append(48, 0x182, h, 0xdead, 0x10, 0, window, 6, 1, undefined, true);
  assert.deepEqual([...log.at(s32)!.bytes], [0x66, 0xb8, 0x34, 0x12]);
  assert.deepEqual([...log.at(s16)!.bytes], [0x66, 0xb8, 0x34, 0x12, 0x78, 0x56]);
  // In 64-bit code 48 is REX.W and B8 takes an 8-byte immediate (10 bytes); 32-bit code would
  // stop after one byte (DEC EAX).
  const wide = new Uint8Array([0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 0x90, 0x90, 0x90, 0x90, 0x90]);
  const s64 = log.append(48, 0x182, h, 0xdead, 0x10, 0, wide, 7, 1, undefined, false, 0xffffffff, true);
  assert.deepEqual([...log.at(s64)!.bytes], [...wide.subarray(0, 10)]);
  assert.equal(log.at(s64)!.long64, true);
  const r = log.at(s32)!;
  assert.equal(r.gpa, 0xfee000b0);
  assert.equal(r.msr, 0x1b);
  assert.equal(r.vector, 14);
  assert.equal(r.errorCode, 6);
  assert.equal(r.cpl, 3);
  assert.equal(log.at(s16)!.gpa, undefined);
  // bytes that do not decode are kept as given, at most 16
  const junk = new Uint8Array(20).fill(0xff);
  const sj = log.append(0, 0, h, 0, 8, 0, junk, 7, 1, undefined);
  assert.ok(log.at(sj)!.bytes.length <= BYTES_PER_RECORD);
});

test('clear() empties counters and log; bad capacities are refused', () => {
  const log = new ExitLog(4);
  fill(log, 5, () => 30);
  log.clear();
  assert.equal(log.total, 0);
  assert.deepEqual(log.countsByName(), {});
  assert.deepEqual(log.recent(4), []);
  assert.throws(() => new ExitLog(0), RangeError);
  assert.throws(() => new ExitLog(1.5), RangeError);
});

test('restore() rewinds counters and hides exits from the abandoned future; overwritten slots read as missing', () => {
  const log = new ExitLog(4);
  fill(log, 3, () => 30);
  const snap = log.snapshot();
  fill(log, 3, () => 10);                 // seqs 3,4,5: 4 and 5 overwrite slots of seqs 0 and 1
  log.restore(snap);
  assert.equal(log.total, 3);
  assert.deepEqual(log.countsByName(), { IO_INSTRUCTION: 3 });
  assert.equal(log.at(3), undefined);
  assert.equal(log.at(0), undefined);     // its slot now holds seq 4
  assert.equal(log.at(2)!.reason, 30);
  assert.deepEqual(log.recent(4).map((r) => r.seq), [2]);
  fill(log, 1, () => 12);                 // re-execution continues from seq 3
  assert.equal(log.at(3)!.reasonName, 'HLT');
});
