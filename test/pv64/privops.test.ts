// Privileged instructions of a ring-3 64-bit PV kernel (test/guests/pv64/privops64.asm):
// Xen emulates WRMSR/RDMSR of the FS, GS and shadow GS bases (a non-canonical base is #GP),
// EFER reads, MOV from CR0/CR2/CR3/CR4 with 64-bit registers (CR3 is the kernel's L4), MOV to
// CR3 (a validated new base pointer) and CR2 (vcpu_info.arch.cr2), CLI/STI and IN only under
// a virtual IOPL from physdev_op(set_iopl); HLT is not emulated (#GP to the guest). The M2P
// queries answer with Xen's x86_64 addresses (from Xen's headers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPv64Guest, runPv64, type Pv64Run } from './harness';
import { fact } from './xen-facts';

let cached: Pv64Run | null = null;
const run = () => (cached ??= runPv64(buildPv64Guest('privops64'), { budget: 3_000_000 }));
function v(k: string): bigint {
  const r = run(), x = r.values.get(k);
  assert.notEqual(x, undefined, `${k} missing in:\n${r.out}`);
  return x!;
}

test('privops64 runs to its end', () => {
  assert.deepEqual(run().stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' }, run().out);
});

test('segment bases through WRMSR/RDMSR, as a 64-bit kernel keeps them', () => {
  assert.equal(v('fs_read'), 0x1111222233334444n);
  assert.equal(v('gs_read'), 0x5555666677778888n);
  assert.ok(v('rdmsr_fs') >= 0xffffffff80000000n, 'RDMSR FS_BASE gives back the kernel address written');
  assert.equal(v('rdmsr_shadow_gs'), 0x400000n);
  assert.equal(v('gp_after_noncanonical'), 1n, 'a non-canonical base is #GP');
  const efer = v('rdmsr_efer');
  for (const bit of [0n, 8n, 10n, 11n]) assert.equal((efer >> bit) & 1n, 1n, `EFER bit ${bit} (SCE, LME, LMA, NXE) of the host`);
});

test('control registers: CR3 is the kernel\'s L4, MOV to CR3 validates it again, CR2 lives in vcpu_info', () => {
  assert.equal(v('cr3'), v('l4_mfn') << 12n);
  assert.equal(v('cr3_written'), v('cr3'));
  assert.equal((v('cr0') & 0x80000001n), 0x80000001n, 'PG and PE');
  assert.equal((v('cr4') >> 5n) & 1n, 1n, 'PAE');
  assert.equal(v('cr2_in_vcpu_info'), 0xffffffff80123456n);
  assert.equal(v('cr2_read'), 0xffffffff80123456n);
  assert.equal(v('cr2_any').toString(16), '8badf00ddeadbee1', 'CR2 keeps all 64 bits of what was written');
  assert.ok((run().machine.exits.byReason.PRIV_OP ?? 0) >= 10);
});

test('MOV to CR4 takes the guest\'s bits (pv_fixup_guest_cr4), XSETBV is emulated once OSXSAVE is on', () => {
  const cr4 = v('cr4_after');
  assert.equal((cr4 >> 16n) & 1n, 1n, 'FSGSBASE taken');
  assert.equal((cr4 >> 18n) & 1n, 1n, 'OSXSAVE taken');
  assert.equal((cr4 >> 7n) & 1n, 0n, 'PGE is not the guest\'s to set');
  assert.equal(v('rdfsbase'), v('rdmsr_fs'), 'RDFSBASE works in ring 3 with the guest\'s FSGSBASE');
  assert.equal(v('xcr0'), 3n);
});

test('CLI/STI and IN need a virtual IOPL; HLT is never emulated', () => {
  assert.equal(v('gp_after_cli'), 1n, 'CLI with IOPL 0 is #GP');
  assert.equal(v('set_iopl'), 0n);
  assert.equal(v('mask_after_cli'), 1n);
  assert.equal(v('mask_after_sti'), 0n);
  assert.equal(v('gp_after_sti'), 1n);
  assert.equal(v('gp_after_hlt'), 2n);
  assert.equal(v('in_al') & 0xffn, 0xffn, 'no ports are the domain\'s: reads are all ones');
});

test('the M2P queries give Xen\'s x86_64 range and the first frame of the table', () => {
  assert.equal(v('machphys_mapping'), 0n);
  assert.equal(v('m2p_start'), fact('MACH2PHYS_VIRT_START'));
  assert.equal(v('m2p_end'), fact('MACH2PHYS_VIRT_END'));
  assert.equal(v('m2p_max_mfn'), fact('MACH2PHYS_NR_ENTRIES') - 1n);
  assert.equal(v('machphys_mfn_list'), 0n);
  assert.equal(v('m2p_chunks'), 1n, '32 MiB of RAM: one 2 MiB chunk of M2P');
  // The frame the list names holds the M2P: entry 0 maps machine frame 0 to pfn 0, entry 1 to 1.
  const m2p = run().machine.readPhysical(Number(v('m2p_first_mfn')) * 4096, 16);
  const dv = new DataView(m2p.buffer, m2p.byteOffset);
  assert.deepEqual([dv.getBigUint64(0, true), dv.getBigUint64(8, true)], [0n, 1n]);
});

test('multicall with 64-bit entries, and a batch long enough to be continued across its SYSCALL', () => {
  assert.equal(v('multicall'), 0n);
  assert.equal(v('mc_result0') >> 16n, 4n, 'xen_version\'s result in the first entry');
  assert.equal(BigInt.asIntN(64, v('mc_result1')), -fact('ENOSYS'), 'an unknown op\'s -ENOSYS, 64 bits wide');
  assert.equal(v('mmu_600'), 0n);
  assert.equal(v('mmu_600_done'), 600n, 'pdone counts every request through the continuation');
  assert.equal(v('scratch_last'), 599n, 'request 599 wrote entry 87 (599 mod 512) last');
  // 600 requests are two slices: the SYSCALL is taken twice for one call.
  assert.equal(run().machine.exits.hypercalls?.mmu_update, 2);
});

test('the hypercall-page MSR fills a 64-bit guest\'s page with the syscall stubs: xen_version through it', () => {
  // guest_wrmsr_xen initialises the page for the domain's ABI (for x86_64, SYSCALL stubs; an
  // int 0x82 page would not reach the hypervisor from a 64-bit kernel).
  assert.equal(v('msr_hcall_version') >> 16n, 4n, 'xen_version(XENVER_version) answered through the page the MSR wrote');
});
