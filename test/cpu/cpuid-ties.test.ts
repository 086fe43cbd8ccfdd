// CPUID advertises exactly what is implemented: every feature bit the CPU sets (read through
// CPUID in a guest) has a probe here that uses the feature and must run without a fault, and
// a probe without its bit set fails the test; for a list of features we do not implement, the
// bit is clear and the instruction is #UD or the control bit #GP(0), as on a CPU without them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKernel, u32, R_VEC, R_SCRATCH } from './harness';
import { R, q, runLong } from './long-prelude';

const CR4_OR = (bit: number): string => `mov eax, cr4\n  or eax, ${1 << bit}\n  mov cr4, eax`;
const SSE_ON = CR4_OR(9);
const LEAVES: Array<[number, 'ebx' | 'ecx' | 'edx']> = [[1, 'edx'], [1, 'ecx'], [7, 'ebx'], [7, 'ecx'], [0x80000001, 'edx'], [0x80000001, 'ecx']];
/** A feature usable in 64-bit mode only: its probe runs in a 64-bit kernel (long-prelude.ts). */
interface Long { long: string }
const CR4_OR64 = (bit: number): string => `mov rax, cr4\n  or rax, ${1 << bit}\n  mov cr4, rax`;
const key = (leaf: number, reg: string, bit: number): string => `${leaf.toString(16)}.${reg}.${bit}`;

/** A use of each advertised feature: it must complete. */
const PROBES: Record<string, string | Long> = {
  [key(1, 'edx', 0)]: 'fninit\n  fld1\n  fstp dword [R_SCRATCH + 0x40]',                       // FPU
  [key(1, 'edx', 3)]: CR4_OR(4),                                                            // PSE
  [key(1, 'edx', 4)]: 'rdtsc',                                                              // TSC
  [key(1, 'edx', 5)]: 'mov ecx, 0x10\n  rdmsr',                                             // MSR
  [key(1, 'edx', 6)]: CR4_OR(5),                                                            // PAE
  [key(1, 'edx', 8)]: 'xor eax, eax\n  xor edx, edx\n  cmpxchg8b [R_SCRATCH + 0x40]',        // CX8
  [key(1, 'edx', 9)]: 'mov eax, [0xfee00030]\n  mov ecx, 0x1b\n  rdmsr',                     // APIC (version register, APIC_BASE)
  [key(1, 'edx', 11)]: 'mov ecx, 0x174\n  rdmsr\n  wrmsr',                                  // SEP (SYSENTER MSRs)
  [key(1, 'edx', 13)]: CR4_OR(7),                                                           // PGE
  [key(1, 'edx', 15)]: 'cmove eax, ebx',                                                    // CMOV
  [key(1, 'edx', 16)]: 'mov ecx, 0x277\n  rdmsr\n  wrmsr',                                  // PAT
  [key(1, 'edx', 24)]: 'fxsave [0x7000]\n  fxrstor [0x7000]',                               // FXSR
  [key(1, 'edx', 25)]: `${SSE_ON}\n  xorps xmm0, xmm1\n  ldmxcsr [0x7000 + 24]`,            // SSE
  [key(1, 'edx', 26)]: `${SSE_ON}\n  paddq xmm0, xmm1`,                                     // SSE2
  [key(1, 'ecx', 0)]: `${SSE_ON}\n  haddps xmm0, xmm1\n  fisttp dword [R_SCRATCH + 0x40]`,   // SSE3
  [key(1, 'ecx', 9)]: `${SSE_ON}\n  pshufb xmm0, xmm1`,                                     // SSSE3
  // XSAVE (OSXSAVE, bit 27, is not a fixed bit: it mirrors CR4.OSXSAVE, set here).
  [key(1, 'ecx', 26)]: `${SSE_ON}\n  ${CR4_OR(18)}\n  xor ecx, ecx\n  xgetbv\n  mov eax, 3\n  xor edx, edx\n  xsetbv\n  xsave [0x7000]\n  xrstor [0x7000]`,
  [key(7, 'ebx', 7)]: CR4_OR(20),                                                           // SMEP
  [key(7, 'ebx', 20)]: `${CR4_OR(21)}\n  stac\n  clac`,                                     // SMAP
  [key(7, 'ecx', 2)]: CR4_OR(11),                                                           // UMIP
  [key(7, 'ebx', 10)]: 'mov eax, 2\n  invpcid eax, [R_SCRATCH + 0x40]',                     // INVPCID (type 2: everything)
  [key(0x80000001, 'edx', 20)]: 'mov ecx, 0xc0000080\n  rdmsr\n  or eax, 0x800\n  wrmsr',    // NX
  [key(0x80000001, 'edx', 27)]: 'rdtscp',                                                   // RDTSCP
  // LM: EFER.LME with paging off (entering and leaving long mode: test/cpu/long-mode.test.ts).
  [key(0x80000001, 'edx', 29)]: 'mov ecx, 0xc0000080\n  rdmsr\n  or eax, 0x100\n  wrmsr\n  rdmsr\n  bt eax, 8\n  jc $+4\n  ud2',
  // 64-bit mode only: CMPXCHG16B, FSGSBASE, SYSCALL/SYSRET, LAHF/SAHF in 64-bit mode.
  [key(1, 'ecx', 13)]: { long: 'xor eax, eax\n  xor edx, edx\n  lock cmpxchg16b [R_SCRATCH + 0x40]' },
  [key(7, 'ebx', 0)]: { long: `${CR4_OR64(16)}\n  rdfsbase rax\n  wrgsbase rax\n  rdgsbase rbx\n  wrfsbase rbx` },
  [key(0x80000001, 'edx', 11)]: { long: 'mov ecx, 0xc0000081\n  xor eax, eax\n  mov edx, 0x00180008\n  wrmsr\n  mov ecx, 0xc0000082\n  mov eax, .target\n  xor edx, edx\n  wrmsr\n  syscall\n.target:' },
  [key(0x80000001, 'ecx', 0)]: { long: 'lahf\n  sahf' },
  // PCID: CR4.PCIDE (IA-32e mode only; its rules: test/cpu/pcid.test.ts).
  [key(1, 'ecx', 17)]: { long: `${CR4_OR64(17)}\n  mov rax, cr3\n  or rax, 1\n  mov cr3, rax` },
  // Page1GB: a 1 GiB page (PS in a PDPTE) at linear 1 GiB mapping physical 0, read through.
  [key(0x80000001, 'edx', 26)]: { long: 'mov dword [pdpt_lo + 8], 0x83\n  mov eax, [0x40000000 + R_SCRATCH]' },
};

