// The width-dependent services on a 32-bit PV guest (guests/services32.asm, built from
// source): what differs from the 64-bit layouts svc-domu checks. Offsets are those of Xen's
// public headers for x86_32 (uint64_t 4-byte aligned); errno and flag values are Xen's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPvGuest, runPv, signed } from '../pv/harness';

test('32-bit PV: runstate packing, platform parameters, grant frame list and FIFO events', () => {
  const r = runPv(buildPvGuest('services32'), { memoryMiB: 16 });
  const v = (k: string) => { const x = r.values.get(k); assert.notEqual(x, undefined, `${k} missing:\n${r.out}`); return x!; };
  assert.deepEqual(r.stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' }, r.out);
  // vcpu_runstate_info (x86_32): RUNSTATE_running, state_entry_time's high word small (no
  // XEN_RUNSTATE_UPDATE left), time[running] non-zero at 12, time[blocked] 0 at 28, nothing
  // written past the 44 bytes.
  assert.equal(v('runstate_rc'), 0);
  assert.equal(v('runstate_state'), 0);
  assert.equal(v('runstate_entry_hi'), 0);
  assert.ok(v('runstate_running_lo') > 0);
  assert.equal(v('runstate_blocked_lo'), 0);
  assert.equal(v('runstate_after_end'), 0x77777777);
  // HYPERVISOR_VIRT_START of xen-x86_32.h (PAE).
  assert.equal(v('platform_parameters'), 0);
  assert.equal(v('virt_start'), 0xf5800000);
  // setup_table writes one 4-byte xen_pfn_t; the entry after it is untouched.
  assert.equal(v('gnt_setup_status'), 0);
  assert.equal(v('gnt_frame_after'), 0x5a5a5a5a);
  assert.equal(v('gnt_map'), 0);
  // GNTTAB_RESERVED_CONSOLE: GTF_permit_access | GTF_reading | GTF_writing, granted to dom0.
  assert.equal(v('gref0_flags'), 0x19);
  assert.equal(v('gref0_domid'), 0);
  assert.equal(v('gref0_is_console'), 1);
  // FIFO on x86_32: init_control's alignment check, link_bits 17, the IPI queued at the
  // default priority (READY bit 7, HEAD[7]) with PENDING|LINKED, and upcall_pending set.
  assert.equal(signed(v('fifo_init_misaligned')), -22);
  assert.equal(v('fifo_init'), 0);
  assert.equal(v('fifo_link_bits'), 17);
  assert.equal(v('fifo_expand'), 0);
  assert.equal(v('fifo_bind_ipi'), 0);
  assert.equal(v('fifo_ready'), 1 << 7);
  assert.equal(v('fifo_head_is_port'), 1);
  assert.equal(v('fifo_word_flags'), 0xa);
  assert.equal(v('fifo_upcall_pending'), 1);
});
