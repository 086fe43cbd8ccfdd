// The ring-3 kernel and its user space (test/guests/pv64/rings64.asm, built from source):
// user page tables pinned as an L4 and switched in by the iret hypercall, SYSCALL from user
// mode bounced to the syscall callback with Xen's frame, a VGCF_in_syscall return, INT 0x80
// through the trap table, a #PF from user mode with CR2 in vcpu_info, GS bases kept apart
// for the two modes, an event upcall's frame, the failsafe callback, and the errno of every
// refused call, each compared with Xen's headers (gcc -m64 over libxen-dev).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPv64Guest, runPv64, signed64, type Pv64Run } from './harness';
import { fact } from './xen-facts';

let cached: Pv64Run | null = null;
function rings(): Pv64Run {
  cached ??= runPv64(buildPv64Guest('rings64'), { budget: 5_000_000 });
  return cached;
}
function v(r: Pv64Run, k: string): bigint {
  const x = r.values.get(k);
  assert.notEqual(x, undefined, `${k} missing in:\n${r.out}`);
  return x!;
}
const errno = (name: string) => -fact(name);

test('rings64 runs to its end and powers off', () => {
  const r = rings();
  assert.deepEqual(r.stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' }, r.out);
  assert.match(r.out, /rings64 done/);
});

test('refusals carry Xen\'s errno: Xen\'s L4 slot, Xen\'s range, bad callbacks and segment bases, page-type conflicts', () => {
  const r = rings();
  const cases: Array<[string, bigint]> = [
    ['set_trap_table', 0n], ['cb_event', 0n], ['cb_failsafe', 0n], ['cb_syscall', 0n], ['stack_switch', 0n],
    ['cb_bad_type', errno('ENOSYS')],                // register_guest_callback's default
    ['cb_noncanonical', errno('EINVAL')],
    ['cb_unregister_event', errno('EINVAL')],        // the event callback cannot be taken away
    ['mmu_xen_slot', errno('EINVAL')],               // mod_l4_entry: "L4 update in Xen-private area"
    ['uvm_xen_range', errno('EINVAL')],              // do_update_va_mapping: !__addr_ok(va)
    ['console_xen_ptr', errno('EFAULT')],            // copy_from_guest from Xen's range
    ['segbase_bad_which', errno('EINVAL')],
    ['segbase_noncanonical', errno('EINVAL')],
    ['mmuext_unknown', errno('ENOSYS')],
    ['pin_writable', errno('EINVAL')],               // a frame with writable mappings is not a page table
    ['pin_l4', 0n],
    ['pin_again', errno('EINVAL')],                  // "already pinned"
    ['map_l4_writable', errno('EINVAL')],            // a validated table cannot be mapped writable
    ['mmu_l2_pse', errno('EINVAL')],                 // "Bad L2 flags": no superpages for PV
    ['new_user_baseptr', 0n], ['segbase_gs_kernel', 0n], ['segbase_gs_user', 0n],
  ];
  for (const [k, want] of cases) assert.equal(signed64(v(r, k)), want, k);
});

test('an event upcall enters at the callback with Xen\'s frame: kernel CS with RPL 0, the saved mask, events masked', () => {
  const r = rings();
  assert.equal(v(r, 'bind_ipi'), 0n);
  assert.equal(v(r, 'send'), 0n, 'RAX survives the upcall (the iret writes back the frame\'s RAX)');
  assert.equal(v(r, 'upcalls'), 1n);
  assert.equal(v(r, 'upcall_cs'), fact('FLAT_KERNEL_CS') & ~3n, 'interrupted in kernel mode: RPL cleared');
  assert.equal(v(r, 'upcall_saved_mask'), 0n);
  assert.equal(v(r, 'upcall_mask_in_handler'), 1n);
  assert.equal(v(r, 'mask_after_iret'), 0n, 'the iret\'s RFLAGS.IF unmasks again');
  // Delivered on the return from the send hypercall: RIP is in event_channel_op's stub, after its SYSCALL.
  const page = r.values.get('upcall_rip')! - (r.values.get('upcall_rip')! % 4096n);
  assert.equal(v(r, 'upcall_rip') - page, 32n * 32n + 10n);
});

test('user mode: SYSCALL reaches the syscall callback with the user\'s context, VGCF_in_syscall returns as SYSRET', () => {
  const r = rings();
  assert.equal(v(r, 'sys_calls'), 3n);
  assert.equal(v(r, 'sys_rdi'), 0x55n);
  assert.equal(v(r, 'sys_frame_rip'), 0x400010n, 'the instruction after the user\'s SYSCALL');
  assert.equal(v(r, 'sys_frame_cs'), fact('FLAT_USER_CS'), 'from user mode: RPL 3 kept');
  assert.equal(v(r, 'sys_frame_ss'), fact('FLAT_KERNEL_SS'));
  assert.equal(v(r, 'sys_frame_rsp'), 0x402000n, 'the user\'s RSP');
  assert.equal(v(r, 'sys_frame_rflags') & 0x200n, 0x200n, 'IF: events were unmasked in user mode');
  assert.equal(v(r, 'sys_mask'), 1n, 'CALLBACKF_mask_events masked them on entry');
  assert.equal(v(r, 'user_rcx'), v(r, 'sys_frame_rip'), 'after a VGCF_in_syscall iret RCX = RIP');
  assert.equal(v(r, 'user_r11'), v(r, 'sys_frame_rflags'), '... and R11 = RFLAGS');
  assert.equal(v(r, 'user_gs'), 0x1234567812345678n, 'the user\'s GS base in user mode');
});

test('user mode: INT 0x80 through a DPL-3 trap-table entry, a plain iret restores RCX and R11', () => {
  const r = rings();
  assert.equal(v(r, 'int80_cs'), fact('FLAT_USER_CS'));
  assert.equal(v(r, 'int80_rip'), 0x40002an, 'after the two-byte INT');
  assert.equal(v(r, 'int80_rcx'), 0x1111n);
  assert.equal(v(r, 'int80_r11'), 0x2222n);
});

test('user mode cannot see the kernel: a read of a kernel address is a #PF in user mode, CR2 in vcpu_info.arch.cr2', () => {
  const r = rings();
  assert.equal(v(r, 'pf_err'), 4n, 'user, read, not present');
  assert.equal(v(r, 'pf_cs'), fact('FLAT_USER_CS'));
  assert.equal(v(r, 'pf_cr2'), v(r, 'kvar_addr'), 'CR2 is the kernel address the user read');
  assert.equal(v(r, 'kernel_gs_read'), 0xabcdef00abcdef00n);
  assert.equal(v(r, 'kernel_gs_after'), 0xabcdef00abcdef00n, 'the kernel\'s GS base is back after the trip to user mode');
  const handlers = r.machine.exits.recent(10_000).map((x) => x.handler);
  assert.equal(handlers.filter((h) => h === 'syscall-callback').length, 3, 'each user SYSCALL is a SYSCALL_BOUNCE record');
  assert.equal(r.machine.exits.byReason.SYSCALL_BOUNCE, 4, 'three SYSCALLs and the compat process\'s SYSENTER');
  assert.ok(handlers.includes('trap:14') && handlers.includes('trap:128'), handlers.join(' '));
});

test('an event upcall taken in user mode switches to the kernel: frame on the stack_switch stack, user CS', () => {
  const r = rings();
  assert.equal(v(r, 'bind_virq'), 0n);
  assert.equal(v(r, 'set_timer_op'), 0n);
  assert.equal(v(r, 'user_upcalls'), 1n, 'the one-shot timer fired while user mode spun');
  assert.equal(v(r, 'user_up_cs'), fact('FLAT_USER_CS'), 'RPL 3: the guest knows it interrupted user mode');
  // The handler pushed RAX on a frame of 7 quadwords (RCX, R11, RIP, CS, RFLAGS, RSP, SS) at the top of its kernel stack.
  assert.equal(v(r, 'user_up_rsp_kernel'), v(r, 'kstack_top') - 7n * 8n - 8n);
  assert.equal(v(r, 'user_rsp_after_upcall').toString(16), '8badf00ddeadbee1', 'the user\'s RSP, not canonical, comes back whole');
});

test('a compatibility-mode process: SYSENTER reaches the sysenter callback with Xen\'s stand-in frame', () => {
  const r = rings();
  assert.equal(v(r, 'cb_sysenter'), 0n);
  assert.equal(v(r, 'se_count'), 1n);
  assert.equal(v(r, 'se_eax') & 0xffffffffn, 0x77n, 'the process\'s registers arrive as they were');
  assert.equal(v(r, 'se_rip'), 0n, 'SYSENTER saves no RIP: Xen\'s frame holds 0');
  assert.equal(v(r, 'se_cs'), 3n);
  assert.equal(v(r, 'se_rsp'), 0n);
  assert.equal(v(r, 'se_ss'), fact('FLAT_KERNEL_SS'));
  assert.equal(v(r, 'se_mask'), 1n, 'CALLBACKF_mask_events');
});

test('an iret to a selector that does not load goes to the failsafe callback with the attempted CS in the frame', () => {
  const r = rings();
  assert.equal(v(r, 'failsafe_count'), 1n);
  assert.equal(v(r, 'failsafe_frame_cs'), 0x0f38n, 'CS 0x0f38|3 as the iret asked, RPL cleared: kernel mode');
  assert.equal(r.machine.exits.byReason.FAILSAFE_CALLBACK, 1);
});

test('an iret to user mode without user page tables crashes the domain, as Xen does', () => {
  const r = runPv64(buildPv64Guest('rings64', ['NO_USER_TABLE']), { budget: 5_000_000 });
  assert.deepEqual(r.stop, { kind: 'domain-crash', detail: 'iret hypercall: switching to user mode with no user page tables' });
});