/** Features not implemented: the bit is clear and the use faults with this vector. */
const ABSENT: Array<{ name: string; k: string; probe: string | Long; vector: number }> = [
  { name: 'MMX', k: key(1, 'edx', 23), probe: 'paddb mm0, mm1', vector: 6 },
  { name: 'SSE4.1', k: key(1, 'ecx', 19), probe: `${SSE_ON}\n  pmulld xmm0, xmm1`, vector: 6 },
  { name: 'SSE4.2', k: key(1, 'ecx', 20), probe: 'crc32 eax, ebx', vector: 6 },
  { name: 'POPCNT', k: key(1, 'ecx', 23), probe: 'popcnt eax, ebx', vector: 6 },
  { name: 'AVX', k: key(1, 'ecx', 28), probe: `${SSE_ON}\n  ${CR4_OR(18)}\n  xor ecx, ecx\n  mov eax, 7\n  xor edx, edx\n  xsetbv`, vector: 13 },
  { name: 'VMX (CR4.VMXE)', k: key(1, 'ecx', 5), probe: CR4_OR(13), vector: 13 },
  { name: 'SMX (CR4.SMXE)', k: key(1, 'ecx', 6), probe: CR4_OR(14), vector: 13 },
  { name: 'PKU (CR4.PKE)', k: key(7, 'ecx', 3), probe: CR4_OR(22), vector: 13 },
  { name: 'LA57 (CR4.LA57)', k: key(7, 'ecx', 16), probe: CR4_OR(12), vector: 13 },
  { name: 'LA57 in 64-bit mode (CR4.LA57)', k: key(7, 'ecx', 16), probe: { long: CR4_OR64(12) }, vector: 13 },
];

function advertised(): Set<string> {
  const body = LEAVES.map(([leaf, reg], i) => `mov eax, ${leaf}\n  xor ecx, ecx\n  cpuid\n  mov [R_SCRATCH + ${i * 4}], ${reg}`).join('\n  ');
  const r = runKernel(`${body}\n  mov dword [R_VEC], 0x77`);
  assert.equal(u32(r.m, R_VEC), 0x77);
  const set = new Set<string>();
  LEAVES.forEach(([leaf, reg], i) => {
    const v = u32(r.m, R_SCRATCH + i * 4);
    for (let b = 0; b < 32; b++) if ((v >>> b) & 1) set.add(key(leaf, reg, b));
  });
  return set;
}

function vectorOf(probe: string | Long): number {
  if (typeof probe !== 'string') {
    const r = runLong(`${probe.long}\n  mov qword [R_VEC], 0x77`);
    return Number(q(r.m, R.VEC));
  }
  const r = runKernel(`${probe}\n  mov dword [R_VEC], 0x77`);
  return u32(r.m, R_VEC);
}

test('every advertised CPUID feature bit has a probe that uses the feature and runs', () => {
  const set = advertised();
  for (const k of set) {
    assert.ok(PROBES[k] !== undefined, `CPUID bit ${k} is set but nothing here uses it`);
    assert.equal(vectorOf(PROBES[k]), 0x77, `the probe of ${k} faulted`);
  }
  for (const k of Object.keys(PROBES)) assert.ok(set.has(k), `${k} has a probe but CPUID does not advertise it`);
});

test('features not implemented are clear in CPUID and #UD or #GP(0) when used', () => {
  const set = advertised();
  for (const a of ABSENT) {
    assert.ok(!set.has(a.k), `${a.name} (${a.k}) is advertised`);
    assert.equal(vectorOf(a.probe), a.vector, a.name);
  }
});
