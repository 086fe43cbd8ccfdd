// The memory and miscellaneous hypercalls on a guest written for them (guests/memory.asm),
// and the ways a domain ends: clean shutdown, iret to ring 0, an exception with no handler,
// and the failsafe callback. Errno values are Xen's (EINVAL 22, EFAULT 14, ENOSYS 38,
// ENOENT 2, EPERM 1, EACCES 13); structure layouts are those of Xen's public headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPvGuest, runPv, signed } from './harness';

const EINVAL = -22, EFAULT = -14, ENOSYS = -38, ENOENT = -2, EPERM = -1, EACCES = -13;
const MIB = 16;

test('memory, descriptor and miscellaneous hypercalls', () => {
  const r = runPv(buildPvGuest('memory', ['MODE=0']), { memoryMiB: MIB });
  const v = (k: string) => { const x = r.values.get(k); assert.notEqual(x, undefined, `${k} missing:\n${r.out}`); return x!; };
  assert.equal(r.stop.kind, 'shutdown', r.out);
  // mmu_update refusals: a page table mapped writable, a frame beyond the domain, the hypervisor's L2 slot.
  assert.equal(signed(v('mmu_pt_writable')), EINVAL);
  assert.equal(signed(v('mmu_foreign')), EINVAL);
  assert.equal(signed(v('mmu_hv_slot')), EINVAL);
  assert.equal(signed(v('mmu_bad_ptr')), EFAULT);
  // A new L1 and L2 pinned, hooked in and used.
  for (const k of ['clear_page', 'pin_l1', 'pin_l2', 'hook_l1', 'hook_l2', 'map_new', 'unpin_l1', 'unhook_l1', 'map_freed_l1_rw', 'tlb_flush', 'invlpg', 'new_baseptr']) assert.equal(v(k), 0, k);
  assert.equal(v('new_page_reads'), 0xfeedbeef);
  assert.equal(signed(v('pin_l1_again')), EINVAL);
  assert.equal(signed(v('map_pinned_l1_rw')), EINVAL);
  assert.equal(signed(v('map_l1_still_rw')), EINVAL);  // still referenced by the L2
  assert.equal(signed(v('pin_l4')), EINVAL);
  assert.equal(signed(v('flush_cache')), EACCES);
  assert.equal(signed(v('mmuext_unknown')), ENOSYS);
  assert.equal(signed(v('new_baseptr_bad')), EINVAL);
  // Descriptors: DPL 0 raised to 1, accessed bit set, the selector loads; call gates refused.
  assert.equal(v('set_gdt'), 0);
  assert.equal(v('update_descriptor'), 0);
  assert.equal(v('stored_access_byte'), 0x80 | (1 << 5) | 0x10 | 0x2 | 0x1);
  assert.equal(v('fs_load_works'), v('current_reservation')); // [fs:nr_pages] read through the new selector
  assert.equal(signed(v('update_callgate')), EINVAL);
  // multicall: each entry's result in its own slot.
  assert.equal(v('multicall'), 0);
  assert.equal(v('mc0') >>> 16, 4);
  assert.equal(signed(v('mc1')), ENOSYS);
  assert.equal(signed(v('mc2')), EFAULT);
  // memory_op: the reservation equals the one RAM range of the memory map.
  assert.equal(v('current_reservation'), v('maximum_reservation'));
  assert.equal(v('e820_entries'), 1);
  assert.equal(v('e820_size'), v('current_reservation') * 4096);
  assert.equal(v('e820_type'), 1);
  assert.equal(v('maximum_ram_page'), (MIB << 20) / 4096 - 1);
  assert.equal(signed(v('memory_op_unknown')), ENOSYS);
  // Grant tables: query, set up one frame, map it.
  assert.equal(v('gnt_query'), 0);
  assert.ok(v('gnt_max') >= 1);
  assert.equal(v('gnt_setup'), 0);
  assert.equal(v('gnt_setup_status'), 0);
  assert.equal(v('map_grant_frame'), 0);
  // vm_assist and the feature bits it turns on (XENFEAT_pae_pgdir_above_4gb 4, mmu_pt_update_preserve_ad 5).
  assert.equal(v('vm_assist'), 0);
  assert.equal(signed(v('vm_assist_bad')), EINVAL);
  assert.equal(v('features') & 0x30, 0x30);
  assert.equal(v('callback_register'), 0);
  assert.equal(signed(v('callback_unregister_event')), EINVAL);
  assert.equal(signed(v('callback_bad_type')), EINVAL);
  // IOPL: without it CLI is a #GP bounce; with set_iopl(1) Xen emulates CLI and IN (all ones, no port granted).
  assert.equal(v('cli_gp'), 1);
  assert.equal(v('set_iopl'), 0);
  assert.equal(v('cli_masks'), 1);
  assert.equal(v('cli_gp_after_iopl'), 1);
  assert.equal(v('in_all_ones'), 0xff);
  assert.equal(signed(v('physdev_unknown')), ENOSYS);
  // vcpu_op.
  assert.equal(v('is_up'), 1);
  assert.equal(signed(v('is_up_vcpu1')), ENOENT);
  assert.equal(v('register_vcpu_info'), 0);
  assert.equal(v('new_vcpu_info_pending'), 1);
  assert.equal(v('new_vcpu_info_time'), 1);
  // xen_version strings and parameters.
  assert.equal(v('extraversion'), 0);
  assert.equal(v('extraversion_text'), 0x702d302e); // ".0-p"
  assert.equal(v('capabilities_text'), 0x2d6e6578); // "xen-"
  assert.equal(v('virt_start'), 0xf5800000);
  assert.equal(v('yield'), 0);
  assert.equal(v('shutdown_code'), 0);
  assert.equal(v('fpu_ts_set'), 0);
  assert.equal(v('cr0_ts'), 8);
  assert.equal(v('set_dr0'), 0);
  assert.equal(v('get_dr0'), 0x12345678);
  assert.equal(signed(v('set_dr1_hv')), EPERM);
  assert.equal(v('stack_switch'), 0);
  // Long batches: 9000 console bytes and 1500 mmu_update requests are done in slices and complete.
  assert.equal(v('long_console'), 0);
  assert.ok(r.out.includes('x'.repeat(8999) + '\n'));
  assert.equal(v('long_mmu_update'), 0);
  assert.equal(v('long_mmu_done'), 1500);
  assert.equal(v('long_mmu_last'), 1499);
  // Writable page tables: a MOV and a CMPXCHG8B into an L1 are emulated; a store that would map the L1 writable faults.
  assert.equal(v('ptwr_mov_reads'), 0xfeedbeef);
  assert.equal(v('ptwr_cmpxchg8b_zf'), 1);
  assert.equal(v('ptwr_restored_reads'), 0);
  // ... and the read-modify-write forms Linux uses on PTEs: LOCK BTR clears RW (CF = the old
  // bit), a byte LOCK OR sets it again.
  assert.equal(v('ptwr_btr_cf'), 1);
  assert.equal(v('ptwr_btr_flags'), 0x61);
  assert.equal(v('ptwr_or_flags'), 0x63);
  // Xen's ptwr_emulated_update for a 32-bit guest: a 4-byte write of the high half while the low
  // half is present makes the entry not present (the halves come in the wrong order).
  assert.equal(v('ptwr_high_first_p'), 0);
  assert.equal(v('ptwr_rejoined_reads'), 0);
  assert.equal(v('ptwr_refused_pf'), 1);
  // The hypervisor's area: a write faults (present + write), the M2P reads (pfn == mfn here), no mapping into it.
  assert.equal(v('hole_write_pf'), 1);
  assert.equal(v('m2p_7'), 7);
  assert.equal(signed(v('map_into_hole')), EINVAL);
  const hc = r.machine.exits.hypercalls!;
  for (const name of ['mmu_update', 'mmuext_op', 'set_gdt', 'update_descriptor', 'multicall', 'memory_op', 'grant_table_op', 'vm_assist', 'callback_op', 'physdev_op', 'vcpu_op', 'xen_version', 'sched_op', 'fpu_taskswitch', 'set_debugreg', 'get_debugreg', 'stack_switch', 'update_va_mapping']) {
    assert.ok((hc[name] ?? 0) > 0, name);
  }
  const mem = r.machine.pvState()!.memory;
  assert.ok(mem.pageTables.l3 >= 1 && mem.pageTables.pinned >= 2);
});

