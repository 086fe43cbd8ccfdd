// RDMSR, WRMSR, RDPMC and HLT in the ring-1 kernel (guests/priv-ops.asm) under both
// privileged-op policies. The expectations under `xen` come from Xen's source, named at
// each one: xen/arch/x86/pv/emul-priv-op.c (validate, read_msr, write_msr,
// guest_misc_enable), xen/arch/x86/msr.c (guest_rdmsr, guest_wrmsr) and the hypercall-page
// MSR handlers guest_rdmsr_xen/guest_wrmsr_xen; since Xen 4.15 an MSR access those do not
// handle is #GP (the msr_relaxed option, off by default, restores the old leniency).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPvGuest, runPv } from './harness';

const UNTOUCHED = 0xdeadbeef;

/** Reads Xen emulates, with EDX:EAX as [lo, hi]. */
const READS: Array<[string, number, number]> = [
  // emul-priv-op.c read_msr, MSR_APIC_BASE ("Linux PV guests will attempt to read APIC_BASE"):
  // APIC_DEFAULT_PHYS_BASE | APIC_BASE_ENABLE (bit 11) | APIC_BASE_BSP (bit 8, vCPU 0).
  ['apic_base', 0xfee00900, 0],
  // msr.c guest_rdmsr, MSR_AMD_PATCHLEVEL (= IA32_UCODE_REV) and MSR_IA32_PLATFORM_ID on Intel:
  // the host's value; our CPU (the host here, emulator/cpu/identity.ts) holds 0 in both.
  ['ucode_rev', 0, 0],
  ['platform_id', 0, 0],
  // guest_rdmsr, MSR_INTEL_PLATFORM_INFO and MSR_INTEL_MISC_FEATURES_ENABLES: the domain's policy,
  // which has no CPUID faulting to offer on a host without it: 0.
  ['platform_info', 0, 0],
  ['misc_features', 0, 0],
  // read_msr, MSR_IA32_PERF_CAPABILITIES: "No extra capabilities are supported."
  ['perf_caps', 0, 0],
  // read_msr, MSR_IA32_MISC_ENABLE: guest_misc_enable() of the host value (1, fast strings):
  // clear PERF_AVAIL (7) and MONITOR_ENABLE (18); set BTS_UNAVAIL (11), PEBS_UNAVAIL (12), XTPR_DISABLE (23).
  ['misc_enable', (1 | (1 << 11) | (1 << 12) | (1 << 23)) >>> 0, 0],
  // read_msr, MSR_IA32_CR_PAT: XEN_MSR_PAT = 0x0000050100070406 (asm/processor.h: "an ABI with PV guests").
  ['pat', 0x00070406, 0x00000501],
  // read_msr, MSR_EFER: guest_efer() hides LME/LMA from a 32-bit guest and SCE on Intel; no NX here: 0.
  ['efer', 0, 0],
  // traps.c guest_rdmsr_xen: "Write hypercall page MSR.  Read as zero."
  ['xen_hcall_msr', 0, 0],
  // read_msr, Intel P6 counters and event selects go to the vPMU, off by default: 0.
  ['perfctr0', 0, 0],
  ['evntsel0', 0, 0],
  // ... and a write to a counter was dropped.
  ['perfctr0_after', 0, 0],
];

/** Reads that are #GP: not handled by guest_rdmsr or read_msr (the 4.15+ default), or refused by them. */
const READ_GP = [
  'sysenter_cs',   // PV kernels register sysenter through callback_op; no MSR for it
  'mtrr_cap', 'mtrr_def_type', // MTRRs are not handled for PV
  'tsc_aux',       // guest_rdmsr: no RDTSCP/RDPID in the policy
  'xen_msr_1',     // guest_rdmsr_xen: anything past the hypercall-page MSR
  'unknown',
];

/** Writes Xen accepts (and drops where it does not keep them). */
const WRITE_OK = [
  'w_misc_enable',   // write_msr: a value other than guest_misc_enable() is only logged (`invalid`)
  'w_ucode_rev',     // guest_wrmsr, MSR_AMD_PATCHLEVEL: 0 on Intel (the SDM's "write 0, CPUID, read")
  'w_therm_control', // write_msr, Intel THERM_CONTROL: dropped for a domain that is not the pinned hardware domain
  'w_misc_features', // guest_wrmsr, MISC_FEATURES_ENABLES: no reserved bit set
  'w_efer',          // write_msr, MSR_EFER: writing back guest_efer() is allowed ("Linux depends on" it)
  'w_evntsel0', 'w_perfctr0', // vPMU off
];
/** Writes that are #GP. */
const WRITE_GP = [
  'w_ucode_rev_1',            // guest_wrmsr: only 0
  'w_misc_features_faulting', // guest_wrmsr: CPUID faulting is reserved without platform support
  'w_perf_ctl',               // not handled (4.15+ default)
  'w_tsc', 'w_sysenter_cs', 'w_apic_base', 'w_unknown', // not handled
  'w_efer_sce',               // write_msr: a value different from guest_efer()
  'w_xen_msr_1',              // guest_wrmsr_xen: only index 0
  // guest_wrmsr_xen: a page index > 0; a frame that cannot take PGT_writable_page (the pinned
  // L3 page table); a frame that is not the domain's.
  'w_hcall_index1', 'w_hcall_pt', 'w_hcall_foreign',
];

