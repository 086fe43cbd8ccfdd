// 64-bit guest values that a JS number would round (above 2^53) or whose high half matters,
// through the hypervisor's paths (test/guests/pv64/precision64.asm): the debug registers as
// Xen's set_debugreg/get_debugreg and emulated MOV DRn keep them (access_ok for DR0-DR3,
// DR6/DR7's reserved upper halves: -EPERM and -EINVAL, #GP for the MOV), MOV to CR3 naming
// its frame by all of bits 12-63 (xen_cr3_to_pfn), mmu_update's command in ptr's low 3 bits,
// mmuext_op(SET_LDT)'s unsigned int nr_ents in a 64-bit union,
// vcpu_op's periodic timer limit (STIME_DELTA_MAX = 2^62 - 1), singleshot timer and
// SCHEDOP_poll timeout beyond 2^63, set_timer_op's negative
// timeout (do_set_timer_op: 100 ms) and a non-canonical RIP through iret to the failsafe
// frame. Errnos from Xen's headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPv64Guest, runPv64, type Pv64Run } from './harness';
import { fact } from './xen-facts';

let cached: Pv64Run | null = null;
const run = () => (cached ??= runPv64(buildPv64Guest('precision64'), { budget: 3_000_000 }));
function v(k: string): bigint {
  const r = run(), x = r.values.get(k);
  assert.notEqual(x, undefined, `${k} missing in:\n${r.out}`);
  return x!;
}
const s = (k: string): bigint => BigInt.asIntN(64, v(k));
const hex = (k: string): string => v(k).toString(16);

test('precision64 runs to its end', () => {
  assert.deepEqual(run().stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' }, run().out);
});

test('set_debugreg/get_debugreg keep all 64 bits and apply Xen\'s checks for a 64-bit guest', () => {
  assert.equal(s('set_dr0_user'), 0n);
  assert.equal(hex('get_dr0_user'), '7fff12345678', 'a user address: the high half is not the low half\'s sign');
  assert.equal(s('set_dr1_kernel'), 0n);
  assert.equal(hex('get_dr1_kernel'), 'ffffffff80123458');
  assert.equal(s('set_dr2_xen'), -fact('EPERM'), 'Xen\'s own range is not access_ok');
  assert.equal(s('set_dr2_noncanonical'), -fact('EPERM'));
  assert.equal(s('set_dr2_above_xen'), 0n, 'HYPERVISOR_VIRT_END and above are the guest\'s');
  assert.equal(s('set_dr7_high'), -fact('EINVAL'), 'DR7\'s upper 32 bits are reserved');
  assert.equal(s('set_dr6_high'), -fact('EINVAL'), 'DR6\'s upper 32 bits are reserved');
  assert.equal(v('get_dr7'), 0x400n);
});

test('MOV to/from DRn is emulated for a 64-bit kernel, with 64-bit registers', () => {
  assert.equal(hex('mov_dr3'), '123456789ab8');
  assert.equal(hex('mov_dr2_r10'), 'ffffffff80abcdef');
  assert.equal(hex('mov_dr0'), '7fff12345678', 'what the hypercall wrote, read by MOV');
  assert.equal(v('gp_before_bad_dr'), 0n, 'the good MOVs did not fault');
  assert.equal(v('gp_after_bad_dr'), 2n, 'an address in Xen\'s range and a DR7 with its upper half set are #GP');
  assert.equal(hex('dr1_kept'), 'ffffffff80123458', 'a refused MOV leaves the register as it was');
  assert.equal(v('mov_dr6'), 0xffff0ff0n);
});

test('MOV to CR3 names its frame by all of bits 12-63: a high bit is no frame (#GP), low bits are ignored', () => {
  const gp = v('gp_after_bad_dr');
  assert.equal(v('gp_after_cr3_low'), gp, 'bits 3 and 4 are not part of the frame');
  assert.equal(v('gp_after_cr3_bit52'), gp + 1n, 'bit 52: a frame far beyond the machine\'s');
  assert.equal(v('gp_after_cr3_bit63'), gp + 2n, 'bit 63 (no-flush on PCID hardware) is part of Xen\'s frame number');
  assert.equal(v('cr3_after'), v('cr3'), 'the refused writes left the base pointer alone');
});

test('mmu_update: the command is the low 3 bits of ptr, even above 2^53', () => {
  assert.equal(s('mmu_cmd5_high'), -fact('ENOSYS'));
  assert.equal(s('mmu_cmd5_low'), -fact('ENOSYS'));
});

test('vcpu_op(set_periodic_timer) takes up to 2^62 - 1 ns and refuses 2^62', () => {
  assert.equal(s('periodic_2p62'), -fact('EINVAL'));
  assert.equal(s('periodic_2p62_less1'), 0n);
});

test('set_timer_op with a negative timeout (all ones) fires in 100 ms, as Xen\'s guard for wrapped timeouts does', () => {
  assert.equal(s('set_timer_negative'), 0n);
  const t = run().machine.pvState!()!.timers;
  assert.notEqual(t.singleshotNs, null, 'the timer is armed');
  const ahead = t.singleshotNs! - t.systemTimeNs;
  assert.ok(ahead > 99_000_000 && ahead <= 100_000_000, `armed ${ahead} ns ahead`);
});

test('an iret hypercall to a non-canonical RIP reaches the failsafe callback with that RIP whole', () => {
  assert.equal(s('cb_failsafe'), 0n);
  assert.equal(hex('failsafe_frame_rip'), '8000000000000123');
  assert.equal(run().machine.exits.byReason.FAILSAFE_CALLBACK, 1);
});

test('vcpu_op(set_singleshot_timer) at 2^63 + 1 ns fires at once, as Xen\'s signed timer takes it', () => {
  assert.equal(s('bind_virq'), 0n);
  assert.equal(s('singleshot_2p63'), 0n, 'not -ETIME: compared unsigned, it is not in the past');
  assert.equal(v('timer_pending'), 1n, `VIRQ_TIMER's port ${v('timer_port')} is pending`);
});

test('SCHEDOP_poll reads the x86_64 struct sched_poll; a timeout with bit 63 set has passed; ports up to 4096', () => {
  assert.equal(s('poll_past'), 0n);
  assert.ok(v('poll_past_ns') < 1_000_000n, `slept ${v('poll_past_ns')} ns: the timeout was already gone`);
  assert.equal(s('poll_port_2000'), 0n, 'port 2000 exists for a 64-bit guest (2-level: 4096 ports)');
});

test('mmuext_op(SET_LDT) takes nr_ents from the low half of arg2 and checks the address as __addr_ok', () => {
  assert.equal(s('set_ldt_high_garbage'), 0n, 'nr_ents 1: the union\'s high half is not part of it');
  assert.equal(s('set_ldt_xen_range'), -fact('EINVAL'));
  assert.equal(s('set_ldt_none'), 0n, 'no entries: the address is not looked at');
});