test('iret to ring 0 crashes the domain', () => {
  const r = runPv(buildPvGuest('memory', ['MODE=1']), { memoryMiB: MIB });
  assert.equal(r.stop.kind, 'domain-crash');
  assert.match((r.stop as { detail: string }).detail, /ring 0/);
  assert.equal(r.machine.exits.byReason.DOMAIN_CRASH, 1);
});

test('an exception with no handler crashes the domain', () => {
  const r = runPv(buildPvGuest('memory', ['MODE=2']), { memoryMiB: MIB });
  assert.equal(r.stop.kind, 'domain-crash');
  assert.match((r.stop as { detail: string }).detail, /exception 6 .*no handler/);
  // A dead domain stays stopped.
  assert.equal(r.machine.run(1000).kind, 'domain-crash');
});

test('a segment that cannot be reloaded on iret goes to the failsafe callback', () => {
  const r = runPv(buildPvGuest('memory', ['MODE=3']), { memoryMiB: MIB });
  assert.equal(r.stop.kind, 'shutdown', r.out);
  assert.equal(r.values.get('failsafe_cs')! & 0xffff, 0xe019);
  assert.equal(r.machine.exits.byReason.FAILSAFE_CALLBACK, 1);
});

test('sched_op shutdown: crash is a domain crash, reboot a reset request', () => {
  const crash = runPv(buildPvGuest('memory', ['MODE=4']), { memoryMiB: MIB });
  assert.equal(crash.stop.kind, 'domain-crash');
  assert.match((crash.stop as { detail: string }).detail, /asked to crash/);
  const reboot = runPv(buildPvGuest('memory', ['MODE=5']), { memoryMiB: MIB });
  assert.deepEqual(reboot.stop, { kind: 'reset', via: 'sched_op shutdown: reboot' });
});

test('blocking with nothing that could wake the vCPU stops the machine as halted, with a PV reason', () => {
  const r = runPv(buildPvGuest('memory', ['MODE=6']), { memoryMiB: MIB, budget: 5_000_000 });
  assert.equal(r.stop.kind, 'halted');
  assert.match((r.stop as { detail: string }).detail, /sched_op block/);
  assert.equal(r.machine.pvState()!.blocked, true);
});
