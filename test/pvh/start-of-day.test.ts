// A PVH kernel of our own (test/guests/pvh/start.c, built by nasm and gcc) entered as Xen
// enters one: what it reads at EBX (hvm_start_info v1), Xen's CPUID leaves, the hypercall page
// the MSR write fills, the HVM parameters and the errno of each refused call, all printed by
// the guest and checked here against Xen's public headers and rules; and what the exit log
// holds: VMCALL exits (reason 18) each followed by its HYPERCALL record, CPUID and WRMSR
// exits, I/O exits to ports nothing owns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPvhGuest, field, runPvh } from './harness';
import { describeExit } from '../../emulator/trace/describe-exit';

const MiB = 1 << 20;
const INITRD = new TextEncoder().encode('hello-initrd');
const run = runPvh(buildPvhGuest('start'), { memoryMiB: 64, cmdline: 'console=hvc0 quiet', initrd: INITRD });
const out = run.out;
const num = (prefix: string, key: string) => Number.parseInt(field(out, prefix, key), 16);
const dec = (prefix: string, key: string) => Number.parseInt(field(out, prefix, key), 10);

test('the kernel runs its 32-bit and 64-bit halves and powers off through sched_op', () => {
  assert.deepEqual(run.stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' });
  assert.match(out, /^pvh: 32-bit hypercalls through the page\n/);
  assert.match(out, /pvh: done\n$/);
  // The 32-bit half asked for HVM_PARAM_CONSOLE_PFN with EBX/ECX and got it.
  assert.equal(dec('pvh: 64-bit', 'rc'), 0);
  assert.equal(num('pvh: 64-bit', 'pfn'), num('param console_pfn', 'value'));
});

test('hvm_start_info: magic, version 1, command line, the initrd as module 0, memory map, RSDP', () => {
  assert.equal(num('start_info', 'magic'), 0x336ec578);            // XEN_HVM_START_MAGIC_VALUE
  assert.equal(dec('start_info', 'version'), 1);
  assert.equal(dec('start_info', 'flags'), 0);                     // an unprivileged domU
  assert.equal(dec('start_info', 'modules'), 1);
  assert.equal(field(out, 'cmdline', 'cmdline'), 'console=hvc0 quiet');
  assert.equal(dec('module 0', 'size'), INITRD.length);
  assert.equal(field(out, 'module 0', 'first'), 'hell');
  assert.equal(num('module 0', 'paddr') % 4096, 0);
  // RAM from 0 (no legacy hole), then the ACPI tables (16 pages, type 3), then the eight
  // special pages (reserved, type 2); the top 8 pages of the 64 MiB are the hypervisor's and in
  // no entry.
  const map = out.split('\n').filter((l) => l.startsWith('memmap ')).map((l) => l.split(' ').slice(1).map((x) => Number.parseInt(x, 16)));
  const acpi = 64 * MiB - 32 * 4096, special = 64 * MiB - 16 * 4096;
  assert.deepEqual(map, [[0, acpi, 1], [acpi, 16 * 4096, 3], [special, 8 * 4096, 2]]);
  assert.equal(num('rsdp', 'rsdp'), acpi);
  assert.equal(field(out, 'rsdp', 'sig'), 'RSD');                 // "RSD PTR " up to its space
  assert.match(out, /sig=RSD PTR  rev=2/);
});

test('Xen\'s CPUID leaves and the hypervisor bit', () => {
  assert.equal(num('cpuid base', 'base'), 0x40000000);
  assert.equal(num('cpuid base', 'max'), 0x40000005);
  assert.equal(field(out, 'cpuid base', 'sig'), 'XenVMMXenVMM');
  assert.equal(field(out, 'cpuid version', 'version'), field(out, 'xen_version', 'xen_version'));
  assert.equal(dec('cpuid pages', 'pages'), 1);
  assert.equal(num('cpuid pages', 'msr'), 0x40000000);
  // XEN_HVM_CPUID_VCPU_ID_PRESENT (1 << 3) | DOMID_PRESENT (1 << 4) | UPCALL_VECTOR (1 << 6).
  assert.equal(num('cpuid hvm', 'flags'), 0x58);
  assert.equal(dec('cpuid hvm', 'vcpu'), 0);
  assert.equal(dec('cpuid hypervisor', 'bit'), 1);
});

test('the hypercall page: mov $0,%eax; vmcall; ret, iret is ud2, the rest int3', () => {
  assert.equal(field(out, 'stub0', 'stub0'), 'b8');
  assert.match(out, /stub0=b8 0 0 0 0 f 1 c1 c3 iret=f b pad=cc\n/);
});

test('HVM parameters: the toolstack\'s console and xenstore, and Xen\'s permission rules', () => {
  const special = (64 * MiB - 16 * 4096) / 4096;
  assert.equal(num('param console_pfn', 'value'), special + 7);     // special page 7 (SPECIALPAGE_CONSOLE)
  assert.equal(num('param store_pfn', 'value'), special + 4);       // special page 4 (SPECIALPAGE_XENSTORE)
  assert.equal(dec('param store_evtchn', 'value'), 1);
  assert.equal(dec('param console_evtchn', 'value'), 2);
  assert.equal(dec('param ident_pt', 'rc'), -1);                    // not guest-readable: -EPERM
  assert.equal(dec('param 99', 'rc'), -22);                         // >= HVM_NR_PARAMS: -EINVAL
  assert.equal(dec('set store_pfn', 'rc'), -1);                     // toolstack's only: -EPERM
  assert.equal(dec('set callback vector 5', 'rc'), 0);
  assert.equal(dec('set callback vector f3', 'rc'), 0);
  assert.equal(num('param callback_irq', 'value'), Number((2n << 56n) | 0xf3n)); // type 2 (vector) in bits 63:56
  assert.equal(dec('get_param other domain', 'rc'), -3);            // no such domain: -ESRCH
  assert.equal(dec('upcall vector 0f', 'rc'), -22);                 // vectors below 0x10: -EINVAL
  assert.equal(dec('upcall vector vcpu1', 'rc'), -2);               // no vCPU 1: -ENOENT
  assert.equal(dec('upcall vector f3', 'rc'), 0);
  assert.equal(dec('hvm_op 77', 'rc'), -38);                        // unknown op: -ENOSYS
  assert.equal(dec('hvm_op bad pointer', 'rc'), -14);               // -EFAULT
});

test('memory_op: the memory map as Xen returns the domain\'s E820, and hvm_memory_op\'s refusals', () => {
  assert.equal(dec('memory_map rc', 'rc'), 0);
  assert.equal(dec('memory_map rc', 'entries'), 3);
  const e820 = out.split('\n').filter((l) => l.startsWith('e820 ')).map((l) => l.slice(5));
  const memmap = out.split('\n').filter((l) => l.startsWith('memmap ')).map((l) => l.slice(7));
  assert.deepEqual(e820, memmap);
  // A buffer for fewer entries than the map has gets the first ones (Xen copies min(nr, its count)).
  assert.equal(dec('memory_map short', 'rc'), 0);
  assert.equal(dec('memory_map short', 'entries'), 1);
  assert.equal(dec('machphys_mapping', 'rc'), -38);
  assert.equal(dec('add_to_physmap shared_info', 'rc'), 0);
});

test('multicall runs each entry through the HVM table and writes its result; a nested multicall is -EINVAL', () => {
  assert.equal(dec('multicall', 'rc'), 0);
  assert.match(out, /multicall rc=0 results=(\S+) -38 0 -22 param=2\n/);
  const version = /multicall rc=0 results=(\S+)/.exec(out)![1]!;
  assert.equal(Number.parseInt(version, 16), (4 << 16) | 19);
});

test('PV-only hypercalls answer -ENOSYS, privileged ones -EPERM, as Xen\'s HVM table does', () => {
  for (const name of ['mmu_update', 'update_va_mapping', 'set_trap_table', 'set_segment_base', 'callback_op', 'hypercall 60']) {
    assert.equal(dec(name, 'rc'), -38, name);
  }
  assert.equal(dec('sysctl', 'rc'), -1);
  assert.equal(dec('get_features', 'rc'), 0);
  // XENFEAT_* (features.h) Xen gives an HVM domU: writable_page_tables 0, auto_translated_physmap
  // 2, hvm_callback_vector 8, hvm_safe_pvclock 9; never the PV ones (mmu_pt_update_preserve_ad 5,
  // highmem_assist 6, gnttab_map_avail_bits 7) nor dom0 (11).
  const map = num('get_features', 'map');
  for (const bit of [0, 2, 8, 9]) assert.ok(map & (1 << bit), `feature ${bit} missing from ${map.toString(16)}`);
  for (const bit of [5, 6, 7, 11]) assert.equal(map & (1 << bit), 0, `feature ${bit} set in ${map.toString(16)}`);
});

test('no legacy devices: every port reads all ones and writes go nowhere', () => {
  for (const p of ['3f8', '3fd', '20', '21', '40', '61', '64', '71', '80']) assert.equal(field(out, 'ports', p), 'ff', p);
  assert.equal(field(out, 'ports', 'cf8'), 'ffffffff');
  const io = run.machine.exits.page(0, 100000, (r) => r.reasonName === 'IO_INSTRUCTION');
  // Xen's I/O bitmap lets port 0x80 through without an exit (hvm_enable): 11 of the 12 accesses exit.
  assert.equal(io.length, 11);
  assert.ok(io.every((r) => r.handler === 'unassigned'));
  assert.ok(!io.some((r) => r.qualification >>> 16 === 0x80));
  assert.equal(run.machine.unassigned.count, 12);
});

test('each VMCALL exit (reason 18, handler xen) is followed by its HYPERCALL record at the same RIP', () => {
  const recs = run.machine.exits.page(0, 100000);
  const vmcalls = recs.filter((r) => r.reason === 18);
  assert.ok(vmcalls.length > 40);
  for (const v of vmcalls) {
    assert.equal(v.handler, 'xen');
    const next = recs.find((r) => r.seq === v.seq + 1)!;
    assert.equal(next.reasonName, 'HYPERCALL');
    assert.equal(next.eip, v.eip);
    assert.equal(next.qualification, v.value);                      // the number the VMCALL carried
  }
  const mmu = recs.find((r) => r.reasonName === 'HYPERCALL' && r.handler === 'mmu_update')!;
  assert.equal(describeExit(mmu), 'hypercall mmu_update (1) = -38');
  const s = run.machine.exits;
  assert.equal(s.byReason.VMCALL, s.byReason.HYPERCALL);
  assert.equal(s.byReason.OTHER, undefined);
  assert.equal(s.hypercalls!.mmu_update, 1);
  assert.equal(s.hypercallErrors!.mmu_update, 1);
  // The 32-bit half's calls were made from 32-bit code; the rest from 64-bit code.
  const first = vmcalls[0]!;
  assert.equal(first.long64, false);
  assert.equal(vmcalls[vmcalls.length - 1]!.long64, true);
});

test('CPUID and the hypercall-page WRMSR are VM exits like HVM\'s', () => {
  const recs = run.machine.exits.page(0, 100000);
  const wr = recs.filter((r) => r.reasonName === 'WRMSR' && r.msr === 0x40000000);
  assert.equal(wr.length, 2);                                       // from 32-bit code, then 64-bit code
  assert.ok(recs.filter((r) => r.reasonName === 'CPUID' && r.value === 0x40000000).length >= 2);
});