test('priv-ops guest under the xen policy: MSRs as Xen emulates them for a PV domU', () => {
  const r = runPv(buildPvGuest('priv-ops'));
  const v = r.values;
  assert.equal(r.stop.kind, 'shutdown', r.out);
  assert.equal(v.get('set_trap_table'), 0);

  // MSR_IA32_TSC reads the TSC (vtsc off): between the two RDTSCs executed around it.
  assert.equal(v.get('tsc_gp'), 0);
  assert.ok(v.get('tsc_after_rdtsc')! > 0 && v.get('tsc_after_rdtsc')! < 1000, String(v.get('tsc_after_rdtsc')));
  assert.ok(v.get('tsc_before_rdtsc')! > 0 && v.get('tsc_before_rdtsc')! < 1000, String(v.get('tsc_before_rdtsc')));

  for (const [name, lo, hi] of READS) {
    assert.equal(v.get(`${name}_gp`), 0, `${name}: no #GP`);
    assert.equal(v.get(`${name}_lo`), lo, `${name} EAX`);
    assert.equal(v.get(`${name}_hi`), hi, `${name} EDX`);
  }
  for (const name of READ_GP) {
    assert.equal(v.get(`${name}_gp`), 1, `${name}: #GP`);
    assert.equal(v.get(`${name}_lo`), UNTOUCHED, `${name}: EAX untouched`);
    assert.equal(v.get(`${name}_hi`), UNTOUCHED, `${name}: EDX untouched`);
  }
  for (const name of WRITE_OK) assert.equal(v.get(`${name}_gp`), 0, `${name}: accepted`);
  for (const name of WRITE_GP) assert.equal(v.get(`${name}_gp`), 1, `${name}: #GP`);

  // guest_wrmsr_xen: a frame of the domain at page index 0 gets a hypercall page that works.
  assert.equal(v.get('w_hcall_gp'), 0);
  assert.equal(v.get('hcall2_version'), v.get('hcall_version'));
  assert.equal(v.get('hcall_version')! >>> 16, 4);

  // emul-priv-op.c validate(): neither RDPMC nor HLT is on the list, so both are bounced
  // (a PV kernel idles with SCHEDOP_block).
  assert.equal(v.get('rdpmc_gp'), 1);
  assert.equal(v.get('hlt_gp'), 1);

  const emulated = 1 + READS.length + WRITE_OK.length + 1;
  assert.equal(r.machine.exits.byReason.PRIV_OP, emulated);
  assert.equal(v.get('gp_total'), READ_GP.length + WRITE_GP.length + 2);
  assert.equal(r.machine.exits.byReason.TRAP_BOUNCE, READ_GP.length + WRITE_GP.length + 2);
});

test('priv-ops guest under the strict policy: every one of them is bounced', () => {
  const r = runPv(buildPvGuest('priv-ops'), { privileged: 'strict' });
  const v = r.values;
  assert.equal(r.stop.kind, 'shutdown', r.out);
  assert.equal(v.get('tsc_gp'), 1);
  for (const name of [...READS.map(([n]) => n), ...READ_GP]) {
    assert.equal(v.get(`${name}_gp`), 1, `${name}: #GP`);
    assert.equal(v.get(`${name}_lo`), UNTOUCHED, `${name}: EAX untouched`);
  }
  for (const name of [...WRITE_OK, ...WRITE_GP, 'w_hcall']) assert.equal(v.get(`${name}_gp`), 1, `${name}: #GP`);
  assert.equal(v.get('hcall2_version'), undefined);
  assert.equal(v.get('hcall_version')! >>> 16, 4);
  assert.equal(v.get('rdpmc_gp'), 1);
  assert.equal(v.get('hlt_gp'), 1);
  assert.equal(r.machine.exits.byReason.PRIV_OP ?? 0, 0);
});

test('priv-ops guest without a #GP handler: refused reads of MSRs the host has read as 0', () => {
  // read_msr's `done` path: no trap_ctxt[X86_EXC_GP].address, the host's rdmsr_safe succeeds
  // and the MSR is outside 0x4000xxxx -> "faking RDMSR", 0. Xen's own range is not faked:
  // that #GP has no handler, so the domain crashes.
  const r = runPv(buildPvGuest('priv-ops', ['NO_GP_HANDLER']));
  const v = r.values;
  assert.equal(r.stop.kind, 'domain-crash', r.out);
  for (const name of ['sysenter_cs', 'mtrr_def_type']) {
    assert.equal(v.get(`${name}_gp`), 0, name);
    assert.equal(v.get(`${name}_lo`), 0, name);
    assert.equal(v.get(`${name}_hi`), 0, name);
  }
  assert.equal(v.get('xen_msr_1_lo'), undefined);
  assert.equal(r.machine.exits.byReason.PRIV_OP, 2);
});
