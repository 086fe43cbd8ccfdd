// The PV paths end to end on a guest kernel written for them (guests/events.asm): trap
// bounces and their frames, privileged-instruction policy, forced-emulation CPUID, event
// upcalls from timers and IPIs, SCHEDOP_poll, the console ring, refused page-table updates,
// bad pointers, and a round trip through ring 3. Expected values come from the SDM (page-
// fault error codes) and Xen's public headers (errno values, EVTCHNSTAT_*, frame layout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPvGuest, runPv, signed } from './harness';

const EINVAL = -22, EFAULT = -14, ENOSYS = -38;

test('events guest under the xen policy', () => {
  const elf = buildPvGuest('events');
  const r = runPv(elf, { budget: 50_000_000 });
  const v = r.values;
  assert.deepEqual(r.stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' }, r.out);
  assert.equal(v.get('map_shared_info'), 0);
  // #DE: one bounce; the pushed CS carries the saved upcall mask (1: events start masked) in bits 16-23.
  assert.equal(v.get('de_count'), 1);
  assert.equal(v.get('de_cs'), 0xe019 | (1 << 16));
  // #PF read of a not-present page from ring 1: error code 0, CR2 the address (SDM 4.7).
  assert.equal(v.get('pf_cr2'), 0x10000000);
  assert.equal(v.get('pf_err'), 0);
  // Write to the read-only bootstrap page tables: present + write = 3; CR2 = pt_base + 8.
  assert.equal(v.get('pf2_err'), 3);
  assert.equal((v.get('pf2_cr2_is_pt')! & 0xfff), 8);
  // MOV from CR0 is emulated (PG and PE set), HLT and OUT are not: two #GP bounces.
  assert.equal(v.get('gp_after_cr0'), 0);
  assert.equal((v.get('cr0')! & 0x80000001) >>> 0, 0x80000001);
  assert.equal(v.get('gp_after_hlt'), 1);
  assert.equal(v.get('gp_after_out'), 2);
  // Forced-emulation CPUID: Xen's signature leaf, and the hypervisor bit in leaf 1.
  assert.equal(v.get('cpuid_xen_ebx'), 0x566e6558); // "XenV"
  assert.ok((v.get('cpuid1_ecx')! >>> 31) === 1);
  // VIRQ_TIMER: three periodic upcalls of 1 ms, each entered with events masked.
  assert.equal(v.get('bind_virq'), 0);
  assert.equal(v.get('ticks'), 3);
  assert.equal(v.get('upcalls_masked_in_handler'), 3);
  assert.ok(v.get('elapsed_ns_ge_3ms')! >= 3_000_000 && v.get('elapsed_ns_ge_3ms')! < 3_200_000, String(v.get('elapsed_ns_ge_3ms')));
  assert.equal(v.get('set_timer_op'), 0);
  assert.equal(v.get('ticks_after_oneshot'), 4);
  assert.equal(v.get('bind_ipi'), 0);
  assert.equal(v.get('ipis'), 1);
  // A masked port: pending but no upcall; unmask delivers it (event_channel.h semantics).
  assert.equal(v.get('ipis_while_masked'), 1);
  assert.equal(v.get('unmask'), 0);
  assert.equal(v.get('ipis_after_unmask'), 2);
  // A plain-store unmask is noticed at the hypervisor's next 10 ms tick (about 4 instructions a spin):
  // delivered, and not before a few spins.
  const left = v.get('late_delivery_spins_left')!;
  assert.ok(left > 0 && left < 3_000_000, String(left));
  assert.equal(v.get('alloc_unbound'), 0);
  assert.equal(v.get('unbound_status'), 1); // EVTCHNSTAT_unbound
  assert.equal(v.get('send_unbound'), 0);
  assert.equal(v.get('close'), 0);
  assert.equal(signed(v.get('close_again')), EINVAL);
  assert.equal(signed(v.get('bind_virq_twice')), -17); // EEXIST
  // Poll with nothing arriving returns 0 after the 1 ms timeout.
  assert.equal(v.get('poll'), 0);
  assert.ok(v.get('poll_ns')! >= 1_000_000 && v.get('poll_ns')! < 1_100_000, String(v.get('poll_ns')));
  assert.equal(v.get('console_status'), 2); // EVTCHNSTAT_interdomain
  assert.match(r.out, /^through the console ring$/m);
  assert.equal(v.get('ring_out_cons'), 'through the console ring\n'.length);
  assert.equal(signed(v.get('map_pt_writable')), EINVAL);
  assert.equal(signed(v.get('map_foreign')), EINVAL);
  assert.equal(v.get('map_pt_readonly'), 0);
  assert.equal(signed(v.get('console_bad_ptr')), EFAULT);
  assert.equal(signed(v.get('console_unmapped')), EFAULT);
  assert.equal(signed(v.get('unknown_hypercall')), ENOSYS);
  assert.equal(v.get('xen_version')! >>> 16, 4);
  // Ring 3 -> int 0x80 -> ring 1: the frame holds the user CS/SS; the kernel runs at RPL 1.
  assert.equal(v.get('user_cs'), 0xe02b);
  assert.equal(v.get('user_ss'), 0xe033);
  assert.equal(v.get('user_eax'), 0x1234);
  assert.equal(v.get('kernel_cs_now'), 0xe019);

  const st = r.machine.exits;
  assert.equal(st.byReason.PRIV_OP, 3);
  assert.ok(st.byReason.EVENT_UPCALL >= 5);
  assert.equal(st.hypercalls?.unknown, 1);
  assert.ok((st.hypercallErrors?.update_va_mapping ?? 0) >= 2);
  const pv = r.machine.pvState()!;
  assert.ok(pv.trapTable.some((t) => t.vector === 0x80 && t.dpl === 3));
  assert.ok(pv.eventChannels.some((c) => c.kind === 'virq' && c.virq === 0));
});

test('events guest under the strict policy: MOV from CR0 is bounced too', () => {
  const r = runPv(buildPvGuest('events'), { privileged: 'strict' });
  assert.equal(r.stop.kind, 'shutdown', r.out);
  assert.equal(r.values.get('gp_after_cr0'), 1);
  assert.equal(r.values.get('cr0'), 0);
  assert.equal(r.values.get('gp_after_hlt'), 2);
  // The forced-emulation prefix is an interface, not a privileged instruction: still emulated.
  assert.equal(r.values.get('cpuid_xen_ebx'), 0x566e6558);
  assert.equal(r.machine.exits.byReason.PRIV_OP, 2);
});
