// A bounce into a 64-bit PV kernel and the iret hypercall back keep every register whole
// (test/guests/pv64/regs64.asm, built from source): a timer upcall taken between two
// instructions and an int3 through the trap table, with all fifteen GPRs holding 64-bit
// values a double cannot hold and every arithmetic flag and DF set. RCX and R11 travel in
// Xen's frame; losing their low bits is what broke Linux's multi-precision arithmetic
// (rsa-generic and dh-generic self-tests) under PV while HVM was fine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPv64Guest, runPv64, type Pv64Run } from './harness';

const M64 = (1n << 64n) - 1n;
/** What regs64.asm loads into register n (its PATTERN macro). */
const pattern = (n: number): bigint => (0xfedcba9876543201n + BigInt(n) * 0x0011001100110011n) & M64;
/** CF PF AF ZF SF DF OF, as the kernel sets them before each bounce. */
const ARITH_DF = 0xcd5n;

let cached: Pv64Run | null = null;
function regs(): Pv64Run {
  cached ??= runPv64(buildPv64Guest('regs64'), { budget: 5_000_000 });
  return cached;
}
function v(r: Pv64Run, k: string): bigint {
  const x = r.values.get(k);
  assert.notEqual(x, undefined, `${k} missing in:\n${r.out}`);
  return x!;
}

function assertWhole(r: Pv64Run, prefix: string): void {
  for (let n = 0; n < 16; n++) {
    if (n === 4) continue;
    assert.equal(v(r, `${prefix}_r${n}`).toString(16), pattern(n).toString(16), `${prefix}: register ${n}`);
  }
  assert.equal((v(r, `${prefix}_rflags`) & ARITH_DF).toString(16), ARITH_DF.toString(16), `${prefix}: RFLAGS`);
}

test('regs64 runs to its end and powers off', () => {
  const r = regs();
  assert.deepEqual(r.stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' }, r.out);
  for (const k of ['set_trap_table', 'cb_event', 'map_shared_info', 'bind_virq', 'set_timer_op']) assert.equal(v(r, k), 0n, k);
});

test('a timer upcall between two instructions keeps every GPR (RCX and R11 through the frame) and RFLAGS', () => {
  const r = regs();
  assert.equal(v(r, 'upcalls'), 1n);
  assert.ok(r.machine.exits.byReason.EVENT_UPCALL >= 1, 'the upcall was a bounce by the hypervisor');
  assertWhole(r, 'upcall');
});

test('an int3 through the trap table keeps every GPR (RCX and R11 through the frame) and RFLAGS', () => {
  const r = regs();
  assert.equal(v(r, 'int3s'), 1n);
  assertWhole(r, 'int3');
});
