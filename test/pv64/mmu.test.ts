// 4-level page tables of a 64-bit PV kernel (test/guests/pv64/mmu64.asm): new tables hooked
// into the running L4 by mmu_update, a PTE stored through the read-only mapping of its L1
// (Xen's writable page tables, the entry adjusted with USER for a ring-3 kernel), a store
// that would map a table writable bounced as a #PF, NX through update_va_mapping's 64-bit
// value, an 8-byte M2P update, unpin and unhook refusals/acceptance with Xen's errno.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPv64Guest, runPv64, signed64, type Pv64Run } from './harness';
import { fact } from './xen-facts';

let cached: Pv64Run | null = null;
const run = () => (cached ??= runPv64(buildPv64Guest('mmu64'), { budget: 3_000_000 }));
function v(k: string): bigint {
  const x = run().values.get(k);
  assert.notEqual(x, undefined, `${k} missing in:\n${run().out}`);
  return x!;
}

test('mmu64 runs to its end', () => {
  assert.deepEqual(run().stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' }, run().out);
});

test('new L3/L2/L1 tables validate as they are hooked in by mmu_update', () => {
  for (const k of ['make_ro', 'hook_l3', 'hook_l2', 'hook_l1']) assert.equal(v(k), 0n, k);
});

test('a PTE written by a plain store through the L1\'s read-only mapping is emulated, USER added', () => {
  assert.equal(v('low_read'), 0x0123456789abcdefn, 'the new mapping reaches the page');
  assert.equal(v('pf_after_ptwr'), 0n, 'no #PF reached the guest');
  assert.equal(v('pte_after_store') & ~0xfffn, v('data_mfn_addr'));
  assert.equal(v('pte_after_store') & 0x7n, 0x7n, 'present, writable, and USER added (adjust_guest_l1e)');
  assert.ok((run().machine.exits.byReason.PRIV_OP ?? 0) >= 1, 'the store is an emulated ptwr');
});

test('read-modify-write forms on an entry (lock and, lock btr) are emulated with their flags', () => {
  assert.equal(v('pte_after_and'), v('pte_after_store') & ~2n, 'lock andb $0xfd cleared RW');
  assert.equal(v('btr_cf'), 1n, 'BTR\'s CF is the old Accessed bit');
  assert.equal(v('pte_after_btr'), v('pte_after_and') & ~0x20n);
  assert.equal(v('low_read_ro'), 0x0123456789abcdefn, 'the read-only mapping still reads');
});

test('a store that would map a page table writable is refused: the #PF goes to the guest', () => {
  assert.equal(v('pf_after_bad_store'), 1n);
  // The kernel runs in ring 3, but Xen re-sets the U bit from the guest's mode (pv_inject_event):
  // a kernel store reads present, write, supervisor.
  assert.equal(v('pf_bad_store_err'), 3n, 'present, write, kernel mode');
  assert.equal(v('pte1_after_bad_store'), 0n, 'the entry is unchanged');
});

test('NX in the high half of update_va_mapping\'s value: an instruction fetch there faults with I/D', () => {
  assert.equal(v('uvm_nx'), 0n);
  assert.equal(v('pf_after_nx'), 2n);
  assert.equal(v('pf_nx_err'), 0x11n, 'present, instruction fetch, kernel mode (U re-set by Xen as above)');
});

test('MMU_MACHPHYS_UPDATE writes an 8-byte M2P entry; unpin of an unpinned table is -EINVAL; unhooking frees the branch', () => {
  assert.equal(v('machphys_update'), 0n);
  assert.equal(v('m2p_entry'), 0x12345n);
  assert.equal(signed64(v('unpin_unpinned')), -fact('EINVAL'));
  assert.equal(v('unhook'), 0n);
  assert.equal(v('remap_t1_rw'), 0n, 'the L1 is no page table once nothing references it');
});
